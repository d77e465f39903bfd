"""Blocking: which pairs of records are compared at all."""

from __future__ import annotations

import numpy as np
import pytest

from parcours.customers.matching.blocking import (
    RULES,
    TRAINING_RULES,
    BlockingRule,
    candidate_pairs,
    pairs_for_keys,
    phonetic,
    rule_pairs,
)
from parcours.customers.matching.table import MatchTable

FIRST_NAMES = [
    "jean", "marie", "pierre", "claire", "yann", "anne", "loic", "nathalie", "christophe",
    "sophie", "herve", "isabelle", "gwenaelle", "philippe", "catherine", "erwan", "sylvie",
    "olivier", "martine", "thierry",
]  # fmt: skip
LAST_NAMES = [
    "le goff", "martin", "kerjean", "le gall", "tanguy", "le roux", "bernard", "guillou",
    "morvan", "le bihan", "jezequel", "dupont", "cadiou", "le floch", "thomas", "quere",
    "petit", "le corre", "salaun", "riou", "durand", "moreau", "abgrall", "lebreton",
]  # fmt: skip
PLACES = [
    ("29200", "brest"), ("29000", "quimper"), ("22200", "guingamp"), ("56100", "lorient"),
    ("35000", "rennes"), ("29600", "morlaix"), ("22000", "saint brieuc"), ("75011", "paris"),
]  # fmt: skip
STREETS = ["rue de brest", "rue jean jaures", "avenue foch", "rue de siam", "quai de la douane"]
ALTERATIONS = (
    "first name typo",
    "first name initial",
    "last name typo",
    "married name",
    "birth day and month swapped",
    "birth day typo",
    "new email",
    "new phone",
    "no email",
    "no phone",
    "moved",
)


def keys(*values: str) -> np.ndarray:
    return np.array(values, dtype=np.str_)


def as_pairs(pairs: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, int]]:
    return sorted(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))


@pytest.mark.parametrize(
    ("block_keys", "max_block", "expected"),
    [
        (("a", "b", "a", "", "a", "b", "c"), 500, [(0, 2), (0, 4), (1, 5), (2, 4)]),
        (("a", "b", "a", "", "a", "b", "c"), 2, [(1, 5)]),
        (("a", "b", "c"), 500, []),
        (("", "", ""), 500, []),
        (("x",), 500, []),
        ((), 500, []),
        (("b", "a", "b", "a"), 500, [(0, 2), (1, 3)]),
    ],
    ids=[
        "blocks of three and two",
        "block above the maximum skipped",
        "no shared key",
        "empty keys never pair",
        "a single record",
        "no record",
        "keys out of order",
    ],
)
def test_pairs_for_keys(block_keys, max_block, expected):
    left, right = pairs_for_keys(keys(*block_keys), max_block)

    assert left.dtype == right.dtype == np.int64
    assert as_pairs((left, right)) == expected


def test_pairs_for_keys_puts_the_smaller_position_on_the_left():
    left, right = pairs_for_keys(keys("c", "b", "a", "a", "b", "c", "c"))

    assert (left < right).all()


def table_of(*rows: dict[str, str]) -> MatchTable:
    return MatchTable.from_values(list(range(len(rows))), rows)


def test_candidate_pairs_is_the_union_of_the_rules_each_pair_once_in_order():
    table = table_of(
        {"email": "a@x.fr", "phone": "+33600000001"},
        {"email": "a@x.fr", "phone": "+33600000001"},
        {"email": "b@x.fr", "phone": "+33600000001"},
        {"email": "b@x.fr", "phone": ""},
        {"email": "", "phone": ""},
    )
    email = BlockingRule("email", ("email",), lambda t: t.columns["email"])
    phone = BlockingRule("phone", ("phone",), lambda t: t.columns["phone"])

    left, right = candidate_pairs(table, rules=(phone, email))

    assert left.tolist() == [0, 0, 1, 2]
    assert right.tolist() == [1, 2, 2, 3]


def test_candidate_pairs_without_rules_is_empty():
    left, right = candidate_pairs(table_of({"email": "a@x.fr"}, {"email": "a@x.fr"}), rules=())

    assert (left.tolist(), right.tolist()) == ([], [])


def test_rule_pairs_gives_the_pairs_of_one_rule():
    table = table_of({"email": "a@x.fr"}, {"email": ""}, {"email": "a@x.fr"})
    email_rule = next(rule for rule in RULES if rule.name == "email")

    assert as_pairs(rule_pairs(email_rule)(table)) == [(0, 2)]


@pytest.mark.parametrize(
    "name", ["le goff", "legof", "le gof", "legoff"], ids=["le goff", "legof", "le gof", "legoff"]
)
def test_phonetic_hears_breton_spellings_alike(name):
    assert phonetic(name) == phonetic("le goff") == "lgf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", ""),
        ("philippe", "plp"),
        ("rose", "rz"),
        ("rousseau", "rs"),
        ("jacques", "jks"),
        ("kerjean", "krjn"),
    ],
    ids=[
        "empty",
        "ph and double letters",
        "s between vowels",
        "double s",
        "c and q",
        "first letter kept",
    ],
)
def test_phonetic_skeletons(name, expected):
    assert phonetic(name) == expected


