"""Merge, unmerge and "these are different people": the reversible regrouping of source records.

A merge moves every source record of the merged customers to the oldest of them and records each
move; the emptied customers are kept, marked ``merged_into_id``, so that an unmerge moves the
records back and the customers reappear with their own ids, identifiers and profiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from parcours import events
from parcours.customers.models import (
    CannotLink,
    Customer,
    Identifier,
    Merge,
    MergeMove,
    SourceRecord,
)
from parcours.customers.profiles import refresh_profiles
from parcours.db import utcnow


class MergeError(ValueError):
    """A merge or unmerge that cannot be done; the message says why and what to do."""


def _live_customers(session: Session, customer_ids: Sequence[int]) -> list[Customer]:
    found = {
        customer.id: customer
        for customer in session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
    }
    for customer_id in customer_ids:
        customer = found.get(customer_id)
        if customer is None:
            raise MergeError(f"no customer with id {customer_id}")
        if customer.merged_into_id is not None:
            raise MergeError(
                f"customer {customer_id} was merged into customer {customer.merged_into_id}: "
                f"use {customer.merged_into_id}"
            )
    return [found[customer_id] for customer_id in customer_ids]


def current_customer(session: Session, customer_id: int) -> int:
    """The customer that holds ``customer_id``'s records now (itself unless merged)."""
    seen = set()
    while customer_id not in seen:
        seen.add(customer_id)
        merged_into = session.scalar(
            select(Customer.merged_into_id).where(Customer.id == customer_id)
        )
        if merged_into is None:
            return customer_id
        customer_id = merged_into
    return customer_id


def records_of(session: Session, customer_ids: Sequence[int]) -> dict[int, list[int]]:
    """Source record ids of each customer."""
    records: dict[int, list[int]] = {customer_id: [] for customer_id in customer_ids}
    for record_id, customer_id in session.execute(
        select(SourceRecord.id, SourceRecord.customer_id)
        .where(SourceRecord.customer_id.in_(customer_ids))
        .order_by(SourceRecord.id)
    ):
        records[customer_id].append(record_id)
    return records


def cannot_link_between(
    session: Session, records: Mapping[int, list[int]]
) -> tuple[int, int] | None:
    """Two of these customers that a person said are different people, if any."""
    owner = {record_id: customer_id for customer_id, ids in records.items() for record_id in ids}
    if not owner:
        return None
    for a, b in session.execute(
        select(CannotLink.record_a_id, CannotLink.record_b_id).where(
            CannotLink.record_a_id.in_(list(owner)), CannotLink.record_b_id.in_(list(owner))
        )
    ):
        if owner[a] != owner[b]:
            return owner[a], owner[b]
    return None


def merge_customers(
    session: Session,
    customer_ids: Sequence[int],
    *,
    decided_by: str,
    kind: str = "manual",
    score: float | None = None,
    evidence: list[dict[str, Any]] | None = None,
    model_version: str | None = None,
    trust: Mapping[str, int] | None = None,
) -> Merge:
    """Merge customers into the oldest of them; every move is recorded for an exact unmerge."""
    ids = sorted(set(customer_ids))
    if len(ids) < 2:
        raise MergeError("a merge needs at least two different customers")
    _live_customers(session, ids)
    records = records_of(session, ids)
    different = cannot_link_between(session, records)
    if different is not None:
        raise MergeError(
            f"customers {different[0]} and {different[1]} were marked as different people"
        )
    target, others = ids[0], ids[1:]
    merge = Merge(
        target_customer_id=target,
        kind=kind,
        decided_by=decided_by,
        score=score,
        evidence=evidence or [],
        model_version=model_version,
    )
    session.add(merge)
    for customer_id in others:
        for record_id in records[customer_id]:
            merge.moves.append(
                MergeMove(
                    source_record_id=record_id, from_customer_id=customer_id, to_customer_id=target
                )
            )
    session.execute(
        update(SourceRecord).where(SourceRecord.customer_id.in_(others)).values(customer_id=target)
    )
    session.execute(
        update(Identifier).where(Identifier.customer_id.in_(others)).values(customer_id=target)
    )
    session.execute(update(Customer).where(Customer.id.in_(others)).values(merged_into_id=target))
    refresh_profiles(session, [target], trust or {})
    session.flush()
    events.emit(session, "customers.changed", customer_ids=ids, merge_id=merge.id)
    return merge


