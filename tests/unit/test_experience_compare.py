"""Significance of differences between two groups or periods (parcours.experience.compare)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.experience.compare import (
    mean_difference,
    nps_difference,
    share_difference,
    student_quantile,
    student_two_sided_p,
)
from parcours.experience.scores import Scale


@pytest.mark.parametrize(
    ("t", "freedom", "p"),
    [
        # Student's t tables: t(0.975; 10) = 2.228139 → two-sided 5 %.
        pytest.param(2.228138851986, 10, 0.05, id="table-10-degrees"),
        # One degree of freedom is the Cauchy distribution: P(|T| ≥ 1) = 1/2 exactly.
        pytest.param(1.0, 1, 0.5, id="cauchy"),
        # Two degrees: P(|T| ≥ t) = 1 − t/√(t² + 2) in closed form; t = 2 → 1 − 2/√6.
        pytest.param(2.0, 2, 1 - 2 / math.sqrt(6), id="closed-form-2-degrees"),
        pytest.param(0.0, 7, 1.0, id="no-difference"),
    ],
)
def test_student_p_values_match_the_tables(t: float, freedom: float, p: float) -> None:
    assert student_two_sided_p(t, freedom) == pytest.approx(p, abs=1e-12)


def test_student_quantiles_match_the_tables() -> None:
    assert student_quantile(0.975, 10) == pytest.approx(2.228139, abs=1e-6)
    assert student_quantile(0.975, 1) == pytest.approx(12.706205, abs=1e-6)
    # SciPy 1.17: stats.t.ppf(0.975, 7.3) = 2.345066736547703 (fractional degrees, as Welch's).
    assert student_quantile(0.975, 7.3) == pytest.approx(2.3450667365477, abs=1e-9)


def test_welch_test_of_two_small_groups_is_hand_computed() -> None:
    # Given A = 1..5 (mean 3, variance 2.5) and B = 2..6 (mean 4, variance 2.5)
    # then SE = √(2.5/5 + 2.5/5) = 1, t = 1, Welch's degrees = 1/(0.25/4 + 0.25/4) = 8,
    # P(|T₈| ≥ 1) = 0.346594 (SciPy's ttest_ind(equal_var=False) gives 0.34659350708733).
    found = mean_difference({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, {2: 1, 3: 1, 4: 1, 5: 1, 6: 1})
    assert found is not None
    assert found.difference == 1.0
    assert found.p_value == pytest.approx(0.34659350708733, abs=1e-12)
    assert found.ci95_low == pytest.approx(1 - 2.306004135204, abs=1e-9)  # t(0.975; 8) = 2.306
    assert found.significant is False


def test_welch_test_finds_a_real_drop_in_satisfaction() -> None:
    # SciPy: ttest_ind(b, a, equal_var=False) → t = −2.26606, df = 69.615, p = 0.0265594.
    found = mean_difference({1: 3, 2: 5, 4: 12, 5: 30}, {1: 10, 3: 10, 5: 20})
    assert found is not None
    assert found.difference == pytest.approx(-0.72)
    assert found.p_value == pytest.approx(0.0265594424506, abs=1e-10)
    assert found.significant is True


def test_twenty_points_of_nps_on_a_hundred_answers_each_are_not_yet_significant() -> None:
    # Given A: 50 promoters, 30 passives, 20 detractors (NPS 30); B: 60/30/10 (NPS 50).
    # Adjusted: A p⁺ = 50.75/103, p⁻ = 20.75/103, var 0.609341; B p⁺ = 60.75/103,
    # p⁻ = 10.75/103, var 0.458526; SE = √((0.609341 + 0.458526)/103) = 0.101823;
    # z = (0.485437 − 0.291262)/0.101823 = 1.907 → p = 0.0565: not significant at 5 %.
    found = nps_difference({10: 50, 7: 30, 0: 20}, {10: 60, 7: 30, 0: 10})
    assert found is not None
    assert found.difference == 20.0
    assert found.p_value == pytest.approx(0.0565194, abs=1e-6)
    assert (round(found.ci95_low, 2), round(found.ci95_high, 2)) == (-0.54, 39.37)
    assert found.significant is False


def test_the_same_shares_on_four_hundred_answers_each_are_significant() -> None:
    found = nps_difference({10: 200, 7: 120, 0: 80}, {10: 240, 7: 120, 0: 40})
    assert found is not None
    assert found.difference == 20.0
    assert found.significant is True


def test_nps_difference_reads_the_groups_of_the_scale() -> None:
    # On 1–5, promoters are 4–5 and detractors 1: all promoters against all detractors.
    found = nps_difference({1: 30}, {5: 30}, Scale(1, 5))
    assert found is not None
    assert found.difference == 200.0
    assert found.significant is True


def test_share_difference_is_agresti_caffo() -> None:
    # A: 40/50 satisfied, B: 30/50. Adjusted p_A = 41/52, p_B = 31/52,
    # SE = √(p_A(1 − p_A)/52 + p_B(1 − p_B)/52) = 0.08797; centre = −10/52 = −0.19231;
    # interval −0.19231 ± 1.96 × 0.08797 = [−36.58, −1.88] points; z = −2.186, p = 0.0298.
    found = share_difference(40, 50, 30, 50)
    assert found is not None
    assert found.difference == pytest.approx(-20.0)
    assert (round(found.ci95_low, 2), round(found.ci95_high, 2)) == (-36.58, -1.88)
    assert found.p_value == pytest.approx(0.0298364, abs=1e-6)
    assert found.significant is True


def test_empty_groups_have_no_difference() -> None:
    assert nps_difference({}, {10: 3}) is None
    assert share_difference(0, 0, 1, 2) is None
    assert mean_difference({3: 1}, {3: 5}) is None


def test_identical_groups_with_no_spread_are_not_different() -> None:
    found = mean_difference({4: 10}, {4: 12})
    assert found is not None
    assert (found.difference, found.p_value, found.significant) == (0.0, 1.0, False)


def test_impossible_shares_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        share_difference(6, 5, 1, 5)


distributions = st.dictionaries(st.integers(0, 10), st.integers(0, 200), min_size=1).filter(
    lambda counts: sum(counts.values()) > 0
)


@given(distributions, distributions)
def test_a_difference_is_the_mirror_of_its_reverse(a: dict[int, int], b: dict[int, int]) -> None:
    forward, backward = nps_difference(a, b), nps_difference(b, a)
    assert forward is not None and backward is not None
    assert forward.difference == pytest.approx(-backward.difference)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert 0 <= forward.p_value <= 1
    assert forward.ci95_low <= forward.ci95_high
    assert forward.significant == (forward.ci95_low > 0 or forward.ci95_high < 0)
