"""Scores of record pairs, and the evidence behind one score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from parcours.customers.matching.comparisons import COMPARISONS, compare
from parcours.customers.matching.model import TERM_FREQUENCY_FIELDS, MatchModel
from parcours.customers.matching.policy import DEFAULT_CONFLICTS
from parcours.customers.matching.table import CodedColumn, MatchTable

_COLUMN = {comparison.name: index for index, comparison in enumerate(COMPARISONS)}
_CONFLICT_LEVELS = {
    c.name: [c.level_index(level) for level in c.conflict_levels]
    for c in COMPARISONS
    if c.conflict_levels
}


def conflicts_of(gamma: NDArray[np.int8], rules: frozenset[str]) -> NDArray[np.bool_]:
    conflict = np.zeros(len(gamma), dtype=bool)
    for name, levels in _CONFLICT_LEVELS.items():
        if name in rules:
            conflict |= np.isin(gamma[:, _COLUMN[name]], levels)
    if "household" in rules:
        personal = (
            (gamma[:, _COLUMN["birth_date"]] == 1)
            | (gamma[:, _COLUMN["national_id"]] == 1)
            | (gamma[:, _COLUMN["email"]] == 1)
            | (gamma[:, _COLUMN["account"]] == 1)
        )
        different_first_name = gamma[:, _COLUMN["first_name"]] == COMPARISONS[
            _COLUMN["first_name"]
        ].level_index("different")
        conflict |= different_first_name & ~personal
    return conflict


_TF_COLUMNS = [
    (index, c.name) for index, c in enumerate(COMPARISONS) if c.name in TERM_FREQUENCY_FIELDS
]


@dataclass
class ScoredPairs:
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    gamma: NDArray[np.int8]
    weight: NDArray[np.float64]
    probability: NDArray[np.float64]
    conflict: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.left)


def probability_of(weight: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


def _frequency_of_values(
    coded: CodedColumn, frequencies: dict[str, float], smallest: float
) -> NDArray[np.float64]:
    """The frequency of each distinct value of the column, looked up once per column and model
    (the cache holds the frequencies themselves, so their ``id`` cannot be reused meanwhile)."""

    def lookup(values: NDArray[np.str_]) -> tuple[dict[str, float], NDArray[np.float64]]:
        found = np.fromiter(
            (frequencies.get(value, smallest) for value in values.tolist()),
            dtype=np.float64,
            count=len(values),
        )
        return frequencies, found

    _, found = coded.per_value(f"frequencies {id(frequencies)} {smallest}", lookup)
    result: NDArray[np.float64] = found
    return result


def _term_frequency_adjustments(
    model: MatchModel, table: MatchTable, left: NDArray[np.int64], gamma: NDArray[np.int8]
) -> dict[int, NDArray[np.float64]]:
    """Per comparison column: log2(u_exact / frequency of the agreed value) on exact pairs."""
    adjustments: dict[int, NDArray[np.float64]] = {}
    smallest = 1.0 / max(model.trained_on, 1)
    for index, name in _TF_COLUMNS:
        frequencies = model.term_frequencies.get(name)
        exact = np.flatnonzero(gamma[:, index] == 1)
        if not frequencies or len(exact) == 0:
            continue
        u_exact = max(model.fields[name].u[1], smallest)
        tf = _frequency_of_values(table.coded(name), frequencies, smallest)[
            table.coded(name).codes[left[exact]]
        ]
        adjustment = np.zeros(len(left))
        adjustment[exact] = np.log2(u_exact / np.maximum(tf, smallest))
        adjustments[index] = adjustment
    return adjustments


_FIRST, _LAST = _COLUMN["first_name"], _COLUMN["last_name"]
_FIRST_SWAPPED = COMPARISONS[_FIRST].level_index("swapped")
_LAST_SWAPPED = COMPARISONS[_LAST].level_index("swapped")


def _swap_counted_twice(model: MatchModel, gamma: NDArray[np.int8]) -> NDArray[np.float64]:
    """The last name's weight on pairs whose names are exchanged: one event, which the first
    name's "swapped" level already weighs (counted on both names, it would weigh double)."""
    both = (gamma[:, _FIRST] == _FIRST_SWAPPED) & (gamma[:, _LAST] == _LAST_SWAPPED)
    return np.where(both, model.weight_table()[_LAST][_LAST_SWAPPED], 0.0)


def score_pairs(
    model: MatchModel,
    table: MatchTable,
    left: NDArray[np.int64],
    right: NDArray[np.int64],
    conflicts: frozenset[str] = DEFAULT_CONFLICTS,
    gamma: NDArray[np.int8] | None = None,
) -> ScoredPairs:
    """Weights, probabilities and strong conflicts of the pairs (``gamma``: their comparison
    vectors, when the caller has them already)."""
    if gamma is None:
        gamma = compare(table, left, right)
    weight = np.full(len(left), model.prior_weight)
    for index, weights in enumerate(model.weight_table()):
        weight += weights[gamma[:, index]]
    for adjustment in _term_frequency_adjustments(model, table, left, gamma).values():
        weight += adjustment
    weight -= _swap_counted_twice(model, gamma)
    conflict = conflicts_of(gamma, conflicts)
    return ScoredPairs(left, right, gamma, weight, probability_of(weight), conflict)


@dataclass(frozen=True)
class Evidence:
    """Why one field pushed the score up or down, in bits; unrounded so that the prior and the
    evidence add up to the pair's weight (round when displaying)."""

    field: str
    level: str
    left: str
    right: str
    weight: float


def explain(
    model: MatchModel, table: MatchTable, left: int, right: int
) -> tuple[float, list[Evidence]]:
    """The probability of one pair and the contribution of each field (in bits of evidence)."""
    left_index, right_index = np.array([left]), np.array([right])
    pair = score_pairs(model, table, left_index, right_index)
    adjustments = _term_frequency_adjustments(model, table, left_index, pair.gamma)
    adjustments[_LAST] = adjustments.get(_LAST, np.zeros(1)) - _swap_counted_twice(
        model, pair.gamma
    )
    evidence: list[Evidence] = []
    for index, (comparison, weights) in enumerate(
        zip(COMPARISONS, model.weight_table(), strict=True)
    ):
        level = int(pair.gamma[0, index])
        value = float(weights[level]) + float(
            adjustments[index][0] if index in adjustments else 0.0
        )
        evidence.append(
            Evidence(
                comparison.name,
                comparison.levels[level - 1] if level else "missing",
                str(table.columns[comparison.name][left]),
                str(table.columns[comparison.name][right]),
                value,
            )
        )
    return float(pair.probability[0]), evidence
