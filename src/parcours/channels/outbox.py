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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours import events
from parcours.channels import accounts, consents
from parcours.channels.email import SmtpSender
from parcours.channels.graph import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    MessengerSender,
    WhatsAppSender,
)
from parcours.channels.models import OutboxMessage
from parcours.channels.ports import (
    DeliveryError,
    EmailSender,
    OutgoingEmail,
    OutgoingSms,
    OutgoingSocial,
    SmsSender,
    SocialNetwork,
    SocialSender,
)
from parcours.channels.twilio import TwilioSmsSender
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


def sms_sender(session: Session) -> SmsSender | None:
    """The SMS adapter of the first active Twilio account, or None."""
    for account in accounts.active_of_kind(session, "sms_twilio"):
        wanted = ("from_number", "messaging_service_sid", "base_url")
        options = {name: account.settings[name] for name in wanted if account.settings.get(name)}
        return TwilioSmsSender(
            account.settings["account_sid"], accounts.secret(account, "auth_token"),
            status_callback=account.settings.get("status_callback_url"), **options,
        )  # fmt: skip
    return None


def social_senders(session: Session) -> dict[str, SocialSender]:
    """The WhatsApp and Messenger adapters of the first active account of each."""
    found: dict[str, SocialSender] = {}
    for account in accounts.active_of_kind(session, "whatsapp")[:1]:
        found["whatsapp"] = WhatsAppSender(
            account.settings["phone_number_id"], accounts.secret(account, "access_token"),
            base_url=_graph(account.settings, "base_url", DEFAULT_BASE_URL),
            api_version=_graph(account.settings, "api_version", DEFAULT_API_VERSION),
        )  # fmt: skip
    for account in accounts.active_of_kind(session, "messenger")[:1]:
        found["messenger"] = MessengerSender(
            account.settings["page_id"], accounts.secret(account, "page_access_token"),
            base_url=_graph(account.settings, "base_url", DEFAULT_BASE_URL),
            api_version=_graph(account.settings, "api_version", DEFAULT_API_VERSION),
        )  # fmt: skip
    return found


def _graph(settings: dict[str, Any], name: str, default: str) -> str:
    return str(settings.get(name) or default)


@dataclass
class Senders:
    """The adapters messages leave through, one per channel; a channel without one keeps its
    messages queued."""

    email: EmailSender | None = None
    sms: SmsSender | None = None
    social: dict[str, SocialSender] = field(default_factory=dict)

    @classmethod
    def configured(cls, session: Session, settings: Settings) -> Senders:
        return cls(email=email_sender(settings), sms=sms_sender(session),
                   social=social_senders(session))  # fmt: skip

    def send(self, message: OutboxMessage) -> str | None:
        """Hand the message over; the provider's id when it gives one. Raises DeliveryError."""
        if message.channel == "email" and self.email is not None:
            self.email.send(OutgoingEmail(message.recipient, message.subject or "", message.body,
                                          message.message_id, dict(message.headers)))  # fmt: skip
            return None
        if message.channel == "sms" and self.sms is not None:
            return self.sms.send(OutgoingSms(message.recipient, message.body))
        if message.channel in ("whatsapp", "messenger") and message.channel in self.social:
            network: SocialNetwork = "whatsapp" if message.channel == "whatsapp" else "messenger"
            sent: str = self.social[message.channel].send(
                OutgoingSocial(network, message.recipient, message.body)
            )
            return sent
        raise LookupError(message.channel)

    def has(self, channel: str) -> bool:
        if channel in ("whatsapp", "messenger"):
            return channel in self.social
        return channel in ("email", "sms") and getattr(self, channel) is not None


def deliver(session: Session, message: OutboxMessage, senders: Senders,
            now: datetime | None = None) -> str:  # fmt: skip
    """Send one message through its channel's adapter; its new status."""
    if message.status in ("sent", "blocked", "delivered", "undelivered"):
        return message.status
    if not senders.has(message.channel):
        return message.status
    decision = consents.decide(session, message.channel, message.recipient, message.purpose)
    if not decision.is_allowed:
        message.status, message.error = "blocked", decision.reason
        return "blocked"
    message.attempts += 1
    try:
        message.provider_id = senders.send(message)
    except DeliveryError as error:
        message.status, message.error = "failed", str(error)[:1000]
        if error.is_permanent:
            message.status = "undelivered"
        return message.status
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
        deliver(session, message, Senders.configured(session, get_settings()))


def send_pending(session: Session, settings: Settings) -> dict[str, int]:
    """Try the queued and failed messages again (up to :data:`MAX_ATTEMPTS` each)."""
    senders = Senders.configured(session, settings)
    counts: dict[str, int] = {}
    for message in session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(("queued", "failed")),
               OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .with_for_update(skip_locked=True)
    ):  # fmt: skip
        status = deliver(session, message, senders)
        counts[status] = counts.get(status, 0) + 1
    return counts


def record_receipt(session: Session, provider_id: str, status: str, error: str | None,
                   now: datetime | None = None) -> OutboxMessage | None:  # fmt: skip
    """A delivery receipt from the provider (an SMS delivered, a WhatsApp message read, a
    failure after acceptance); None when no message of ours has that id."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id))
    if message is None:
        return None
    if status in ("delivered", "read"):
        message.status, message.delivered_at = "delivered", message.delivered_at or now or utcnow()
    elif status in ("failed", "undelivered"):
        message.status, message.error = "undelivered", error or status
    return message


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
    if message.status == "delivered":
        return "delivered"
    if message.status == "undelivered":
        return f"not delivered: {message.error}"
    if message.status == "failed":
        return f"not sent yet ({message.error}); parcours outbox send tries again"
    return "queued in the outbox (no adapter configured for this channel)"
