"""The Fellegi–Sunter model: EM recovers m and λ, u comes from random pairs, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from parcours.customers.matching.blocking import TRAINING_RULES, candidate_pairs, rule_pairs
from parcours.customers.matching.comparisons import (
    COMPARISON_BY_NAME,
    COMPARISONS,
    Comparison,
    compare,
)
from parcours.customers.matching.model import (
    FieldWeights,
    MatchModel,
    degeneracy,
    estimate_u,
    run_em,
    term_frequencies,
    train,
)
from parcours.customers.matching.table import MatchTable


def _never_graded(*_: object) -> np.ndarray:
    raise AssertionError("simulated fields are never graded from a table")


SIMULATED_FIELDS = tuple(
    Comparison(name, ("agree", "close", "disagree"), _never_graded)
    for name in ("name", "birth", "postcode", "phone")
)
# Index 0 is the "missing" level, never drawn from m or u.
TRUE_M = {
    "name": [0.0, 0.85, 0.10, 0.05],
    "birth": [0.0, 0.90, 0.07, 0.03],
    "postcode": [0.0, 0.75, 0.15, 0.10],
    "phone": [0.0, 0.70, 0.10, 0.20],
}
TRUE_U = {
    "name": [0.0, 0.02, 0.08, 0.90],
    "birth": [0.0, 0.005, 0.045, 0.95],
    "postcode": [0.0, 0.05, 0.15, 0.80],
    "phone": [0.0, 0.01, 0.01, 0.98],
}
TRUE_SHARE = 0.2
START_M = {name: [0.0, 0.4, 0.3, 0.3] for name in TRUE_M}


def simulated_patterns(
    pairs: int, seed: int, missing_share: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Comparison patterns drawn from the true model (fields independent given the match status,
    some values missing at random), as distinct patterns and their counts."""
    generator = np.random.default_rng(seed)
    is_match = generator.random(pairs) < TRUE_SHARE
    columns = []
    for field in SIMULATED_FIELDS:
        levels = np.where(
            is_match,
            generator.choice(4, pairs, p=TRUE_M[field.name]),
            generator.choice(4, pairs, p=TRUE_U[field.name]),
        )
        levels[generator.random(pairs) < missing_share] = 0
        columns.append(levels)
    patterns, counts = np.unique(np.stack(columns, axis=1), axis=0, return_counts=True)
    return patterns.astype(np.int8), counts.astype(np.float64)


@pytest.mark.parametrize("seed", [7, 2026], ids=["seed 7", "seed 2026"])
def test_em_recovers_the_true_m_and_match_share_when_u_is_known(seed):
    patterns, counts = simulated_patterns(200_000, seed)

    m, share, iterations = run_em(
        patterns,
        counts,
        START_M,
        TRUE_U,
        share=0.05,
        learn_m=list(TRUE_M),
        max_iterations=200,
        comparisons=SIMULATED_FIELDS,
    )

    assert iterations < 200
    assert share == pytest.approx(TRUE_SHARE, abs=0.01)
    for name, truth in TRUE_M.items():
        assert m[name] == pytest.approx(truth, abs=0.02), name


def test_em_leaves_alone_the_m_it_is_not_asked_to_learn():
    patterns, counts = simulated_patterns(20_000, seed=1)

    m, _, _ = run_em(
        patterns,
        counts,
        START_M,
        TRUE_U,
        share=0.05,
        learn_m=["name", "birth"],
        comparisons=SIMULATED_FIELDS,
    )

    assert m["postcode"] == START_M["postcode"]
    assert m["phone"] == START_M["phone"]
    assert m["name"] != START_M["name"]


@pytest.mark.parametrize(
    ("max_iterations", "tolerance", "expected"),
    [(0, 1e-5, 0), (3, 0.0, 3), (50, 1.0, 1)],
    ids=["no iteration allowed", "stopped by the maximum", "converged at once"],
)
def test_em_reports_the_iterations_it_ran(max_iterations, tolerance, expected):
    patterns, counts = simulated_patterns(5_000, seed=3)

    _, _, iterations = run_em(
        patterns,
        counts,
        START_M,
        TRUE_U,
        share=0.05,
        learn_m=list(TRUE_M),
        max_iterations=max_iterations,
        tolerance=tolerance,
        comparisons=SIMULATED_FIELDS,
    )

    assert iterations == expected


def test_em_does_not_modify_the_m_it_is_given():
    patterns, counts = simulated_patterns(5_000, seed=4)
    start = {name: list(values) for name, values in START_M.items()}

    run_em(
        patterns,
        counts,
        start,
        TRUE_U,
        share=0.05,
        learn_m=list(TRUE_M),
        comparisons=SIMULATED_FIELDS,
    )

    assert start == START_M


