"""Scores with their evidence, and customers made of records with a guard against chaining."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.customers.matching.blocking import candidate_pairs
from parcours.customers.matching.clustering import cluster, pairwise_quality
from parcours.customers.matching.comparisons import COMPARISONS
from parcours.customers.matching.model import FieldWeights, MatchModel, term_frequencies
from parcours.customers.matching.scoring import ScoredPairs, explain, score_pairs
from parcours.customers.matching.table import MatchTable


def clear_weights(size: int) -> FieldWeights:
    """Exact agreement likely for matches, disagreement likely for non-matches."""
    if size == 3:
        return FieldWeights([0.0, 0.95, 0.05], [0.0, 0.01, 0.99])
    middle = size - 3
    return FieldWeights(
        [0.0, 0.9, *[0.08 / middle] * middle, 0.02],
        [0.0, 0.01, *[0.04 / middle] * middle, 0.95],
    )


def hand_made_model(table: MatchTable | None = None) -> MatchModel:
    return MatchModel(
        match_share=0.01,
        fields={c.name: clear_weights(c.size) for c in COMPARISONS},
        term_frequencies=term_frequencies(table) if table is not None else {},
        trained_on=len(table) if table is not None else 0,
    )


def table_of(*rows: dict[str, str]) -> MatchTable:
    return MatchTable.from_values([100 + position for position in range(len(rows))], rows)


def one_pair(position: int, other: int) -> tuple[np.ndarray, np.ndarray]:
    return np.array([position], dtype=np.int64), np.array([other], dtype=np.int64)


def common_and_rare_last_names() -> MatchTable:
    """Eight Martins, two Kerjeans and ten other people: a pair of each agrees on the last name."""
    others = ["tanguy", "morvan", "guillou", "quere", "riou", "abgrall", "salaun", "cadiou"]
    return table_of(
        *[{"last_name": "martin"}] * 8,
        *[{"last_name": "kerjean"}] * 2,
        *[{"last_name": name} for name in [*others, "le bihan", "le corre"]],
    )


def test_a_common_last_name_weighs_less_than_a_rare_one():
    table = common_and_rare_last_names()
    model = hand_made_model(table)

    martins = score_pairs(model, table, *one_pair(0, 1))
    kerjeans = score_pairs(model, table, *one_pair(8, 9))

    assert martins.weight[0] < kerjeans.weight[0]
    assert kerjeans.weight[0] - martins.weight[0] == pytest.approx(math.log2(8 / 2), abs=1e-9)


def test_without_term_frequencies_every_exact_last_name_weighs_the_same():
    table = common_and_rare_last_names()
    model = hand_made_model()

    martins = score_pairs(model, table, *one_pair(0, 1))
    kerjeans = score_pairs(model, table, *one_pair(8, 9))

    assert martins.weight[0] == kerjeans.weight[0]
    assert martins.weight[0] == pytest.approx(math.log2(0.01 / 0.99) + math.log2(0.9 / 0.01))


JEAN_MARTIN = {
    "first_name": "jean",
    "last_name": "martin",
    "birth_date": "1980-05-12",
    "email": "jean.martin@gmail.com",
    "phone": "+33612345678",
    "postcode": "29200",
    "city": "brest",
    "street": "12 rue de brest",
}
JEAN_MARTIN_AGAIN = {
    **JEAN_MARTIN,
    "birth_date": "1980-12-05",
    "email": "",
    "phone": "+33698765432",
    "postcode": "29820",
    "city": "guilers",
}
JEAN_MARTIN_SENIOR = {**JEAN_MARTIN, "birth_date": "1950-05-12", "email": "jm29@orange.fr"}


def test_explain_gives_one_piece_of_evidence_per_comparison():
    table = table_of(JEAN_MARTIN, JEAN_MARTIN, JEAN_MARTIN_AGAIN)
    model = hand_made_model(table)

    _, evidence = explain(model, table, 0, 2)

    assert [(e.field, e.level, e.left, e.right) for e in evidence] == [
        ("first_name", "exact", "jean", "jean"),
        ("last_name", "exact", "martin", "martin"),
        ("birth_date", "typo", "1980-05-12", "1980-12-05"),
        ("email", "missing", "jean.martin@gmail.com", ""),
        ("phone", "different", "+33612345678", "+33698765432"),
        ("postcode", "same area", "29200", "29820"),
        ("city", "different", "brest", "guilers"),
        ("street", "exact", "12 rue de brest", "12 rue de brest"),
        ("national_id", "missing", "", ""),
        ("account", "missing", "", ""),
        ("siret", "missing", "", ""),
    ]


@pytest.mark.parametrize(
    ("left", "right"),
    [(0, 2), (2, 0), (0, 3), (2, 3)],
    ids=["likely match", "likely match reversed", "father and son", "unlikely"],
)
def test_explained_evidence_adds_up_to_the_probability(left, right):
    table = table_of(JEAN_MARTIN, JEAN_MARTIN, JEAN_MARTIN_AGAIN, JEAN_MARTIN_SENIOR)
    model = hand_made_model(table)

    probability, evidence = explain(model, table, left, right)

    total = model.prior_weight + sum(e.weight for e in evidence)
    assert total == pytest.approx(math.log2(probability / (1 - probability)), abs=1e-6)
    assert probability == score_pairs(model, table, *one_pair(left, right)).probability[0]


@pytest.mark.parametrize(
    ("right", "conflict"),
    [
        ({**JEAN_MARTIN, "birth_date": "1950-05-12"}, True),
        ({**JEAN_MARTIN, "national_id": "280117512399988"}, True),
        ({**JEAN_MARTIN, "siret": "98765432100027"}, True),
        ({**JEAN_MARTIN, "birth_date": "1983-08-27"}, False),
        ({**JEAN_MARTIN, "email": "someone@else.fr"}, False),
    ],
    ids=[
        "birth dates far apart",
        "another national id",
        "another siret",
        "birth dates near",
        "another email",
    ],
)
def test_strong_conflicts_are_flagged(right, conflict):
    left = {**JEAN_MARTIN, "national_id": "180052912345612", "siret": "12345678900011"}
    table = table_of(left, right)

    scored = score_pairs(hand_made_model(table), table, *one_pair(0, 1))

    assert scored.conflict.tolist() == [conflict]


def scored_pairs(pairs: dict[tuple[int, int], tuple[float, bool]]) -> ScoredPairs:
    left = np.array([pair[0] for pair in pairs], dtype=np.int64)
    right = np.array([pair[1] for pair in pairs], dtype=np.int64)
    return ScoredPairs(
        left,
        right,
        np.zeros((len(pairs), len(COMPARISONS)), dtype=np.int8),
        np.zeros(len(pairs)),
        np.array([score[0] for score in pairs.values()]),
        np.array([score[1] for score in pairs.values()], dtype=bool),
    )


def scorer_of(pairs: dict[tuple[int, int], tuple[float, bool]]):
    """Scores any pair from the table ``pairs``, in either order; unknown pairs score 0."""
    by_pair = {frozenset(pair): score for pair, score in pairs.items()}

    def score(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = [
            by_pair.get(frozenset((a, b)), (0.0, False))
            for a, b in zip(left.tolist(), right.tolist(), strict=True)
        ]
        return (
            np.array([s[0] for s in scores], dtype=np.float64),
            np.array([s[1] for s in scores], dtype=bool),
        )

    return score


AUTO, REVIEW = 0.95, 0.5


@pytest.mark.parametrize(
    ("a_c", "expected_review"),
    [
        ((0.7, True), [(0, 2, 0.7), (1, 2, 0.98)]),
        ((0.99, True), [(0, 2, 0.99), (1, 2, 0.98)]),
        ((0.2, False), [(1, 2, 0.98)]),
    ],
    ids=["conflict scored for review", "conflict scored high", "score below review"],
)
def test_a_chain_never_joins_two_records_that_clearly_differ(a_c, expected_review):
    pairs = {(0, 1): (0.99, False), (1, 2): (0.98, False), (0, 2): a_c}

    clusters = cluster(3, scored_pairs(pairs), scorer_of(pairs), auto=AUTO, review=REVIEW)

    assert clusters.labels.tolist() == [0, 0, 2]
    assert clusters.review == expected_review


def test_a_chain_whose_ends_were_never_compared_is_checked_by_the_scorer():
    candidates = {(0, 1): (0.99, False), (1, 2): (0.98, False)}
    everything = {**candidates, (0, 2): (0.6, True)}

    clusters = cluster(3, scored_pairs(candidates), scorer_of(everything), auto=AUTO, review=REVIEW)

    assert clusters.labels.tolist() == [0, 0, 2]
    assert clusters.review == [(1, 2, 0.98)]


def test_a_consistent_chain_makes_one_customer_and_nothing_to_review():
    pairs = {(0, 1): (0.99, False), (1, 2): (0.98, False), (0, 2): (0.9, False)}

    clusters = cluster(4, scored_pairs(pairs), scorer_of(pairs), auto=AUTO, review=REVIEW)

    assert clusters.labels.tolist() == [0, 0, 0, 3]
    assert clusters.review == []


def test_pairs_between_review_and_auto_go_to_review_without_merging():
    pairs = {(0, 1): (0.8, False), (2, 3): (0.4, False), (1, 3): (0.99, False)}

    clusters = cluster(4, scored_pairs(pairs), scorer_of(pairs), auto=AUTO, review=REVIEW)

    assert clusters.labels.tolist() == [0, 1, 2, 1]
    assert clusters.review == [(0, 1, 0.8)]


PEOPLE = [
    ("jean", "le goff", "1940-03-14", "+33611111111", "29200", "brest", "12 rue de siam"),
    ("marie", "kerjean", "1952-07-02", "+33622222222", "22200", "guingamp", "3 place du vally"),
    ("yann", "tanguy", "1964-11-23", "+33633333333", "56100", "lorient", "8 cours de chazelles"),
    ("claire", "morvan", "1976-01-30", "+33644444444", "35000", "rennes", "40 rue de fougeres"),
    ("loic", "guillou", "1988-09-09", "+33655555555", "75011", "paris", "5 avenue parmentier"),
    ("nathalie", "abgrall", "2000-05-17", "+33666666666", "69003", "lyon", "19 cours gambetta"),
]
#: Each leaves two records of one person a clear match (a move costs postcode, city and street).
VARIATIONS = (
    "as entered",
    "no email",
    "new email",
    "phone typo",
    "new phone",
    "first name initial",
    "street number changed",
)


def record_of(person: int, variation: str) -> dict[str, str]:
    first, last, birth_date, phone, postcode, city, street = PEOPLE[person]
    record = {
        "first_name": first,
        "last_name": last,
        "birth_date": birth_date,
        "email": f"{first}.{last.replace(' ', '')}@gmail.com",
        "phone": phone,
        "postcode": postcode,
        "city": city,
        "street": street,
    }
    if variation == "no email":
        record["email"] = ""
    elif variation == "phone typo":
        record["phone"] = phone[:-1] + "0"
    elif variation == "first name initial":
        record["first_name"] = first[0]
    elif variation == "new email":
        record["email"] = f"{first[0]}{last.replace(' ', '')}@orange.fr"
    elif variation == "new phone":
        record["phone"] = "+33799999999"
    elif variation == "street number changed":
        record["street"] = "1" + street
    return record


def resolve(ids: list[int], rows: list[dict[str, str]]) -> set[frozenset[int]]:
    """The customers (as sets of record ids) the whole pipeline makes of the records."""
    table = MatchTable.from_values(ids, rows)
    model = hand_made_model()

    def scorer(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scored = score_pairs(model, table, left, right)
        return scored.probability, scored.conflict

    clusters = cluster(
        len(table),
        score_pairs(model, table, *candidate_pairs(table)),
        scorer,
        auto=AUTO,
        review=REVIEW,
    )
    return {
        frozenset(table.ids[clusters.labels == label].tolist())
        for label in np.unique(clusters.labels)
    }


@settings(max_examples=40, deadline=None)
@given(
    records_per_person=st.lists(
        st.lists(st.sampled_from(VARIATIONS), min_size=1, max_size=3),
        min_size=1,
        max_size=len(PEOPLE),
    ),
    data=st.data(),
)
def test_clear_matches_make_the_same_customers_whatever_the_record_order(records_per_person, data):
    rows, people = [], []
    for person, variations in enumerate(records_per_person):
        rows += [record_of(person, variation) for variation in variations]
        people += [person] * len(variations)
    ids = list(range(len(rows)))
    order = data.draw(st.permutations(ids), label="order")

    in_order = resolve(ids, rows)
    shuffled = resolve([ids[i] for i in order], [rows[i] for i in order])

    truth = {
        frozenset(i for i in ids if people[i] == person)
        for person in range(len(records_per_person))
    }
    assert in_order == truth
    assert shuffled == in_order


def test_pairwise_quality_of_a_tiny_clustering():
    # Truth: {0, 1, 2} and {3, 4}, four true pairs. Predicted: {0, 1}, {2, 3} and {4}.
    truth = np.array([7, 7, 7, 9, 9])
    predicted = np.array([0, 0, 2, 2, 4])

    quality = pairwise_quality(predicted, truth)

    assert quality == {"precision": 0.5, "recall": 0.25, "f1": 1 / 3, "true_pairs": 4}


@pytest.mark.parametrize(
    ("predicted", "truth", "expected"),
    [
        ([0, 0, 1], [5, 5, 6], {"precision": 1.0, "recall": 1.0, "f1": 1.0, "true_pairs": 1}),
        ([0, 1, 2], [0, 1, 2], {"precision": 1.0, "recall": 1.0, "f1": 1.0, "true_pairs": 0}),
        ([0, 0, 0], [0, 1, 2], {"precision": 0.0, "recall": 1.0, "f1": 0.0, "true_pairs": 0}),
        ([0, 1, 2], [0, 0, 0], {"precision": 1.0, "recall": 0.0, "f1": 0.0, "true_pairs": 3}),
    ],
    ids=["perfect", "all singletons", "everything merged", "nothing merged"],
)
def test_pairwise_quality_edge_cases(predicted, truth, expected):
    assert pairwise_quality(np.array(predicted), np.array(truth)) == expected


def test_a_pair_resting_on_two_fields_is_never_merged_without_a_person():
    # Given two records that agree on a first name and a surname only, scored above auto
    model = hand_made_model()
    table = table_of(
        {"first_name": "jean", "last_name": "martin"},
        {"first_name": "jean", "last_name": "martin", "birth_date": "1951-03-02",
         "phone": "+33296431200", "postcode": "22200"},
    )  # fmt: skip
    scored = score_pairs(model, table, *one_pair(0, 1))
    assert scored.probability[0] >= AUTO
    assert int((scored.gamma[0] != 0).sum()) == 2

    # When the base is clustered
    clusters = cluster(2, scored, scorer_of({}), auto=AUTO, review=REVIEW)

    # Then they stay apart and the pair waits for a person
    assert clusters.labels.tolist() == [0, 1]
    assert [(left, right) for left, right, _ in clusters.review] == [(0, 1)]
