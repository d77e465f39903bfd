"""Continuity: a customer's message, on any channel, finds its way back to its case.

* A message quoting a case reference (in ``case_ref``, or in its payload's ``subject``,
  ``text``, ``body`` or ``message``: "Re: [PAR-2026-000123] Votre devis") joins that case's
  thread; from the customer, it wakes a case waiting on them or resolved, and on a closed case
  it opens a follow-up case (see :mod:`parcours.cases.workflow`).
* A customer's message quoting no reference is *proposed* on each of their active cases it may
  concern (the agent attaches it, or not): "same customer, open case of a related type".
* A message that arrived just now on a live channel (``payload.inbox``: an e-mail, an SMS, a
  chat, a WhatsApp or Messenger message, see :mod:`parcours.cases.inbox`) and names no case
  joins the customer's most recently active case if it was touched within a week — the
  conversation goes on, whatever the channel — else opens a new request, routed. Auto-replies
  join their thread but neither wake nor open a case.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases import workflow
from parcours.cases.assignment import open_and_route
from parcours.cases.callbacks import due_for
from parcours.cases.models import Case
from parcours.cases.references import find_references
from parcours.cases.services import (
    SYSTEM,
    attach_interaction,
    change_status,
    record_event,
)
from parcours.customers.profiles import chunks
from parcours.db import utcnow
from parcours.events import Event
from parcours.interactions.models import Interaction

#: A call-back request opens its case when it is at most this old.
CALLBACK_WINDOW = timedelta(days=1)
#: A message from a live channel opens or joins a case when it is at most this old.
INBOX_WINDOW = timedelta(days=1)
#: A live message that says nothing of its case joins the customer's case touched this recently.
RECENT_CASE = timedelta(days=7)
#: Where a customer's message may quote a case reference, besides ``case_ref``.
REFERENCE_FIELDS = ("subject", "text", "body", "message")


def _quoted_references(interaction: Interaction) -> list[str]:
    texts = [interaction.case_ref or ""]
    texts += [str(interaction.payload.get(name) or "") for name in REFERENCE_FIELDS]
    found: list[str] = []
    for text in texts:
        found += [reference for reference in find_references(text) if reference not in found]
    return found


def follow_message(session: Session, interaction: Interaction, now: datetime | None = None) -> None:
    """Take one recorded interaction to its case: by a reference it quotes (the case wakes up if
    it was waiting on the customer or resolved; a closed one gets a follow-up case), or, for a
    customer's message quoting none, propose it on their active cases it may concern."""
    # What the message does to its case happened when the message did (an import of last week's
    # e-mails shows them in order), never later than now.
    now = now or min(interaction.occurred_at, utcnow())
    # An auto-reply ("absent du bureau") joins its thread but is not the customer answering.
    from_customer = (
        interaction.direction == "inbound"
        and interaction.type in workflow.CUSTOMER_MESSAGES
        and not interaction.payload.get("auto_submitted")
    )
    references = _quoted_references(interaction)
    cases = session.scalars(select(Case).where(Case.reference.in_(references))).all()
    for case in cases:
        attach_interaction(session, case, interaction.id, actor=SYSTEM, how="reference", now=now)
        if not from_customer:
            continue
        after = workflow.after_customer_message(case.status)
        if after.status is not None:
            change_status(session, case, after.status, actor=SYSTEM, now=now,
                          reason=f"message from the customer ({interaction.channel})")  # fmt: skip
        elif after.follow_up:
            open_and_route(session, customer_id=case.customer_id, case_type=case.type,
                      channel=interaction.channel, subject=case.subject, opened_by=SYSTEM,
                      priority=case.priority, interaction_id=interaction.id,
                      follows_case_id=case.id, now=now)  # fmt: skip
    if not cases and from_customer and interaction.type == "callback_request":
        # A request older than a day is history (an import of last year's web logs): it stays on
        # the timeline but calls for no call-back now.
        if interaction.occurred_at >= utcnow() - CALLBACK_WINDOW:
            open_callback(session, interaction, now)
        return
    if cases or not from_customer or interaction.customer_id is None:
        return
    active = list(session.scalars(
        select(Case)
        .where(Case.customer_id == interaction.customer_id,
               Case.status.in_(sorted(workflow.ACTIVE)))
        .order_by(Case.updated_at.desc(), Case.id.desc())
    ))  # fmt: skip
    if interaction.payload.get("inbox") and interaction.occurred_at >= utcnow() - INBOX_WINDOW:
        joined = follow_live_message(session, interaction, now)
        active = [case for case in active if case.id != joined.id]
    for case in active:
        if workflow.may_concern(interaction.type, case.type):
            record_event(session, case, SYSTEM, "proposed", now, interaction_id=interaction.id,
                    channel=interaction.channel)  # fmt: skip


