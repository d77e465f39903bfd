"""Experience scores against hand-computed cases and properties (sources in each test)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.experience.scores import (
    Scale,
    ScoreError,
    ces,
    csat,
    distribution,
    nps,
    nps_groups,
)


def test_nps_of_a_hand_computed_sample_with_its_adjusted_wald_interval():
    # 100 answers: 50 promoters (9-10), 30 passives (7-8), 20 detractors (0-6): NPS = 50 - 20.
    # Adjusted-Wald (Rocks 2016; MeasuringU, "Evaluating NPS confidence intervals", 2021):
    # p+ = 50.75/103 = 0.492718, p- = 20.75/103 = 0.201456, centre 0.291262,
    # variance = 0.492718 + 0.201456 - 0.291262² = 0.609340, SE = sqrt(0.609340/103) = 0.076915,
    # interval = 0.291262 ± 1.959964 × 0.076915 = [0.140512, 0.442012].
    result = nps({10: 30, 9: 20, 8: 20, 7: 10, 6: 10, 3: 5, 0: 5})

    assert result is not None
    assert (result.n, result.nps) == (100, 30.0)
    assert (result.promoters_pct, result.passives_pct, result.detractors_pct) == (50.0, 30.0, 20.0)
    assert result.ci95_low == pytest.approx(14.0512, abs=1e-3)
    assert result.ci95_high == pytest.approx(44.2012, abs=1e-3)


def test_nps_groups_are_the_top_two_the_two_below_and_the_rest_on_any_scale():
    assert [list(g) for g in nps_groups(Scale(0, 10))] == [list(range(0, 7)), [7, 8], [9, 10]]
    assert [list(g) for g in nps_groups(Scale(1, 10))] == [list(range(1, 7)), [7, 8], [9, 10]]
    assert [list(g) for g in nps_groups(Scale(1, 5))] == [[1], [2, 3], [4, 5]]
    with pytest.raises(ScoreError, match="at least five points"):
        nps_groups(Scale(1, 4))


def test_an_interval_never_leaves_minus_100_to_100_and_no_answer_gives_no_score():
    everyone = nps({10: 5})
    assert everyone is not None
    assert (everyone.nps, everyone.ci95_high) == (100.0, 100.0)
    assert everyone.ci95_low < 100
    assert nps({}) is None


def test_csat_is_the_top_two_box_share_and_the_mean():
    # 1-5 scale, 10 answers: 4 fives, 3 fours, 2 threes, 1 one: top-2-box 70 %, mean 39/10.
    result = csat({5: 4, 4: 3, 3: 2, 1: 1}, Scale(1, 5))
    assert result is not None
    assert (result.n, result.csat_pct, result.mean) == (10, 70.0, 3.9)
    top_box = csat({5: 4, 4: 3, 3: 2, 1: 1}, Scale(1, 5), top_box=1)
    assert top_box is not None and top_box.csat_pct == 40.0
    # The seeds' welcome question on 1-4: top-2-box is 3 and 4.
    welcome = csat({4: 2, 3: 1, 2: 1}, Scale(1, 4))
    assert welcome is not None and welcome.csat_pct == 75.0


def test_ces_counts_low_and_high_effort_ends_and_their_net_both_ways():
    # 1-5, more is more effort (the seeds' website question): 1-2 low, 4-5 high.
    effort = ces({1: 3, 2: 2, 3: 1, 4: 3, 5: 1}, Scale(1, 5))
    assert effort is not None
    assert (effort.low_effort_pct, effort.high_effort_pct, effort.net, effort.mean) == (
        50.0,
        40.0,
        10.0,
        2.7,
    )
    # 1-7 agreement that it was easy: 6-7 low effort, 1-2 high effort.
    ease = ces({7: 5, 6: 1, 4: 2, 1: 2}, Scale(1, 7), ease=True)
    assert ease is not None
    assert (ease.low_effort_pct, ease.high_effort_pct, ease.net) == (60.0, 20.0, 40.0)


def test_a_score_outside_the_scale_is_refused():
    with pytest.raises(ScoreError, match="score 11 is outside the scale 0-10"):
        nps({11: 1})


answers = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300)


@given(answers)
def test_nps_lies_in_minus_100_to_100_its_shares_sum_to_100_and_its_interval_holds_it(
    scores: list[int],
):
    result = nps(distribution(scores))
    assert result is not None
    assert -100 <= result.ci95_low <= result.ci95_high <= 100
    assert -100 <= result.nps <= 100
    total = result.promoters_pct + result.passives_pct + result.detractors_pct
    assert math.isclose(total, 100.0)


@given(answers, st.randoms())
def test_scores_do_not_depend_on_the_order_of_the_answers(scores: list[int], rng: random.Random):
    shuffled = list(scores)
    rng.shuffle(shuffled)
    scale = Scale(0, 10)
    assert nps(distribution(scores)) == nps(distribution(shuffled))
    assert csat(distribution(scores), scale) == csat(distribution(shuffled), scale)
    assert ces(distribution(scores), scale) == ces(distribution(shuffled), scale)


def test_unhappy_means_an_nps_detractor_or_the_lowest_csat_point():
    from parcours.experience.loop import is_unhappy
    from parcours.experience.models import SurveyQuestion

    recommend = SurveyQuestion(key="q1", kind="nps", low=0, high=10)
    satisfied = SurveyQuestion(key="q2", kind="csat", low=1, high=5)
    effort = SurveyQuestion(key="q3", kind="ces", low=1, high=5)

    assert [is_unhappy(recommend, s) for s in (6, 7, None)] == [True, False, False]
    assert [is_unhappy(satisfied, s) for s in (1, 2)] == [True, False]
    assert is_unhappy(effort, 5) is False
