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
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from parcours.customers.matching.table import CodedColumn, MatchTable, code_column

Levels = NDArray[np.int8]
Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]


def _workers(pairs: int) -> int:
    """All cores for a batch; one for a handful of pairs, where starting threads costs more."""
    return -1 if pairs >= 20_000 else 1


Strings = NDArray[np.object_] | NDArray[np.str_]


def _jaro_winkler(a: Strings, b: Strings) -> NDArray[np.float64]:
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(
        cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=_workers(len(a)))
    )


def _levenshtein(a: Strings, b: Strings) -> NDArray[np.int32]:
    if len(a) == 0:
        return np.zeros(0, dtype=np.int32)
    return np.asarray(
        cpdist(a, b, scorer=Levenshtein.distance, dtype=np.int32, workers=_workers(len(a)))
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


#: Largest square of a column's distinct-value count for which pairs of values are deduplicated
#: (a dense table, no sort): a few hundred first names make millions of pairs but only thousands
#: of distinct ones; e-mails, dates and streets are nearly all distinct, so deduplicating them
#: would cost more than it saves.
DEDUPLICATE_BELOW = 1 << 22

#: Grades pairs of distinct, present values, given as codes into a column's distinct values.
DistinctGrade = Callable[[CodedColumn, NDArray[np.int32], NDArray[np.int32]], Levels]


#: Fewest pairs worth deduplicating: below, grading them directly is cheaper.
DEDUPLICATE_FROM = 4096


def _distinct_keys(
    keys: NDArray[np.int64], space: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct keys (all in ``range(space)``) and where each key is among them: by a dense
    table when the space is small next to the keys (no sort), else by sorting."""
    if space <= 8 * len(keys):
        seen = np.zeros(space, dtype=bool)
        seen[keys] = True
        position = np.cumsum(seen, dtype=np.int64) - 1
        return np.flatnonzero(seen), position[keys]
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse.reshape(-1)


def _worth_deduplicating(pairs: int, space: int) -> bool:
    return pairs >= DEDUPLICATE_FROM and space <= DEDUPLICATE_BELOW


def _grade(
    table: MatchTable,
    column: str,
    left: NDArray[np.int64],
    right: NDArray[np.int64],
    grade_distinct: DistinctGrade | None,
    different: int,
) -> Levels:
    """Levels of one column: 0 where either value is missing, 1 where they are equal, and for the
    other pairs ``grade_distinct`` (every grade is symmetric, so the smaller code goes first and
    a column of few values grades each pair of values once)."""
    coded = table.coded(column)
    code_a, code_b = coded.codes[left], coded.codes[right]
    levels = np.full(len(left), different, dtype=np.int8)
    rest = np.flatnonzero((code_a != code_b) & (code_a != 0) & (code_b != 0))
    if grade_distinct is not None and len(rest):
        low = np.minimum(code_a[rest], code_b[rest])
        high = np.maximum(code_a[rest], code_b[rest])
        size = len(coded.values)
        if _worth_deduplicating(len(rest), size * size):
            distinct, position = _distinct_keys(low.astype(np.int64) * size + high, size * size)
            graded = grade_distinct(
                coded, (distinct // size).astype(np.int32), (distinct % size).astype(np.int32)
            )
            levels[rest] = graded[position]
        else:
            levels[rest] = grade_distinct(coded, low, high)
    levels[code_a == code_b] = 1
    levels[(code_a == 0) | (code_b == 0)] = 0
    return levels


def _cross_similarity(
    x: CodedColumn, codes_x: NDArray[np.int32], y: CodedColumn, codes_y: NDArray[np.int32]
) -> NDArray[np.float64]:
    """Jaro-Winkler of ``x``'s and ``y``'s values (two columns: a first against a last name)."""
    space = len(x.values) * len(y.values)
    if not _worth_deduplicating(len(codes_x), space):
        return _jaro_winkler(x.objects[codes_x], y.objects[codes_y])
    distinct, position = _distinct_keys(codes_x.astype(np.int64) * len(y.values) + codes_y, space)
    similarity = _jaro_winkler(
        x.objects[distinct // len(y.values)], y.objects[distinct % len(y.values)]
    )
    return similarity[position]


SWAP_SIMILARITY = 0.92


def _swapped(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """First and last names exchanged, each crosswise equal or close (JW ≥ 0.92: "maxni")."""
    first, last = table.coded("first_name"), table.coded("last_name")
    a_first, a_last = first.codes[left], last.codes[left]
    b_first, b_last = first.codes[right], last.codes[right]
    swapped: NDArray[np.bool_] = (a_first != 0) & (a_last != 0) & (b_first != 0) & (b_last != 0)
    where = np.flatnonzero(swapped)
    swapped[where] = (
        _cross_similarity(first, a_first[where], last, b_last[where]) >= SWAP_SIMILARITY
    )
    where = np.flatnonzero(swapped)
    swapped[where] = (
        _cross_similarity(last, a_last[where], first, b_first[where]) >= SWAP_SIMILARITY
    )
    return swapped


def _with_swaps(
    levels: Levels, table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """ "different" names (level 5) become "swapped" (4) where first and last are exchanged."""
    different = np.flatnonzero(levels == 5)
    levels[different[_swapped(table, left[different], right[different])]] = 4
    return levels


def _first_name_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    a, b = coded.values[code_a], coded.values[code_b]
    levels = np.full(len(a), 5, dtype=np.int8)
    similarity = _jaro_winkler(coded.objects[code_a], coded.objects[code_b])
    compatible = (
        (similarity >= 0.80)
        | np.strings.startswith(a, np.strings.add(b, " "))
        | np.strings.startswith(b, np.strings.add(a, " "))
        | ((np.strings.str_len(a) == 1) & np.strings.startswith(b, a))
        | ((np.strings.str_len(b) == 1) & np.strings.startswith(a, b))
    )
    levels[compatible] = 3
    levels[similarity >= 0.92] = 2
    return levels


def grade_first_name(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · close (Jaro-Winkler ≥ 0.92) · compatible (initial, compound start, JW ≥ 0.80) ·
    swapped (first and last names exchanged) · different."""
    levels = _grade(table, "first_name", left, right, _first_name_levels, 5)
    return _with_swaps(levels, table, left, right)


def _last_name_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    a, b = coded.values[code_a], coded.values[code_b]
    levels = np.full(len(a), 5, dtype=np.int8)
    similarity = _jaro_winkler(coded.objects[code_a], coded.objects[code_b])
    spaced_a = np.strings.add(" ", np.strings.add(a, " "))
    spaced_b = np.strings.add(" ", np.strings.add(b, " "))
    contains = (np.strings.find(spaced_a, spaced_b) >= 0) | (
        np.strings.find(spaced_b, spaced_a) >= 0
    )
    levels[(similarity >= 0.80) | contains] = 3
    levels[similarity >= 0.92] = 2
    return levels


def grade_last_name(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · close (JW ≥ 0.92) · similar (JW ≥ 0.80, or one name contains the other: married
    and compound names) · swapped (first and last names exchanged) · different."""
    levels = _grade(table, "last_name", left, right, _last_name_levels, 5)
    return _with_swaps(levels, table, left, right)


def _year(value: str) -> int:
    """The year of an ISO date; far from any year when unreadable."""
    return int(value[:4]) if value[:4].isdigit() else -(10**6)


def _date_parts(values: NDArray[np.str_]) -> tuple[NDArray[np.int32], ...]:
    """Per distinct date: its year, and its month and day as written, coded together (so that a
    month can be compared with a day)."""
    years = np.array([_year(value) for value in values.tolist()], dtype=np.int32)
    both = np.concatenate([np.strings.slice(values, 5, 7), np.strings.slice(values, 8, 10)])
    codes = np.unique(both, return_inverse=True)[1].astype(np.int32).reshape(-1)
    return years, codes[: len(values)], codes[len(values) :]


def _birth_date_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    years, months, days = coded.per_value("date parts", _date_parts)
    year_a, year_b = years[code_a], years[code_b]
    levels = np.full(len(code_a), 4, dtype=np.int8)
    distance = _levenshtein(coded.objects[code_a], coded.objects[code_b])
    levels[distance == 2] = 3
    day_month_swapped = (
        (months[code_a] == days[code_b]) & (days[code_a] == months[code_b]) & (year_a == year_b)
    )
    levels[(distance == 1) | day_month_swapped] = 2
    levels[np.abs(year_a - year_b) > 5] = 5
    return levels


def grade_birth_date(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · typo (one character, or day and month swapped) · close (two characters) ·
    different · far (years more than 5 apart, however few characters differ: a strong conflict)."""
    return _grade(table, "birth_date", left, right, _birth_date_levels, 4)


def _local_parts(values: NDArray[np.str_]) -> NDArray[np.int32]:
    """Per distinct e-mail, a code of its local part (before the "@")."""
    locals_ = np.strings.partition(values, "@")[0]
    return np.unique(locals_, return_inverse=True)[1].astype(np.int32)


def _email_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    local = coded.per_value("local parts", _local_parts)
    levels = np.full(len(code_a), 4, dtype=np.int8)
    levels[_jaro_winkler(coded.objects[code_a], coded.objects[code_b]) >= 0.88] = 3
    levels[local[code_a] == local[code_b]] = 2
    return levels


def grade_email(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · same local part (another domain) · close (JW ≥ 0.88) · different."""
    return _grade(table, "email", left, right, _email_levels, 4)


def _edit_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    """2 for one character apart, 3 for two, 4 beyond."""
    distance = _levenshtein(coded.objects[code_a], coded.objects[code_b])
    return np.where(distance == 1, 2, np.where(distance == 2, 3, 4)).astype(np.int8)


def _one_edit_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    """2 for one character apart, 3 beyond."""
    distance = _levenshtein(coded.objects[code_a], coded.objects[code_b])
    return np.where(distance == 1, 2, 3).astype(np.int8)


def grade_phone(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · typo (one character) · different."""
    return _grade(table, "phone", left, right, _one_edit_levels, 3)


def grade_national_id(
    table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]
) -> Levels:
    """exact · typo (one character) · close (two characters) · different (a strong conflict)."""
    return _grade(table, "national_id", left, right, _edit_levels, 4)


def _areas(values: NDArray[np.str_]) -> NDArray[np.int32]:
    """Per distinct postcode, a code of its first two characters (the département)."""
    return np.unique(np.strings.slice(values, 0, 2), return_inverse=True)[1].astype(np.int32)


def _postcode_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    area = coded.per_value("areas", _areas)
    levels = np.full(len(code_a), 4, dtype=np.int8)
    levels[area[code_a] == area[code_b]] = 3
    levels[_levenshtein(coded.objects[code_a], coded.objects[code_b]) == 1] = 2
    return levels


def grade_postcode(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · typo (one character) · same area (first two characters: the département) ·
    different."""
    return _grade(table, "postcode", left, right, _postcode_levels, 4)


def _city_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    similarity = _jaro_winkler(coded.objects[code_a], coded.objects[code_b])
    return np.where(similarity >= 0.90, 2, 3).astype(np.int8)


def grade_city(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """exact · close (JW ≥ 0.90) · different."""
    return _grade(table, "city", left, right, _city_levels, 3)


#: A leading house number, as ``normalise.split_street_number`` splits it ("12", "12 bis", "3b").
_STREET_NUMBER = re.compile(r"^(\d+\s*(?:bis|ter|quater|[a-d])?)(?:\s+(.*))?$")


def _split_street(values: NDArray[np.str_]) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """The house numbers and street names of "number name" values (either may be "")."""
    numbers, names = [], []
    for value in values.tolist():
        match = _STREET_NUMBER.match(value)
        if match:
            numbers.append(match.group(1).replace(" ", ""))
            names.append(match.group(2) or "")
        else:
            numbers.append("")
            names.append(value)
    return np.array(numbers, dtype=np.str_), np.array(names, dtype=np.str_)


def _street_parts(values: NDArray[np.str_]) -> tuple[Any, ...]:
    """Per distinct street value: codes of its house number and of its name (0 for none), and
    its name as a Python string."""
    numbers, names = _split_street(values)
    number_codes = code_column(numbers).codes
    name_codes = code_column(names).codes
    return number_codes, name_codes, names.astype(object)


def _street_levels(
    coded: CodedColumn, code_a: NDArray[np.int32], code_b: NDArray[np.int32]
) -> Levels:
    numbers, names, name_strings = coded.per_value("street parts", _street_parts)
    number_a, name_a = numbers[code_a], names[code_a]
    number_b, name_b = numbers[code_b], names[code_b]
    levels = np.full(len(code_a), 4, dtype=np.int8)
    similarity = _jaro_winkler(name_strings[code_a], name_strings[code_b])
    other_number = (number_a != 0) & (number_b != 0) & (number_a != number_b)
    levels[similarity >= 0.88] = 3
    levels[(similarity >= 0.92) & ~(other_number & (name_a != name_b))] = 2
    levels[(name_a == name_b) & ~other_number] = 1
    # A lone house number on one side: its agreement says a little, its disagreement too.
    no_name = (name_a == 0) | (name_b == 0)
    levels[no_name] = np.where(number_a[no_name] == number_b[no_name], 3, 4)
    levels[no_name & ((number_a == 0) | (number_b == 0))] = 0
    return levels


def grade_street(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
    """The street name compared apart from the house number, so that a number missing on one side
    does not hide the name ("eddy crescent", "8 eddy crescent"):

    exact (same name, and same number or one missing) · close (names JW ≥ 0.92; with two
    different numbers the names must be equal) · similar (names JW ≥ 0.88: French street names
    share their "rue de la", and "rue de la paix"/"rue de la gare" already score 0.91; or close
    names with different numbers) · different. A lone number on one side (no name) is similar
    when it equals the other's number, different otherwise, and missing against no number.
    """
    return _grade(table, "street", left, right, _street_levels, 4)


def _exact_different(
    column: str,
) -> Callable[[MatchTable, NDArray[np.int64], NDArray[np.int64]], Levels]:
    def grade(table: MatchTable, left: NDArray[np.int64], right: NDArray[np.int64]) -> Levels:
        return _grade(table, column, left, right, None, 2)

    grade.__doc__ = "exact · different."
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
    Comparison("phone", ("exact", "typo", "different"), grade_phone),
    Comparison("postcode", ("exact", "typo", "same area", "different"), grade_postcode),
    Comparison("city", ("exact", "close", "different"), grade_city),
    Comparison("street", ("exact", "close", "similar", "different"), grade_street),
    Comparison(
        "national_id", ("exact", "typo", "close", "different"), grade_national_id, ("different",)
    ),
    Comparison("account", ("exact", "different"), _exact_different("account")),
    Comparison("siret", ("exact", "different"), _exact_different("siret"), ("different",)),
)
COMPARISON_BY_NAME = {comparison.name: comparison for comparison in COMPARISONS}


PAIRS_PER_SLICE = 1_000_000


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