def recent_case(session: Session, customer_id: int, now: datetime) -> Case | None:
    """The customer's most recently active case, if touched within :data:`RECENT_CASE`: where a
    message, a call or a chat that names no case belongs (the conversation goes on, whichever
    channel it takes)."""
    return session.scalar(
        select(Case)
        .where(Case.customer_id == customer_id, Case.status.in_(sorted(workflow.ACTIVE)),
               Case.updated_at >= now - RECENT_CASE)
        .order_by(Case.updated_at.desc(), Case.id.desc())
        .limit(1)
    )  # fmt: skip


def follow_live_message(session: Session, interaction: Interaction, now: datetime) -> Case:
    """A message just received on a live channel that says nothing of its case joins the
    customer's :func:`recent_case`, else opens a new request, routed."""
    assert interaction.customer_id is not None
    case = recent_case(session, interaction.customer_id, now)
    if case is not None:
        attach_interaction(session, case, interaction.id, actor=SYSTEM, how="continuity", now=now)
        after = workflow.after_customer_message(case.status)
        if after.status is not None:
            change_status(session, case, after.status, actor=SYSTEM, now=now,
                          reason=f"message from the customer ({interaction.channel})")  # fmt: skip
        return case
    text = str(interaction.payload.get("subject") or interaction.payload.get("text") or "")
    subject = " ".join(text.split())[:120] or f"Message ({interaction.channel})"
    return open_and_route(session, customer_id=interaction.customer_id, case_type="request",
                          channel=interaction.channel, subject=subject, opened_by=SYSTEM,
                          interaction_id=interaction.id, now=now)  # fmt: skip


def on_interaction_recorded(session: Session, event: Event) -> None:
    """Subscriber of ``interaction.recorded``: only interactions that quote a reference or are a
    customer's message are read (an import of page views costs one query by primary key a
    batch)."""
    ids = [int(i) for i in event.payload.get("interaction_ids", ())]
    if not ids:
        return
    for chunk in chunks(sorted(ids)):
        for interaction in session.scalars(
            select(Interaction).where(
                Interaction.id.in_(chunk),
                (Interaction.case_ref.is_not(None))
                | (
                    (Interaction.direction == "inbound")
                    & Interaction.type.in_(sorted(workflow.CUSTOMER_MESSAGES))
                ),
            )
        ):
            follow_message(session, interaction)


def open_callback(session: Session, interaction: Interaction, now: datetime) -> Case:
    """A call-back asked for (the website's button, the app) becomes a case for the phone
    agents, due in the slot chosen or within the quarter of an hour."""
    payload = interaction.payload
    slot = None
    if isinstance(payload.get("slot"), str) and payload["slot"] != "now":
        try:
            slot = datetime.fromisoformat(payload["slot"].replace("Z", "+00:00"))
        except ValueError:
            slot = None
        if slot is not None and slot.tzinfo is None:
            slot = None
    subject = str(payload.get("subject") or "Demande de rappel")[:300]
    return open_and_route(session, customer_id=interaction.customer_id, case_type="callback",
                   channel=interaction.channel, subject=subject, opened_by=SYSTEM,
                   due_at=due_for(slot, now), interaction_id=interaction.id, now=now)  # fmt: skip
