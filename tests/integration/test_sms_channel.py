"""The SMS channel end to end against a fake Twilio on loopback: a reply leaves through the
outbox and Twilio's API, its delivery receipt comes back, the customer's SMS joins the case
through the signed webhook, STOP stops the next SMS at once; forged or replayed requests change
nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.app import create_app
from parcours.cases import replies
from parcours.cases import services as cases
from parcours.cases.models import CaseInteraction
from parcours.channels import accounts
from parcours.channels.models import OutboxMessage
from parcours.channels.sms import twilio_signature
from parcours.config import Settings
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, given_customers
from tests.integration.test_twilio_adapter import (  # noqa: F401  (fixture used by name)
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    twilio,
)

WEBHOOK = "https://crm.sens-confort.example/api/v1/webhooks/sms/sms-sav"


def given_a_twilio_account(db: Database, fake: FakeTwilio) -> None:
    with db.transaction(write=True) as session:
        accounts.save(session, "sms-sav", "sms_twilio", {
            "account_sid": ACCOUNT_SID, "from_number": "+33700000000", "webhook_url": WEBHOOK,
            "status_callback_url": WEBHOOK + "/status", "base_url": fake.url,
        }, {"auth_token": AUTH_TOKEN})  # fmt: skip


def signed_post(client: TestClient, path: str, form: dict[str, str], url: str = WEBHOOK,
                token: str = AUTH_TOKEN):  # type: ignore[no-untyped-def]  # fmt: skip
    signature = twilio_signature(token, url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def inbound(sid: str, body: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": "+33612345678",
            "To": "+33700000000", "Body": body, "NumMedia": "0"}  # fmt: skip


def test_a_case_goes_back_and_forth_by_sms_until_the_customer_says_stop(
    db: Database,
    twilio: FakeTwilio,  # noqa: F811
    tmp_path: Path,
):
    customers = given_customers(db, CLAIRE)
    given_a_twilio_account(db, twilio)
    case_id, reference = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales",
                                   channel="phone", subject="Livraison du matelas")  # fmt: skip
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    # When an agent replies by SMS, Twilio gets it and reports it delivered
    with db.transaction(write=True) as session:
        replies.reply(session, cases.find_case(session, case_id), channel="sms",
                      body="Votre matelas arrive jeudi matin.", actor="Kévin")  # fmt: skip
    [sent] = twilio.received
    with db.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
    receipt = signed_post(client, "/api/v1/webhooks/sms/sms-sav/status",
                          {"MessageSid": str(message.provider_id), "MessageStatus": "delivered"},
                          url=WEBHOOK + "/status")  # fmt: skip

    # And Claire answers by SMS, twice delivered by Twilio, then sends STOP
    answer = signed_post(client, "/api/v1/webhooks/sms/sms-sav", inbound("SM1", "Jeudi ok merci"))
    again = signed_post(client, "/api/v1/webhooks/sms/sms-sav", inbound("SM1", "Jeudi ok merci"))
    stop = signed_post(client, "/api/v1/webhooks/sms/sms-sav", inbound("SM2", "Stop"))
    with db.transaction(write=True) as session:
        replies.reply(session, cases.find_case(session, case_id), channel="sms",
                      body="Le livreur vous appellera.", actor="Kévin")  # fmt: skip

    assert sent.form["To"] == ["+33612345678"] and sent.form["StatusCallback"] == [
        WEBHOOK + "/status"
    ]
    assert sent.form["Body"] == [f"Votre matelas arrive jeudi matin.\n({reference})"]
    assert receipt.status_code == 204
    assert answer.status_code == 200 and answer.text.endswith("<Response></Response>")
    assert (again.status_code, stop.status_code) == (200, 200)
    assert len(twilio.received) == 1  # nothing left after STOP
    with db.sessions() as session:
        first, last = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert (first.status, first.delivered_at is not None) == ("delivered", True)
        assert (last.status, last.error is not None) == ("blocked", True)
        assert str(last.error).startswith("withdrawn on sms (sms STOP, ")
        in_thread = session.scalars(
            select(Interaction.external_id)
            .join(CaseInteraction, CaseInteraction.interaction_id == Interaction.id)
            .where(CaseInteraction.case_id == case_id, Interaction.source == "sms")
        ).all()
        assert in_thread == ["SM1"]  # STOP is on the timeline, not in the case
        assert session.scalar(select(func.count()).select_from(Interaction).where(
            Interaction.source == "sms")) == 2  # fmt: skip


def test_a_forged_or_unsigned_webhook_is_refused(
    db: Database,
    twilio: FakeTwilio,  # noqa: F811
    tmp_path: Path,
):
    given_a_twilio_account(db, twilio)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    unsigned = client.post("/api/v1/webhooks/sms/sms-sav", data=inbound("SM9", "STOP"))
    forged = signed_post(client, "/api/v1/webhooks/sms/sms-sav", inbound("SM9", "STOP"),
                         token="guessed")  # fmt: skip
    other_url = signed_post(client, "/api/v1/webhooks/sms/sms-sav", inbound("SM9", "STOP"),
                            url="https://evil.example/hook")  # fmt: skip
    unknown = signed_post(client, "/api/v1/webhooks/sms/nope", inbound("SM9", "STOP"))
    broken = signed_post(client, "/api/v1/webhooks/sms/sms-sav", {"Body": "hello"})

    assert (unsigned.status_code, unsigned.json()["detail"]) == (403, "missing X-Twilio-Signature")
    assert (forged.status_code, forged.json()["detail"]) == (403, "bad X-Twilio-Signature")
    assert other_url.status_code == 403
    assert unknown.status_code == 404
    assert broken.status_code == 400
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0
