"""Identity resolution over the whole base (``parcours resolve``) and the review queue.

The base's source records are matched by the pure model of ``customers.matching``: the model is
re-estimated from the data, every candidate pair is scored, clusters are formed with the chaining
guard, records already grouped stay grouped, and person-made "different people" links are
respected. Clusters spanning several customers become automatic merges (each with its score, the
evidence of its strongest pair and the model version); probable matches go to review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from parcours.customers import online
from parcours.customers.matching.blocking import TRAINING_RULES, candidate_pairs, rule_pairs
from parcours.customers.matching.clustering import Clusters, cluster
from parcours.customers.matching.comparisons import compare
from parcours.customers.matching.model import MatchModel, train
from parcours.customers.matching.policy import DEFAULT_CONFLICTS
from parcours.customers.matching.scoring import ScoredPairs, explain, score_pairs
from parcours.customers.matching.table import MatchTable
from parcours.customers.merging import (
    MergeError,
    current_customer,
    mark_different,
    merge_customers,
)
from parcours.customers.models import (
    CannotLink,
    Customer,
    MatchModelVersion,
    MatchReview,
    SourceRecord,
)
from parcours.customers.services import EVERYONE, Visibility
from parcours.db import Database, utcnow

Progress = Callable[[str], None]


@dataclass
class ResolveReport:
    records: int = 0
    candidate_pairs: int = 0
    merges: int = 0
    customers_merged: int = 0
    reviews: int = 0
    model_version: str = ""


def _load(session: Session) -> tuple[MatchTable, NDArray[np.int64]]:
    """The match table of every source record, streamed (fields are decoded a batch at a time
    and only their compared values kept), and each record's customer."""
    ids: list[int] = []
    owners: list[int] = []

    def fields() -> Iterator[dict[str, Any]]:
        for record_id, customer_id, record_fields in session.execute(
            select(SourceRecord.id, SourceRecord.customer_id, SourceRecord.fields)
            .order_by(SourceRecord.id)
            .execution_options(yield_per=10_000)
        ):
            ids.append(record_id)
            owners.append(customer_id)
            yield record_fields

    # ``ids`` fills while the table reads the records, before the table turns it into an array.
    table = MatchTable.from_fields(ids, fields())
    return table, np.asarray(owners, dtype=np.int64)


def _with_existing_groups(scored: ScoredPairs, owners: NDArray[np.int64]) -> ScoredPairs:
    """Records of one customer stay together: each is tied to the customer's first record.

    The ties come first in the clustering (real pairs are kept below certainty): a pair scored
    exactly 1.0 must not join a record to another customer before its own customer is whole.
    """
    order = np.argsort(owners, kind="stable")
    sorted_owners = owners[order]
    first = np.r_[True, sorted_owners[1:] != sorted_owners[:-1]]
    heads = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
    tied = heads != order
    left = np.minimum(heads[tied], order[tied]).astype(np.int64)
    right = np.maximum(heads[tied], order[tied]).astype(np.int64)
    count = len(left)
    return ScoredPairs(
        np.concatenate([scored.left, left]),
        np.concatenate([scored.right, right]),
        np.concatenate([scored.gamma, np.zeros((count, scored.gamma.shape[1]), dtype=np.int8)]),
        np.concatenate([scored.weight, np.full(count, 60.0)]),
        np.concatenate([np.minimum(scored.probability, np.nextafter(1.0, 0.0)), np.ones(count)]),
        np.concatenate([scored.conflict, np.zeros(count, dtype=bool)]),
    )


def _cannot_links(session: Session, table: MatchTable) -> set[tuple[int, int]]:
    position = {int(record_id): index for index, record_id in enumerate(table.ids)}
    links: set[tuple[int, int]] = set()
    for a, b in session.execute(select(CannotLink.record_a_id, CannotLink.record_b_id)):
        if a in position and b in position:
            links.add((min(position[a], position[b]), max(position[a], position[b])))
    return links