FIRST_NAMES = ["jean", "marie", "yann", "claire", "loic", "nathalie", "herve", "sophie"]
LAST_NAMES = ["le goff", "martin", "kerjean", "tanguy", "morvan", "guillou", "quere", "riou"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
DOMAINS = ["gmail.com", "orange.fr", "free.fr", "laposte.net"]


def random_distinct_people(count: int, seed: int) -> MatchTable:
    generator = np.random.default_rng(seed)
    rows = []
    for person in range(count):
        rows.append(
            {
                "first_name": FIRST_NAMES[person % len(FIRST_NAMES)],
                "last_name": LAST_NAMES[(person // len(FIRST_NAMES)) % len(LAST_NAMES)],
                "birth_date": f"{int(generator.integers(1940, 2006))}-"
                f"{int(generator.integers(1, 13)):02d}-{int(generator.integers(1, 29)):02d}",
                "email": f"{''.join(generator.choice(LETTERS, 8))}@{generator.choice(DOMAINS)}",
                "phone": f"+336{int(generator.integers(10**8)):08d}",
                "postcode": f"{int(generator.integers(10000, 96000)):05d}",
                "national_id": f"{int(generator.integers(10**14, 10**15))}",
            }
        )
    return MatchTable.from_values(list(range(count)), rows)


@pytest.mark.parametrize(
    ("field", "dominant"),
    [
        ("first_name", "different"),
        ("last_name", "different"),
        ("birth_date", "far"),
        ("email", "different"),
        ("phone", "different"),
        ("postcode", "different"),
        ("national_id", "different"),
    ],
    ids=["first name", "last name", "birth date", "email", "phone", "postcode", "national id"],
)
def test_u_of_random_distinct_people_is_dominated_by_disagreement(field, dominant):
    table = random_distinct_people(400, seed=5)

    u = estimate_u(table)[field]

    comparison = COMPARISON_BY_NAME[field]
    assert u[0] == 0.0
    assert sum(u) == pytest.approx(1.0)
    assert int(np.argmax(u)) == comparison.level_index(dominant)


def test_u_of_a_field_nobody_fills_is_uniform():
    table = random_distinct_people(30, seed=6)

    u = estimate_u(table)["siret"]

    assert u == [0.0, 0.5, 0.5]


def test_u_from_a_sample_of_pairs_is_reproducible():
    table = random_distinct_people(200, seed=8)

    assert estimate_u(table, sample=5_000, seed=1) == estimate_u(table, sample=5_000, seed=1)


def hand_made_model() -> MatchModel:
    return MatchModel(
        match_share=0.01,
        fields={
            c.name: FieldWeights(
                [0.0, 0.9] + [0.1 / (c.size - 2)] * (c.size - 2),
                [0.0, 0.01] + [0.99 / (c.size - 2)] * (c.size - 2),
            )
            for c in COMPARISONS
        },
        term_frequencies={"last_name": {"martin": 0.25, "le goff": 0.125}},
        trained_on=8,
        iterations=12,
    )


def test_a_model_survives_a_json_round_trip():
    model = hand_made_model()

    restored = MatchModel.from_json(json.loads(json.dumps(model.to_json())))

    assert restored == model
    assert restored.version == model.version
    assert model.to_json()["version"] == model.version


def _change_share(model: MatchModel) -> None:
    model.match_share = 0.02


def _change_m(model: MatchModel) -> None:
    model.fields["email"].m[1] = 0.8


def _change_u(model: MatchModel) -> None:
    model.fields["phone"].u[2] = 0.5


def _change_term_frequency(model: MatchModel) -> None:
    model.term_frequencies["last_name"]["martin"] = 0.5


def _change_trained_on(model: MatchModel) -> None:
    model.trained_on = 16


@pytest.mark.parametrize(
    "change",
    [_change_share, _change_m, _change_u, _change_term_frequency, _change_trained_on],
    ids=["match share", "an m", "a u", "a term frequency", "the table size trained on"],
)
def test_the_version_changes_when_a_parameter_changes(change):
    model = hand_made_model()
    before = model.version

    change(model)

    assert model.version != before


def test_the_version_ignores_the_iteration_count():
    model = hand_made_model()
    before = model.version

    model.iterations = 99

    assert model.version == before
    assert len(before) == 12


def test_term_frequencies_are_shares_of_all_records_for_values_held_twice_or_more():
    rows = [
        {"first_name": "jean", "last_name": "martin", "city": "brest"},
        {"first_name": "jean", "last_name": "martin", "city": "brest"},
        {"first_name": "marie", "last_name": "martin", "city": "quimper"},
        {"first_name": "yann", "last_name": "le goff", "city": ""},
        {"first_name": "", "last_name": "le goff", "city": ""},
        {"first_name": "", "last_name": "kerjean", "city": ""},
        {"first_name": "", "last_name": "", "city": ""},
        {"first_name": "", "last_name": "", "city": ""},
    ]
    table = MatchTable.from_values(list(range(len(rows))), rows)

    frequencies = term_frequencies(table)

    assert frequencies == {
        "first_name": {"jean": 0.25},
        "last_name": {"martin": 0.375, "le goff": 0.25},
        "city": {"brest": 0.25},
    }


def test_term_frequencies_with_a_lower_minimum_count_keep_single_values():
    rows = [{"last_name": "martin"}, {"last_name": "kerjean"}, {"last_name": "martin"}]
    table = MatchTable.from_values([1, 2, 3], rows)

    assert term_frequencies(table, minimum_count=1)["last_name"] == {
        "kerjean": 1 / 3,
        "martin": 2 / 3,
    }


def people_with_duplicates(count: int, seed: int) -> tuple[MatchTable, set[tuple[int, int]]]:
    """People drawn from small pools of names and places, a third of them entered twice with one
    alteration; returns the table and its true pairs."""
    generator = np.random.default_rng(seed)
    first_names = [*FIRST_NAMES, "pierre", "anne", "erwan", "sylvie", "olivier", "martine"]
    last_names = [*LAST_NAMES, "le gall", "le roux", "bernard", "dupont", "thomas", "petit"]
    places = [("29200", "brest"), ("29000", "quimper"), ("22200", "guingamp"), ("56100", "lorient")]
    rows: list[dict[str, str]] = []
    true_pairs: set[tuple[int, int]] = set()
    for person in range(count):
        first = str(generator.choice(first_names))
        last = str(generator.choice(last_names))
        postcode, city = places[int(generator.integers(len(places)))]
        row = {
            "first_name": first,
            "last_name": last,
            "birth_date": f"{int(generator.integers(1940, 2006))}-"
            f"{int(generator.integers(1, 13)):02d}-{int(generator.integers(10, 29)):02d}",
            "email": f"{first}.{last.replace(' ', '')}.{person}@gmail.com",
            "phone": f"+336{int(generator.integers(10**8)):08d}",
            "postcode": postcode,
            "city": city,
            "street": f"{int(generator.integers(1, 100))} rue {generator.choice(LAST_NAMES)}",
        }
        rows.append(row)
        if generator.random() < 1 / 3:
            duplicate = dict(row)
            alteration = int(generator.integers(5))
            if alteration == 0:
                duplicate["first_name"] = first[:-1]
            elif alteration == 1:
                duplicate["email"] = f"{first}{person}@free.fr"
            elif alteration == 2:
                duplicate["phone"] = f"+337{int(generator.integers(10**8)):08d}"
            elif alteration == 3:
                duplicate["birth_date"] = row["birth_date"][:-1] + "1"
            else:
                postcode, city = places[int(generator.integers(len(places)))]
                duplicate.update(postcode=postcode, city=city, street="1 place de la mairie")
            true_pairs.add((len(rows) - 1, len(rows)))
            rows.append(duplicate)
    return MatchTable.from_values(list(range(len(rows))), rows), true_pairs


def test_training_learns_the_match_share_and_m_of_labelled_pairs_without_labels():
    table, true_pairs = people_with_duplicates(2_000, seed=12)
    left, right = candidate_pairs(table)
    is_true = np.array(
        [pair in true_pairs for pair in zip(left.tolist(), right.tolist(), strict=True)]
    )
    gamma = compare(table, left, right)

    model = train(
        table, [(rule.fields, rule_pairs(rule)) for rule in TRAINING_RULES], (left, right)
    )

    assert model.match_share == pytest.approx(is_true.mean(), rel=0.1)
    for field in ("first_name", "last_name", "birth_date", "email", "phone", "street"):
        index = COMPARISONS.index(COMPARISON_BY_NAME[field])
        exact_among_true_pairs = float((gamma[is_true, index] == 1).mean())
        assert model.fields[field].m[1] == pytest.approx(exact_among_true_pairs, abs=0.1), field


def test_a_run_that_learnt_no_same_person_class_is_called_degenerate():
    u = {"email": [0.0, 0.001, 0.999], "last_name": [0.0, 0.01, 0.99], "city": [0.0, 0.05, 0.95]}
    fields = ["email", "last_name", "city"]
    sensible = {"email": [0.0, 0.9, 0.1], "last_name": [0.0, 0.95, 0.05], "city": [0.0, 1.0, 0.0]}
    # One class took every pair sharing a surname and a postcode: different e-mails, same city.
    one_class = {"email": [0.0, 0.003, 0.997], "last_name": [0.0, 0.011, 0.989],
                 "city": [0.0, 1.0, 0.0]}  # fmt: skip
    against_email = {**sensible, "email": [0.0, 0.0001, 0.9999]}

    assert degeneracy(sensible, u, fields) is None
    assert degeneracy(one_class, u, fields) == "its matches mostly disagree: email, last_name"
    assert degeneracy(against_email, u, fields) == (
        "exact agreement less likely among matches than at random: email"
    )
