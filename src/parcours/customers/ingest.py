"""Ingestion of customer records: the one path for imports, the API and every channel.

Each batch is one transaction. ``(source, external_id)`` is unique, and a record already stored
with the same content is left alone, so a batch sent twice, or an import run again after a crash,
ends in the same state as a single clean run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from parcours import events
from parcours.customers import attach, online, storage
from parcours.customers.models import (
    CUSTOMERS,
    IDENTIFIERS,
    RECORDS,
    MatchReview,
)
from parcours.customers.profiles import profile_row, refresh_profiles
from parcours.customers.records import (
    STRONG_IDENTIFIERS,
    DroppedValue,
    NormalisedRecord,
    RawValue,
    RecordRejected,
    content_hash,
    normalise_record,
)
from parcours.customers.survivorship import RecordView, golden_record
from parcours.db import utcnow

# Core tables: the hot path inserts rows in bulk without building ORM objects.
Status = Literal["created", "attached", "updated", "unchanged", "rejected"]


@dataclass
class IncomingRecord:
    """A record as a channel sent it: canonical fields, free attributes and the raw payload."""

    source: str
    external_id: str
    fields: Mapping[str, RawValue]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] | None = None
    line: int | None = None


@dataclass
class Outcome:
    source: str
    external_id: str
    status: Status
    customer_id: int | None = None
    reason: str = ""
    dropped: list[DroppedValue] = field(default_factory=list)
    line: int | None = None
    rejected_field: str = ""


@dataclass
class _Pending:
    item: IncomingRecord
    record: NormalisedRecord
    digest: str
    payload: dict[str, Any]
    outcome: Outcome
    customer_ref: int = 0


@dataclass
class PreparedBatch:
    """A batch normalised and checked, ready to be stored; built without a database, so that an
    import can prepare the next batch in another process while this one is stored."""

    outcomes: list[Outcome]
    pending: list[_Pending]


def prepare_batch(
    items: Sequence[IncomingRecord], *, region: str = "FR", today: date | None = None
) -> PreparedBatch:
    """Normalise each record; a record that cannot be a customer gets its rejected outcome."""
    outcomes: list[Outcome] = []
    pending: list[_Pending] = []
    seen: dict[tuple[str, str], int | None] = {}
    for item in items:
        outcome = Outcome(item.source, item.external_id, "rejected", line=item.line)
        outcomes.append(outcome)
        key = (item.source, item.external_id)
        if not item.source or not item.external_id:
            outcome.reason = "missing source or external id"
            outcome.rejected_field = "external_id"
            continue
        if key in seen:
            where = f" on line {seen[key]}" if seen[key] is not None else ""
            outcome.reason = f"duplicate external id {item.external_id!r}: already given{where}"
            outcome.rejected_field = "external_id"
            continue
        seen[key] = item.line
        try:
            record = normalise_record(item.fields, item.attributes, region=region, today=today)
        except RecordRejected as error:
            outcome.reason = error.reason
            outcome.rejected_field = error.field
            continue
        payload = dict(item.payload) if item.payload is not None else _payload_of(item)
        outcome.dropped = record.dropped
        pending.append(_Pending(item, record, content_hash(payload), payload, outcome))
    return PreparedBatch(outcomes, pending)


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds and conflicts of probabilistic matching at ingestion."""

    auto: float
    review: float
    conflicts: frozenset[str]


def store_batch(
    session: Session,
    batch: PreparedBatch,
    *,
    trust: Mapping[str, int] | None = None,
    match: MatchSettings | None = None,
) -> list[Outcome]:
    """Store a prepared batch in the session's transaction; one outcome per item, in order.

    With ``match`` and a trained model, records that share no strong identifier with anyone are
    matched probabilistically against the base (see ``customers.online``).
    """
    if batch.pending:
        matching = None
        if match is not None:
            model = online.active_model(session)
            if model is not None:
                matching = online.OnlineMatching(model, match.auto, match.review, match.conflicts)
        _store(session, batch.pending, utcnow(), trust or {}, matching)
        changed = sorted(
            {
                outcome.customer_id
                for outcome in batch.outcomes
                if outcome.customer_id is not None and outcome.status != "unchanged"
            }
        )
        if changed:
            # Identifiers reached customers: their anonymous interactions can now be attributed.
            events.emit(session, "customers.changed", customer_ids=changed)
    return batch.outcomes


def ingest_batch(
    session: Session,
    items: Sequence[IncomingRecord],
    *,
    region: str = "FR",
    trust: Mapping[str, int] | None = None,
    today: date | None = None,
    match: MatchSettings | None = None,
) -> list[Outcome]:
    """Normalise and store a batch of records in the session's transaction."""
    prepared = prepare_batch(items, region=region, today=today)
    return store_batch(session, prepared, trust=trust, match=match)


def _payload_of(item: IncomingRecord) -> dict[str, Any]:
    payload: dict[str, Any] = {k: v for k, v in item.fields.items() if v not in (None, "", [])}
    if item.attributes:
        payload["attributes"] = dict(item.attributes)
    return payload


def _store(
    session: Session,
    pending: list[_Pending],
    now: datetime,
    trust: Mapping[str, int],
    matching: online.OnlineMatching | None,
) -> None:
    existing = storage.existing_records(
        session, [(entry.item.source, entry.item.external_id) for entry in pending]
    )
    fresh: list[_Pending] = []
    touched: set[int] = set()
    for entry in pending:
        found = existing.get((entry.item.source, entry.item.external_id))
        if found is None:
            fresh.append(entry)
            continue
        record_id, digest, customer_id = found
        entry.outcome.customer_id = customer_id
        if digest == entry.digest:
            entry.outcome.status = "unchanged"
            entry.outcome.reason = "already received with the same content"
            continue
        storage.replace_record(
            session, record_id, customer_id, entry.record, entry.payload, entry.digest, now
        )
        if matching is not None:
            online.write_keys(session, [(record_id, entry.record.fields)])
        entry.outcome.status = "updated"
        entry.outcome.reason = "new version of a record already received"
        touched.add(customer_id)
    if fresh:
        touched.update(_attach_fresh(session, fresh, now, trust, matching))
    refresh_profiles(session, touched, trust)