def unmerge(
    session: Session, merge_id: int, *, decided_by: str, trust: Mapping[str, int] | None = None
) -> Merge:
    """Move the records of a merge back to the customers they came from."""
    merge = session.get(Merge, merge_id)
    if merge is None:
        raise MergeError(f"no merge with id {merge_id}")
    if merge.undone_at is not None:
        raise MergeError(
            f"merge {merge_id} was already undone on {merge.undone_at:%Y-%m-%d %H:%M} "
            f"by {merge.undone_by}"
        )
    moved_ids = [move.source_record_id for move in merge.moves]
    current = {
        record_id: customer_id
        for record_id, customer_id in session.execute(
            select(SourceRecord.id, SourceRecord.customer_id).where(SourceRecord.id.in_(moved_ids))
        )
    }
    for move in merge.moves:
        if current.get(move.source_record_id) != move.to_customer_id:
            later = session.scalar(
                select(Merge.id)
                .join(MergeMove, MergeMove.merge_id == Merge.id)
                .where(
                    MergeMove.source_record_id == move.source_record_id,
                    Merge.id > merge_id,
                    Merge.undone_at.is_(None),
                )
                .order_by(Merge.id.desc())
            )
            hint = f": undo merge {later} first" if later else ""
            raise MergeError(f"the records of merge {merge_id} have moved since{hint}")
    sources = sorted({move.from_customer_id for move in merge.moves})
    for source in sources:
        records = [m.source_record_id for m in merge.moves if m.from_customer_id == source]
        session.execute(
            update(SourceRecord).where(SourceRecord.id.in_(records)).values(customer_id=source)
        )
        session.execute(
            update(Identifier)
            .where(Identifier.source_record_id.in_(records))
            .values(customer_id=source)
        )
    session.execute(update(Customer).where(Customer.id.in_(sources)).values(merged_into_id=None))
    merge.undone_at = utcnow()
    merge.undone_by = decided_by
    refresh_profiles(session, [merge.target_customer_id, *sources], trust or {})
    session.flush()
    events.emit(
        session,
        "customers.changed",
        customer_ids=[merge.target_customer_id, *sources],
        unmerge_of=merge.id,
    )
    return merge


def mark_different(
    session: Session, customer_a: int, customer_b: int, *, decided_by: str
) -> CannotLink:
    """Record that two customers are different people; no merge will join them again."""
    if customer_a == customer_b:
        raise MergeError("a customer cannot be different from itself")
    _live_customers(session, [customer_a, customer_b])
    records = records_of(session, [customer_a, customer_b])
    first_a, first_b = records[customer_a][0], records[customer_b][0]
    low, high = sorted((first_a, first_b))
    existing = session.scalar(
        select(CannotLink).where(
            and_(CannotLink.record_a_id == low, CannotLink.record_b_id == high)
        )
    )
    if existing is not None:
        return existing
    link = CannotLink(record_a_id=low, record_b_id=high, decided_by=decided_by)
    session.add(link)
    session.flush()
    return link


def merge_history(session: Session, customer_id: int) -> list[Merge]:
    """Merges into this customer or out of it, newest first."""
    return list(
        session.scalars(
            select(Merge)
            .where(
                or_(
                    Merge.target_customer_id == customer_id,
                    Merge.id.in_(
                        select(MergeMove.merge_id).where(MergeMove.from_customer_id == customer_id)
                    ),
                )
            )
            .order_by(Merge.id.desc())
        )
    )
