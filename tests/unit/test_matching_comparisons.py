"""Comparisons: each field of a pair of records graded into a level, French realities included."""

from __future__ import annotations

import numpy as np
import pytest

from parcours.customers.matching import comparisons
from parcours.customers.matching.comparisons import (
    COMPARISON_BY_NAME,
    COMPARISONS,
    Comparison,
    compare,
)
from parcours.customers.matching.table import MatchTable


def level_name(comparison: Comparison, level: int) -> str:
    return comparison.levels[level - 1] if level else "missing"


def level_of(field: str, left: dict[str, str], right: dict[str, str]) -> str:
    """The level name ``field`` gives the pair (left, right)."""
    table = MatchTable.from_values([1, 2], [left, right])
    comparison = COMPARISON_BY_NAME[field]
    return level_name(comparison, int(comparison.grade(table, np.array([0]), np.array([1]))[0]))


def names(first: str, last: str) -> dict[str, str]:
    return {"first_name": first, "last_name": last}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (names("jean", "martin"), names("jean", "durand"), "exact"),
        (names("christophe", "martin"), names("cristophe", "martin"), "close"),
        (names("marie", "martin"), names("maria", "martin"), "close"),
        (names("jean pierre", "martin"), names("jean", "martin"), "compatible"),
        (names("jean", "martin"), names("jean pierre", "martin"), "compatible"),
        (names("j", "martin"), names("jean", "martin"), "compatible"),
        (names("jean", "martin"), names("j", "martin"), "compatible"),
        (names("jean", "martin"), names("martin", "jean"), "swapped"),
        (names("jean", "martin"), names("paul", "martin"), "different"),
        (names("martin", "durand"), names("paul", "martin"), "different"),
    ],
    ids=[
        "same first name",
        "one letter dropped",
        "one letter changed",
        "compound first name and its first part",
        "first part and the compound first name",
        "initial and full first name",
        "full first name and initial",
        "first and last names swapped",
        "another first name",
        "first name equal to the other's last name only",
    ],
)
def test_first_name_levels(left, right, expected):
    assert level_of("first_name", left, right) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (names("claire", "le goff"), names("anne", "le goff"), "exact"),
        (names("claire", "le goff"), names("claire", "le gof"), "close"),
        (names("claire", "dupont"), names("claire", "dupond"), "close"),
        (names("claire", "le goff"), names("claire", "le goff martin"), "similar"),
        (names("claire", "le goff martin"), names("claire", "le goff"), "similar"),
        (names("claire", "goff"), names("claire", "le goff"), "similar"),
        (names("jean", "martin"), names("martin", "jean"), "swapped"),
        (names("claire", "martin"), names("claire", "kerjean"), "different"),
    ],
    ids=[
        "same last name",
        "double consonant dropped",
        "last letter changed",
        "maiden name and married compound name",
        "married compound name and maiden name",
        "name without and with its particle",
        "first and last names swapped",
        "another last name",
    ],
)
def test_last_name_levels(left, right, expected):
    assert level_of("last_name", left, right) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("1980-05-12", "1980-05-12", "exact"),
        ("1980-05-12", "1980-05-13", "typo"),
        ("1980-05-12", "1980-12-05", "typo"),
        ("1980-05-12", "1981-05-13", "close"),
        ("1980-05-12", "1983-08-27", "different"),
        ("1980-05-12", "1960-03-02", "far"),
        ("1952-06-10", "1982-06-10", "far"),
        ("1952-06-10", "1982-06-11", "far"),
    ],
    ids=[
        "same date",
        "one digit of the day",
        "day and month swapped",
        "two digits",
        "three years apart",
        "twenty years apart",
        "thirty years apart, one digit",
        "thirty years apart, two digits",
    ],
)
def test_birth_date_levels(left, right, expected):
    assert level_of("birth_date", {"birth_date": left}, {"birth_date": right}) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("jean.dupont@gmail.com", "jean.dupont@gmail.com", "exact"),
        ("jean.dupont@gmail.com", "jean.dupont@orange.fr", "same local part"),
        ("jean.dupont@gmail.com", "jean.dupond@gmail.com", "close"),
        ("jean.dupont@gmail.com", "claire.le-goff@free.fr", "different"),
    ],
    ids=["same address", "same local part at another provider", "one letter", "another address"],
)
def test_email_levels(left, right, expected):
    assert level_of("email", {"email": left}, {"email": right}) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("+33612345678", "+33612345678", "exact"),
        ("+33612345678", "+33612345679", "typo"),
        ("+33612345678", "+33698765432", "different"),
    ],
    ids=["same number", "one digit", "another number"],
)
def test_phone_levels(left, right, expected):
    assert level_of("phone", {"phone": left}, {"phone": right}) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("29200", "29200", "exact"),
        ("29200", "29000", "typo"),
        ("29200", "29820", "same area"),
        ("29200", "75011", "different"),
    ],
    ids=["same postcode", "one digit", "same département", "another département"],
)
def test_postcode_levels(left, right, expected):
    assert level_of("postcode", {"postcode": left}, {"postcode": right}) == expected


