"""The street compared apart from its house number, and names exchanged with a typo."""

from __future__ import annotations

import numpy as np
import pytest

from parcours.customers.matching.comparisons import COMPARISON_BY_NAME, COMPARISONS
from parcours.customers.matching.model import FieldWeights, MatchModel
from parcours.customers.matching.scoring import explain, score_pairs
from parcours.customers.matching.table import MatchTable


def level_of(field: str, left: dict[str, str], right: dict[str, str]) -> str:
    table = MatchTable.from_values([1, 2], [left, right])
    comparison = COMPARISON_BY_NAME[field]
    level = int(comparison.grade(table, np.array([0]), np.array([1]))[0])
    return comparison.levels[level - 1] if level else "missing"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("8 rue de brest", "rue de brest", "exact"),
        ("8 rue de brest", "8 rue de bres", "close"),
        ("8 rue de brest", "3 rue de brest", "close"),
        ("8 rue de brest", "3 rue de bres", "similar"),
        ("545 rue de brest", "15 avenue foch", "different"),
        ("15", "15 rue de brest", "similar"),
        ("15", "3 rue de brest", "different"),
        ("15", "rue de brest", "missing"),
        ("12 bis rue de brest", "12bis rue de brest", "exact"),
    ],
    ids=[
        "number missing on one side",
        "typo in the name",
        "another number",
        "another number and a typo",
        "another street",
        "lone number, the same",
        "lone number, another",
        "lone number against no number",
        "bis written two ways",
    ],
)
def test_street_levels_compare_the_name_apart_from_the_number(left, right, expected):
    assert level_of("street", {"street": left}, {"street": right}) == expected


def test_names_exchanged_with_a_typo_are_swapped():
    left = {"first_name": "maxin", "last_name": "musolino"}
    right = {"first_name": "musolino", "last_name": "maxni"}

    assert level_of("first_name", left, right) == "swapped"
    assert level_of("last_name", left, right) == "swapped"


def _model() -> MatchModel:
    fields = {}
    for comparison in COMPARISONS:
        size = comparison.size
        m = [0.0] + [0.9 / (size - 2)] * (size - 2) + [0.1]
        u = [0.0] + [0.01] * (size - 2) + [1 - 0.01 * (size - 2)]
        fields[comparison.name] = FieldWeights(m, u)
    return MatchModel(match_share=0.1, fields=fields, trained_on=2)


def test_an_exchange_of_names_is_weighed_once_and_the_evidence_still_adds_up():
    table = MatchTable.from_values(
        [1, 2],
        [
            {"first_name": "jean", "last_name": "martin"},
            {"first_name": "martin", "last_name": "jean"},
        ],
    )
    model = _model()
    weights = {c.name: model.fields[c.name].weights() for c in COMPARISONS}
    swapped = COMPARISON_BY_NAME["first_name"].level_index("swapped")

    pair = score_pairs(model, table, np.array([0]), np.array([1]))
    _, evidence = explain(model, table, 0, 1)

    assert pair.weight[0] == pytest.approx(model.prior_weight + weights["first_name"][swapped])
    by_field = {e.field: e.weight for e in evidence}
    assert by_field["last_name"] == pytest.approx(0.0)
    assert model.prior_weight + sum(by_field.values()) == pytest.approx(pair.weight[0])
