"""Matching one incoming record against the base at ingestion time, by indexed blocking keys.

Every stored source record keeps the keys of a few blocking rules (``match_keys``); a new record
that shares no strong identifier with anyone looks up the records sharing one of its keys, and the
active model scores it against them. At or above ``auto`` (and with no strong conflict) it joins
the best candidate's customer; from ``review`` it becomes a customer of its own with a pending
review. Without a trained model (``parcours resolve`` trains one) nothing of this happens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, case, delete, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from parcours.customers import storage
from parcours.customers.matching.blocking import RULES
from parcours.customers.matching.clustering import MIN_EVIDENCE_FIELDS
from parcours.customers.matching.model import MatchModel
from parcours.customers.matching.policy import DEFAULT_CONFLICTS
from parcours.customers.matching.scoring import explain, score_pairs
from parcours.customers.matching.table import MatchTable
from parcours.customers.models import KEYS, MatchKey, MatchModelVersion, SourceRecord
from parcours.customers.profiles import chunks

#: The rules whose keys are stored: the strong identifiers are found through ``identifiers``.
ONLINE_RULES = tuple(
    rule
    for rule in RULES
    if rule.name
    in {
        "names",
        "last name sound + first initial",
        "first name + birth date",
        "birth date + postcode",
        "street + postcode",
    }
)
MAX_CANDIDATES = 200
#: Each stored rule's block limit (``BlockingRule.max_block``), as a SQL expression on the rule.
_BLOCK_LIMIT = case(
    {rule.name: rule.max_block for rule in ONLINE_RULES}, value=MatchKey.rule, else_=0
)


def keys_of(fields: Sequence[Mapping[str, Any]]) -> list[list[tuple[str, str]]]:
    """The (rule, key) pairs of each record."""
    table = MatchTable.from_fields(list(range(len(fields))), fields)
    per_rule = [(rule.name, rule.key(table)) for rule in ONLINE_RULES]
    return [
        [(name, str(keys[index])) for name, keys in per_rule if keys[index] != ""]
        for index in range(len(fields))
    ]


def write_keys(session: Session, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    """Store the keys of these records (replacing any they had)."""
    if not records:
        return
    ids = [record_id for record_id, _ in records]
    for chunk in chunks(ids):
        session.execute(delete(MatchKey).where(MatchKey.source_record_id.in_(chunk)))
    _insert_keys(session, records)


def fill_missing_keys(session: Session, table: MatchTable) -> int:
    """Store the keys of the table's records that have none (records stored before keys
    existed); returns how many records got keys. Keys are written at ingestion, so after the
    first resolution this finds only records whose fields give no key at all."""
    have = set(session.scalars(select(MatchKey.source_record_id).distinct()))
    missing = np.flatnonzero(~np.isin(table.ids, np.fromiter(have, dtype=np.int64)))
    if len(missing) == 0:
        return 0
    rows: list[tuple[int, str, str]] = []
    for rule in ONLINE_RULES:
        keys = rule.key(table)[missing]
        present = keys != ""
        rows.extend(
            zip(
                table.ids[missing][present].tolist(),
                [rule.name] * int(present.sum()),
                keys[present].tolist(),
                strict=True,
            )
        )
    storage.insert_tuples(session, KEYS, ("source_record_id", "rule", "key"), rows)
    return len(missing)


def _insert_keys(session: Session, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    rows = [
        {"source_record_id": record_id, "rule": rule, "key": key}
        for (record_id, _), keys in zip(records, keys_of([f for _, f in records]), strict=True)
        for rule, key in keys
    ]
    if rows:
        session.execute(insert(KEYS), rows)


@dataclass(frozen=True)
class OnlineMatching:
    """What the ingestion path needs to match probabilistically."""

    model: MatchModel
    auto: float
    review: float
    conflicts: frozenset[str] = DEFAULT_CONFLICTS


@dataclass(frozen=True)
class OnlineMatch:
    record_id: int
    customer_id: int
    probability: float
    #: A strong conflict, or evidence from too few fields: a person decides.
    needs_person: bool
    evidence: list[dict[str, Any]]


_models: dict[str, MatchModel] = {}


def active_model(session: Session) -> MatchModel | None:
    """The most recently trained model, or None before the first ``parcours resolve``."""
    latest = session.execute(
        select(MatchModelVersion.version, MatchModelVersion.parameters)
        .order_by(MatchModelVersion.created_at.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    version, parameters = latest
    if version not in _models:
        _models.clear()
        _models[version] = MatchModel.from_json(parameters)
    return _models[version]


def best_matches(
    session: Session, matching: OnlineMatching, fields: Sequence[Mapping[str, Any]]
) -> list[OnlineMatch | None]:
    """For each new record, its most probable match among stored records sharing a key."""
    all_keys = keys_of(fields)
    by_rule: dict[str, set[str]] = defaultdict(set)
    for keys in all_keys:
        for rule, key in keys:
            by_rule[rule].add(key)
    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    # One query for all rules (one round trip when a single record comes in), by chunks of keys.
    wanted = [(rule, key) for rule, values in sorted(by_rule.items()) for key in sorted(values)]
    for chunk in chunks(wanted):
        chunk_by_rule: dict[str, list[str]] = defaultdict(list)
        for rule, key in chunk:
            chunk_by_rule[rule].append(key)
        wanted_here = or_(
            *(
                and_(MatchKey.rule == rule, MatchKey.key.in_(keys))
                for rule, keys in chunk_by_rule.items()
            )
        )
        # Keys held by more records than the rule's block limit are skipped, as in the batch
        # path (counted on the index, without fetching their thousands of holders).
        small_blocks = (
            select(MatchKey.rule, MatchKey.key)
            .where(wanted_here)
            .group_by(MatchKey.rule, MatchKey.key)
            .having(func.count() <= _BLOCK_LIMIT)
        )
        for record_id, rule, key in session.execute(
            select(MatchKey.source_record_id, MatchKey.rule, MatchKey.key).where(
                wanted_here, tuple_(MatchKey.rule, MatchKey.key).in_(small_blocks)
            )
        ):
            holders[(rule, key)].append(record_id)
    candidates_of = [
        sorted({r for pair in keys for r in holders.get(pair, ())})[:MAX_CANDIDATES]
        for keys in all_keys
    ]
    candidate_ids = sorted({r for ids in candidates_of for r in ids})
    if not candidate_ids:
        return [None] * len(fields)
    stored: dict[int, tuple[int, dict[str, Any]]] = {}
    for chunk in chunks(candidate_ids):
        for record_id, customer_id, record_fields in session.execute(
            select(SourceRecord.id, SourceRecord.customer_id, SourceRecord.fields).where(
                SourceRecord.id.in_(chunk)
            )
        ):
            stored[record_id] = (customer_id, record_fields)
    order = [record_id for record_id in candidate_ids if record_id in stored]
    table = MatchTable.from_fields(
        [-(i + 1) for i in range(len(fields))] + order,
        [*fields, *(stored[record_id][1] for record_id in order)],
    )
    position = {record_id: len(fields) + i for i, record_id in enumerate(order)}
    left = np.asarray(
        [i for i, ids in enumerate(candidates_of) for r in ids if r in position], dtype=np.int64
    )
    right = np.asarray(
        [position[r] for ids in candidates_of for r in ids if r in position], dtype=np.int64
    )
    scored = score_pairs(matching.model, table, left, right, matching.conflicts)
    results: list[OnlineMatch | None] = [None] * len(fields)
    for k in np.argsort(-scored.probability, kind="stable").tolist():
        index, candidate = int(left[k]), int(right[k])
        if results[index] is not None:
            continue
        record_id = int(table.ids[candidate])
        _, items = explain(matching.model, table, index, candidate)
        results[index] = OnlineMatch(
            record_id=record_id,
            customer_id=stored[record_id][0],
            probability=float(scored.probability[k]),
            needs_person=bool(scored.conflict[k])
            or int((scored.gamma[k] != 0).sum()) < MIN_EVIDENCE_FIELDS,
            evidence=[asdict(item) for item in items],
        )
    return results
