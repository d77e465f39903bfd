"""Use cases of the cases context: open a case, move it along its workflow, note, attach the
interactions of its thread (from any channel), list and show. Customers' messages find their
way back to their case in :mod:`parcours.cases.continuity`.

Every change writes a line of history (``CaseEvent``); ``case.opened``, ``case.status_changed``
and ``case.resolved`` are emitted for the contexts above (surveys after a resolution…).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parcours import events
from parcours.cases import workflow
from parcours.cases.models import (
    Agent,
    Case,
    CaseEvent,
    CaseInteraction,
    CaseNote,
    CaseSequence,
    Queue,
)
from parcours.cases.references import find_references, make_reference
from parcours.customers.merging import current_customer
from parcours.customers.models import Customer
from parcours.customers.services import EVERYONE, Visibility
from parcours.db import utcnow
from parcours.interactions.models import Interaction
from parcours.interactions.vocabulary import CHANNELS
from parcours.paging import page_count

MAX_SUBJECT = 300
MAX_NOTE = 4000
MAX_PAGE_SIZE = 200
SYSTEM = "parcours"


class CaseError(ValueError):
    """A request the cases cannot honour; the message says why."""


class UnknownCase(CaseError):
    """No case with that id or reference."""


def now_or_utcnow(now: datetime | None) -> datetime:
    return now or utcnow()


def next_reference(session: Session, year: int) -> str:
    """The next reference of the year; one atomic upsert, so two agents opening cases at the
    same moment on PostgreSQL get two numbers."""
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    upsert = insert(CaseSequence).values(year=year, last_number=1)
    statement = upsert.on_conflict_do_update(
        index_elements=["year"], set_={"last_number": CaseSequence.last_number + 1}
    ).returning(CaseSequence.last_number)
    number = session.execute(statement).scalar_one()
    return make_reference(year, number)


def record_event(
    session: Session, case: Case, actor: str, kind: str, at: datetime, **details: Any
) -> None:
    """A line of the case's history; ``cases.touched`` tells the open inboxes after commit."""
    session.add(CaseEvent(case_id=case.id, actor=actor, kind=kind, at=at, details=details))
    events.emit(session, "cases.touched", case_ids=[case.id])


