"""The web chat over HTTP: an anonymous visitor becomes a known customer, the conversation is a
case routed to chat agents, answers arrive live; with nobody there, a call-back or an e-mail
answer instead; only the merchant's own sites may use it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours import live
from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.cases import staff
from parcours.cases.models import Case, ChatConversation
from parcours.channels import accounts
from parcours.config import Settings
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.integration.test_interactions import CLAIRE, given_customers

SITE = "https://www.sens-confort.example"


def given_a_chat(db: Database, *, agent_present: bool = True) -> None:
    with db.transaction(write=True) as session:
        accounts.save(session, "chat-site", "webchat",
                      {"allowed_origins": [SITE], "hours": "always",
                       "welcome_fr": "Bonjour ! Une question sur nos produits ?"})  # fmt: skip
        staff.add_team(session, "Conseil en ligne", "contact_centre")
        staff.add_agent(session, "Aurélie", "Conseil en ligne", channels={"chat": 3},
                        skills={"language:fr": 3},
                        presence="available" if agent_present else "offline")  # fmt: skip
        staff.add_queue(session, "Conseil", ["Conseil en ligne"], default=True)


@pytest.fixture
def clients(db: Database, tmp_path: Path) -> tuple[TestClient, TestClient]:
    """The visitor's browser on the merchant's site, and the agents' API."""
    with db.transaction() as session:
        token = create_token(session, "console")
    app = create_app(Settings(environment="test", home=tmp_path), db)
    visitor = TestClient(app, headers={"Origin": SITE})
    agents = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    return visitor, agents


def test_an_anonymous_visitor_chats_gives_an_email_and_is_answered(
    db: Database, clients: tuple[TestClient, TestClient]
):
    customers = given_customers(db, CLAIRE)
    given_a_chat(db)
    visitor, agents = clients

    available = visitor.get("/chat/chat-site/availability")
    opening = {"visitor": "v-0123456789", "page_url": SITE + "/matelas"}
    started = visitor.post("/chat/chat-site/conversations", json=opening).json()
    token = started["token"]
    first = visitor.post(f"/chat/chat-site/conversations/{token}/messages",
                         json={"text": "Le matelas Orphée existe-t-il en 140 ?"})  # fmt: skip
    with db.sessions() as session:
        case = session.scalars(select(Case)).one()
        anonymous = session.get(Interaction, first.json()["id"])
        assert anonymous is not None and anonymous.customer_id is None
    identified = visitor.post(f"/chat/chat-site/conversations/{token}/identify",
                              json={"email": "Claire.LeGoff@exemple.fr"})  # fmt: skip
    conversation = agents.get("/api/v1/chat/conversations").json()[0]
    answer = agents.post(f"/api/v1/chat/conversations/{conversation['id']}/messages",
                         json={"agent": "Aurélie", "text": "Oui, en 140 × 190."})  # fmt: skip
    history = visitor.get(f"/chat/chat-site/conversations/{token}/messages").json()

    assert available.json()["available"] is True
    assert available.headers["access-control-allow-origin"] == SITE
    assert (case.channel, case.type, case.owner_id is not None) == ("chat", "request", True)
    assert identified.json() == {"identified": True}
    assert conversation["case"] == case.reference
    assert answer.status_code == 201
    assert [(m["author"], m["text"]) for m in history] == [
        ("visitor", "Le matelas Orphée existe-t-il en 140 ?"), ("agent", "Oui, en 140 × 190."),
    ]  # fmt: skip
    with db.sessions() as session:
        case = session.get(Case, case.id)
        assert case is not None and case.customer_id == customers["MAG-1"]
        earlier = session.get(Interaction, first.json()["id"])
        assert earlier is not None and earlier.customer_id == customers["MAG-1"]  # retroactively


