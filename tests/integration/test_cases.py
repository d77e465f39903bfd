"""Cases on SQLite and PostgreSQL: references, the workflow, and a request followed from one
channel to another until its conclusion (the seeds' bank: a web call-back, a quote by e-mail,
the customer's answer, a phone call, closed in the store)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from parcours.cases import services, views
from parcours.cases.models import Case, CaseEvent
from parcours.customers.merging import merge_customers
from parcours.db import Database
from tests.integration.test_interactions import (
    CLAIRE,
    CLAIRE_WEB,
    YANN,
    event,
    given_customers,
    send,
)

CLAIRE_EMAIL = {"email": "claire.legoff@exemple.fr"}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def open_case(db: Database, **fields: Any) -> tuple[int, str]:
    options: dict[str, Any] = {"case_type": "quote", "channel": "web", "subject": "Devis",
                               "opened_by": "léa", "customer_id": None, **fields}  # fmt: skip
    with db.transaction(write=True) as session:
        case = services.open_case(session, **options)
        return case.id, case.reference


def show(db: Database, key: int | str) -> Any:
    with db.sessions() as session:
        return views.case_detail(session, services.find_case(session, key))


def test_references_follow_each_other_within_a_year_and_start_again_the_next(db: Database):
    references = [
        open_case(db, now=when(moment))[1]
        for moment in ("2026-12-31T23:00:00+00:00", "2026-12-31T23:30:00+00:00",
                       "2027-01-01T08:00:00+00:00")
    ]  # fmt: skip

    assert references == ["PAR-2026-000001", "PAR-2026-000002", "PAR-2027-000001"]


def test_agents_opening_cases_at_the_same_moment_get_different_references(db: Database):
    references: list[str] = []
    errors: list[Exception] = []

    def open_some() -> None:
        try:
            for _ in range(10):
                references.append(open_case(db)[1])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = datetime.now(UTC).year
    assert sorted(references) == [f"PAR-{year}-{n:06d}" for n in range(1, 41)]


def test_a_request_is_followed_from_a_web_call_back_to_an_email_quote_a_call_and_the_store(
    db: Database,
):
    customers = given_customers(db, CLAIRE)
    # Given a call-back requested on the web, which opens a quote case…
    [callback] = send(db, event("cb-1", "2026-05-04T10:00:00+02:00", type="callback_request",
                                identifiers=CLAIRE_EMAIL))  # fmt: skip
    case_id, reference = open_case(
        db, customer_id=customers["MAG-1"], subject="Prêt travaux", case_type="quote",
        interaction_id=callback.interaction_id, now=when("2026-05-04T10:01:00+02:00"),
    )  # fmt: skip
    with db.transaction(write=True) as session:
        case = services.find_case(session, case_id)
        services.change_status(session, case, "waiting_customer", actor="léa",
                               now=when("2026-05-04T11:05:00+02:00"))  # fmt: skip
    # …when the quote leaves by e-mail with the reference, and the customer answers it…
    send(
        db,
        event("mail-out", "2026-05-04T11:00:00+02:00", channel="email", type="email_sent",
              direction="outbound", case_ref=reference, identifiers=CLAIRE_EMAIL),
        event("mail-in", "2026-05-05T09:00:00+02:00", channel="email", type="message",
              direction="inbound", payload={"subject": f"Re: [{reference.lower()}] Votre devis"},
              identifiers=CLAIRE_EMAIL),
    )  # fmt: skip

    # …then the thread holds every channel in order and the case is back with the agent.
    detail = show(db, reference)
    assert detail.status == "open"
    assert [(line.interaction.external_id, line.interaction.channel)
            for line in detail.thread if line.interaction] == [
        ("cb-1", "web"), ("mail-out", "email"), ("mail-in", "email"),
    ]  # fmt: skip
    assert [(line.event, line.details.get("after")) for line in detail.thread
            if line.event == "status"] == [
        ("status", "waiting_customer"), ("status", "open"),
    ]  # fmt: skip

    # When the follow-up call is attached by hand and the case is resolved, then closed…
    [call] = send(db, event("call-1", "2026-05-06T14:00:00+02:00", channel="phone", type="call",
                            direction="outbound", identifiers=CLAIRE_EMAIL))  # fmt: skip
    with db.transaction(write=True) as session:
        case = services.find_case(session, case_id)
        services.attach_interaction(session, case, call.interaction_id, actor="léa",
                                    now=when("2026-05-06T14:10:00+02:00"))  # fmt: skip
        services.change_status(session, case, "resolved", actor="léa",
                               now=when("2026-05-06T14:10:00+02:00"))  # fmt: skip
        services.change_status(session, case, "closed", actor="marc", reason="signé en agence",
                               now=when("2026-05-09T11:00:00+02:00"))  # fmt: skip
    # …and the customer writes again quoting the closed case…
    send(db, event("mail-again", "2026-06-10T09:00:00+02:00", channel="email", type="message",
                   direction="inbound", case_ref=reference, identifiers=CLAIRE_EMAIL))  # fmt: skip

    # …the closed case stays closed and a follow-up case holds the new message.
    closed, follow_up = show(db, case_id), show(db, case_id + 1)
    assert (closed.status, closed.resolved_at is not None, closed.closed_at is not None) == (
        "closed",
        True,
        True,
    )
    assert [line.interaction.external_id for line in closed.thread if line.interaction][-2:] == [
        "call-1",
        "mail-again",
    ]
    assert (follow_up.follows_case_id, follow_up.status, follow_up.customer_id) == (
        case_id,
        "new",
        customers["MAG-1"],
    )
    assert [line.interaction.external_id for line in follow_up.thread if line.interaction] == [
        "mail-again"
    ]


def test_a_message_quoting_no_reference_is_proposed_on_the_active_cases_it_may_concern(
    db: Database,
):
    customers = given_customers(db, CLAIRE, YANN)
    quote, _ = open_case(db, customer_id=customers["MAG-1"], case_type="quote")
    complaint, _ = open_case(db, customer_id=customers["MAG-1"], case_type="complaint")
    others, _ = open_case(db, customer_id=customers["MAG-2"], case_type="complaint")
    done, _ = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales")
    with db.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, done), "closed", actor="t")

    [returned] = send(db, event("ret-1", "2026-05-07T10:00:00Z", channel="store", type="return",
                                direction="inbound", identifiers=CLAIRE_EMAIL))  # fmt: skip
    [plain] = send(db, event("chat-1", "2026-05-07T11:00:00Z", channel="chat", type="message",
                             direction="inbound", identifiers=CLAIRE_EMAIL))  # fmt: skip

    assert show(db, quote).proposed_interactions == [plain.interaction_id]
    assert show(db, complaint).proposed_interactions == [
        returned.interaction_id,
        plain.interaction_id,
    ]
    assert show(db, others).proposed_interactions == []
    assert show(db, done).proposed_interactions == []
    # Attaching a proposed message takes it off the proposals.
    with db.transaction(write=True) as session:
        case = services.find_case(session, complaint)
        services.attach_interaction(session, case, returned.interaction_id, actor="léa")
    assert show(db, complaint).proposed_interactions == [plain.interaction_id]


def test_a_case_opened_on_a_merged_customer_goes_to_the_customer_it_was_merged_into(
    db: Database,
):
    customers = given_customers(db, CLAIRE, CLAIRE_WEB)
    with db.transaction(write=True) as session:
        merge_customers(session, [customers["MAG-1"], customers["WEB-1"]], decided_by="t")

    case_id, _ = open_case(db, customer_id=customers["WEB-1"])

    assert show(db, case_id).customer_id == customers["MAG-1"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": "  "}, "a case needs a subject"),
        ({"case_type": "devis"}, "unknown case type 'devis'; known: quote, complaint"),
        ({"priority": "asap"}, "unknown priority 'asap'; known: low, normal, high, urgent"),
        ({"channel": "pigeon"}, "unknown channel 'pigeon'; known: store, web"),
        ({"customer_id": 999}, "no customer with id 999"),
        ({"interaction_id": 999}, "no interaction with id 999"),
    ],
)
def test_a_case_that_cannot_be_opened_says_why_and_leaves_nothing_behind(
    db: Database, fields: dict[str, Any], message: str
):
    with pytest.raises(services.CaseError, match=message.replace("(", r"\(")):
        open_case(db, **fields)

    with db.sessions() as session:
        assert session.scalars(select(Case)).all() == []
        assert session.scalars(select(CaseEvent)).all() == []


def test_cases_are_listed_most_urgent_first_then_oldest_with_filters_and_pages(db: Database):
    for subject, priority, moment in (("a", "normal", "10:00"), ("b", "urgent", "11:00"),
                                      ("c", "high", "09:00"), ("d", "urgent", "08:00"),
                                      ("e", "low", "07:00")):  # fmt: skip
        open_case(db, subject=subject, priority=priority, now=when(f"2026-05-04T{moment}:00Z"))
    with db.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, 1), "resolved", actor="t")

    with db.sessions() as session:
        everything = services.list_cases(session)
        active = services.list_cases(session, active=True, page=2, page_size=2)
        resolved = services.list_cases(session, statuses=["resolved"])

    assert [case.subject for case in everything.items] == ["d", "b", "c", "a", "e"]
    assert (active.total, [case.subject for case in active.items]) == (4, ["c", "e"])
    assert [case.subject for case in resolved.items] == ["a"]