def open_case(
    session: Session,
    *,
    customer_id: int | None,
    case_type: str,
    channel: str,
    subject: str,
    opened_by: str,
    priority: str = "normal",
    language: str = "fr",
    due_at: datetime | None = None,
    interaction_id: int | None = None,
    follows_case_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Open a case; a merged customer's id is taken to the customer it was merged into."""
    now = now_or_utcnow(now)
    subject = " ".join(subject.split())
    if not subject:
        raise CaseError("a case needs a subject")
    if len(subject) > MAX_SUBJECT:
        raise CaseError(f"a subject is at most {MAX_SUBJECT} characters")
    if not opened_by.strip():
        raise CaseError("say who opens the case")
    try:
        workflow.check_type(case_type)
        workflow.check_priority(priority)
    except workflow.WorkflowError as error:
        raise CaseError(str(error)) from error
    if channel not in CHANNELS:
        raise CaseError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    if due_at is not None and due_at.tzinfo is None:
        raise CaseError("a due date needs its offset (e.g. 2026-05-04T18:00:00+02:00)")
    if customer_id is not None:
        if session.get(Customer, customer_id) is None:
            raise CaseError(f"no customer with id {customer_id}")
        customer_id = current_customer(session, customer_id)
    case = Case(
        reference=next_reference(session, now.year),
        subject=subject,
        type=case_type,
        status=workflow.NEW,
        priority=priority,
        customer_id=customer_id,
        channel=channel,
        follows_case_id=follows_case_id,
        language=language.strip().lower() or "fr",
        routing=[],
        due_at=due_at,
        opened_by=opened_by.strip(),
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    record_event(session, case, case.opened_by, "opened", now, channel=channel, type=case_type,
            follows=follows_case_id)  # fmt: skip
    if interaction_id is not None:
        attach_interaction(session, case, interaction_id, actor=case.opened_by, how="opening",
                           now=now)  # fmt: skip
    events.emit(session, "case.opened", case_id=case.id)
    return case


def find_case(session: Session, key: int | str) -> Case:
    """A case by its id or its reference (any letter case)."""
    text = str(key).strip()
    if text.isdigit():
        case = session.get(Case, int(text))
    else:
        found = find_references(text)
        case = session.scalar(select(Case).where(Case.reference == found[0])) if found else None
    if case is None:
        raise UnknownCase(f"no case {text}")
    return case


def change_status(
    session: Session,
    case: Case,
    status: str,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Case:
    now = now_or_utcnow(now)
    try:
        workflow.check_move(case.status, status)
    except workflow.WorkflowError as error:
        raise CaseError(f"{case.reference}: {error}") from error
    previous, case.status, case.updated_at = case.status, status, now
    if status == workflow.RESOLVED:
        case.resolved_at = now
    elif status == workflow.CLOSED:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    elif previous in workflow.DONE:
        case.resolved_at = case.closed_at = None
    record_event(session, case, actor, "status", now, before=previous, after=status, reason=reason)
    events.emit(session, "case.status_changed", case_id=case.id, before=previous, after=status)
    if status == workflow.RESOLVED:
        events.emit(session, "case.resolved", case_id=case.id)
    return case


def change_priority(
    session: Session, case: Case, priority: str, *, actor: str, now: datetime | None = None
) -> Case:
    now = now_or_utcnow(now)
    try:
        workflow.check_priority(priority)
    except workflow.WorkflowError as error:
        raise CaseError(str(error)) from error
    if priority != case.priority:
        record_event(session, case, actor, "priority", now, before=case.priority, after=priority)
        case.priority, case.updated_at = priority, now
    return case


def add_note(
    session: Session, case: Case, *, author: str, body: str, now: datetime | None = None
) -> CaseNote:
    text = body.strip()
    if not text:
        raise CaseError("a note needs some text")
    if len(text) > MAX_NOTE:
        raise CaseError(f"a note is at most {MAX_NOTE} characters")
    if not author.strip():
        raise CaseError("a note needs its author")
    note = CaseNote(
        case_id=case.id, author=author.strip(), body=text, created_at=now_or_utcnow(now)
    )
    session.add(note)
    case.updated_at = note.created_at
    session.flush()
    return note


def attach_interaction(
    session: Session,
    case: Case,
    interaction_id: int,
    *,
    actor: str,
    how: str = "agent",
    now: datetime | None = None,
) -> bool:
    """Put an interaction in the case's thread; False if it already was."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise CaseError(f"no interaction with id {interaction_id}")
    linked = session.scalar(
        select(CaseInteraction.id).where(
            CaseInteraction.case_id == case.id, CaseInteraction.interaction_id == interaction_id
        )
    )
    if linked is not None:
        return False
    now = now_or_utcnow(now)
    session.add(CaseInteraction(case_id=case.id, interaction_id=interaction_id, attached_by=how,
                                attached_at=now))  # fmt: skip
    record_event(session, case, actor, "attached", now, interaction_id=interaction_id, how=how)
    case.updated_at = now
    # The first message sent to the customer after the opening stops the first-response clock.
    if (
        interaction.direction == "outbound"
        and case.first_responded_at is None
        and interaction.occurred_at >= case.created_at
    ):
        case.first_responded_at = interaction.occurred_at
    session.flush()
    return True


@dataclass
class CasePage:
    total: int
    page: int
    page_size: int
    items: list[Case] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def list_cases(
    session: Session,
    *,
    statuses: Sequence[str] = (),
    types: Sequence[str] = (),
    customer_id: int | None = None,
    active: bool | None = None,
    queue: str | None = None,
    owner: str | None = None,
    page: int = 1,
    page_size: int = 50,
    visibility: Visibility = EVERYONE,
) -> CasePage:
    """Cases, most urgent first, then oldest first (the order they should be worked in); only
    those of customers ``visibility`` allows, and those of no customer."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CaseError(f"page starts at 1 and page_size is 1 to {MAX_PAGE_SIZE}")
    for status in statuses:
        if status not in workflow.STATUSES:
            raise CaseError(f"unknown status {status!r}; known: {', '.join(workflow.STATUSES)}")
    for case_type in types:
        if case_type not in workflow.TYPES:
            raise CaseError(f"unknown case type {case_type!r}; known: {', '.join(workflow.TYPES)}")
    query = select(Case)
    if statuses:
        query = query.where(Case.status.in_(statuses))
    if active is not None:
        wanted = workflow.ACTIVE if active else workflow.DONE
        query = query.where(Case.status.in_(sorted(wanted)))
    if types:
        query = query.where(Case.type.in_(types))
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    if queue is not None:
        queue_id = session.scalar(select(Queue.id).where(Queue.name == queue))
        if queue_id is None:
            raise CaseError(f"no queue named {queue!r}")
        query = query.where(Case.queue_id == queue_id)
    if owner is not None:
        owner_id = session.scalar(select(Agent.id).where(Agent.name == owner))
        if owner_id is None:
            raise CaseError(f"no agent {owner!r}")
        query = query.where(Case.owner_id == owner_id)
    visible = visibility.condition()
    if visible is not None:
        query = query.outerjoin(Customer, Customer.id == Case.customer_id).where(
            or_(Case.customer_id.is_(None), visible)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    urgency = sql_case(
        {name: -order for name, order in workflow.PRIORITY_ORDER.items()},
        value=Case.priority,
        else_=0,
    )
    rows = session.scalars(
        query.order_by(urgency, Case.created_at, Case.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return CasePage(total=total, page=page, page_size=page_size, items=list(rows))


@dataclass(frozen=True)
class ThreadEntry:
    """One line of a case's thread: an interaction (any channel), a note or a history event."""

    at: datetime
    kind: str
    interaction: Interaction | None = None
    note: CaseNote | None = None
    event: CaseEvent | None = None


def thread(session: Session, case: Case) -> list[ThreadEntry]:
    """Everything that happened on the case, oldest first."""
    entries = [
        ThreadEntry(interaction.occurred_at, "interaction", interaction=interaction)
        for interaction in session.scalars(
            select(Interaction)
            .join(CaseInteraction, CaseInteraction.interaction_id == Interaction.id)
            .where(CaseInteraction.case_id == case.id)
        )
    ]
    entries += [
        ThreadEntry(note.created_at, "note", note=note)
        for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id))
    ]
    entries += [
        ThreadEntry(event.at, "event", event=event)
        for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    order = {"interaction": 0, "event": 1, "note": 2}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.kind]))


def proposals(session: Session, case: Case) -> list[int]:
    """Interactions proposed for this case (a message from its customer quoting no reference)
    and not attached since."""
    proposed = [
        event.details.get("interaction_id")
        for event in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "proposed")
        )
    ]
    attached = set(
        session.scalars(
            select(CaseInteraction.interaction_id).where(CaseInteraction.case_id == case.id)
        )
    )
    return [i for i in proposed if isinstance(i, int) and i not in attached]
