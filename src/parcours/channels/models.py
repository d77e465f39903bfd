"""The outbox: every message Parcours sends, kept before it leaves and after (sent, failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parcours.customers.models import BigId
from parcours.db import Base, JSONType, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The case it answers, if any (its reference is in the subject too).
    case_ref: Mapped[str | None] = mapped_column(String(40))
    #: Why it is sent (:data:`parcours.channels.consents.PURPOSES`): the consent it needs.
    purpose: Mapped[str] = mapped_column(String(16), default="service")
    #: queued (waiting for its channel), sent, failed (will be tried again), blocked (the
    #: recipient opted out: never sent), delivered / undelivered (the provider's receipt, or a
    #: refusal that no retry can change).
    status: Mapped[str] = mapped_column(String(12), default="queued")
    #: The provider's id for it (Twilio's SM…, WhatsApp's wamid…), named by delivery receipts.
    provider_id: Mapped[str | None] = mapped_column(String(120), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Consent(Base):
    """One decision of a recipient about one channel address and one purpose (given, or
    withdrawn: "STOP" by SMS, an unsubscribe link, a form). The latest decision counts; the
    earlier ones stay as the history a DPO is asked for."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_address", "channel", "address", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    #: The e-mail address (lower case) or phone number (E.164) the decision is about.
    address: Mapped[str] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(16))
    is_granted: Mapped[bool] = mapped_column()
    #: Where it came from: "sms STOP", "survey page", "api", "import".
    source: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelAccount(Base):
    """One connected channel: an e-mail inbox, an SMS number, a WhatsApp line, a Messenger page,
    a telephony account, a web chat. Its settings are shown to admins; its secrets (passwords,
    tokens, app secrets) are written, used by the adapters and never returned by the API."""

    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
