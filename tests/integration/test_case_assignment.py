"""Routing and assignment on SQLite and PostgreSQL: queues by rules, agents by capacity and
skills, overflow after waiting, the next-case button, transfers that keep the thread, and never
two agents on one case."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from parcours.cases import assignment, services, staff, views
from parcours.cases.models import Agent, Case
from parcours.customers.models import Customer
from parcours.db import Database
from tests.integration.test_interactions import CLAIRE, YANN, given_customers

T0 = datetime.fromisoformat("2026-05-04T10:00:00+02:00")


def given_a_showroom_and_a_contact_centre(db: Database) -> None:
    with db.transaction(write=True) as session:
        staff.add_team(session, "guingamp", "store", location="Guingamp")
        staff.add_team(session, "centre", "contact_centre")
        staff.add_agent(
            session,
            "Nolwenn",
            "guingamp",
            channels={"phone": 1, "chat": 3},
            skills={"language:fr": 4, "type:quote": 3},
            presence="available",
        )
        staff.add_agent(
            session,
            "Kévin",
            "guingamp",
            channels={"phone": 1, "email": 10},
            skills={"language:fr": 3},
            presence="available",
        )
        staff.add_agent(
            session,
            "Aurélie",
            "centre",
            channels={"phone": 1, "chat": 3},
            skills={"language:fr": 3, "language:en": 4},
            presence="available",
        )
        staff.add_queue(
            session,
            "showroom",
            ["guingamp"],
            overflow_after_seconds=120,
            overflow_teams=["centre"],
            default=True,
        )
        staff.add_queue(session, "vip", ["centre"])
        staff.add_rule(session, 1, "vip", {"segments": ["vip"]}, priority="high")


def open_routed(db: Database, now: datetime = T0, **fields: Any) -> int:
    options: dict[str, Any] = {
        "customer_id": None, "case_type": "quote", "channel": "phone", "subject": "Devis",
        "opened_by": "site", "now": now, **fields,
    }  # fmt: skip
    with db.transaction(write=True) as session:
        return assignment.open_and_route(session, **options).id


def owner(db: Database, case_id: int) -> str | None:
    with db.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        agent = session.get(Agent, case.owner_id) if case.owner_id else None
        return agent.name if agent else None


def test_a_case_goes_to_the_queue_of_its_rule_and_to_the_best_agent_with_reasons(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    customers = given_customers(db, CLAIRE, YANN)
    with db.transaction(write=True) as session:
        vip = session.get(Customer, customers["MAG-2"])
        assert vip is not None
        vip.attributes = {**vip.attributes, "segment": "vip"}

    quote = open_routed(db, customer_id=customers["MAG-1"], channel="chat")
    important = open_routed(db, customer_id=customers["MAG-2"], channel="chat")

    with db.sessions() as session:
        first, second = session.get(Case, quote), session.get(Case, important)
        assert first is not None and second is not None
        assert (owner(db, quote), first.status, first.routing) == ("Nolwenn", "open", [
            "no rule holds → queue showroom", "teams guingamp",
            "needs language:fr and room on chat",
            "Nolwenn: skill score 7, 0/3 chat in progress, among 1 eligible",
        ])  # fmt: skip
        assert (owner(db, important), second.priority, second.routing[:2]) == (
            "Aurélie",
            "high",
            ["rule 1 → queue vip", "priority raised from normal to high by the rule"],
        )


def test_an_agent_gets_no_more_cases_than_their_capacity_and_the_rest_wait(db: Database):
    given_a_showroom_and_a_contact_centre(db)

    calls = [open_routed(db, subject=f"appel {n}") for n in range(3)]

    assert [owner(db, case) for case in calls] == ["Nolwenn", "Kévin", None]
    with db.sessions() as session:
        waiting = session.get(Case, calls[2])
        assert waiting is not None
        assert waiting.routing[-1] == "no agent available: the case waits in the queue"


def test_a_waiting_case_overflows_to_the_contact_centre_and_the_next_case_button_takes_it(
    db: Database,
):
    given_a_showroom_and_a_contact_centre(db)
    for n in range(2):
        open_routed(db, subject=f"appel {n}")
    waiting = open_routed(db, subject="appel en attente")

    with db.transaction(write=True) as session:
        aurelie = staff.agent_named(session, "Aurélie")
        too_early = assignment.next_case(session, aurelie, now=T0 + timedelta(seconds=60))
    with db.transaction(write=True) as session:
        aurelie = staff.agent_named(session, "Aurélie")
        in_time = assignment.next_case(session, aurelie, now=T0 + timedelta(seconds=121))

    assert too_early is None
    assert in_time is not None and in_time.id == waiting
    assert owner(db, waiting) == "Aurélie"


def test_the_next_case_is_the_most_urgent_then_the_longest_waiting(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    with db.transaction(write=True) as session:
        for name in ("Nolwenn", "Kévin"):
            staff.set_presence(session, staff.agent_named(session, name), "away")
    older = open_routed(db, now=T0, subject="ancien")
    urgent = open_routed(db, now=T0 + timedelta(minutes=5), subject="urgent", priority="urgent")
    open_routed(db, now=T0 + timedelta(minutes=1), subject="récent")

    with db.transaction(write=True) as session:
        nolwenn = staff.set_presence(session, staff.agent_named(session, "Nolwenn"), "available")
        taken = assignment.next_case(session, nolwenn, now=T0 + timedelta(minutes=6))

    assert taken is not None and taken.id == urgent
    assert owner(db, older) is None


def test_a_transfer_keeps_the_thread_and_notes_and_says_who_had_it(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    case_id = open_routed(db, channel="chat")
    with db.transaction(write=True) as session:
        case = services.find_case(session, case_id)
        services.add_note(session, case, author="Nolwenn", body="Client pressé")
        assignment.transfer(session, case, actor="Nolwenn", to_queue="vip", reason="client VIP")

    detail = None
    with db.sessions() as session:
        detail = views.case_detail(session, services.find_case(session, case_id))
    assert owner(db, case_id) == "Aurélie"
    assert [line.body for line in detail.thread if line.kind == "note"] == ["Client pressé"]
    transferred = [line.details for line in detail.thread if line.event == "transferred"]
    assert transferred == [{"before": "Nolwenn", "after": "queue vip", "reason": "client VIP"}]

    # A transfer to a named agent does not wait for them to be available (they find the case
    # when back), but respects their capacity.
    with db.transaction(write=True) as session:
        nolwenn = staff.set_presence(session, staff.agent_named(session, "Nolwenn"), "away")
        assignment.transfer(session, services.find_case(session, case_id), actor="Aurélie",
                            to_agent=nolwenn)  # fmt: skip
    assert owner(db, case_id) == "Nolwenn"
    with db.transaction(write=True) as session, pytest.raises(services.CaseError) as error:
        assignment.transfer(session, services.find_case(session, case_id), actor="Nolwenn",
                            to_agent=staff.agent_named(session, "Kévin"))  # fmt: skip
    assert str(error.value) == "Kévin does not handle chat"


def test_two_agents_taking_the_same_case_at_once_never_both_get_it(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    with db.transaction(write=True) as session:
        for n in range(6):
            staff.add_agent(session, f"renfort {n}", "centre", channels={"email": 10},
                            skills={"language:fr": 3}, presence="available")  # fmt: skip
        session.add(Case(reference="PAR-2026-000900", subject="x", type="quote", status="new",
                         priority="normal", channel="email", opened_by="t", routing=[],
                         language="fr", created_at=T0, updated_at=T0))  # fmt: skip
    results: list[str] = []

    def take(name: str) -> None:
        try:
            with db.transaction(write=True) as session:
                case = services.find_case(session, "PAR-2026-000900")
                assignment.assign(session, case, staff.agent_named(session, name), actor=name)
            results.append(f"taken by {name}")
        except assignment.AlreadyTaken as error:
            results.append(str(error))

    threads = [threading.Thread(target=take, args=(f"renfort {n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [result for result in results if result.startswith("taken by")]
    assert len(winners) == 1
    winner = winners[0].removeprefix("taken by ")
    assert sorted(results) == sorted([winners[0]] + [f"PAR-2026-000900 is already {winner}'s"] * 5)
    assert owner(db, 1) == winner


def test_wrong_set_ups_say_what_is_wrong(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    with db.transaction(write=True) as session, pytest.raises(services.CaseError) as error:
        staff.add_agent(session, "Loïc", "sav", channels={"phone": 1})
    assert str(error.value) == "no team named 'sav'"
    with db.transaction(write=True) as session, pytest.raises(services.CaseError) as error:
        staff.add_agent(session, "Loïc", "guingamp", channels={"fax": 1})
    assert str(error.value).startswith("unknown channel 'fax'; known: store")
    with db.transaction(write=True) as session, pytest.raises(services.CaseError) as error:
        staff.add_rule(session, 1, "showroom", {"types": ["quote"]})
    assert str(error.value) == "a rule holds position 1 already"


def test_a_call_back_asked_for_on_the_web_is_work_for_the_phone_agents(db: Database):
    given_a_showroom_and_a_contact_centre(db)

    callback = open_routed(db, case_type="callback", channel="web", subject="Rappel")
    call = open_routed(db, channel="phone", subject="Appel")

    # The call-back takes Nolwenn's one phone place: the next call goes to Kévin.
    assert [owner(db, callback), owner(db, call)] == ["Nolwenn", "Kévin"]
    with db.sessions() as session:
        assert assignment.loads(session) == {"Nolwenn": {"phone": 1}, "Kévin": {"phone": 1}}


def test_dispatch_gives_waiting_cases_to_the_overflow_pool_once_they_have_waited(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    for n in range(2):
        open_routed(db, subject=f"appel {n}")
    waiting = open_routed(db, subject="appel en attente")

    with db.transaction(write=True) as session:
        early = assignment.dispatch(session, now=T0 + timedelta(seconds=60))
    with db.transaction(write=True) as session:
        late = assignment.dispatch(session, now=T0 + timedelta(seconds=150))

    assert early == []
    assert late == [f"PAR-{T0.year}-000003"]
    assert owner(db, waiting) == "Aurélie"


def test_routing_a_case_that_still_waits_for_the_same_reasons_writes_nothing_new(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    for n in range(3):
        open_routed(db, subject=f"appel {n}")

    for seconds in (10, 20, 30):
        with db.transaction(write=True) as session:
            assignment.dispatch(session, now=T0 + timedelta(seconds=seconds))

    with db.sessions() as session:
        detail = views.case_detail(session, services.find_case(session, 3))
    assert [line.event for line in detail.thread].count("routed") == 1
    assert detail.routing[0] == "no rule holds → queue showroom"
