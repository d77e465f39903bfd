"""Survivorship: the golden record derived from a customer's source records (pure).

For each field the value comes from the record that wins on, in order:

1. the **most trusted source** (``PARCOURS_SOURCE_TRUST``, e.g. ``store=3,web=2``; unlisted: 0);
2. the **most recent** record (``received_at``, updated when a changed version arrives);
3. the **most complete** record (number of fields it fills);
4. the oldest record id, so that the result never depends on load order.

Only records that fill the field compete, so a recent record with no phone never erases the phone
of an older one. The postal address is taken as a block from one record, so that a street from
one record is never paired with the postcode of another; a record naming only a country or a
region does not compete with one that has a street, postcode or city. Lists (e-mails, phones,
cards) keep every value, the winner's first. Attributes are merged key by key by the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ADDRESS_FIELDS = (
    "street_number",
    "street",
    "address_extra",
    "postcode",
    "city",
    "region",
    "country",
)
#: The fields that make a postal address: a record with only a country or a region has none.
LOCATING_FIELDS = ("street", "postcode", "city")
SCALAR_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "company_name",
    "birth_date",
    "siret",
    "preferred_language",
    "preferred_channel",
    "stage",
    "owning_unit",
)
LIST_FIELDS = {"emails": "email", "phones": "phone"}


@dataclass(frozen=True)
class RecordView:
    record_id: int
    source: str
    received_at: datetime
    fields: Mapping[str, Any]


def _rank(record: RecordView, trust: Mapping[str, int]) -> tuple[int, datetime, int, int]:
    completeness = sum(1 for value in record.fields.values() if value not in (None, "", [], {}))
    return (trust.get(record.source, 0), record.received_at, completeness, -record.record_id)


def golden_record(records: Sequence[RecordView], trust: Mapping[str, int]) -> dict[str, Any]:
    """The profile fields of a customer made of ``records`` (at least one)."""
    if not records:
        raise ValueError("a customer has at least one source record")
    ordered = sorted(records, key=lambda record: _rank(record, trust), reverse=True)
    golden: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        golden[name] = next((r.fields[name] for r in ordered if r.fields.get(name)), None)
    address_record = next(
        (r for r in ordered if any(r.fields.get(name) for name in LOCATING_FIELDS)), None
    ) or next((r for r in ordered if any(r.fields.get(name) for name in ADDRESS_FIELDS)), None)
    for name in ADDRESS_FIELDS:
        golden[name] = address_record.fields.get(name) if address_record else None
    for list_name, single in LIST_FIELDS.items():
        golden[single] = next(
            (r.fields[list_name][0] for r in ordered if r.fields.get(list_name)), None
        )
    attributes: dict[str, Any] = {}
    for record in reversed(ordered):
        attributes.update(record.fields.get("attributes") or {})
    golden["attributes"] = attributes
    names = (golden["first_name"], golden["last_name"])
    golden["kind"] = "organisation" if golden["company_name"] and not any(names) else "person"
    golden["stage"] = golden["stage"] or "customer"
    return golden