def resolve(
    database: Database,
    *,
    auto: float,
    review: float,
    trust: Mapping[str, int] | None = None,
    conflicts: frozenset[str] = DEFAULT_CONFLICTS,
    progress: Progress | None = None,
) -> ResolveReport:
    """Re-estimate the model and re-resolve the whole base in one transaction."""
    say = progress or (lambda _step: None)
    report = ResolveReport()
    with database.transaction(write=True) as session:
        say("loading source records")
        table, owners = _load(session)
        report.records = len(table)
        if len(table) < 2:
            return report
        say("blocking")
        candidates = candidate_pairs(table)
        report.candidate_pairs = len(candidates[0])
        say("comparing candidate pairs")
        gamma = compare(table, *candidates)
        say("estimating the model (EM)")
        model = train(
            table,
            [(rule.fields, rule_pairs(rule)) for rule in TRAINING_RULES],
            candidates,
            candidate_gamma=gamma,
        )
        report.model_version = model.version
        _save_model(session, model)
        say("scoring candidate pairs")
        scored = score_pairs(model, table, *candidates, conflicts, gamma=gamma)
        links = _cannot_links(session, table)

        def scorer(
            left: NDArray[np.int64], right: NDArray[np.int64]
        ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
            pairs = score_pairs(model, table, left, right, conflicts)
            same_owner = owners[left] == owners[right]
            probability = np.where(same_owner, 1.0, pairs.probability)
            conflict = pairs.conflict & ~same_owner
            if links:
                conflict |= _linked(links, left, right)
            return probability, conflict

        say("clustering")
        with_groups = _with_existing_groups(scored, owners)
        if links:
            with_groups.conflict |= _linked(links, with_groups.left, with_groups.right)
        clusters = cluster(len(table), with_groups, scorer, auto=auto, review=review)
        say("merging")
        _apply_merges(session, model, table, owners, clusters.labels, scored, trust, report)
        _queue_reviews(session, model, table, owners, clusters, links, report)
        say("indexing blocking keys")
        online.fill_missing_keys(session, table)
    return report


def _linked(
    links: set[tuple[int, int]], left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Which pairs a person marked as different people (positions, in either order)."""
    return np.fromiter(
        (
            (min(a, b), max(a, b)) in links
            for a, b in zip(left.tolist(), right.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(left),
    )


def _save_model(session: Session, model: MatchModel) -> None:
    if session.get(MatchModelVersion, model.version) is None:
        session.add(
            MatchModelVersion(
                version=model.version, parameters=model.to_json(), trained_on=model.trained_on
            )
        )


def _apply_merges(
    session: Session,
    model: MatchModel,
    table: MatchTable,
    owners: NDArray[np.int64],
    labels: NDArray[np.int64],
    scored: ScoredPairs,
    trust: Mapping[str, int] | None,
    report: ResolveReport,
) -> None:
    customers_of: dict[int, set[int]] = defaultdict(set)
    for index, label in enumerate(labels.tolist()):
        customers_of[label].add(int(owners[index]))
    best: dict[int, tuple[float, int, int]] = {}
    crossing = (labels[scored.left] == labels[scored.right]) & (
        owners[scored.left] != owners[scored.right]
    )
    for left, right, probability in zip(
        scored.left[crossing].tolist(),
        scored.right[crossing].tolist(),
        scored.probability[crossing].tolist(),
        strict=True,
    ):
        label = int(labels[left])
        if label not in best or probability > best[label][0]:
            best[label] = (probability, left, right)
    version = report.model_version
    for label, customer_ids in sorted(customers_of.items()):
        if len(customer_ids) < 2:
            continue
        probability, left, right = best.get(label, (1.0, -1, -1))
        evidence = []
        if left >= 0:
            _, items = explain(model, table, left, right)
            evidence = [asdict(item) for item in items]
        merge_customers(
            session,
            sorted(customer_ids),
            decided_by=f"model {version}",
            kind="automatic",
            score=probability,
            evidence=evidence,
            model_version=version,
            trust=trust,
        )
        report.merges += 1
        report.customers_merged += len(customer_ids)


def _queue_reviews(
    session: Session,
    model: MatchModel,
    table: MatchTable,
    owners: NDArray[np.int64],
    clusters: Clusters,
    links: set[tuple[int, int]],
    report: ResolveReport,
) -> None:
    labels = clusters.labels
    # A person said these are different people: their pair is not asked again.
    different = {tuple(sorted((int(labels[a]), int(labels[b])))) for a, b in links}
    version = report.model_version
    pending = {
        (a, b)
        for a, b in session.execute(
            select(MatchReview.customer_a_id, MatchReview.customer_b_id).where(
                MatchReview.status == "pending"
            )
        )
    }
    # After the merges every record's customer is the oldest customer of its cluster.
    customer_of_label: dict[int, int] = {}
    for index, label in enumerate(labels.tolist()):
        owner = int(owners[index])
        customer_of_label[label] = min(customer_of_label.get(label, owner), owner)
    for left, right, probability in clusters.review:
        a = customer_of_label[int(labels[left])]
        b = customer_of_label[int(labels[right])]
        if a == b:
            continue
        if tuple(sorted((int(labels[left]), int(labels[right])))) in different:
            continue
        key = (min(a, b), max(a, b))
        if key in pending:
            continue
        pending.add(key)
        _, items = explain(model, table, left, right)
        session.add(
            MatchReview(
                customer_a_id=key[0],
                customer_b_id=key[1],
                record_a_id=int(table.ids[left]),
                record_b_id=int(table.ids[right]),
                probability=probability,
                evidence=[asdict(item) for item in items],
                model_version=version,
            )
        )
        report.reviews += 1


class ReviewError(ValueError):
    pass


def list_reviews(
    session: Session,
    *,
    status: str = "pending",
    limit: int = 50,
    offset: int = 0,
    visibility: Visibility = EVERYONE,
) -> list[MatchReview]:
    """The reviews whose two customers ``visibility`` allows, most probable first."""
    query = select(MatchReview).where(MatchReview.status == status)
    for side in (MatchReview.customer_a_id, MatchReview.customer_b_id):
        owner = aliased(Customer)
        visible = visibility.condition(owner.owning_unit)
        if visible is not None:
            query = query.join(owner, owner.id == side).where(visible)
    return list(session.scalars(
        query.order_by(MatchReview.probability.desc(), MatchReview.id).offset(offset).limit(limit)
    ))  # fmt: skip


def _pending(session: Session, review_id: int) -> MatchReview:
    review = session.get(MatchReview, review_id)
    if review is None:
        raise ReviewError(f"no match review with id {review_id}")
    if review.status != "pending":
        raise ReviewError(
            f"match review {review_id} was already {review.status} by {review.decided_by}"
        )
    return review


def accept_review(
    session: Session, review_id: int, *, decided_by: str, trust: Mapping[str, int] | None = None
) -> int:
    """Merge the two customers of a review; returns the merge id."""
    review = _pending(session, review_id)
    a = current_customer(session, review.customer_a_id)
    b = current_customer(session, review.customer_b_id)
    if a == b:
        raise ReviewError(
            f"customers {review.customer_a_id} and {review.customer_b_id} are already one"
        )
    try:
        merge = merge_customers(
            session, [a, b], decided_by=decided_by, kind="review", score=review.probability,
            evidence=review.evidence, model_version=review.model_version, trust=trust,
        )  # fmt: skip
    except MergeError as error:
        raise ReviewError(str(error)) from None
    review.status, review.decided_by, review.decided_at, review.merge_id = (
        "accepted",
        decided_by,
        utcnow(),
        merge.id,
    )
    return merge.id


def reject_review(session: Session, review_id: int, *, decided_by: str) -> None:
    """The two are different people: remember it so that no later matching joins them."""
    review = _pending(session, review_id)
    a = current_customer(session, review.customer_a_id)
    b = current_customer(session, review.customer_b_id)
    if a != b:
        mark_different(session, a, b, decided_by=decided_by)
    review.status, review.decided_by, review.decided_at = "rejected", decided_by, utcnow()
