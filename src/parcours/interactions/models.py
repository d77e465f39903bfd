"""Tables of the touchpoints: every interaction on every channel, with the identifiers it came with.

An interaction is stored once per ``(source, external_id)`` and keeps the identifiers it arrived
with (``InteractionIdentifier``). Its ``customer_id`` is derived from them by the attribution rule
of :mod:`parcours.interactions.attribution` and recomputed whenever the customers holding those
identifiers change (a login linking a cookie, a merge, an unmerge): the timeline follows the
customer's source records without ever losing the anonymous event.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parcours.customers.models import BigId
from parcours.db import Base, JSONType, UTCDateTime, utcnow


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_interactions_customer_occurred", "customer_id", "occurred_at"),
        # The customer too: the ragged ends of a statistics period count contacts per customer
        # from this index alone.
        Index("ix_interactions_occurred_customer", "occurred_at", "customer_id"),
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


class ContactDay(Base):
    """Contacts of one day (UTC) on one channel, by nature and direction: the overall contact
    statistics read these instead of every interaction (10M interactions are ~35,000 rows).

    Kept by :mod:`parcours.interactions.summaries` in the transaction that changes the
    interactions. Cost and amount are integers of their smallest unit (ten-thousandths, cents) so
    that sums stay exact on SQLite too."""

    __tablename__ = "contact_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[date] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    nature: Mapped[str] = mapped_column(String(16), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)
    contacts: Mapped[int] = mapped_column(BigInteger)
    cost_units: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class CustomerContactMonth(Base):
    """How many contacts a customer had in a month (UTC): contacts per customer over a period
    without reading every interaction."""

    __tablename__ = "customer_contact_months"
    __table_args__ = ({"sqlite_with_rowid": False},)

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    contacts: Mapped[int] = mapped_column(BigInteger)


CONTACT_DAYS: Table = ContactDay.__table__  # type: ignore[assignment]
CUSTOMER_CONTACT_MONTHS: Table = CustomerContactMonth.__table__  # type: ignore[assignment]
