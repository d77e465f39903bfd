"""Customer profiles derived from their source records (survivorship), written back in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from parcours.customers.models import CUSTOMERS, SourceRecord
from parcours.customers.normalise import fold
from parcours.customers.survivorship import (
    ADDRESS_FIELDS,
    SCALAR_FIELDS,
    RecordView,
    golden_record,
)
from parcours.db import utcnow

CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_GOLDEN_COLUMNS = (
    *(name for name in SCALAR_FIELDS),
    *ADDRESS_FIELDS,
    "email",
    "phone",
    "attributes",
    "kind",
    "search_name",
    "updated_at",
)
_GOLDEN_UPDATE = (
    update(CUSTOMERS)
    .where(CUSTOMERS.c.id == bindparam("customer_id"))
    .values({name: bindparam(name) for name in _GOLDEN_COLUMNS})
)


def refresh_profiles(
    session: Session, customer_ids: Iterable[int], trust: Mapping[str, int]
) -> None:
    """Recompute the profiles of these customers from the source records they hold now."""
    views: dict[int, list[RecordView]] = defaultdict(list)
    for chunk in chunks(sorted(set(customer_ids))):
        rows = session.execute(
            select(
                SourceRecord.customer_id,
                SourceRecord.id,
                SourceRecord.source,
                SourceRecord.updated_at,
                SourceRecord.fields,
            ).where(SourceRecord.customer_id.in_(chunk))
        )
        for customer_id, record_id, source, updated_at, fields in rows:
            views[customer_id].append(RecordView(record_id, source, updated_at, fields))
    updates = [
        {**profile_row(golden_record(views[customer_id], trust)), "customer_id": customer_id}
        for customer_id in sorted(views)
    ]
    if updates:
        session.execute(_GOLDEN_UPDATE, updates)


def profile_row(golden: dict[str, Any]) -> dict[str, Any]:
    """The customer columns of a golden record."""
    names = (golden["first_name"], golden["last_name"], golden["company_name"])
    return {
        **golden,
        "birth_date": date.fromisoformat(golden["birth_date"]) if golden["birth_date"] else None,
        "search_name": fold(" ".join(filter(None, names))),
        "updated_at": utcnow(),
    }
