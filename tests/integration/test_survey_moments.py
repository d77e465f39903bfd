"""Surveys after a purchase, a delivery, a click & collect pick-up or a store visit, on the
customer's preferred channel where they allow it; the way out; consent enforced by the outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.app import create_app
from parcours.channels import consents, outbox
from parcours.channels.models import OutboxMessage
from parcours.config import Settings
from parcours.customers.models import Customer
from parcours.db import Database
from parcours.experience import services, triggers
from parcours.experience.models import SurveyAnswer, SurveyInvitation
from tests.integration.test_case_replies import Mailbox, mailbox  # noqa: F401
from tests.integration.test_interactions import CLAIRE, YANN, given_customers, send


def given_a_survey_after(db: Database, *moments: str, fatigue_days: int = 30) -> None:
    with db.transaction(write=True) as session:
        services.create_survey(session, "moments", [services.parse_question("q1:csat:1-5")],
                               title="Votre avis")  # fmt: skip
        for moment in moments:
            triggers.add_trigger(session, "moments", moment, fatigue_days=fatigue_days)


def prefers(db: Database, customer_id: int, channel: str) -> None:
    with db.transaction(write=True) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        customer.preferred_channel = channel


def moment(
    external_id: str, kind: str, when: datetime, email: str, **fields: Any
) -> dict[str, Any]:
    return {"external_id": external_id, "occurred_at": when.isoformat(), "channel": "store",
            "type": kind, "identifiers": {"email": email}, **fields}  # fmt: skip


def invitations(db: Database) -> list[tuple[str, str, int | None]]:
    with db.sessions() as session:
        rows = session.execute(
            select(SurveyInvitation.moment, SurveyInvitation.channel,
                   SurveyInvitation.interaction_id).order_by(SurveyInvitation.id)
        ).all()  # fmt: skip
    return [tuple(row) for row in rows]  # type: ignore[misc]


def queued(db: Database) -> list[tuple[str, str, str, str]]:
    with db.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.purpose,
                   OutboxMessage.status).order_by(OutboxMessage.id)
        ).all()  # fmt: skip
    return [tuple(row) for row in rows]  # type: ignore[misc]


NOW = datetime.now(UTC)


def test_a_delivery_sends_the_survey_by_sms_to_a_customer_who_prefers_sms(db: Database):
    customers = given_customers(db, CLAIRE)
    prefers(db, customers["MAG-1"], "sms")
    given_a_survey_after(db, "delivery")

    send(db, moment("liv-1", "delivery", NOW - timedelta(hours=2), CLAIRE.fields["email"]))
    send(db, moment("liv-1", "delivery", NOW - timedelta(hours=2), CLAIRE.fields["email"],
                    payload={"carrier": "Geodis"}))  # a new version: no second survey  # fmt: skip

    assert [(m, c) for m, c, _ in invitations(db)] == [("delivery", "sms")]
    assert queued(db) == [("sms", "+33612345678", "surveys", "queued")]
    with db.sessions() as session:
        body = session.scalars(select(OutboxMessage.body)).one()
    assert re.fullmatch(r"Votre avis sur votre livraison \? 2 min : "
                        r"http://127\.0\.0\.1:8000/s/[\w-]+ \(STOP pour ne plus recevoir\)",
                        body)  # fmt: skip


def test_a_landline_is_not_texted_and_history_is_not_surveyed(db: Database):
    # Given Yann, whose phone is a landline, prefers SMS: his survey goes by e-mail.
    customers = given_customers(db, YANN)
    prefers(db, customers["MAG-2"], "sms")
    given_a_survey_after(db, "purchase", "store_visit", fatigue_days=0)

    email = YANN.fields["email"]
    send(db, moment("achat-old", "purchase", NOW - timedelta(days=40), email),
         moment("achat-1", "purchase", NOW - timedelta(minutes=5), email),
         moment("vue-1", "page_view", NOW - timedelta(minutes=4), email))  # fmt: skip

    assert [(m, c) for m, c, _ in invitations(db)] == [("purchase", "email")]
    assert queued(db) == [("email", "yann.prigent@exemple.fr", "surveys", "queued")]


def test_the_way_out_stops_the_next_surveys_on_that_channel(
    db: Database,
    mailbox: Mailbox,  # noqa: F811
):
    given_customers(db, CLAIRE)
    given_a_survey_after(db, "click_collect", "purchase", fatigue_days=0)
    send(db, moment("cc-1", "click_collect", NOW - timedelta(hours=1), CLAIRE.fields["email"]))
    [mail] = mailbox.received
    stop = re.search(r"http://127\.0\.0\.1:8000(/s/[\w-]+/stop)", mail.get_content())
    assert stop is not None and "votre retrait en magasin" in mail.get_content()
    client = TestClient(create_app(Settings(environment="test"), db))

    confirm = client.get(stop.group(1))
    done = client.post(stop.group(1) + "?lang=en")
    send(db, moment("achat-2", "purchase", NOW - timedelta(minutes=5), CLAIRE.fields["email"]))

    assert confirm.status_code == 200 and "Confirmer" in confirm.text
    assert done.status_code == 200
    assert "Done: no more surveys to claire.legoff@exemple.fr." in done.text
    # Claire's mobile number still allows surveys: the next one goes by SMS.
    assert [(m, c) for m, c, _ in invitations(db)] == [("click_collect", "email"),
                                                       ("purchase", "sms")]  # fmt: skip
    assert len(mailbox.received) == 1
    with db.sessions() as session:
        [withdrawal] = consents.history(session, "email", "Claire.LeGoff@exemple.fr")
    assert (withdrawal.purpose, withdrawal.is_granted, withdrawal.source) == (
        "surveys", False, "survey link",
    )  # fmt: skip


def test_an_answer_after_a_moment_counts_for_its_touchpoint_and_phase(db: Database):
    given_customers(db, CLAIRE)
    given_a_survey_after(db, "store_visit")
    send(db, moment("visite-1", "store_visit", NOW - timedelta(hours=1), CLAIRE.fields["email"]))
    with db.sessions() as session:
        token = session.scalars(select(SurveyInvitation.token)).one()

    with db.transaction(write=True) as session:
        triggers.answer(session, token, {"q1": "5"})

    with db.sessions() as session:
        answer = session.scalars(select(SurveyAnswer)).one()
    assert (answer.score, answer.touchpoint, answer.phase, answer.channel) == (
        5, "store_visit", "before", "email",
    )  # fmt: skip


def test_the_outbox_blocks_a_message_its_recipient_refused_even_after_it_was_queued(
    db: Database,
):
    # Given Claire withdrew everything by SMS, and messages were queued while no mail server
    # was configured
    with db.transaction(write=True) as session:
        consents.record(session, channel="sms", address="06 12 34 56 78", purpose="all",
                        is_granted=False, source="sms STOP")  # fmt: skip
        texted = outbox.queue_message(session, channel="sms", recipient="+33612345678",
                                      body="Votre commande est prête")  # fmt: skip
        mail = outbox.queue_message(session, channel="email", recipient="claire@exemple.fr",
                                    subject="Offre", body="-20 %", purpose="marketing")  # fmt: skip
        survey = outbox.queue_message(session, channel="email", recipient="claire@exemple.fr",
                                      subject="Avis", body="?", purpose="surveys")  # fmt: skip
    queued_first = queued(db)
    # When she refuses surveys by e-mail before the outbox is sent (a closed port: a message
    # that tried to leave would be "failed", not "blocked")
    with db.transaction(write=True) as session:
        consents.record(session, channel="email", address="Claire@Exemple.fr",
                        purpose="surveys", is_granted=False, source="web form")  # fmt: skip
    with db.transaction(write=True) as session:
        counts = outbox.send_pending(session, Settings(environment="test",
                                                       smtp_url="smtp://127.0.0.1:9"))  # fmt: skip
    with db.sessions() as session:
        statuses = {m.id: (m.status, m.error) for m in session.scalars(select(OutboxMessage))}

    assert [status for *_, status in queued_first] == ["blocked", "blocked", "queued"]
    assert counts == {"blocked": 1}
    assert statuses[texted.id] == ("blocked", f"withdrawn on sms (sms STOP, {NOW:%Y-%m-%d})")
    assert statuses[mail.id] == ("blocked", "no opt-in for marketing on email")
    assert statuses[survey.id] == ("blocked", f"surveys withdrawn on email (web form, "
                                              f"{NOW:%Y-%m-%d})")  # fmt: skip
