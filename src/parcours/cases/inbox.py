"""Messages that customers send on a live channel (an e-mail, an SMS, a chat, a WhatsApp or
Messenger message) become interactions on their timeline, and join or open a case.

1. **Who**: the identifiers the channel gives (an e-mail address, a phone number, a social id)
   find the customer; an unknown sender becomes a new customer from that channel (a source
   record ``email``/``sms``/…, so identity resolution can join it later to the customer it
   really is), as help desks do — nothing is left unattributed.
2. **Which case**: a reply to one of our messages (``In-Reply-To``/``References`` naming a
   message of the outbox or an earlier message of the thread) quotes that case; a reference
   in the text is found by :mod:`parcours.cases.continuity`.
3. **Recorded** once (``(source, external_id)``: the provider's message id; a webhook sent
   twice changes nothing), marked ``inbox`` so that continuity, after commit, joins the
   customer's one recently active case or opens a new routed one when nothing else says where
   it belongs (imports of past messages are not marked: they never open cases).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases.models import Case, CaseInteraction
from parcours.channels.models import OutboxMessage
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.interactions.attribution import choose_customer, owners_of
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction


@dataclass
class InboundMessage:
    """A message as any channel adapter hands it over."""

    channel: str
    #: Where it came from (``email``, ``sms``, ``whatsapp``…): with ``external_id``, its key.
    source: str
    external_id: str
    occurred_at: datetime
    #: How the sender is known: {"email": …} / {"phone": …} / {"whatsapp": …}.
    identifiers: dict[str, str]
    text: str | None = None
    subject: str | None = None
    sender_name: str | None = None
    #: Ids of the messages it answers, most specific first (e-mail threads).
    thread_ids: Sequence[str] = ()
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: An auto-reply or a bounce: kept on the timeline, never opens or wakes a case.
    auto_submitted: bool = False
    #: A keyword answered by the channel itself (an SMS "STOP"): kept, opens no case.
    keyword: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    #: The social network of a ``social`` message (whatsapp, messenger).
    network: str | None = None
    #: The case it belongs to when the channel knows it (a chat conversation's case).
    case_reference: str | None = None
    #: False for an anonymous visitor (a cookie): no customer is made until they say who they are.
    creates_customer: bool = True


@dataclass(frozen=True)
class Receipt:
    status: str
    interaction_id: int | None
    customer_id: int | None
    case_reference: str | None
    reason: str | None = None


def receive(session: Session, message: InboundMessage) -> Receipt:
    """Record one inbound message (see the module's docstring); idempotent."""
    first_seen = session.scalar(
        select(Interaction.occurred_at).where(Interaction.source == message.source,
                                              Interaction.external_id == message.external_id)
    )  # fmt: skip
    if first_seen is not None:  # delivered again: the same message, at the time first known
        message.occurred_at = first_seen
    customer_id = _customer_for(session, message) if message.creates_customer else None
    reference = message.case_reference or thread_reference(session, message.thread_ids)
    payload: dict[str, Any] = {
        "text": message.text, "subject": message.subject, "from_name": message.sender_name,
        "attachments": message.attachments, **message.details,
    }  # fmt: skip
    if message.auto_submitted:
        payload["auto_submitted"] = True
    elif message.keyword:
        payload["keyword"] = message.keyword
    elif message.case_reference is None:
        payload["inbox"] = True
    item = {
        "external_id": message.external_id, "occurred_at": message.occurred_at.isoformat(),
        "channel": message.channel, "type": "message", "direction": "inbound",
        "identifiers": message.identifiers, "case_ref": reference,
        **({"network": message.network} if message.network else {}),
        "payload": {key: value for key, value in payload.items() if value not in (None, [], "")},
    }  # fmt: skip
    [outcome] = record_interactions(session, [(1, message.source, item)])
    return Receipt(outcome.status, outcome.interaction_id, outcome.customer_id or customer_id,
                   reference, outcome.reason)  # fmt: skip


def _customer_for(session: Session, message: InboundMessage) -> int | None:
    """The customer holding one of the sender's identifiers, or a new one from this channel."""
    wanted = list(message.identifiers.items())
    known = choose_customer(wanted, owners_of(session, wanted))
    if known is not None:
        return known
    kind, value = wanted[0]
    fields = {kind: value, **name_fields(message.sender_name)}  # email, phone, social_<network>
    [outcome] = ingest_batch(session, [IncomingRecord(message.source, value, fields)])
    return outcome.customer_id


def name_fields(name: str | None) -> dict[str, str]:
    """The record fields of a display name ("Maëlle Tréguer" → first and last name; a single
    word is taken as the last name)."""
    first, _, last = (name or "").strip().partition(" ")
    if first and last:
        return {"first_name": first, "last_name": last}
    return {"last_name": first} if first else {}


def thread_reference(session: Session, thread_ids: Sequence[str]) -> str | None:
    """The reference of the case a reply belongs to: the case of one of our messages it answers
    (the outbox's Message-IDs) or of an earlier message of the same thread."""
    if not thread_ids:
        return None
    wanted = [f"<{one}>" for one in thread_ids]
    found: Mapping[str, str | None] = dict(session.execute(
        select(OutboxMessage.message_id, OutboxMessage.case_ref)
        .where(OutboxMessage.message_id.in_(wanted))
    ).all())  # fmt: skip
    for one in wanted:
        if found.get(one):
            return found[one]
    earlier = dict(session.execute(
        select(Interaction.external_id, Case.reference)
        .join(CaseInteraction, CaseInteraction.interaction_id == Interaction.id)
        .join(Case, Case.id == CaseInteraction.case_id)
        .where(Interaction.external_id.in_(list(thread_ids)), Interaction.channel == "email")
    ).all())  # fmt: skip
    return next((earlier[one] for one in thread_ids if one in earlier), None)
