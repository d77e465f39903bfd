"""The console's chat desk over HTTP: signed in, the person's name signs the answers; changes
need the session's CSRF token; another franchise's customer's conversation does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.cases.models import ChatConversation
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.e2e.test_console_security import sign_in
from tests.integration.test_webchat import SITE, given_a_chat


@pytest.fixture
def app_clients(db: Database, tmp_path: Path) -> tuple[TestClient, TestClient, str]:
    """The visitor's browser, Aurélie signed in the console, and her CSRF token."""
    given_a_chat(db)
    with db.transaction(write=True) as session:
        password = create_user(session, "aurelie", role="agent", display_name="Aurélie")
    app = create_app(Settings(environment="test", home=tmp_path), db)
    visitor, agent = TestClient(app, headers={"Origin": SITE}), TestClient(app)
    sign_in(agent, password, login="aurelie")
    page = agent.get("/console/chat")
    csrf = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    return visitor, agent, csrf


def a_visitor_asks(visitor: TestClient, text: str, email: str | None = None) -> None:
    token = visitor.post("/chat/chat-site/conversations", json={}).json()["token"]
    if email:
        visitor.post(f"/chat/chat-site/conversations/{token}/identify", json={"email": email})
    visitor.post(f"/chat/chat-site/conversations/{token}/messages", json={"text": text})


def test_an_agent_answers_from_the_console_and_her_name_signs_the_answer(
    app_clients: tuple[TestClient, TestClient, str], db: Database
):
    visitor, agent, csrf = app_clients
    a_visitor_asks(visitor, "Le matelas Orphée existe-t-il en 140 ?")

    [conversation] = agent.get("/console/chat/conversations").json()
    shown = agent.get(f"/console/chat/conversations/{conversation['id']}").json()
    answered = agent.post(f"/console/chat/conversations/{conversation['id']}/messages",
                          json={"text": "Oui, en 140 × 190."},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    closed = agent.post(f"/console/chat/conversations/{conversation['id']}/close",
                        headers={"X-CSRF-Token": csrf})  # fmt: skip

    assert [m["text"] for m in shown["messages"]] == ["Le matelas Orphée existe-t-il en 140 ?"]
    assert answered.status_code == 201
    assert (answered.json()["author"], answered.json()["agent"]) == ("agent", "Aurélie")
    assert closed.json()["status"] == "closed"
    assert agent.get("/console/chat/conversations").json() == []


def test_without_the_csrf_token_or_signed_out_nothing_is_sent(
    app_clients: tuple[TestClient, TestClient, str], db: Database
):
    visitor, agent, _ = app_clients
    a_visitor_asks(visitor, "Bonjour")
    [conversation] = agent.get("/console/chat/conversations").json()
    path = f"/console/chat/conversations/{conversation['id']}/messages"

    forged = agent.post(path, json={"text": "Cliquez ici"}, headers={"X-CSRF-Token": "guess"})
    stranger = TestClient(agent.app).get("/console/chat/conversations")

    assert (forged.status_code, forged.json()) == (403, {"detail": "missing or wrong CSRF token"})
    assert stranger.status_code == 401
    with db.sessions() as session:
        assert session.scalars(select(Interaction).where(Interaction.direction == "outbound")
                               ).all() == []  # fmt: skip


def test_a_franchise_seller_does_not_see_another_franchises_customers_conversation(
    db: Database, tmp_path: Path
):
    given_a_chat(db)
    with db.transaction(write=True) as session:
        ingest_batch(
            session,
            [
                IncomingRecord(
                    "brest",
                    "B1",
                    {
                        "last_name": "Kerbrat",
                        "email": "k@exemple.fr",
                        "owning_unit": "Franchise Brest",
                    },
                )
            ],
        )
        password = create_user(session, "nolwenn", role="seller", unit="Franchise Lannion")
    app = create_app(Settings(environment="test", home=tmp_path), db)
    visitor, seller = TestClient(app, headers={"Origin": SITE}), TestClient(app)
    a_visitor_asks(visitor, "Ma commande ?", email="k@exemple.fr")
    sign_in(seller, password, login="nolwenn")

    listed = seller.get("/console/chat/conversations").json()
    with db.sessions() as session:
        conversation_id = session.scalars(select(ChatConversation.id)).one()
    read = seller.get(f"/console/chat/conversations/{conversation_id}")

    assert listed == []
    assert read.status_code == 404


def test_the_old_desk_address_leads_to_the_console(app_clients: tuple[TestClient, TestClient, str]):
    _, agent, _ = app_clients
    moved = agent.get("/agent/chat", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/console/chat")
