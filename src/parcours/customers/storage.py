"""Bulk reads and writes of the ingestion path (records, identifiers, customers' attach data)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from parcours.customers import attach
from parcours.customers.models import IDENTIFIERS, Customer, Identifier, SourceRecord
from parcours.customers.profiles import chunks
from parcours.customers.records import STRONG_IDENTIFIERS, NormalisedRecord


def existing_records(
    session: Session, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str, int]]:
    """(source, external id) → (record id, content hash, customer id) of records already stored."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, external_id in keys:
        by_source[source].append(external_id)
    found: dict[tuple[str, str], tuple[int, str, int]] = {}
    for source, external_ids in by_source.items():
        for chunk in chunks(external_ids):
            rows = session.execute(
                select(
                    SourceRecord.external_id,
                    SourceRecord.id,
                    SourceRecord.content_hash,
                    SourceRecord.customer_id,
                ).where(SourceRecord.source == source, SourceRecord.external_id.in_(chunk))
            )
            for external_id, record_id, digest, customer_id in rows:
                found[(source, external_id)] = (record_id, digest, customer_id)
    return found


def replace_record(
    session: Session,
    record_id: int,
    customer_id: int,
    record: NormalisedRecord,
    payload: dict[str, Any],
    digest: str,
    now: datetime,
) -> None:
    """A changed version of a known record: new payload and fields; its customer stays the same."""
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == record_id)
        .values(
            payload=payload,
            fields=record.fields,
            content_hash=digest,
            updated_at=now,
        )
    )
    current = {
        (kind, value): identifier_id
        for identifier_id, kind, value in session.execute(
            select(Identifier.id, Identifier.kind, Identifier.value).where(
                Identifier.source_record_id == record_id
            )
        )
    }
    wanted = set(record.identifiers)
    gone = [identifier_id for key, identifier_id in current.items() if key not in wanted]
    if gone:
        session.execute(delete(Identifier).where(Identifier.id.in_(gone)))
    kept = [identifier_id for key, identifier_id in current.items() if key in wanted]
    if kept:
        session.execute(update(Identifier).where(Identifier.id.in_(kept)).values(last_seen=now))
    added = [
        identifier_row(record_id, customer_id, kind, value, now)
        for kind, value in record.identifiers
        if (kind, value) not in current
    ]
    if added:
        session.execute(insert(IDENTIFIERS), added)


def identifier_row(
    record_id: int, customer_id: int, kind: str, value: str, now: datetime
) -> dict[str, Any]:
    return {
        "source_record_id": record_id,
        "customer_id": customer_id,
        "kind": kind,
        "value": value,
        "is_verified": False,
        "first_seen": now,
        "last_seen": now,
    }


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows of ``table``, after the current maximum: on SQLite, inside the
    write transaction (a single writer), so that bulk inserts know their ids in order."""
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in bulk and return their ids, in order.

    PostgreSQL returns them from one multi-row INSERT … RETURNING. SQLite cannot promise the order
    of RETURNING rows, so SQLAlchemy would insert one row at a time; instead the ids are chosen
    here, after the current maximum, inside the write transaction (SQLite has a single writer).
    """
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        ids = next_ids(session, table, len(rows))
        session.execute(
            insert(table), [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]
        )
        return ids
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars().all())


def insert_tuples(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    on_conflict: str = "",
) -> None:
    """Insert many plain rows through the driver's own ``executemany``, without SQLAlchemy's
    per-row parameter processing (five times faster for the hundreds of thousands of blocking
    keys of a first resolution). Only for columns that need no type conversion. ``on_conflict``
    is an ``ON CONFLICT …`` clause (same syntax on SQLite and PostgreSQL), see :func:`adding`."""
    if not rows:
        return
    marker = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)}) {on_conflict}"
    )
    session.connection().exec_driver_sql(statement, list(rows))


def adding(table: Table, counters: Sequence[str]) -> str:
    """The ``ON CONFLICT`` clause that adds the new row's counters to the stored row's."""
    keys = ", ".join(column.name for column in table.primary_key.columns)
    sums = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in counters)
    return f"ON CONFLICT ({keys}) DO UPDATE SET {sums}"


def insert_converted(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    on_conflict: str = "",
) -> None:
    """Like :func:`insert_tuples`, for columns whose values need converting (dates, JSON,
    decimals): each column's own bind conversion is applied once per value, as SQLAlchemy would,
    without building a dictionary per row."""
    dialect = session.get_bind().dialect
    converters = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    converted = [
        tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(converters, row, strict=True)
        )
        for row in rows
    ]
    insert_tuples(session, table, columns, converted, on_conflict=on_conflict)


def customers_by_identifier(
    session: Session, identifiers: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[int]]:
    """(kind, value) → ids of the customers carrying it, for each strong identifier given."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, value in identifiers:
        if kind in STRONG_IDENTIFIERS:
            by_kind[kind].add(value)
    index: dict[tuple[str, str], list[int]] = {}
    for kind, values in by_kind.items():
        for chunk in chunks(sorted(values)):
            rows = session.execute(
                select(Identifier.value, Identifier.customer_id)
                .where(Identifier.kind == kind, Identifier.value.in_(chunk))
                .distinct()
                .order_by(Identifier.customer_id)
            )
            for value, customer_id in rows:
                refs = index.setdefault((kind, value), [])
                if customer_id not in refs:
                    refs.append(customer_id)
    return index


def candidate_profiles(
    session: Session, customer_ids: set[int]
) -> dict[int, attach.CandidateProfile]:
    """What the attach rule compares, for each customer."""
    profiles: dict[int, attach.CandidateProfile] = {}
    ids = sorted(customer_ids)
    for chunk in chunks(ids):
        for customer_id, first_name, birth_date in session.execute(
            select(Customer.id, Customer.first_name, Customer.birth_date).where(
                Customer.id.in_(chunk)
            )
        ):
            profiles[customer_id] = attach.CandidateProfile(
                first_name, birth_date.isoformat() if birth_date else None
            )
        for customer_id, value in session.execute(
            select(Identifier.customer_id, Identifier.value).where(
                Identifier.kind == "national_id", Identifier.customer_id.in_(chunk)
            )
        ):
            profiles[customer_id].national_id = value
    return profiles
