"""Customers from pairwise decisions, with a guard against chaining.

Pairs at or above ``auto`` are merged strongest first, like a complete-linkage agglomeration: two
groups join only if every pair across them scores at least ``review`` and none holds a strong
conflict. So A–B and B–C above ``auto`` never drag A and C together when A and C clearly differ;
the refused pair goes to review instead. The result depends on the pairs and their scores, never on
the order records arrived in (ties are broken by record position).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from parcours.customers.matching.scoring import ScoredPairs

#: Scores all pairs (left[k], right[k]): probabilities and strong conflicts.
PairScorer = Callable[
    [NDArray[np.int64], NDArray[np.int64]], tuple[NDArray[np.float64], NDArray[np.bool_]]
]


#: Fewest compared fields (both values present) on which a pair may merge automatically.
MIN_EVIDENCE_FIELDS = 3


@dataclass
class Clusters:
    #: Cluster label of each record (the smallest record position in its cluster).
    labels: NDArray[np.int64]
    #: Pairs (left, right, probability) a person should look at.
    review: list[tuple[int, int, float]] = field(default_factory=list)


def cluster(
    size: int, scored: ScoredPairs, scorer: PairScorer, *, auto: float, review: float
) -> Clusters:
    members: dict[int, list[int]] = {}
    label = np.arange(size, dtype=np.int64)
    # Evidence from one or two fields is never enough to merge without a person (only a first
    # name and a surname: namesakes are common); pairs tying a customer's own records have none.
    evidence_fields = (scored.gamma != 0).sum(axis=1)
    thin = (evidence_fields > 0) & (evidence_fields < MIN_EVIDENCE_FIELDS)
    strong = (scored.probability >= auto) & ~scored.conflict & ~thin
    order = np.lexsort((scored.right[strong], scored.left[strong], -scored.probability[strong]))
    lefts = scored.left[strong][order]
    rights = scored.right[strong][order]
    probabilities = scored.probability[strong][order]
    refused: list[tuple[int, int, float]] = []
    for left, right, probability in zip(
        lefts.tolist(), rights.tolist(), probabilities.tolist(), strict=True
    ):
        a, b = int(label[left]), int(label[right])
        if a == b:
            continue
        group_a = members.get(a, [a])
        group_b = members.get(b, [b])
        if len(group_a) > 1 or len(group_b) > 1:
            cross_left = np.repeat(np.asarray(group_a, dtype=np.int64), len(group_b))
            cross_right = np.tile(np.asarray(group_b, dtype=np.int64), len(group_a))
            cross_probability, cross_conflict = scorer(cross_left, cross_right)
            if (cross_probability < review).any() or cross_conflict.any():
                refused.append((left, right, probability))
                continue
        keep, drop = (a, b) if a < b else (b, a)
        joined = sorted(group_a + group_b)
        label[joined] = keep
        members[keep] = joined
        members.pop(drop, None)
    in_between = (scored.probability >= review) & (
        (scored.probability < auto) | scored.conflict | thin
    )
    review_pairs = [
        (int(l_), int(r_), float(p))
        for l_, r_, p in zip(
            scored.left[in_between],
            scored.right[in_between],
            scored.probability[in_between],
            strict=True,
        )
        if label[l_] != label[r_]
    ]
    review_pairs += [(l_, r_, p) for l_, r_, p in refused if label[l_] != label[r_]]
    return Clusters(label, sorted(set(review_pairs)))


def pairwise_quality(predicted: NDArray[np.int64], truth: NDArray[np.int64]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against true entity labels."""

    def pairs(labels: NDArray[np.int64]) -> int:
        _, counts = np.unique(labels, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    joint = predicted.astype(np.int64) * (int(truth.max()) + 1) + truth.astype(np.int64)
    true_positive = pairs(joint)
    predicted_pairs = pairs(predicted)
    true_pairs = pairs(truth)
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true_pairs}