def test_the_agents_answer_reaches_the_widget_live(
    db: Database, clients: tuple[TestClient, TestClient]
):
    given_a_chat(db)
    visitor, agents = clients
    token = visitor.post("/chat/chat-site/conversations", json={}).json()["token"]
    visitor.post(f"/chat/chat-site/conversations/{token}/messages", json={"text": "Bonjour"})
    with db.sessions() as session:
        conversation_id = session.scalars(select(ChatConversation.id)).one()

    async def listen() -> list[str]:
        async def collect() -> list[str]:
            return [chunk async for chunk in live.event_stream(f"conversation:{conversation_id}",
                                                               timeout=3.0)]  # fmt: skip

        listening = asyncio.create_task(collect())
        while not live.HUB.listeners(f"conversation:{conversation_id}"):
            await asyncio.sleep(0.01)
        await asyncio.to_thread(lambda: agents.post(
            f"/api/v1/chat/conversations/{conversation_id}/messages",
            json={"agent": "Aurélie", "text": "Bonjour, je vous écoute."}))  # fmt: skip
        return await listening

    chunks = asyncio.run(listen())
    [message] = [json.loads(c.split("data: ", 1)[1]) for c in chunks if c.startswith("event:")]
    assert (message["author"], message["agent"], message["text"]) == (
        "agent", "Aurélie", "Bonjour, je vous écoute.",
    )  # fmt: skip


def test_with_nobody_there_the_visitor_is_offered_a_call_back_or_an_email_answer(
    db: Database, clients: tuple[TestClient, TestClient]
):
    given_a_chat(db, agent_present=False)
    visitor, _ = clients

    availability = visitor.get("/chat/chat-site/availability").json()
    token = visitor.post("/chat/chat-site/conversations", json={}).json()["token"]
    slot = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0).isoformat()
    asked = {"phone": "06 98 76 54 32", "slot": slot, "name": "Loïc Le Bihan"}
    called = visitor.post(f"/chat/chat-site/conversations/{token}/callback", json=asked)
    other = visitor.post("/chat/chat-site/conversations", json={}).json()["token"]
    no_address = visitor.post(f"/chat/chat-site/conversations/{other}/messages",
                              json={"text": "Vos horaires ?", "answer_by": "email"})  # fmt: skip
    visitor.post(f"/chat/chat-site/conversations/{other}/identify",
                 json={"email": "yann.prigent@exemple.fr"})  # fmt: skip
    by_email = visitor.post(f"/chat/chat-site/conversations/{other}/messages",
                            json={"text": "Vos horaires ?", "answer_by": "email"})  # fmt: skip

    assert availability["available"] is False
    assert (availability["reason"], availability["offers"]) == (
        "no agent available", ["callback", "email"],
    )  # fmt: skip
    assert called.status_code == 201 and by_email.status_code == 201
    assert no_address.json()["detail"] == "give your e-mail address to be answered by e-mail"
    with db.sessions() as session:
        callback, answer = session.scalars(select(Case).order_by(Case.id)).all()
    assert (callback.type, callback.channel) == ("callback", "web")
    assert callback.due_at is not None and callback.due_at >= datetime.fromisoformat(slot)
    assert (answer.type, answer.channel) == ("request", "email")


def test_only_the_merchants_sites_may_use_the_chat(
    db: Database, clients: tuple[TestClient, TestClient]
):
    given_a_chat(db)
    visitor, _ = clients
    elsewhere: dict[str, Any] = {"headers": {"Origin": "https://copycat.example"}}

    refused = visitor.post("/chat/chat-site/conversations", json={}, **elsewhere)
    preflight = visitor.options("/chat/chat-site/conversations", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST"})  # fmt: skip
    unknown = visitor.get("/chat/nope/availability")
    bad_token = visitor.post("/chat/chat-site/conversations/forged/messages", json={"text": "x"})

    assert (refused.status_code, refused.json()["detail"]) == (
        403, "this chat is not offered on https://copycat.example",
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert unknown.status_code == 404 and bad_token.status_code == 404
