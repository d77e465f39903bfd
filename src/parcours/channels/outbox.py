"""Messages leave after commit (DESIGN.md, principle 7): a use case *queues* a message in the
outbox in its own transaction and emits ``message.queued``; once that commits,
:func:`on_message_queued` hands it to the channel's adapter and records the outcome. Without an
adapter for the channel (no ``PARCOURS_SMTP_URL``; SMS and social until the channels issue) the
message stays queued, visible in ``parcours outbox list``; ``parcours outbox send`` tries the
queued and failed ones again. Each message is locked while it is sent (PostgreSQL ``FOR UPDATE
SKIP LOCKED``; SQLite has one writer), so two senders never both take it; a crash between the
mail server's acceptance and the commit can send it once more (at least once, never lost), and
its stable Message-ID lets mail clients show it once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours import events
from parcours.channels import consents
from parcours.channels.email import SmtpSender
from parcours.channels.models import OutboxMessage
from parcours.channels.ports import DeliveryError, EmailSender, OutgoingEmail
from parcours.config import Settings, get_settings
from parcours.db import utcnow

MAX_ATTEMPTS = 5


def queue_message(session: Session, *, channel: str, recipient: str, body: str,
                  subject: str | None = None, case_ref: str | None = None,
                  headers: dict[str, str] | None = None,
                  purpose: str = "service") -> OutboxMessage:  # fmt: skip
    """Keep the message to send after commit; a recipient who opted out of this purpose on
    this channel gets nothing: the message is kept as ``blocked`` with the reason."""
    decision = consents.decide(session, channel, recipient, purpose)
    message = OutboxMessage(
        channel=channel, recipient=recipient, subject=subject, body=body, case_ref=case_ref,
        message_id=_message_id(case_ref), headers=headers or {}, purpose=purpose,
        status="queued" if decision.is_allowed else "blocked",
        error=None if decision.is_allowed else decision.reason,
    )  # fmt: skip
    session.add(message)
    session.flush()
    if decision.is_allowed:
        events.emit(session, "message.queued", message_id=message.id)
    return message


def _message_id(case_ref: str | None) -> str:
    """A unique Message-ID short enough never to be folded over two header lines."""
    return f"<{uuid.uuid4().hex[:20]}.{case_ref or 'parcours'}@parcours.local>"


def email_sender(settings: Settings) -> EmailSender | None:
    """The configured e-mail adapter, or None (messages wait in the outbox)."""
    if not settings.smtp_url:
        return None
    return SmtpSender(settings.smtp_url, settings.mail_from)


def deliver(session: Session, message: OutboxMessage, sender: EmailSender | None,
            now: datetime | None = None) -> str:  # fmt: skip
    """Send one message through its adapter; its new status."""
    if message.status in ("sent", "blocked"):
        return message.status
    if message.channel != "email" or sender is None:
        return message.status
    decision = consents.decide(session, message.channel, message.recipient, message.purpose)
    if not decision.is_allowed:
        message.status, message.error = "blocked", decision.reason
        return "blocked"
    message.attempts += 1
    try:
        sender.send(OutgoingEmail(message.recipient, message.subject or "", message.body,
                                  message.message_id, dict(message.headers)))  # fmt: skip
    except DeliveryError as error:
        message.status, message.error = "failed", str(error)[:1000]
        return "failed"
    message.status, message.sent_at, message.error = "sent", now or utcnow(), None
    return "sent"


def on_message_queued(session: Session, event: events.Event) -> None:
    """Subscriber of ``message.queued``: send it now if its channel has an adapter."""
    message = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == int(event.payload["message_id"]))
        .with_for_update(skip_locked=True)
    )
    if message is not None:
        deliver(session, message, email_sender(get_settings()))


def send_pending(session: Session, settings: Settings) -> dict[str, int]:
    """Try the queued and failed messages again (up to :data:`MAX_ATTEMPTS` each)."""
    sender = email_sender(settings)
    counts: dict[str, int] = {}
    for message in session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(("queued", "failed")),
               OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    ):  # fmt: skip
        status = deliver(session, message, sender)
        counts[status] = counts.get(status, 0) + 1
    return counts


def messages(
    session: Session, *, status: str | None = None, limit: int = 50
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query))


def status_of(session: Session, outbox_id: int) -> str:
    """What became of a message, in words: sent, or why it waits."""
    message = session.get(OutboxMessage, outbox_id)
    if message is None:
        return "unknown"
    if message.status == "sent":
        return "sent"
    if message.status == "blocked":
        return f"not sent: {message.error}"
    if message.status == "failed":
        return f"not sent yet ({message.error}); parcours outbox send tries again"
    return "queued in the outbox (no adapter configured for this channel)"