@pytest.mark.parametrize(
    ("field", "left", "right", "expected"),
    [
        ("city", "brest", "brest", "exact"),
        ("city", "saint brieuc", "saint brieux", "close"),
        ("city", "brest", "quimper", "different"),
        ("street", "12 rue de brest", "12 rue de brest", "exact"),
        ("street", "12 rue de brest", "12 rue de bres", "close"),
        ("street", "12 rue de brest", "5 avenue foch", "different"),
        ("national_id", "180052912345612", "180052912345612", "exact"),
        ("national_id", "180052912345612", "180052912345613", "typo"),
        ("national_id", "180052912345612", "180052912345699", "close"),
        ("national_id", "180052912345612", "280117512399988", "different"),
        ("account", "CARD-1", "CARD-1", "exact"),
        ("account", "CARD-1", "CARD-2", "different"),
        ("siret", "12345678900011", "12345678900011", "exact"),
        ("siret", "12345678900011", "98765432100027", "different"),
    ],
    ids=[
        "city same",
        "city one letter",
        "city another",
        "street same",
        "street one letter",
        "street another",
        "national id same",
        "national id one digit",
        "national id two digits",
        "national id another",
        "account same",
        "account another",
        "siret same",
        "siret another",
    ],
)
def test_other_field_levels(field, left, right, expected):
    assert level_of(field, {field: left}, {field: right}) == expected


@pytest.mark.parametrize("field", [comparison.name for comparison in COMPARISONS])
@pytest.mark.parametrize(
    "missing_side", ["left", "right", "both"], ids=["left missing", "right missing", "both missing"]
)
def test_a_missing_value_is_level_0(field, missing_side):
    value = {
        "first_name": "jean",
        "last_name": "martin",
        "birth_date": "1980-05-12",
        "email": "jean.martin@gmail.com",
        "phone": "+33612345678",
        "postcode": "29200",
        "city": "brest",
        "street": "12 rue de brest",
        "national_id": "180052912345612",
        "account": "CARD-1",
        "siret": "12345678900011",
    }[field]
    left = {field: "" if missing_side in ("left", "both") else value}
    right = {field: "" if missing_side in ("right", "both") else value}

    assert level_of(field, left, right) == "missing"


