"""Tables of the single customer view.

A customer is the set of source records that belong to it (``SourceRecord.customer_id``); its
profile columns are derived from them by the survivorship rules and can always be recomputed.
Regrouping records (merge, unmerge) is therefore a change of ``customer_id``, never a deletion.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours.db import Base, JSONType, UTCDateTime, utcnow

#: Integer primary keys that are 64-bit on PostgreSQL and rowid aliases on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    title: Mapped[str | None] = mapped_column(String(16))
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    company_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    street_number: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[str | None] = mapped_column(String(200))
    address_extra: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    siret: Mapped[str | None] = mapped_column(String(14))
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    preferred_channel: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16), default="customer")
    owning_unit: Mapped[str | None] = mapped_column(String(120))
    #: Set when a merge moved all this customer's records into another one (undone by unmerge).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Folded "first last company" for search (accents and case removed).
    search_name: Mapped[str] = mapped_column(String(500), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    source_records: Mapped[list[SourceRecord]] = relationship(
        back_populates="customer", order_by="SourceRecord.id"
    )
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="customer", order_by="Identifier.id", viewonly=True
    )


class SourceRecord(Base):
    """A customer record exactly as a channel system sent it; never deleted by a merge."""

    __tablename__ = "source_records"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The normalised fields that survivorship and matching use (valid values only).
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="source_records")
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="source_record", cascade="all, delete-orphan", order_by="Identifier.id"
    )


class Identifier(Base):
    """A normalised identifier carried by one source record.

    ``customer_id`` repeats the record's customer so that the matching lookup
    "which customers carry this e-mail?" is one index probe.
    """

    __tablename__ = "identifiers"
    __table_args__ = (
        UniqueConstraint("source_record_id", "kind", "value"),
        Index("ix_identifiers_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(320))
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source_record: Mapped[SourceRecord] = relationship(back_populates="identifiers")
    customer: Mapped[Customer] = relationship(back_populates="identifiers", viewonly=True)


class Merge(Base):
    """One grouping of customers, by the model or a person; undone by moving its records back.

    The merged customers are kept (``Customer.merged_into_id``) so that an unmerge gives them
    back their own ids, identifiers and source records.
    """

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # automatic, manual, review
    decided_by: Mapped[str] = mapped_column(String(120))
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    model_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(120))

    moves: Mapped[list[MergeMove]] = relationship(
        back_populates="merge", cascade="all, delete-orphan", order_by="MergeMove.id"
    )


class MergeMove(Base):
    """A source record moved by a merge, and the customer it came from."""

    __tablename__ = "merge_moves"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("merges.id", ondelete="CASCADE"), index=True)
    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"), index=True)
    from_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    to_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))

    merge: Mapped[Merge] = relationship(back_populates="moves")


class MatchReview(Base):
    """A probable match between two customers, waiting for a person's decision."""

    __tablename__ = "match_reviews"
    __table_args__ = (Index("ix_match_reviews_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_a_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_b_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    probability: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    model_version: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # accepted, rejected
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("merges.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannotLink(Base):
    """ "These two are different people": the two source records never end in one customer."""

    __tablename__ = "cannot_links"
    __table_args__ = (UniqueConstraint("record_a_id", "record_b_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    record_b_id: Mapped[int] = mapped_column(ForeignKey("source_records.id"))
    decided_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchModelVersion(Base):
    """The parameters of a trained matching model; the newest active one scores new records."""

    __tablename__ = "match_models"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    trained_on: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchKey(Base):
    """A blocking key of a source record, so that a new record finds its candidates by index."""

    __tablename__ = "match_keys"
    __table_args__ = (Index("ix_match_keys_rule_key", "rule", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(400))


# Core views of the tables, for the bulk paths that write rows without building ORM objects.
CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
RECORDS: Table = SourceRecord.__table__  # type: ignore[assignment]
IDENTIFIERS: Table = Identifier.__table__  # type: ignore[assignment]
KEYS: Table = MatchKey.__table__  # type: ignore[assignment]
