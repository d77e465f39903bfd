"""Call-backs: a customer asks to be called back — now, or in a chosen slot — and the request
becomes a case worked by the phone agents, due at that time; each attempt's outcome is recorded
and decides what comes next (the retry rule, pure in :func:`after_attempt`):

* **reached** — the call-back is done (its first response): the case is open and goes on with
  whatever the customer asked for (a quote sent by e-mail at once…) until the agent resolves it;
* **no answer** or **busy** — tried again 30 business minutes later, at most three attempts in
  all, the case back in its queue for any phone agent; after the third, it waits on the
  customer (an e-mail or SMS can ask for a better time);
* **wrong number** — it waits on the customer, whose number needs checking.

A ``callback_request`` interaction (the website's call-back button, the app) quoting no case
opens the call-back case by itself (:func:`parcours.cases.continuity.follow_message`); its
payload may carry ``slot`` (ISO 8601 with offset) and ``subject``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours.cases import workflow
from parcours.cases.models import Case, CaseEvent
from parcours.cases.services import (
    CaseError,
    attach_interaction,
    change_status,
    now_or_utcnow,
    record_event,
)
from parcours.cases.sla import BusinessHours
from parcours.interactions.ingest import record_interactions

OUTCOMES = ("reached", "no_answer", "busy", "wrong_number")
MAX_ATTEMPTS = 3
RETRY_MINUTES = 30
#: A call-back asked for "now" is due within this many minutes.
NOW_MINUTES = 15
HOURS = BusinessHours()


@dataclass(frozen=True)
class Next:
    status: str
    #: When to try again (None: no new attempt).
    retry_at: datetime | None
    reason: str


def after_attempt(outcome: str, attempt: int, at: datetime, hours: BusinessHours = HOURS) -> Next:
    """What follows the ``attempt``-th attempt (1, 2, 3…) that ended with ``outcome``."""
    if outcome not in OUTCOMES:
        raise CaseError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
    if outcome == "reached":
        return Next(workflow.OPEN, None, "customer reached")
    if outcome == "wrong_number":
        return Next(workflow.WAITING_CUSTOMER, None, "wrong number: to check with the customer")
    if attempt >= MAX_ATTEMPTS:
        reason = f"{attempt} attempts without answer: ask the customer for a better time"
        return Next(workflow.WAITING_CUSTOMER, None, reason)
    retry = hours.add(at, RETRY_MINUTES)
    return Next(
        workflow.OPEN, retry, f"{outcome.replace('_', ' ')}: new attempt at {retry:%H:%M} UTC"
    )


def due_for(slot: datetime | None, now: datetime) -> datetime:
    """When a call-back is due: the slot asked for, or within :data:`NOW_MINUTES` for "now"."""
    return slot if slot is not None and slot > now else now + timedelta(minutes=NOW_MINUTES)


def attempts(session: Session, case: Case) -> int:
    return session.scalar(
        select(func.count()).select_from(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "callback_attempt")
    ) or 0  # fmt: skip


def record_attempt(
    session: Session,
    case: Case,
    outcome: str,
    *,
    agent: str,
    duration_seconds: int | None = None,
    now: datetime | None = None,
) -> Next:
    """Record one call-back attempt (an outbound call on the thread) and apply the retry rule."""
    now = now_or_utcnow(now)
    if case.type != "callback":
        raise CaseError(f"{case.reference} is not a call-back")
    if case.status in workflow.DONE:
        raise CaseError(f"{case.reference} is {case.status}")
    number = attempts(session, case) + 1
    following = after_attempt(outcome, number, now)
    item = {
        "external_id": f"callback-{uuid.uuid4().hex}", "occurred_at": now.isoformat(),
        "channel": "phone", "type": "call", "direction": "outbound", "agent": agent,
        "duration_seconds": duration_seconds, "case_ref": case.reference,
        "identifiers": {"customer_id": str(case.customer_id)} if case.customer_id else {},
        "payload": {"callback_outcome": outcome, "attempt": number},
    }  # fmt: skip
    [recorded] = record_interactions(session, [(1, "parcours", item)])
    if recorded.interaction_id is not None:
        attach_interaction(session, case, recorded.interaction_id, actor=agent, how="callback",
                           now=now)  # fmt: skip
    record_event(session, case, agent, "callback_attempt", now, outcome=outcome, attempt=number,
                 next=following.reason)  # fmt: skip
    if following.retry_at is not None:
        # Back to the queue for whichever phone agent is free at the new time.
        case.due_at, case.owner_id, case.team_id, case.assigned_at = (
            following.retry_at,
            None,
            None,
            None,
        )
        case.queued_at = following.retry_at
    if following.status != case.status:
        change_status(session, case, following.status, actor=agent, reason=following.reason,
                      now=now)  # fmt: skip
    return following


def schedule(session: Session, case: Case, at: datetime, *, actor: str, note: str | None = None,
             now: datetime | None = None, hours: BusinessHours = HOURS) -> Case:  # fmt: skip
    """Promise the customer a call at ``at`` (from the case view: "I'll call you back Thursday
    at 10"): the case's ``due_at`` becomes that time, counting down in the inbox, and the
    promise goes into its history. Only in the future, within opening hours, on an active case."""
    now = now_or_utcnow(now)
    if case.status in workflow.DONE:
        raise CaseError(f"{case.reference} is {case.status}: reopen it first")
    if at <= now:
        raise CaseError("a call-back is scheduled in the future")
    if not hours.is_open(at):
        raise CaseError("a call-back is scheduled within opening hours (Mon–Fri 9:00–12:30, "
                        "13:30–18:00, Paris time, holidays excepted)")  # fmt: skip
    case.due_at, case.updated_at = at, now
    record_event(session, case, actor, "callback_scheduled", now, slot=at.isoformat(),
                 note=(note or "").strip() or None)  # fmt: skip
    return case
