"""Service levels on SQLite and PostgreSQL, with a fixed clock: due times in business hours,
the first response stopping its clock, reminders and escalation once, attainment per team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from parcours.cases import services, slas, views
from parcours.cases.assignment import open_and_route
from parcours.cases.models import CaseEvent, Team
from parcours.channels.models import OutboxMessage
from parcours.db import Database
from tests.integration.test_case_assignment import given_a_showroom_and_a_contact_centre
from tests.integration.test_interactions import event, send

FRIDAY_EVENING = datetime.fromisoformat("2026-03-13T17:50:00+01:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+01:00")


def given_policies(db: Database) -> None:
    given_a_showroom_and_a_contact_centre(db)
    with db.transaction(write=True) as session:
        slas.add_policy(session, "standard", 2, first_response_minutes=480,
                        resolution_minutes=2400)  # fmt: skip
        slas.add_policy(session, "téléphone", 1, first_response_minutes=60,
                        resolution_minutes=240, reminder_minutes=30,
                        conditions={"channels": ["phone"]})  # fmt: skip


def open_case(db: Database, **fields: Any) -> int:
    options: dict[str, Any] = {"customer_id": None, "case_type": "quote", "channel": "phone",
                               "subject": "Devis", "opened_by": "site",
                               "now": FRIDAY_EVENING, **fields}  # fmt: skip
    with db.transaction(write=True) as session:
        return open_and_route(session, **options).id


def test_due_times_are_counted_in_business_hours_from_the_first_policy_that_holds(db: Database):
    given_policies(db)

    call = open_case(db)
    mail = open_case(db, channel="email")

    with db.sessions() as session:
        first, second = services.find_case(session, call), services.find_case(session, mail)
        assert (first.first_response_due_at, first.resolution_due_at) == (
            at("2026-03-16T09:50:00"),
            at("2026-03-16T13:50:00"),
        )
        # Eight business hours later: the same time on the next working day.
        assert second.first_response_due_at == at("2026-03-16T17:50:00")
        detail = views.case_detail(session, first)
    assert (detail.sla.policy, detail.sla.first_response) == ("téléphone", "breached")


def test_a_message_to_the_customer_stops_the_first_response_clock(db: Database):
    given_policies(db)
    case_id = open_case(db)
    with db.sessions() as session:
        reference = services.find_case(session, case_id).reference

    send(db, event("reply", "2026-03-16T09:40:00+01:00", channel="email", type="email_sent",
                   direction="outbound", case_ref=reference))  # fmt: skip

    with db.sessions() as session:
        case = services.find_case(session, case_id)
        assert case.first_responded_at == at("2026-03-16T09:40:00")
        clocks = slas.clocks(session, case, at("2026-03-16T11:00:00"))
    assert (clocks.first_response, clocks.resolution) == ("met", "on_time")


def test_a_clock_at_risk_is_reminded_once_and_a_breached_one_escalated_once(db: Database):
    given_policies(db)
    case_id = open_case(db)

    reports = []
    for moment in ("2026-03-16T09:00:00", "2026-03-16T09:25:00", "2026-03-16T09:30:00",
                   "2026-03-16T09:51:00", "2026-03-16T10:30:00"):  # fmt: skip
        with db.transaction(write=True) as session:
            reports.append(slas.check(session, now=at(moment)))

    assert [(len(r.reminded), len(r.escalated)) for r in reports] == [
        (0, 0), (1, 0), (0, 0), (0, 1), (0, 0)
    ]  # fmt: skip
    with db.sessions() as session:
        case = services.find_case(session, case_id)
        history = session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        ).all()
        escalation = session.scalar(select(CaseEvent.details).where(CaseEvent.kind == "escalated"))
    assert case.priority == "high"
    assert history[-3:] == ["sla_reminder", "escalated", "priority"]
    assert escalation == {"manager": None, "first_response": "breached", "resolution": "on_time"}


def test_attainment_counts_first_responses_and_resolutions_in_time_per_team_and_channel(
    db: Database,
):
    given_policies(db)
    answered, late = open_case(db), open_case(db, channel="chat")
    with db.sessions() as session:
        reference = services.find_case(session, answered).reference
    send(db, event("reply", "2026-03-16T09:30:00+01:00", channel="email", type="email_sent",
                   direction="outbound", case_ref=reference))  # fmt: skip
    with db.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, answered), "resolved",
                               actor="Nolwenn", now=at("2026-03-16T11:00:00"))  # fmt: skip

    with db.sessions() as session:
        rows = slas.attainment(
            session, since=at("2026-03-01T00:00:00"), until=at("2026-04-01T00:00:00"),
            now=at("2026-03-20T12:00:00"),
        )  # fmt: skip

    assert late
    assert [(r.team, r.channel, r.cases, r.first_response_met, r.resolution_due,
             r.resolution_met) for r in rows] == [
        # The chat case's resolution is due on Friday 20 at 17:40: not counted yet.
        ("guingamp", "chat", 1, 0, 0, 0), ("guingamp", "phone", 1, 1, 1, 1),
    ]  # fmt: skip


def test_the_manager_named_by_address_is_told_of_a_breach_by_email(db: Database):
    given_policies(db)
    with db.transaction(write=True) as session:
        team = session.scalar(select(Team).where(Team.name == "guingamp"))
        assert team is not None
        team.manager = "andre.meyer@sens-confort.example"
    case_id = open_case(db)

    with db.transaction(write=True) as session:
        slas.check(session, now=at("2026-03-16T10:00:00"))

    with db.sessions() as session:
        reference = services.find_case(session, case_id).reference
        [message] = session.scalars(select(OutboxMessage)).all()
    assert (message.recipient, message.subject, message.status) == (
        "andre.meyer@sens-confort.example",
        f"[{reference}] Délai dépassé : Devis",
        "queued",
    )
    assert message.body == (
        f"Le dossier {reference} (Devis) a dépassé son délai (première réponse). "
        "Sa priorité passe à haute."
    )
