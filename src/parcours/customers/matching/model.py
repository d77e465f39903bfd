"""Fellegi–Sunter weights estimated from the data itself, and pair scores with their evidence.

* ``u`` (how often two *different* people agree at a level) comes from random pairs: almost all
  random pairs are non-matches.
* ``m`` (how often the *same* person's two records agree at a level) comes from expectation–
  maximisation on candidate pairs, no labels needed. Pairs proposed by a blocking rule agree on the
  rule's fields by construction, so, as in Splink, EM runs once per training rule, ignores the
  fields the rule fixes and learns the ``m`` of the others; the estimates are averaged.
* ``λ``, the share of candidate pairs that match, is then estimated by EM with ``m`` and ``u``
  fixed.
* Exact agreement on a common value ("martin") weighs less than on a rare one ("kerjean"): the
  term-frequency adjustment replaces ``u`` by the value's frequency.

The match weight of a pair is ``log2(λ/(1−λ)) + Σ log2(m/u)`` over its fields (missing: 0), and its
probability ``2^w / (1 + 2^w)``: the "taux d'équivalence".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from parcours.customers.matching.comparisons import COMPARISONS, Comparison, compare
from parcours.customers.matching.table import MatchTable

#: Fields whose exact agreement is adjusted by the frequency of the agreed value.
TERM_FREQUENCY_FIELDS = ("first_name", "last_name", "city")
FLOOR = 1e-6
MAX_WEIGHT = 25.0


@dataclass
class FieldWeights:
    m: list[float]  # per level, index 0 (missing) unused
    u: list[float]

    def weights(self) -> NDArray[np.float64]:
        m = np.clip(np.asarray(self.m), FLOOR, 1)
        u = np.clip(np.asarray(self.u), FLOOR, 1)
        weights: NDArray[np.float64] = np.clip(np.log2(m / u), -MAX_WEIGHT, MAX_WEIGHT)
        weights[0] = 0.0
        return weights


@dataclass
class MatchModel:
    """The estimated parameters; serialisable to JSON, identified by a content version."""

    match_share: float
    fields: dict[str, FieldWeights]
    term_frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    trained_on: int = 0
    iterations: int = 0

    @property
    def version(self) -> str:
        """Changes with anything that changes a score: weights, term frequencies and the table size
        (the frequency of a value seen once)."""
        scoring = {
            **self.parameters(),
            "term_frequencies": self.term_frequencies,
            "trained_on": self.trained_on,
        }
        digest = hashlib.sha256(json.dumps(scoring, sort_keys=True).encode())
        return digest.hexdigest()[:12]

    def parameters(self) -> dict[str, Any]:
        return {
            "match_share": self.match_share,
            "fields": {name: {"m": w.m, "u": w.u} for name, w in self.fields.items()},
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.parameters(),
            "term_frequencies": self.term_frequencies,
            "trained_on": self.trained_on,
            "iterations": self.iterations,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MatchModel:
        return cls(
            match_share=float(data["match_share"]),
            fields={
                name: FieldWeights(list(w["m"]), list(w["u"])) for name, w in data["fields"].items()
            },
            term_frequencies={k: dict(v) for k, v in data.get("term_frequencies", {}).items()},
            trained_on=int(data.get("trained_on", 0)),
            iterations=int(data.get("iterations", 0)),
        )

    @property
    def prior_weight(self) -> float:
        share = min(max(self.match_share, FLOOR), 1 - FLOOR)
        return float(np.log2(share / (1 - share)))

    def weight_table(self) -> list[NDArray[np.float64]]:
        """log2(m/u) per comparison and level; kept while m and u stay the same (matching one
        record at a ringing phone should not recompute them)."""
        fingerprint = tuple(
            (tuple(self.fields[c.name].m), tuple(self.fields[c.name].u)) for c in COMPARISONS
        )
        cached = self.__dict__.get("_weight_table")
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, [self.fields[c.name].weights() for c in COMPARISONS])
            self.__dict__["_weight_table"] = cached
        table: list[NDArray[np.float64]] = cached[1]
        return table


def term_frequencies(table: MatchTable, minimum_count: int = 2) -> dict[str, dict[str, float]]:
    """Share of records holding each value, for values held by at least ``minimum_count``."""
    frequencies: dict[str, dict[str, float]] = {}
    total = max(len(table), 1)
    for name in TERM_FREQUENCY_FIELDS:
        column = table.columns[name]
        values, counts = np.unique(column[column != ""], return_counts=True)
        keep = counts >= minimum_count
        frequencies[name] = {
            str(value): float(count) / total
            for value, count in zip(values[keep], counts[keep], strict=True)
        }
    return frequencies


def _level_shares(
    levels: NDArray[np.int8], size: int, weights: NDArray[np.float64] | None = None
) -> list[float]:
    counts = np.bincount(levels, weights=weights, minlength=size).astype(np.float64)
    present = counts[1:].sum()
    shares = [0.0] + [float(c / present) if present else 1.0 / (size - 1) for c in counts[1:]]
    return shares


def estimate_u(
    table: MatchTable, *, sample: int = 500_000, seed: int = 0
) -> dict[str, list[float]]:
    """u probabilities from random pairs of records (nearly all non-matches)."""
    n = len(table)
    generator = np.random.default_rng(seed)
    if n * (n - 1) // 2 <= sample:
        left, right = np.triu_indices(n, 1)
    else:
        left = generator.integers(0, n, sample)
        right = generator.integers(0, n, sample)
        keep = left != right
        left, right = left[keep], right[keep]
    gamma = compare(table, left.astype(np.int64), right.astype(np.int64))
    return {c.name: _level_shares(gamma[:, k], c.size) for k, c in enumerate(COMPARISONS)}


def _initial_m(size: int) -> list[float]:
    """A starting point for EM: matches mostly agree exactly."""
    raw = [0.0] + [0.5 ** (level * 2) for level in range(size - 1)]
    total = sum(raw)
    return [value / total for value in raw]


def _log_likelihoods(
    patterns: NDArray[np.int8], probabilities: list[NDArray[np.float64]]
) -> NDArray[np.float64]:
    result = np.zeros(len(patterns))
    for k, table in enumerate(probabilities):
        values = np.log(np.clip(table, FLOOR, 1))
        values[0] = 0.0
        result += values[patterns[:, k]]
    return result


def run_em(
    patterns: NDArray[np.int8],
    counts: NDArray[np.float64],
    m: dict[str, list[float]],
    u: dict[str, list[float]],
    *,
    share: float,
    learn_m: Sequence[str],
    max_iterations: int = 50,
    tolerance: float = 1e-5,
    comparisons: Sequence[Comparison] = COMPARISONS,
) -> tuple[dict[str, list[float]], float, int]:
    """EM on distinct comparison patterns weighted by their counts; u stays fixed.

    Column ``k`` of ``patterns`` holds the levels of ``comparisons[k]``.
    """
    m = {name: list(values) for name, values in m.items()}
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        m_tables = [np.asarray(m[c.name]) for c in comparisons]
        u_tables = [np.asarray(u[c.name]) for c in comparisons]
        log_match = np.log(share) + _log_likelihoods(patterns, m_tables)
        log_other = np.log(1 - share) + _log_likelihoods(patterns, u_tables)
        posterior = 1.0 / (1.0 + np.exp(np.clip(log_other - log_match, -700, 700)))
        weighted = posterior * counts
        new_share = float(min(max(weighted.sum() / counts.sum(), FLOOR), 1 - FLOOR))
        change = abs(new_share - share)
        for k, comparison in enumerate(comparisons):
            if comparison.name not in learn_m:
                continue
            new = _level_shares(patterns[:, k], comparison.size, weighted)
            change = max(
                change, max(abs(a - b) for a, b in zip(new, m[comparison.name], strict=True))
            )
            m[comparison.name] = new
        share = new_share
        if change < tolerance:
            break
    return m, share, iterations


#: Bits per comparison level when a comparison vector is packed into one integer.
_LEVEL_BITS = max(c.size for c in COMPARISONS).bit_length()


def _patterns(gamma: NDArray[np.int8]) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """The distinct comparison vectors and how many pairs have each (rows packed into one
    integer each: sorting integers is far cheaper than sorting rows)."""
    if len(gamma) == 0:
        return gamma, np.zeros(0)
    shifts = np.arange(gamma.shape[1], dtype=np.int64) * _LEVEL_BITS
    packed = np.zeros(len(gamma), dtype=np.int64)
    for column, shift in enumerate(shifts.tolist()):
        packed |= gamma[:, column].astype(np.int64) << shift
    keys, counts = np.unique(packed, return_counts=True)
    patterns = ((keys[:, None] >> shifts) & ((1 << _LEVEL_BITS) - 1)).astype(np.int8)
    return patterns, counts.astype(np.float64)


def degeneracy(
    m: dict[str, list[float]], u: dict[str, list[float]], learnt: Sequence[str]
) -> str | None:
    """Why an EM run learnt no "same person" class, or None when it did.

    * its "matches" mostly *disagree*: on most fields with data, their likeliest level is not
      "exact" (at 1M synthetic customers the last name + postcode run put every pair in one
      class, whose m was merely the spread of those pairs — different first name, e-mail and
      phone at 0.98–0.99 — and the averaged model merged 10,070 pairs of different people);
    * or its matches agree exactly on some field less often than random pairs do.

    A run whose pairs are nearly all matches (a street and a birth year in a small file) is not
    degenerate: its matches agree.
    """
    informative = [name for name in learnt if max(m[name][1:]) - min(m[name][1:]) > 1e-9]
    disagreeing = [
        name
        for name in informative
        if max(range(1, len(m[name])), key=lambda level: m[name][level]) != 1
    ]
    if informative and len(disagreeing) * 2 > len(informative):
        return f"its matches mostly disagree: {', '.join(disagreeing)}"
    against = [name for name in learnt if m[name][1] < u[name][1]]
    if against:
        return f"exact agreement less likely among matches than at random: {', '.join(against)}"
    return None


PairSource = Callable[[MatchTable], tuple[NDArray[np.int64], NDArray[np.int64]]]


def train(
    table: MatchTable,
    training_rules: Sequence[tuple[Sequence[str], PairSource]],
    candidate_pairs: tuple[NDArray[np.int64], NDArray[np.int64]],
    *,
    seed: int = 0,
    candidate_gamma: NDArray[np.int8] | None = None,
) -> MatchModel:
    """Estimate u from random pairs, m by EM per training rule, then λ on the candidate pairs.

    ``training_rules`` pairs each rule's fixed fields (whose m it cannot learn) with its pairs;
    ``candidate_gamma``, when the caller already compared the candidate pairs, saves doing it
    twice.
    """
    u = estimate_u(table, seed=seed)
    m_estimates: dict[str, list[list[float]]] = {c.name: [] for c in COMPARISONS}
    iterations = 0
    runs: list[tuple[list[str], dict[str, list[float]], float]] = []
    for fixed_fields, pair_source in training_rules:
        left, right = pair_source(table)
        gamma = compare(table, left, right)
        # Fixed fields agree on every pair: read as evidence, they would make every pair a match.
        gamma[:, [k for k, c in enumerate(COMPARISONS) if c.name in fixed_fields]] = 0
        patterns, counts = _patterns(gamma)
        if len(patterns) == 0:
            continue
        learn = [c.name for c in COMPARISONS if c.name not in fixed_fields]
        m_start = {c.name: _initial_m(c.size) for c in COMPARISONS}
        m, share, used = run_em(patterns, counts, m_start, u, share=0.1, learn_m=learn)
        iterations += used
        runs.append((learn, m, share))
    # A run that learnt no "same person" class (see ``degeneracy``) is left out.
    sensible = [run for run in runs if degeneracy(run[1], u, run[0]) is None]
    for learn, m, _ in sensible or runs:
        for name in learn:
            m_estimates[name].append(m[name])
    m_final: dict[str, list[float]] = {}
    for comparison in COMPARISONS:
        estimates = m_estimates[comparison.name]
        m_final[comparison.name] = (
            list(np.mean(np.asarray(estimates), axis=0))
            if estimates
            else _initial_m(comparison.size)
        )
    if candidate_gamma is None:
        candidate_gamma = compare(table, *candidate_pairs)
    patterns, counts = _patterns(candidate_gamma)
    share = 0.1
    if len(patterns):
        _, share, used = run_em(patterns, counts, m_final, u, share=share, learn_m=())
        iterations += used
    return MatchModel(
        match_share=share,
        fields={
            c.name: FieldWeights([float(x) for x in m_final[c.name]], u[c.name])
            for c in COMPARISONS
        },
        term_frequencies=term_frequencies(table),
        trained_on=len(table),
        iterations=iterations,
    )