def test_phonetic_keeps_at_most_six_letters():
    assert phonetic("kerguelennec martin") == "krglnk"


def _typo(text: str, generator: np.random.Generator) -> str:
    """One letter changed, never the first (a typo in the first letter would change blocks)."""
    position = int(generator.integers(1, len(text)))
    letters = [letter for letter in "abcdefghijklmnopqrstuvwxyz" if letter != text[position]]
    return text[:position] + str(generator.choice(letters)) + text[position + 1 :]


def _alter(row: dict[str, str], alteration: str, generator: np.random.Generator) -> None:
    if alteration == "first name typo":
        row["first_name"] = _typo(row["first_name"], generator)
    elif alteration == "first name initial":
        row["first_name"] = row["first_name"][0]
    elif alteration == "last name typo":
        row["last_name"] = _typo(row["last_name"], generator)
    elif alteration == "married name":
        row["last_name"] = (
            f"{row['last_name']} {LAST_NAMES[int(generator.integers(len(LAST_NAMES)))]}"
        )
    elif alteration == "birth day and month swapped":
        year, month, day = row["birth_date"].split("-")
        row["birth_date"] = f"{year}-{day}-{month}"
    elif alteration == "birth day typo":
        year, month, day = row["birth_date"].split("-")
        row["birth_date"] = f"{year}-{month}-{int(day) % 12 + 1:02d}"
    elif alteration == "new email":
        row["email"] = f"{row['first_name']}{int(generator.integers(10**6))}@free.fr"
    elif alteration == "new phone":
        row["phone"] = f"+337{int(generator.integers(10**8)):08d}"
    elif alteration == "no email":
        row["email"] = ""
    elif alteration == "no phone":
        row["phone"] = ""
    elif alteration == "moved":
        postcode, city = PLACES[int(generator.integers(len(PLACES)))]
        row.update(
            postcode=postcode,
            city=city,
            street=f"{int(generator.integers(1, 200))} {generator.choice(STREETS)}",
        )


def synthetic_people(
    people: int, *, alterations_per_duplicate: int, seed: int
) -> tuple[MatchTable, set[tuple[int, int]]]:
    """People with one to three records each, every duplicate altered in a controlled way;
    returns the table and its true pairs."""
    generator = np.random.default_rng(seed)
    rows: list[dict[str, str]] = []
    true_pairs: set[tuple[int, int]] = set()
    for person in range(people):
        first = FIRST_NAMES[int(generator.integers(len(FIRST_NAMES)))]
        last = LAST_NAMES[int(generator.integers(len(LAST_NAMES)))]
        postcode, city = PLACES[int(generator.integers(len(PLACES)))]
        month, day = int(generator.integers(1, 13)), int(generator.integers(1, 13))
        original = {
            "first_name": first,
            "last_name": last,
            "birth_date": f"{int(generator.integers(1940, 2006))}-{month:02d}-{day:02d}",
            "email": f"{first}.{last.replace(' ', '')}.{person}@gmail.com",
            "phone": f"+336{int(generator.integers(10**8)):08d}",
            "postcode": postcode,
            "city": city,
            "street": f"{int(generator.integers(1, 200))} {generator.choice(STREETS)}",
        }
        positions = [len(rows)]
        rows.append(original)
        for _ in range(int(generator.integers(0, 3))):
            duplicate = dict(original)
            chosen = generator.choice(len(ALTERATIONS), alterations_per_duplicate, replace=False)
            for index in sorted(chosen):
                _alter(duplicate, ALTERATIONS[int(index)], generator)
            positions.append(len(rows))
            rows.append(duplicate)
        true_pairs |= {(a, b) for a in positions for b in positions if a < b}
    return MatchTable.from_values(list(range(len(rows))), rows), true_pairs


@pytest.mark.parametrize("seed", [1, 2, 3], ids=["seed 1", "seed 2", "seed 3"])
def test_blocking_proposes_every_true_pair_despite_two_alterations(seed):
    table, true_pairs = synthetic_people(400, alterations_per_duplicate=2, seed=seed)

    proposed = set(as_pairs(candidate_pairs(table)))

    assert len(true_pairs) > 300
    assert true_pairs - proposed == set()


def test_training_rules_fix_the_fields_their_keys_are_made_of():
    table, _ = synthetic_people(50, alterations_per_duplicate=1, seed=4)

    for rule in TRAINING_RULES:
        left, right = rule_pairs(rule)(table)
        for name in rule.fields:
            assert (table.columns[name][left] == table.columns[name][right]).all(), rule.name
