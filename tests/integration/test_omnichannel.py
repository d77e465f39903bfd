"""The channels issue's acceptance: a customer who writes by e-mail, then chats, then sends an SMS
about the same request ends up with one customer and one case whose thread holds the three
messages in order — here a stranger to the base, who becomes a customer on the first message."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.cases import staff
from parcours.cases.models import Case, CaseInteraction
from parcours.channels import accounts
from parcours.channels.sms import twilio_signature
from parcours.config import Settings
from parcours.customers.models import Customer
from parcours.db import Database
from parcours.interactions.models import Interaction

SITE = "https://www.sens-confort.example"
SMS_HOOK = "https://crm.sens-confort.example/api/v1/webhooks/sms/sms-sav"
EMAIL = (
    "From: =?utf-8?q?Ma=C3=ABlle_Tr=C3=A9guer?= <maelle.treguer@exemple.bzh>\r\n"
    "To: sav@sens-confort.example\r\n"
    "Subject: =?utf-8?q?Canap=C3=A9_livr=C3=A9_avec_un_accroc?=\r\n"
    "Message-ID: <accroc-1@exemple.bzh>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour, le canapé livré hier a un accroc sur l'accoudoir gauche.\r\n"
).encode()


def given_the_channels(db: Database) -> str:
    with db.transaction(write=True) as session:
        token = create_token(session, "relais-mail")
        accounts.save(session, "chat-site", "webchat",
                      {"allowed_origins": [SITE], "hours": "always"})  # fmt: skip
        accounts.save(session, "sms-sav", "sms_twilio",
                      {"account_sid": "AC1", "from_number": "+33700000000",
                       "webhook_url": SMS_HOOK}, {"auth_token": "twilio-token"})  # fmt: skip
        staff.add_team(session, "SAV", "contact_centre")
        staff.add_agent(session, "Kévin", "SAV", channels={"email": 5, "chat": 3, "sms": 5},
                        skills={"language:fr": 3}, presence="available")  # fmt: skip
        staff.add_queue(session, "SAV", ["SAV"], default=True)
    return token


def test_email_then_chat_then_sms_make_one_customer_and_one_case_in_order(
    db: Database, tmp_path: Path
):
    token = given_the_channels(db)
    app = create_app(Settings(environment="test", home=tmp_path), db)
    relay = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    browser = TestClient(app, headers={"Origin": SITE})
    twilio = TestClient(app)

    # An e-mail first, from someone the base does not know…
    emailed = relay.post("/api/v1/inbound/email", content=EMAIL,
                         headers={"Content-Type": "message/rfc822"})  # fmt: skip
    # …then the web chat, where she gives her e-mail and her mobile number…
    chat = browser.post("/chat/chat-site/conversations", json={}).json()["token"]
    who = {"email": "maelle.treguer@exemple.bzh", "phone": "07 81 22 33 44"}
    browser.post(f"/chat/chat-site/conversations/{chat}/identify", json=who)
    said = {"text": "J'ai envoyé les photos par e-mail, vous les avez ?"}
    chatted = browser.post(f"/chat/chat-site/conversations/{chat}/messages", json=said)
    # …then an SMS from that mobile.
    form = {
        "MessageSid": "SMaccroc",
        "AccountSid": "AC1",
        "From": "+33781223344",
        "To": "+33700000000",
        "Body": "Quand passe le technicien ?",
        "NumMedia": "0",
    }
    texted = twilio.post("/api/v1/webhooks/sms/sms-sav", data=form, headers={
        "X-Twilio-Signature": twilio_signature("twilio-token", SMS_HOOK, form)})  # fmt: skip

    assert (emailed.status_code, chatted.status_code, texted.status_code) == (201, 201, 200)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        [case] = session.scalars(select(Case)).all()
        thread = session.execute(
            select(Interaction.channel, Interaction.payload["text"].as_string(),
                   Interaction.customer_id)
            .join(CaseInteraction, CaseInteraction.interaction_id == Interaction.id)
            .where(CaseInteraction.case_id == case.id)
            .order_by(Interaction.occurred_at, Interaction.id)
        ).all()  # fmt: skip
        customer = session.scalars(select(Customer)).one()
    assert [(channel, text) for channel, text, _ in thread] == [
        ("email", "Bonjour, le canapé livré hier a un accroc sur l'accoudoir gauche."),
        ("chat", "J'ai envoyé les photos par e-mail, vous les avez ?"),
        ("sms", "Quand passe le technicien ?"),
    ]
    assert {customer_id for *_, customer_id in thread} == {customer.id}
    assert (case.customer_id, case.subject) == (customer.id, "Canapé livré avec un accroc")
    assert (customer.first_name, customer.email, customer.phone) == (
        "Maëlle", "maelle.treguer@exemple.bzh", "+33781223344",
    )  # fmt: skip
