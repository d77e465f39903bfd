"""Field-by-field comparison of record pairs into graded levels, vectorised.

Each comparison turns the pairs ``(left[k], right[k])`` into one level per pair: 0 when either
value is missing (no evidence either way), then levels from the most to the least similar, the last
one meaning "different". The levels are what the model weighs; their thresholds are documented
here and in ``docs/identity-resolution.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from parcours.customers.matching.table import MatchTable

Levels = NDArray[np.int8]
Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]


def _workers(pairs: int) -> int:
    """All cores for a batch; one for a handful of pairs, where starting threads costs more."""
    return -1 if pairs >= 20_000 else 1


def _jaro_winkler(a: NDArray[np.str_], b: NDArray[np.str_]) -> NDArray[np.float64]:
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(
        cpdist(
            a.tolist(),
            b.tolist(),
            scorer=JaroWinkler.normalized_similarity,
            workers=_workers(len(a)),
        )
    )


def _levenshtein(a: NDArray[np.str_], b: NDArray[np.str_]) -> NDArray[np.int32]:
    if len(a) == 0:
        return np.zeros(0, dtype=np.int32)
    return np.asarray(
        cpdist(
            a.tolist(),
            b.tolist(),
            scorer=Levenshtein.distance,
            dtype=np.int32,
            workers=_workers(len(a)),
        )
    )


@dataclass(frozen=True)
class Comparison:
    """A named comparison with its levels (level 0, "missing", is implicit)."""

    name: str
    levels: tuple[str, ...]
    grade: Callable[[MatchTable, NDArray[np.int64], NDArray[np.int64]], Levels]
    #: Levels that contradict a match strongly enough to forbid an automatic merge.
    conflict_levels: tuple[str, ...] = ()

    def level_index(self, level: str) -> int:
        return self.levels.index(level) + 1

    @property
    def size(self) -> int:
        return len(self.levels) + 1


def _start(
    table: MatchTable, column: str, left: NDArray[np.int64], right: NDArray[np.int64]
) -> tuple[NDArray[np.str_], NDArray[np.str_], NDArray[np.bool_]]:
    """The two sides' values of ``column`` and where either is missing."""
    a = table.columns[column][left]
    b = table.columns[column][right]
    missing = (a == "") | (b == "")
    return a, b, missing


def _finish(levels: NDArray[np.int8], missing: NDArray[np.bool_]) -> Levels:
    levels[missing] = 0
    return levels


SWAP_SIMILARITY = 0.92


