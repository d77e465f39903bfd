"""Answering the customer from the case, on any channel: the message is recorded on the case's
thread as an outbound interaction (it stops the first-response clock) and queued in the outbox,
which sends it after commit through the channel's adapter (:mod:`parcours.channels.outbox`).

E-mail goes to the customer's address with the reference in the subject ("[PAR-2026-000123]
Devis pompe à chaleur"), so that their answer comes back to the case whatever mail client they
use; SMS and WhatsApp go to their phone, Messenger to the id their messages came from (both
only within 24 hours of the customer's last message: Meta refuses free text after that). Chat
is answered in its conversation (:mod:`parcours.cases.webchat`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases import webchat
from parcours.cases.models import Case
from parcours.cases.services import CaseError, attach_interaction, now_or_utcnow
from parcours.channels.outbox import queue_message
from parcours.customers.models import Customer, Identifier
from parcours.interactions.ingest import record_interactions

REPLY_SOURCE = "parcours"
MAX_BODY = 20_000
#: Channel → (the customer's address it needs, interaction type of a message sent on it). A
#: WhatsApp answer goes to the customer's phone number, a Messenger one to the page-scoped id
#: their own messages came from.
REPLY_CHANNELS = {
    "email": ("email", "email_sent"),
    "sms": ("phone", "sms_sent"),
    "whatsapp": ("phone", "message"),
    "messenger": ("social_messenger", "message"),
}


@dataclass(frozen=True)
class Reply:
    interaction_id: int
    outbox_id: int
    recipient: str
    subject: str | None


def reply(session: Session, case: Case, *, channel: str, body: str, actor: str,
          now: datetime | None = None) -> Reply:  # fmt: skip
    """Answer the case's customer on ``channel`` (email, sms, whatsapp, messenger)."""
    now = now_or_utcnow(now)
    text = body.strip()
    if not text:
        raise CaseError("a reply needs some text")
    if len(text) > MAX_BODY:
        raise CaseError(f"a reply is at most {MAX_BODY} characters")
    if channel == "chat":
        conversation = webchat.conversation_for_case(session, case)
        interaction = webchat.agent_message(session, conversation, actor, text, now)
        return Reply(interaction.id, 0, f"conversation {conversation.id}", None)
    if channel not in REPLY_CHANNELS:
        raise CaseError(f"replies leave by {', '.join(REPLY_CHANNELS)}, chat (not {channel})")
    field, kind = REPLY_CHANNELS[channel]
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    if customer is None:
        raise CaseError(f"{case.reference} has no customer to answer")
    recipient = _address(session, customer, field)
    if not recipient:
        raise CaseError(f"customer {customer.id} has no {field} to answer by {channel}")
    subject = f"[{case.reference}] {case.subject}" if channel == "email" else None
    sms_body = f"{text}\n({case.reference})" if channel == "sms" else text
    message = queue_message(session, channel=channel, recipient=recipient, body=sms_body,
                            subject=subject, case_ref=case.reference)  # fmt: skip
    social = channel in ("whatsapp", "messenger")
    item = {
        "external_id": f"reply-{uuid.uuid4().hex}", "occurred_at": now.isoformat(),
        "channel": "social" if social else channel, "type": kind, "direction": "outbound",
        "agent": actor, **({"network": channel} if social else {}),
        "case_ref": case.reference, "identifiers": {"customer_id": str(customer.id)},
        "payload": {"subject": subject, "text": text, "to": recipient,
                    "message_id": message.message_id},
    }  # fmt: skip
    [outcome] = record_interactions(session, [(1, REPLY_SOURCE, item)])
    if outcome.interaction_id is None:
        raise CaseError(f"the reply could not be recorded: {outcome.reason}")
    attach_interaction(session, case, outcome.interaction_id, actor=actor, how="reply", now=now)
    return Reply(outcome.interaction_id, message.id, recipient, subject)


def _address(session: Session, customer: Customer, field: str) -> str | None:
    """The customer's e-mail or phone, or an identifier of theirs (a Messenger id)."""
    if field in ("email", "phone"):
        value: str | None = getattr(customer, field)
        return value
    return session.scalar(
        select(Identifier.value)
        .where(Identifier.customer_id == customer.id, Identifier.kind == field)
        .order_by(Identifier.id.desc())
        .limit(1)
    )
