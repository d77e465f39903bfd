"""Storing a batch of interactions: idempotent, attributed, phased, in the caller's transaction.

* ``(source, external_id)`` is unique: the same interaction sent again with the same content is
  "unchanged"; with another content it is "updated" (its identifiers replaced, its customer
  recomputed); else it is "recorded".
* Its customer comes from its identifiers (:mod:`parcours.interactions.attribution`); without a
  customer it is kept against its anonymous identifiers.
* Its phase, when the sender gives none, follows :func:`vocabulary.derive_phase`, using the
  customer's purchases already stored and those of the same batch.
* A bad item is rejected with its field and reason; the others go in.
* After commit, ``interaction.recorded`` carries the ids of the new and updated interactions.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parcours import events
from parcours.customers.profiles import chunks
from parcours.customers.storage import insert_converted, insert_rows, insert_tuples, next_ids
from parcours.db import utcnow
from parcours.interactions import summaries
from parcours.interactions.attribution import (
    carrying,
    choose_customer,
    owners_of,
    reattribute,
)
from parcours.interactions.models import (
    INTERACTION_IDENTIFIERS,
    INTERACTIONS,
    Interaction,
    InteractionIdentifier,
)
from parcours.interactions.records import (
    ANONYMOUS_KINDS,
    STRONG_KINDS,
    InteractionRejected,
    NormalisedInteraction,
    normalise_interaction,
)
from parcours.interactions.vocabulary import PURCHASE_TYPES, derive_phase

MAX_SOURCE_LENGTH = 80


@dataclass
class InteractionOutcome:
    """What became of one item: recorded, updated, unchanged or rejected."""

    line: int
    source: str
    external_id: str
    status: str = "rejected"
    interaction_id: int | None = None
    customer_id: int | None = None
    field: str | None = None
    reason: str | None = None


@dataclass
class _Item:
    outcome: InteractionOutcome
    interaction: NormalisedInteraction
    existing: tuple[int, str] | None = None
    customer_id: int | None = None
    phase: str = "before"


@dataclass
class BatchResult:
    outcomes: list[InteractionOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


@dataclass
class PreparedInteractions:
    """A batch checked and normalised (no database needed: done in a worker process for big
    files), ready for :func:`store_interactions`."""

    outcomes: list[InteractionOutcome]
    valid: list[_Item]


def prepare_interactions(
    items: Sequence[tuple[int, str, Mapping[str, Any]]], *, region: str = "FR"
) -> PreparedInteractions:
    """Check and normalise ``(line, source, item)`` triples; bad ones get their outcome now."""
    outcomes: list[InteractionOutcome] = []
    valid: list[_Item] = []
    seen: dict[tuple[str, str], int] = {}
    for line, source, item in items:
        raw_id = item.get("external_id") if isinstance(item, Mapping) else None
        outcome = InteractionOutcome(line, source, "" if raw_id is None else str(raw_id))
        outcomes.append(outcome)
        if not source.strip() or len(source) > MAX_SOURCE_LENGTH:
            outcome.field, outcome.reason = "source", "missing or longer than 80 characters"
            continue
        try:
            interaction = normalise_interaction(item, region=region)
        except InteractionRejected as error:
            outcome.field, outcome.reason = error.field, error.reason
            continue
        key = (source, interaction.external_id)
        if key in seen:
            outcome.field = "external_id"
            outcome.reason = f"repeats the interaction of line {seen[key]} in the same batch"
            continue
        seen[key] = line
        outcome.external_id = interaction.external_id
        valid.append(_Item(outcome, interaction))
    return PreparedInteractions(outcomes, valid)


def store_interactions(
    session: Session, prepared: PreparedInteractions
) -> list[InteractionOutcome]:
    """Store a prepared batch in the session's transaction; one outcome per item, in order."""
    # Each valid item holds its own outcome object (pickling from a worker process keeps that).
    if prepared.valid:
        _store(session, prepared.valid)
    return prepared.outcomes


def record_interactions(
    session: Session,
    items: Sequence[tuple[int, str, Mapping[str, Any]]],
    *,
    region: str = "FR",
) -> list[InteractionOutcome]:
    """Check, normalise and store ``(line, source, item)`` triples in the session's transaction;
    one outcome per item, in order."""
    return store_interactions(session, prepare_interactions(items, region=region))


def _existing(session: Session, items: Sequence[_Item]) -> None:
    by_source: dict[str, dict[str, _Item]] = defaultdict(dict)
    for item in items:
        by_source[item.outcome.source][item.interaction.external_id] = item
    for source, by_id in by_source.items():
        for chunk in chunks(sorted(by_id)):
            for external_id, interaction_id, digest in session.execute(
                select(Interaction.external_id, Interaction.id, Interaction.content_hash).where(
                    Interaction.source == source, Interaction.external_id.in_(chunk)
                )
            ):
                by_id[external_id].existing = (interaction_id, digest)


def _last_purchases(session: Session, items: Sequence[_Item]) -> dict[int, list[datetime]]:
    """Purchase times of the batch's customers, stored and in the batch, sorted."""
    customers = sorted({item.customer_id for item in items if item.customer_id is not None})
    times: dict[int, list[datetime]] = defaultdict(list)
    for chunk in chunks(customers):
        for customer_id, occurred_at in session.execute(
            select(Interaction.customer_id, Interaction.occurred_at).where(
                Interaction.customer_id.in_(chunk), Interaction.type.in_(PURCHASE_TYPES)
            )
        ):
            if customer_id is not None:
                times[customer_id].append(occurred_at)
    for item in items:
        if item.customer_id is not None and item.interaction.type in PURCHASE_TYPES:
            times[item.customer_id].append(item.interaction.occurred_at)
    for values in times.values():
        values.sort()
    return times