def _swapped(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """First and last names exchanged, each crosswise equal or close (JW ≥ 0.92: "maxni")."""
    first, last = table.columns["first_name"], table.columns["last_name"]
    a_first, a_last, b_first, b_last = first[left], last[left], first[right], last[right]
    present = (a_first != "") & (a_last != "") & (b_first != "") & (b_last != "")
    swapped: NDArray[np.bool_] = (
        present
        & (_jaro_winkler(a_first, b_last) >= SWAP_SIMILARITY)
        & (_jaro_winkler(a_last, b_first) >= SWAP_SIMILARITY)
    )
    return swapped


def grade_first_name(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · close (Jaro-Winkler ≥ 0.92) · compatible (initial, compound start, JW ≥ 0.80) ·
    swapped (first and last names exchanged) · different."""
    a, b, missing = _start(table, "first_name", left, right)
    levels = np.full(len(a), 5, dtype=np.int8)
    similarity = _jaro_winkler(a, b)
    levels[_swapped(table, left, right)] = 4
    compatible = (
        (similarity >= 0.80)
        | np.strings.startswith(a, np.strings.add(b, " "))
        | np.strings.startswith(b, np.strings.add(a, " "))
        | ((np.strings.str_len(a) == 1) & np.strings.startswith(b, a))
        | ((np.strings.str_len(b) == 1) & np.strings.startswith(a, b))
    )
    levels[compatible] = 3
    levels[similarity >= 0.92] = 2
    levels[a == b] = 1
    return _finish(levels, missing)


def grade_last_name(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · close (JW ≥ 0.92) · similar (JW ≥ 0.80, or one name contains the other: married
    and compound names) · swapped (first and last names exchanged) · different."""
    a, b, missing = _start(table, "last_name", left, right)
    levels = np.full(len(a), 5, dtype=np.int8)
    similarity = _jaro_winkler(a, b)
    levels[_swapped(table, left, right)] = 4
    contains = (
        np.strings.find(
            np.strings.add(" ", np.strings.add(a, " ")), np.strings.add(" ", np.strings.add(b, " "))
        )
        >= 0
    ) | (
        np.strings.find(
            np.strings.add(" ", np.strings.add(b, " ")), np.strings.add(" ", np.strings.add(a, " "))
        )
        >= 0
    )
    levels[(similarity >= 0.80) | contains] = 3
    levels[similarity >= 0.92] = 2
    levels[a == b] = 1
    return _finish(levels, missing)


def grade_birth_date(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · typo (one character, or day and month swapped) · close (two characters) ·
    different · far (years more than 5 apart, however few characters differ: a strong conflict)."""
    a, b, missing = _start(table, "birth_date", left, right)
    levels = np.full(len(a), 4, dtype=np.int8)
    valid = ~missing
    year_a = np.zeros(len(a), dtype=np.int32)
    year_b = np.zeros(len(a), dtype=np.int32)
    year_a[valid] = np.strings.slice(a[valid], 0, 4).astype(np.int32)
    year_b[valid] = np.strings.slice(b[valid], 0, 4).astype(np.int32)
    distance = _levenshtein(a, b)
    levels[distance == 2] = 3
    swapped = (
        (np.strings.slice(a, 5, 7) == np.strings.slice(b, 8, 10))
        & (np.strings.slice(a, 8, 10) == np.strings.slice(b, 5, 7))
        & (np.strings.slice(a, 0, 4) == np.strings.slice(b, 0, 4))
    )
    levels[(distance == 1) | swapped] = 2
    levels[np.abs(year_a - year_b) > 5] = 5
    levels[a == b] = 1
    return _finish(levels, missing)


def grade_email(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · same local part (another domain) · close (JW ≥ 0.88) · different."""
    a, b, missing = _start(table, "email", left, right)
    levels = np.full(len(a), 4, dtype=np.int8)
    levels[_jaro_winkler(a, b) >= 0.88] = 3
    local_a = np.strings.partition(a, "@")[0]
    local_b = np.strings.partition(b, "@")[0]
    levels[local_a == local_b] = 2
    levels[a == b] = 1
    return _finish(levels, missing)


def _exact_typo_different(
    column: str,
) -> Callable[[MatchTable, NDArray[np.int64], NDArray[np.int64]], Levels]:
    def grade(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
        a, b, missing = _start(table, column, left, right)
        levels = np.full(len(a), 3, dtype=np.int8)
        levels[_levenshtein(a, b) == 1] = 2
        levels[a == b] = 1
        return _finish(levels, missing)

    grade.__doc__ = "exact · typo (one character) · different."
    return grade


def grade_national_id(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · typo (one character) · close (two characters) · different (a strong conflict)."""
    a, b, missing = _start(table, "national_id", left, right)
    levels = np.full(len(a), 4, dtype=np.int8)
    distance = _levenshtein(a, b)
    levels[distance == 2] = 3
    levels[distance == 1] = 2
    levels[a == b] = 1
    return _finish(levels, missing)


def grade_postcode(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · typo (one character) · same area (first two characters: the département) ·
    different."""
    a, b, missing = _start(table, "postcode", left, right)
    levels = np.full(len(a), 4, dtype=np.int8)
    levels[np.strings.slice(a, 0, 2) == np.strings.slice(b, 0, 2)] = 3
    levels[_levenshtein(a, b) == 1] = 2
    levels[a == b] = 1
    return _finish(levels, missing)


def _exact_close_different(
    column: str, close: float, similar: float | None = None
) -> Callable[[MatchTable, NDArray[np.int64], NDArray[np.int64]], Levels]:
    last = 4 if similar is not None else 3

    def grade(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
        a, b, missing = _start(table, column, left, right)
        levels = np.full(len(a), last, dtype=np.int8)
        similarity = _jaro_winkler(a, b)
        if similar is not None:
            levels[similarity >= similar] = 3
        levels[similarity >= close] = 2
        levels[a == b] = 1
        return _finish(levels, missing)

    return grade


#: A leading house number, as ``normalise.split_street_number`` splits it ("12", "12 bis", "3b").
_STREET_NUMBER = re.compile(r"^(\d+\s*(?:bis|ter|quater|[a-d])?)(?:\s+(.*))?$")


def _split_street(values: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """The house numbers and street names of "number name" values (either may be "")."""
    unique, inverse = np.unique(values, return_inverse=True)
    numbers, names = [], []
    for value in unique.tolist():
        match = _STREET_NUMBER.match(value)
        if match:
            numbers.append(match.group(1).replace(" ", ""))
            names.append(match.group(2) or "")
        else:
            numbers.append("")
            names.append(value)
    return (
        np.array(numbers, dtype=np.str_)[inverse].reshape(values.shape),
        np.array(names, dtype=np.str_)[inverse].reshape(values.shape),
    )


def grade_street(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """The street name compared apart from the house number, so that a number missing on one side
    does not hide the name ("eddy crescent", "8 eddy crescent"):

    exact (same name, and same number or one missing) · close (names JW ≥ 0.92; with two
    different numbers the names must be equal) · similar (names JW ≥ 0.88: French street names
    share their "rue de la", and "rue de la paix"/"rue de la gare" already score 0.91; or close
    names with different numbers) · different. A lone number on one side (no name) is similar
    when it equals the other's number, different otherwise, and missing against no number.
    """
    a, b, missing = _start(table, "street", left, right)
    number_a, name_a = _split_street(a)
    number_b, name_b = _split_street(b)
    levels = np.full(len(a), 4, dtype=np.int8)
    similarity = _jaro_winkler(name_a, name_b)
    other_number = (number_a != "") & (number_b != "") & (number_a != number_b)
    levels[similarity >= 0.88] = 3
    levels[(similarity >= 0.92) & ~(other_number & (name_a != name_b))] = 2
    levels[(a == b) | ((name_a == name_b) & ~other_number)] = 1
    # A lone house number on one side: its agreement says a little, its disagreement too.
    no_name = ((name_a == "") | (name_b == "")) & (a != b)
    levels[no_name] = np.where(number_a[no_name] == number_b[no_name], 3, 4)
    missing = missing | (no_name & ((number_a == "") | (number_b == "")))
    return _finish(levels, missing)


def _exact_different(
    column: str,
) -> Callable[[MatchTable, NDArray[np.int64], NDArray[np.int64]], Levels]:
    def grade(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
        a, b, missing = _start(table, column, left, right)
        levels = np.where(a == b, 1, 2).astype(np.int8)
        return _finish(levels, missing)

    return grade


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name", ("exact", "close", "compatible", "swapped", "different"), grade_first_name
    ),
    Comparison("last_name", ("exact", "close", "similar", "swapped", "different"), grade_last_name),
    Comparison(
        "birth_date", ("exact", "typo", "close", "different", "far"), grade_birth_date, ("far",)
    ),
    Comparison("email", ("exact", "same local part", "close", "different"), grade_email),
    Comparison("phone", ("exact", "typo", "different"), _exact_typo_different("phone")),
    Comparison("postcode", ("exact", "typo", "same area", "different"), grade_postcode),
    Comparison("city", ("exact", "close", "different"), _exact_close_different("city", 0.90)),
    Comparison("street", ("exact", "close", "similar", "different"), grade_street),
    Comparison(
        "national_id", ("exact", "typo", "close", "different"), grade_national_id, ("different",)
    ),
    Comparison("account", ("exact", "different"), _exact_different("account")),
    Comparison("siret", ("exact", "different"), _exact_different("siret"), ("different",)),
)
COMPARISON_BY_NAME = {comparison.name: comparison for comparison in COMPARISONS}


PAIRS_PER_SLICE = 200_000


def compare(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.int8]:
    """The comparison vectors of the pairs: one row per pair, one column per comparison.

    Pairs are graded by slices of ``PAIRS_PER_SLICE``: the values of both sides are gathered for
    a slice at a time, so millions of pairs need no more memory than one slice.
    """
    gamma = np.zeros((len(left), len(COMPARISONS)), dtype=np.int8)
    for start in range(0, len(left), PAIRS_PER_SLICE):
        part = slice(start, start + PAIRS_PER_SLICE)
        for index, comparison in enumerate(COMPARISONS):
            gamma[part, index] = comparison.grade(table, left[part], right[part])
    return gamma
