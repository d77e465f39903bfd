"""Tables of the touchpoints: every interaction on every channel, with the identifiers it came with.

An interaction is stored once per ``(source, external_id)`` and keeps the identifiers it arrived
with (``InteractionIdentifier``). Its ``customer_id`` is derived from them by the attribution rule
of :mod:`parcours.interactions.attribution` and recomputed whenever the customers holding those
identifiers change (a login linking a cookie, a merge, an unmerge): the timeline follows the
customer's source records without ever losing the anonymous event.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parcours.customers.models import BigId
from parcours.db import Base, JSONType, UTCDateTime, utcnow


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_interactions_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_interactions_occurred", "occurred_at"),
        # Covers the contact statistics (group by channel, nature, direction over a period):
        # 1.05 s → 0.37 s on a million interactions (bench/contact_stats.py).
        Index(
            "ix_interactions_statistics",
            "channel",
            "nature",
            "direction",
            "occurred_at",
            "cost",
            "amount",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(80))
    external_id: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: From the channel registry (``interactions.channels``), not a database enum.
    channel: Mapped[str] = mapped_column(String(32))
    #: For social channels: the network ("facebook", "instagram", "whatsapp"…).
    network: Mapped[str | None] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8))
    initiative: Mapped[str] = mapped_column(String(8))
    nature: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(8))
    #: Whether the phase was given by the sender (else derived from the type).
    phase_given: Mapped[bool] = mapped_column(default=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_ref: Mapped[str | None] = mapped_column(String(40))
    agent: Mapped[str | None] = mapped_column(String(120))
    duration_seconds: Mapped[int | None] = mapped_column()
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    location: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InteractionIdentifier(Base):
    """An identifier an interaction came with: how it finds (or will find) its customer."""

    __tablename__ = "interaction_identifiers"
    __table_args__ = (Index("ix_interaction_identifiers_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(320))


# Core views, for the bulk paths.
INTERACTIONS: Table = Interaction.__table__  # type: ignore[assignment]
INTERACTION_IDENTIFIERS: Table = InteractionIdentifier.__table__  # type: ignore[assignment]


class CustomerNote(Base):
    """A line of the client book: what a seller wants to remember ("prénom de sa femme")."""

    __tablename__ = "customer_notes"
    __table_args__ = (Index("ix_customer_notes_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The customer the note was written on; after a merge it shows on the merged customer, and
    #: an unmerge takes it back, since it stays on this id.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(Base):
    """A user (console login or API token name) following a customer's activity."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("follower", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    follower: Mapped[str] = mapped_column(String(120), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
