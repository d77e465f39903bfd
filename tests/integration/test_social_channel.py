"""WhatsApp and Messenger end to end against a fake Graph API on loopback: Meta's verification,
signed deliveries becoming interactions and cases, answers leaving through the Graph API and
their statuses coming back; unsigned or replayed deliveries change nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.app import create_app
from parcours.cases import replies
from parcours.cases import services as cases
from parcours.cases.models import Case
from parcours.channels import accounts
from parcours.channels.models import OutboxMessage
from parcours.config import Settings
from parcours.customers.models import Customer
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.integration.test_graph_adapter import (  # noqa: F401  (fixture used by name)
    PAGE_ID,
    PAGE_TOKEN,
    PHONE_NUMBER_ID,
    SYSTEM_USER_TOKEN,
    FakeGraph,
    graph,
)
from tests.integration.test_interactions import CLAIRE, given_customers

APP_SECRET = "meta-app-secret"


def given_meta_accounts(db: Database, fake: FakeGraph) -> None:
    with db.transaction(write=True) as session:
        accounts.save(session, "whatsapp-sav", "whatsapp",
                      {"phone_number_id": PHONE_NUMBER_ID, "base_url": fake.url},
                      {"access_token": SYSTEM_USER_TOKEN, "app_secret": APP_SECRET,
                       "verify_token": "jeton-de-verification"})  # fmt: skip
        accounts.save(session, "page-facebook", "messenger",
                      {"page_id": PAGE_ID, "base_url": fake.url},
                      {"page_access_token": PAGE_TOKEN, "app_secret": APP_SECRET,
                       "verify_token": "jeton-de-verification"})  # fmt: skip


def signed(client: TestClient, name: str, payload: dict[str, Any],
           secret: str = APP_SECRET):  # type: ignore[no-untyped-def]  # fmt: skip
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(f"/api/v1/webhooks/social/{name}", content=body,
                       headers={"X-Hub-Signature-256": f"sha256={digest}",
                                "Content-Type": "application/json"})  # fmt: skip


def webhook(value: dict[str, Any]) -> dict[str, Any]:
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}


def whatsapp_text(wamid: str, text: str) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "33296000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Claire"}, "wa_id": "33612345678"}],
        "messages": [{"from": "33612345678", "id": wamid, "timestamp": str(int(time.time())),
                      "type": "text", "text": {"body": text}}],
    }  # fmt: skip
    return webhook(value)


def whatsapp_status(wamid: str, status: str) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "33296000000", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [{"id": wamid, "status": status, "timestamp": str(int(time.time())),
                      "recipient_id": "33612345678"}],
    }  # fmt: skip
    return webhook(value)


def messenger_text(mid: str, psid: str, text: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now,
        "message": {"mid": mid, "text": text}}]}]}  # fmt: skip


def test_a_whatsapp_conversation_opens_a_case_and_the_answer_goes_back_on_whatsapp(
    db: Database,
    graph: FakeGraph,  # noqa: F811
    tmp_path: Path,
):
    customers = given_customers(db, CLAIRE)
    given_meta_accounts(db, graph)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    verified = client.get("/api/v1/webhooks/social/whatsapp-sav", params={
        "hub.mode": "subscribe", "hub.verify_token": "jeton-de-verification",
        "hub.challenge": "1158201444"})  # fmt: skip
    first = signed(client, "whatsapp-sav", whatsapp_text("wamid.A1", "Mon colis est arrivé abîmé"))
    replayed = signed(
        client, "whatsapp-sav", whatsapp_text("wamid.A1", "Mon colis est arrivé abîmé")
    )
    with db.sessions() as session:
        case = session.scalars(select(Case)).one()
    with db.transaction(write=True) as session:
        replies.reply(session, cases.find_case(session, case.id), channel="whatsapp",
                      body="Désolés ! Envoyez-nous une photo.", actor="Kévin")  # fmt: skip
    with db.sessions() as session:
        sent = session.scalars(select(OutboxMessage)).one()
    delivered = signed(client, "whatsapp-sav", whatsapp_status(str(sent.provider_id), "read"))

    assert (verified.status_code, verified.text) == (200, "1158201444")
    assert first.json() == {"messages": 1, "statuses": 0, "skipped": 0}
    assert replayed.status_code == 200
    assert (case.customer_id, case.channel, case.type) == (customers["MAG-1"], "social", "request")
    [request] = graph.received
    assert request.body["to"] == "33612345678"
    assert request.body["text"]["body"] == "Désolés ! Envoyez-nous une photo."
    assert delivered.json()["statuses"] == 1
    with db.sessions() as session:
        message = session.get(OutboxMessage, sent.id)
        assert message is not None and message.status == "delivered"
        inbound = session.scalars(select(Interaction).where(Interaction.source == "whatsapp")).all()
        assert [(i.channel, i.network, i.customer_id) for i in inbound] == [
            ("social", "whatsapp", customers["MAG-1"])
        ]


def test_a_messenger_stranger_becomes_a_customer_answered_on_messenger(
    db: Database,
    graph: FakeGraph,  # noqa: F811
    tmp_path: Path,
):
    given_meta_accounts(db, graph)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    signed(client, "page-facebook", messenger_text("m_1", "7045123698521478", "Horaires ?"))
    with db.sessions() as session:
        customer = session.scalars(select(Customer)).one()
        case = session.scalars(select(Case)).one()
    with db.transaction(write=True) as session:
        reply = replies.reply(session, cases.find_case(session, case.id), channel="messenger",
                              body="Du mardi au samedi, 10h-19h.", actor="Léa")  # fmt: skip

    assert case.customer_id == customer.id
    assert reply.recipient == "7045123698521478"
    [request] = graph.received
    assert request.body["recipient"] == {"id": "7045123698521478"}


def test_an_unsigned_or_forged_delivery_is_refused(
    db: Database,
    graph: FakeGraph,  # noqa: F811
    tmp_path: Path,
):
    given_meta_accounts(db, graph)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    unsigned = client.post("/api/v1/webhooks/social/whatsapp-sav",
                           json=whatsapp_text("wamid.X", "hello"))  # fmt: skip
    forged = signed(client, "whatsapp-sav", whatsapp_text("wamid.X", "hello"), secret="guess")
    wrong_token = client.get("/api/v1/webhooks/social/whatsapp-sav", params={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})  # fmt: skip
    broken = signed(client, "whatsapp-sav", {"object": "page", "entry": "nope"})

    assert (unsigned.status_code, unsigned.json()["detail"]) == (403, "missing signature")
    assert (forged.status_code, forged.json()["detail"]) == (403, "bad signature")
    assert wrong_token.status_code == 403
    assert broken.status_code == 400
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0
