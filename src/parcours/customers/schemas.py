"""Pydantic shapes of the customer API (and of the CLI's JSON output)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from parcours.customers.records import is_known_field, known_fields_help


class CustomerSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    birth_date: date | None
    email: str | None
    phone: str | None
    street_number: str | None
    street: str | None
    address_extra: str | None
    postcode: str | None
    city: str | None
    region: str | None
    country: str | None
    siret: str | None
    preferred_language: str | None
    preferred_channel: str | None
    stage: str
    owning_unit: str | None
    merged_into_id: int | None = None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str:
        parts = [part for part in (self.title, self.first_name, self.last_name) if part]
        return " ".join(parts) or self.company_name or f"#{self.id}"


class IdentifierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    value: str
    is_verified: bool
    first_seen: datetime
    last_seen: datetime
    records: int = 1


class SourceRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str
    received_at: datetime
    updated_at: datetime
    payload: dict[str, Any]


class MergeMoveOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source_record_id: int
    from_customer_id: int
    to_customer_id: int


class MergeOut(BaseModel):
    """A merge with who or what decided it, its score and its evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    target_customer_id: int
    kind: str
    decided_by: str
    score: float | None
    evidence: list[dict[str, Any]]
    model_version: str | None
    created_at: datetime
    undone_at: datetime | None
    undone_by: str | None
    moves: list[MergeMoveOut]


class CustomerDetail(CustomerSummary):
    identifiers: list[IdentifierOut]
    source_records: list[SourceRecordOut]
    merges: list[MergeOut] = Field(default_factory=list)


class CustomerPage(BaseModel):
    items: list[CustomerSummary]
    total: int
    page: int
    page_size: int


FieldValue = str | int | float | list[str] | None


class RecordIn(BaseModel):
    """One record as a channel system sends it: canonical fields at the top level.

    Fields outside the canonical list are refused (a typo would otherwise vanish silently): put
    free data in ``attributes``.
    """

    model_config = ConfigDict(extra="allow")

    source: str = Field(min_length=1, max_length=64)
    external_id: str = Field(min_length=1, max_length=200)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _only_known_fields(self) -> RecordIn:
        unknown = sorted(name for name in self.model_extra or {} if not is_known_field(name))
        if unknown:
            raise ValueError(
                f"unknown fields {', '.join(unknown)}: use canonical fields "
                f"({known_fields_help()}) or put them in 'attributes'"
            )
        return self

    def canonical_fields(self) -> dict[str, str | list[str] | None]:
        fields: dict[str, str | list[str] | None] = {}
        for name, value in (self.model_extra or {}).items():
            if value is None:
                continue
            fields[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
        return fields


class DroppedValueOut(BaseModel):
    field: str
    value: str
    reason: str


class RecordResult(BaseModel):
    source: str
    external_id: str
    status: Literal["created", "attached", "updated", "unchanged", "rejected"]
    customer_id: int | None
    reason: str
    dropped: list[DroppedValueOut]


class RecordResults(BaseModel):
    results: list[RecordResult]


class MergeIn(BaseModel):
    customer_ids: list[int] = Field(min_length=2, max_length=100)


class MatchReviewOut(BaseModel):
    """A probable match: the two customers, the match rate and the evidence behind it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_a_id: int
    customer_b_id: int
    probability: float
    evidence: list[dict[str, Any]]
    model_version: str | None
    status: str
    decided_by: str | None
    decided_at: datetime | None
    merge_id: int | None
    created_at: datetime
