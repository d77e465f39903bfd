"""An agent's inbox: the cases routed to them and the cases waiting in the queues their team
serves, each with its next deadline counting down (first response, call-back promised,
resolution), most pressing first.

A person of the console is the agent whose name is their display name (or login): the staff
records of :mod:`parcours.cases.staff` and the users of :mod:`parcours.accounts` are kept apart
(an agent may exist before having a console account), and joined by that name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours import live
from parcours.cases import sla, workflow
from parcours.cases.assignment import waiting_cases
from parcours.cases.models import Agent, Case, Queue, SlaPolicy, Team
from parcours.customers.models import Customer
from parcours.events import Event
from parcours.paging import page_count

#: Without a policy's own reminder, a deadline is "at risk" this close to its time.
DEFAULT_REMINDER = timedelta(minutes=30)
#: Rows shown in each list of the inbox (the rest is counted and reached by pages).
PAGE_SIZE = 50
#: The live topic inboxes listen to.
TOPIC = "cases"


@dataclass(frozen=True)
class Deadline:
    kind: str  # "first_response", "callback" or "resolution"
    due: datetime
    state: str  # sla.ON_TIME, sla.AT_RISK or sla.BREACHED


def next_deadline(case: Case, now: datetime, reminder: timedelta = DEFAULT_REMINDER
                  ) -> Deadline | None:  # fmt: skip
    """The earliest clock still running on an active case (pure): the first response not yet
    given, a call-back promised (``due_at``), the resolution; None when none runs."""
    if case.status in workflow.DONE:
        return None
    running = []
    if case.first_response_due_at is not None and case.first_responded_at is None:
        running.append(("first_response", case.first_response_due_at))
    if case.due_at is not None:
        running.append(("callback", case.due_at))
    if case.resolution_due_at is not None and case.resolved_at is None:
        running.append(("resolution", case.resolution_due_at))
    if not running:
        return None
    kind, due = min(running, key=lambda item: item[1])
    state = sla.state(due, None, now, reminder)
    assert state is not None
    return Deadline(kind, due, state)


@dataclass(frozen=True)
class Row:
    case: Case
    customer: str | None
    owning_unit: str | None
    deadline: Deadline | None


@dataclass(frozen=True)
class Inbox:
    agent: Agent | None
    team: Team | None
    mine: list[Row]
    waiting: list[Row]
    waiting_total: int
    page: int

    @property
    def pages(self) -> int:
        """Pages of the waiting list."""
        return page_count(self.waiting_total, PAGE_SIZE)


def agent_named(session: Session, names: Iterable[str | None]) -> Agent | None:
    """The agent record of a console user: the first of their names that is an agent's."""
    for name in names:
        if name:
            agent = session.scalar(select(Agent).where(Agent.name == name))
            if agent is not None:
                return agent
    return None


def _rows(session: Session, cases: Sequence[Case], now: datetime) -> list[Row]:
    customer_ids = {c.customer_id for c in cases if c.customer_id is not None}
    customers = {
        row.id: row
        for row in session.execute(
            select(Customer.id, Customer.first_name, Customer.last_name, Customer.company_name,
                   Customer.owning_unit).where(Customer.id.in_(customer_ids))
        )
    }  # fmt: skip
    reminders = dict(session.execute(select(SlaPolicy.id, SlaPolicy.reminder_minutes)).all())
    rows = []
    for case in cases:
        person = customers.get(case.customer_id) if case.customer_id is not None else None
        name = None
        if person is not None:
            name = " ".join(p for p in (person.first_name, person.last_name) if p)
            name = name or person.company_name
        minutes = reminders.get(case.sla_policy_id) if case.sla_policy_id else None
        reminder = DEFAULT_REMINDER if minutes is None else timedelta(minutes=minutes)
        rows.append(Row(case, name, person.owning_unit if person else None,
                        next_deadline(case, now, reminder)))  # fmt: skip
    return rows


def _most_pressing(row: Row) -> tuple[int, datetime]:
    if row.deadline is None:
        return (1, row.case.created_at)
    return (0, row.deadline.due)


def inbox(session: Session, agent: Agent | None, now: datetime, page: int = 1) -> Inbox:
    """The agent's cases (all of them: capacity keeps them few) and a page of the cases
    waiting in the queues their team serves (first or overflow); without an agent record
    (a manager), every waiting case."""
    team = session.get(Team, agent.team_id) if agent is not None else None
    mine: list[Case] = []
    if agent is not None:
        mine = list(session.scalars(
            select(Case).where(Case.owner_id == agent.id,
                               Case.status.in_(sorted(workflow.ACTIVE)))
        ))  # fmt: skip
    waiting = waiting_cases(session, now)
    if team is not None:
        served = {
            queue.id
            for queue in session.scalars(select(Queue))
            if team.name in (queue.teams or []) or team.name in (queue.overflow_teams or [])
        }
        waiting = [case for case in waiting if case.queue_id in served]
    start = (max(page, 1) - 1) * PAGE_SIZE
    return Inbox(
        agent=agent,
        team=team,
        mine=sorted(_rows(session, mine, now), key=_most_pressing),
        waiting=_rows(session, waiting[start : start + PAGE_SIZE], now),
        waiting_total=len(waiting),
        page=max(page, 1),
    )


def on_cases_touched(session: Session, event: Event) -> None:
    """After a commit that changed cases: tell the open inboxes to refresh (nothing to read
    from the database; they ask again for what they show)."""
    if live.HUB.listeners(TOPIC):
        live.HUB.publish(TOPIC, "cases", case_ids=sorted(set(event.payload["case_ids"])))
