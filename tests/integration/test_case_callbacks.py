"""Call-backs on SQLite and PostgreSQL: a live request opens a case for the phone agents, due at
its slot; attempts follow the retry rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from parcours.cases import assignment, callbacks, services
from parcours.cases.models import Case
from parcours.db import Database
from tests.integration.test_case_assignment import given_a_showroom_and_a_contact_centre, owner
from tests.integration.test_interactions import CLAIRE, event, given_customers, send

CLAIRE_EMAIL = {"email": "claire.legoff@exemple.fr"}


def test_a_live_call_back_request_opens_a_case_for_the_phone_agents_due_at_its_slot(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    customers = given_customers(db, CLAIRE)
    now = datetime.now(UTC).replace(microsecond=0)
    slot = now + timedelta(hours=3)

    send(
        db,
        event("cb-now", now.isoformat(), type="callback_request", identifiers=CLAIRE_EMAIL,
              payload={"subject": "Rappel devis PAC"}),
        event("cb-slot", now.isoformat(), type="callback_request", identifiers=CLAIRE_EMAIL,
              payload={"slot": slot.isoformat()}),
        event("cb-old", (now - timedelta(days=3)).isoformat(), type="callback_request",
              identifiers=CLAIRE_EMAIL),
    )  # fmt: skip

    with db.sessions() as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.type, c.subject, c.customer_id, c.channel) for c in cases] == [
        ("callback", "Rappel devis PAC", customers["MAG-1"], "web"),
        ("callback", "Demande de rappel", customers["MAG-1"], "web"),
    ]  # fmt: skip
    assert [c.due_at for c in cases] == [now + timedelta(minutes=15), slot]
    # Phone work: the two phone agents of the showroom take one each.
    assert sorted(owner(db, c.id) or "" for c in cases) == ["Kévin", "Nolwenn"]


def test_an_unanswered_call_back_is_tried_again_later_then_waits_on_the_customer(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    customers = given_customers(db, CLAIRE)
    monday = datetime.fromisoformat("2026-03-16T10:00:00+01:00")
    with db.transaction(write=True) as session:
        case_id = assignment.open_and_route(
            session, customer_id=customers["MAG-1"], case_type="callback", channel="web",
            subject="Rappel", opened_by="site", now=monday,
        ).id  # fmt: skip

    outcomes = []
    for attempt in range(3):
        at = monday + timedelta(hours=attempt)
        with db.transaction(write=True) as session:
            case = services.find_case(session, case_id)
            outcomes.append(callbacks.record_attempt(session, case, "no_answer", agent="Nolwenn",
                                                     now=at))  # fmt: skip
        if attempt == 0:
            # Back in the queue, not given out before the retry time, then given out.
            assert owner(db, case_id) is None
            with db.transaction(write=True) as session:
                early = assignment.dispatch(session, now=monday + timedelta(minutes=10))
            with db.transaction(write=True) as session:
                late = assignment.dispatch(session, now=monday + timedelta(minutes=31))
            assert (early, len(late)) == ([], 1)

    assert [o.retry_at for o in outcomes] == [
        monday + timedelta(minutes=30),
        monday + timedelta(hours=1, minutes=30),
        None,
    ]
    with db.sessions() as session:
        case = services.find_case(session, case_id)
        calls = [line for line in services.thread(session, case) if line.kind == "interaction"]
    assert case.status == "waiting_customer"
    assert [c.interaction.payload["callback_outcome"] for c in calls] == ["no_answer"] * 3  # type: ignore[union-attr]