def _phase(item: _Item, purchases: Mapping[int, list[datetime]]) -> str:
    if item.interaction.phase is not None:
        return item.interaction.phase
    days: float | None = None
    if item.customer_id is not None:
        times = purchases.get(item.customer_id, [])
        position = bisect.bisect_left(times, item.interaction.occurred_at)
        if position:
            days = (item.interaction.occurred_at - times[position - 1]).total_seconds() / 86400
    return derive_phase(item.interaction.type, days)


def _row(item: _Item, now: datetime) -> dict[str, Any]:
    interaction = item.interaction
    return {
        "source": item.outcome.source,
        "external_id": interaction.external_id,
        "occurred_at": interaction.occurred_at,
        "channel": interaction.channel,
        "network": interaction.network,
        "direction": interaction.direction,
        "initiative": interaction.initiative,
        "nature": interaction.nature,
        "type": interaction.type,
        "phase": item.phase,
        "phase_given": interaction.phase is not None,
        "customer_id": item.customer_id,
        "case_ref": interaction.case_ref,
        "agent": interaction.agent,
        "duration_seconds": interaction.duration_seconds,
        "cost": interaction.cost,
        "amount": interaction.amount,
        "currency": interaction.currency,
        "location": interaction.location,
        "payload": interaction.payload,
        "content_hash": interaction.content_hash,
        "received_at": now,
    }


def _link_anonymous(session: Session, work: Sequence[_Item]) -> None:
    """An attributed interaction carrying a strong identifier ties its anonymous ones (a cookie
    at a web login) to the customer: earlier interactions carrying them follow, retroactively."""
    anonymous = {
        (kind, value)
        for item in work
        if item.customer_id is not None
        and any(kind in STRONG_KINDS for kind, _ in item.interaction.identifiers)
        for kind, value in item.interaction.identifiers
        if kind in ANONYMOUS_KINDS
    }
    if not anonymous:
        return
    if reattribute(session, carrying(session, anonymous)):
        by_id = {item.outcome.interaction_id: item for item in work}
        for chunk in chunks(sorted(i for i in by_id if i is not None)):
            for interaction_id, customer_id in session.execute(
                select(Interaction.id, Interaction.customer_id).where(Interaction.id.in_(chunk))
            ):
                by_id[interaction_id].customer_id = customer_id


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new interactions; their ids in order (chosen here on SQLite, one writer)."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "sqlite":
        return insert_rows(session, INTERACTIONS, rows)
    ids = next_ids(session, INTERACTIONS, len(rows))
    columns = ("id", *rows[0])
    insert_converted(
        session,
        INTERACTIONS,
        columns,
        [(id_, *row.values()) for id_, row in zip(ids, rows, strict=True)],
    )
    return ids


def _store(session: Session, items: list[_Item]) -> None:
    now = utcnow()
    _existing(session, items)
    fresh: list[_Item] = []
    changed: list[_Item] = []
    for item in items:
        if item.existing is None:
            fresh.append(item)
        elif item.existing[1] == item.interaction.content_hash:
            item.outcome.status = "unchanged"
            item.outcome.interaction_id = item.existing[0]
            item.outcome.reason = "already received with the same content"
        else:
            changed.append(item)
    work = fresh + changed
    if not work:
        return
    owners = owners_of(session, (pair for item in work for pair in item.interaction.identifiers))
    for item in work:
        item.customer_id = choose_customer(item.interaction.identifiers, owners)
    purchases = _last_purchases(session, work)
    for item in work:
        item.phase = _phase(item, purchases)
    tally = summaries.Tally()
    rows = [_row(item, now) for item in fresh]
    ids = _insert(session, rows)
    for item, interaction_id, row in zip(fresh, ids, rows, strict=True):
        item.outcome.status, item.outcome.interaction_id = "recorded", interaction_id
        tally.count(row)
    summaries.count_stored(
        session, [item.existing[0] for item in changed if item.existing], tally, -1
    )
    for item in changed:
        assert item.existing is not None
        interaction_id = item.existing[0]
        row = _row(item, now)
        tally.count(row)
        session.execute(update(Interaction).where(Interaction.id == interaction_id).values(row))
        session.execute(
            delete(InteractionIdentifier).where(
                InteractionIdentifier.interaction_id == interaction_id
            )
        )
        item.outcome.status, item.outcome.interaction_id = "updated", interaction_id
        item.outcome.reason = "new version of an interaction already received"
    insert_tuples(
        session,
        INTERACTION_IDENTIFIERS,
        ("interaction_id", "kind", "value"),
        [
            (item.outcome.interaction_id, kind, value)
            for item in work
            for kind, value in item.interaction.identifiers
        ],
    )
    summaries.apply(session, tally)
    _link_anonymous(session, work)
    for item in work:
        item.outcome.customer_id = item.customer_id
    events.emit(
        session,
        "interaction.recorded",
        interaction_ids=[item.outcome.interaction_id for item in work],
    )