PEOPLE = [
    {
        "first_name": "jean",
        "last_name": "martin",
        "birth_date": "1952-06-10",
        "email": "jean.martin@gmail.com",
        "phone": "+33612345678",
        "postcode": "29200",
        "city": "brest",
        "street": "12 rue de brest",
    },
    {
        "first_name": "martin",
        "last_name": "jean",
        "birth_date": "1982-06-10",
        "email": "jean.martin@orange.fr",
        "phone": "+33612345679",
        "postcode": "29820",
        "city": "guilers",
        "street": "3 rue de brest",
    },
    {
        "first_name": "paul",
        "last_name": "martin",
        "birth_date": "1952-10-06",
        "email": "",
        "phone": "+33698765432",
        "postcode": "29000",
        "city": "brest",
        "street": "12 rue de bres",
    },
    {
        "first_name": "martin",
        "last_name": "durand",
        "birth_date": "1953-06-10",
        "email": "m.durand@free.fr",
        "phone": "",
        "postcode": "75011",
        "city": "paris",
        "street": "5 avenue foch",
    },
    {
        "first_name": "j",
        "last_name": "martin le goff",
        "birth_date": "",
        "email": "jean.martin@gmail.com",
        "phone": "+33612345678",
        "postcode": "22200",
        "city": "guingamp",
        "street": "",
    },
]


@pytest.mark.parametrize("field", [comparison.name for comparison in COMPARISONS])
def test_a_grade_does_not_depend_on_which_record_is_on_the_left(field):
    table = MatchTable.from_values(list(range(len(PEOPLE))), PEOPLE)
    left, right = np.triu_indices(len(PEOPLE), 1)
    grade = COMPARISON_BY_NAME[field].grade

    forward = grade(table, left.astype(np.int64), right.astype(np.int64))
    backward = grade(table, right.astype(np.int64), left.astype(np.int64))

    assert forward.tolist() == backward.tolist()


def test_compare_gives_one_column_per_comparison_in_order():
    table = MatchTable.from_values([1, 2], PEOPLE[:2])

    gamma = compare(table, np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))

    assert gamma.dtype == np.int8
    levels = {
        c.name: level_name(c, int(level)) for c, level in zip(COMPARISONS, gamma[0], strict=True)
    }
    assert levels == {
        "first_name": "swapped",
        "last_name": "swapped",
        "birth_date": "far",
        "email": "same local part",
        "phone": "typo",
        "postcode": "same area",
        "city": "different",
        "street": "close",
        "national_id": "missing",
        "account": "missing",
        "siret": "missing",
    }


def test_compare_without_pairs_gives_an_empty_matrix():
    table = MatchTable.from_values([1], PEOPLE[:1])

    gamma = compare(table, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    assert gamma.shape == (0, len(COMPARISONS))


@pytest.mark.parametrize("field", [comparison.name for comparison in COMPARISONS])
def test_grading_each_distinct_pair_of_values_once_gives_the_levels_of_grading_every_pair(
    field, monkeypatch
):
    # Given many record pairs that repeat the same few pairs of values, in both orders
    generator = np.random.default_rng(7)
    rows = [PEOPLE[k] for k in generator.integers(0, len(PEOPLE), 300).tolist()]
    table = MatchTable.from_values(list(range(len(rows))), rows)
    left = generator.integers(0, len(rows), 2_000).astype(np.int64)
    right = generator.integers(0, len(rows), 2_000).astype(np.int64)
    grade = COMPARISON_BY_NAME[field].grade

    # When they are graded once per distinct pair of values, then pair by pair
    monkeypatch.setattr(comparisons, "DEDUPLICATE_FROM", 0)
    monkeypatch.setattr(comparisons, "DEDUPLICATE_BELOW", 1 << 22)
    once_per_distinct_pair = grade(table, left, right)
    monkeypatch.setattr(comparisons, "DEDUPLICATE_BELOW", 0)
    every_pair = grade(table, left, right)

    # Then the levels are the same
    assert once_per_distinct_pair.tolist() == every_pair.tolist()


@pytest.mark.parametrize("space", [50, 1_000_000])
def test_distinct_keys_point_each_key_at_its_one_copy(space):
    # Given keys repeating within a small space (dense table) or a large one (sorting)
    keys = np.random.default_rng(3).integers(0, 50, 400).astype(np.int64)

    # When they are deduplicated
    distinct, position = comparisons._distinct_keys(keys, space)

    # Then each distinct key appears once, in order, and every key is found at its position
    assert distinct.tolist() == sorted(set(keys.tolist()))
    assert distinct[position].tolist() == keys.tolist()