def _attach_fresh(
    session: Session,
    fresh: list[_Pending],
    now: datetime,
    trust: Mapping[str, int],
    matching: online.OnlineMatching | None,
) -> set[int]:
    """Decide the customer of each new record, insert customers, records and identifiers.

    Returns the ids of the existing customers that received records (their profiles change).
    """
    index = storage.customers_by_identifier(
        session, [pair for entry in fresh for pair in entry.record.identifiers]
    )
    profiles = storage.candidate_profiles(session, {r for refs in index.values() for r in refs})
    next_new_ref = -1
    for entry in fresh:
        strong = [(k, v) for k, v in entry.record.identifiers if k in STRONG_IDENTIFIERS]
        shared: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for pair in strong:
            for ref in index.get(pair, ()):
                shared[ref].append(pair)
        decision = attach.decide(entry.record.fields, shared, profiles)
        if decision.customer_ref is None:
            entry.customer_ref = next_new_ref
            profiles[next_new_ref] = attach.CandidateProfile()
            next_new_ref -= 1
            entry.outcome.status = "created"
            entry.outcome.reason = (
                "new customer" if not shared else f"new customer: {decision.reason}"
            )
        else:
            entry.customer_ref = decision.customer_ref
            entry.outcome.status = "attached"
            entry.outcome.reason = decision.reason
        profiles[entry.customer_ref].absorb(entry.record.fields)
        for pair in strong:
            refs = index.setdefault(pair, [])
            if entry.customer_ref not in refs:
                refs.append(entry.customer_ref)
    reviews = _match_online(session, fresh, matching) if matching is not None else []

    # The profile of a new customer comes from this batch's records only: computed before the
    # insert, with each record's position standing for its id (ids follow the same order).
    new_views: dict[int, list[RecordView]] = defaultdict(list)
    for position, entry in enumerate(fresh):
        if entry.customer_ref < 0:
            new_views[entry.customer_ref].append(
                RecordView(position, entry.item.source, now, entry.record.fields)
            )
    new_refs = sorted(new_views, reverse=True)
    customer_rows = [
        {**profile_row(golden_record(new_views[ref], trust)), "created_at": now, "updated_at": now}
        for ref in new_refs
    ]
    ids_by_ref = dict(
        zip(new_refs, storage.insert_rows(session, CUSTOMERS, customer_rows), strict=True)
    )
    for entry in fresh:
        entry.outcome.customer_id = ids_by_ref.get(entry.customer_ref, entry.customer_ref)

    record_rows = [
        {
            "source": entry.item.source,
            "external_id": entry.item.external_id,
            "customer_id": entry.outcome.customer_id,
            "payload": entry.payload,
            "fields": entry.record.fields,
            "content_hash": entry.digest,
            "received_at": now,
            "updated_at": now,
        }
        for entry in fresh
    ]
    record_ids = storage.insert_rows(session, RECORDS, record_rows)
    identifier_rows = []
    for entry, record_id in zip(fresh, record_ids, strict=True):
        customer_id = entry.outcome.customer_id
        assert customer_id is not None
        identifier_rows += [
            storage.identifier_row(record_id, customer_id, kind, value, now)
            for kind, value in entry.record.identifiers
        ]
    if identifier_rows:
        session.execute(insert(IDENTIFIERS), identifier_rows)
    if matching is not None:
        online.write_keys(
            session,
            [(rid, e.record.fields) for e, rid in zip(fresh, record_ids, strict=True)],
        )
        record_of = {id(e): rid for e, rid in zip(fresh, record_ids, strict=True)}
        for entry, match in reviews:
            customer_id = entry.outcome.customer_id
            assert customer_id is not None
            members = sorted(
                ((customer_id, record_of[id(entry)]), (match.customer_id, match.record_id))
            )
            session.add(
                MatchReview(
                    customer_a_id=members[0][0],
                    customer_b_id=members[1][0],
                    record_a_id=members[0][1],
                    record_b_id=members[1][1],
                    probability=match.probability,
                    evidence=match.evidence,
                    model_version=matching.model.version,
                )
            )
    return {e.customer_ref for e in fresh if e.customer_ref > 0}


def _match_online(
    session: Session, fresh: list[_Pending], matching: online.OnlineMatching
) -> list[tuple[_Pending, online.OnlineMatch]]:
    """Probabilistic matching of the records no strong identifier attached; returns the pairs
    that should wait for a person."""
    alone = [entry for entry in fresh if entry.outcome.status == "created"]
    if not alone:
        return []
    reviews: list[tuple[_Pending, online.OnlineMatch]] = []
    matches = online.best_matches(session, matching, [e.record.fields for e in alone])
    for entry, match in zip(alone, matches, strict=True):
        if match is None or match.probability < matching.review:
            continue
        if match.probability < matching.auto or match.needs_person:
            reviews.append((entry, match))
            continue
        old_ref = entry.customer_ref
        for other in fresh:
            if other.customer_ref == old_ref:
                other.customer_ref = match.customer_id
                if other is not entry:
                    continue
                other.outcome.status = "attached"
                other.outcome.reason = (
                    f"match rate {match.probability:.1%} with source record {match.record_id}"
                )
    return [(entry, match) for entry, match in reviews if entry.customer_ref < 0]
