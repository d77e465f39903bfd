"""The agent's inbox on SQLite and PostgreSQL: my cases and my team's waiting ones, most
pressing first; a call-back promised from the case view; open inboxes told when cases change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from parcours import live
from parcours.cases import callbacks, services, slas, worklist
from parcours.cases.models import Agent, Case, Queue
from parcours.db import Database
from tests.integration.test_case_assignment import (
    T0,
    given_a_showroom_and_a_contact_centre,
    open_routed,
)


def agent(db: Database, name: str) -> Agent:
    with db.sessions() as session:
        found = worklist.agent_named(session, [None, name])
        assert found is not None
        session.expunge(found)
        return found


def test_my_inbox_holds_my_cases_and_those_waiting_in_the_queues_my_team_serves(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    with db.transaction(write=True) as session:
        slas.add_policy(session, "standard", 1, first_response_minutes=60,
                        resolution_minutes=960)  # fmt: skip
    taken = open_routed(db, subject="Devis Clio")  # Nolwenn has room on the phone: hers
    waiting = open_routed(db, subject="Devis Mégane", now=T0 + timedelta(minutes=1))
    vip = open_routed(db, subject="Reprise", channel="email", now=T0 + timedelta(minutes=2),
                      case_type="complaint")  # fmt: skip
    with db.transaction(write=True) as session:
        for case_id in (waiting, vip):
            case = session.get(Case, case_id)
            assert case is not None
            case.owner_id = case.team_id = None
            case.queued_at = T0
        moved = session.get(Case, vip)
        assert moved is not None
        moved.queue_id = session.scalar(select(Queue.id).where(Queue.name == "vip"))

    with db.sessions() as session:
        mine = worklist.inbox(session, agent(db, "Nolwenn"), T0 + timedelta(minutes=5))
        manager = worklist.inbox(session, None, T0 + timedelta(minutes=5))

    assert [row.case.id for row in mine.mine] == [taken]
    assert mine.team is not None and mine.team.name == "guingamp"
    assert [row.case.id for row in mine.waiting] == [waiting]  # "vip" is the centre's queue
    assert mine.mine[0].deadline is not None
    assert (mine.mine[0].deadline.kind, mine.mine[0].deadline.state) == ("first_response",
                                                                         "on_time")  # fmt: skip
    assert sorted(row.case.id for row in manager.waiting) == [waiting, vip]
    assert manager.waiting_total == 2 and manager.mine == []


def test_a_call_back_is_promised_in_opening_hours_and_counts_down_in_the_inbox(db: Database):
    given_a_showroom_and_a_contact_centre(db)
    case_id = open_routed(db, subject="Devis Clio")
    thursday_ten = datetime(2026, 5, 7, 8, 0, tzinfo=UTC)  # 10:00 in Paris
    with db.transaction(write=True) as session:
        case = session.get(Case, case_id)
        assert case is not None
        callbacks.schedule(session, case, thursday_ten, actor="Nolwenn", note="après 10 h",
                           now=T0)  # fmt: skip
    with db.sessions() as session:
        case = services.find_case(session, case_id)
        history = [
            (e.event.kind, e.event.details) for e in services.thread(session, case) if e.event
        ]
        rows = worklist.inbox(session, agent(db, "Nolwenn"), T0).mine

    assert case.due_at == thursday_ten
    assert ("callback_scheduled", {"slot": thursday_ten.isoformat(),
                                   "note": "après 10 h"}) in history  # fmt: skip
    assert rows[0].deadline == worklist.Deadline("callback", thursday_ten, "on_time")


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        pytest.param(T0 - timedelta(hours=1), "in the future", id="past"),
        pytest.param(datetime(2026, 5, 9, 8, 0, tzinfo=UTC), "within opening hours", id="saturday"),
        pytest.param(
            datetime(2026, 5, 7, 11, 0, tzinfo=UTC), "within opening hours", id="lunch-break"
        ),
    ],
)
def test_a_call_back_in_the_past_or_outside_opening_hours_is_refused(
    db: Database, moment: datetime, message: str
):
    given_a_showroom_and_a_contact_centre(db)
    case_id = open_routed(db)
    with db.transaction(write=True) as session:
        case = session.get(Case, case_id)
        assert case is not None
        with pytest.raises(services.CaseError, match=message):
            callbacks.schedule(session, case, moment, actor="Nolwenn", now=T0)
        assert case.due_at is None


def test_open_inboxes_are_told_once_per_transaction_which_cases_changed(db: Database):
    given_a_showroom_and_a_contact_centre(db)

    async def listen() -> list[str]:
        heard: list[str] = []
        stream = live.event_stream(worklist.TOPIC, timeout=5)
        heard.append(await anext(stream))  # connected: subscribed from here on
        first = await asyncio.to_thread(open_routed, db)
        second = await asyncio.to_thread(open_routed, db)
        heard += [await anext(stream), await anext(stream)]
        await stream.aclose()
        return [*heard, str(first), str(second)]

    connected, one, two, first, second = asyncio.run(listen())

    assert connected == ": connected\n\n"
    assert (
        one
        == f'event: cases\ndata: {{"event": "cases", "topic": "cases", "case_ids": [{first}]}}\n\n'
    )
    assert (
        two
        == f'event: cases\ndata: {{"event": "cases", "topic": "cases", "case_ids": [{second}]}}\n\n'
    )
