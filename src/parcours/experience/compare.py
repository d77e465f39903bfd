"""Is a difference between two groups or two periods real, or noise? (pure)

Each comparison gives the difference B − A, its 95 % confidence interval, a two-sided p-value
and ``significant`` (p < 0.05, the same as the interval leaving out 0):

* **NPS** — the adjusted-Wald method of Rocks (2016) applied to a difference, as MeasuringU
  recommends for comparing two Net Promoter Scores (Sauro, "Comparing Two Net Promoter Scores",
  measuringu.com): in each group add 3 to n and ¾ to the promoters and to the detractors, the
  variance of one adjusted NPS is p⁺ + p⁻ − (p⁺ − p⁻)², the standard error of the difference is
  √(var_A/(n_A + 3) + var_B/(n_B + 3)), z = (adjusted NPS_B − adjusted NPS_A)/SE.
* **A share** (CSAT's top box, CES's low-effort end) — Agresti and Caffo (2000): add one success
  and one failure to each group, then the Wald interval of the difference; z from the same
  adjusted difference and standard error, so the p-value and the interval always agree.
* **A mean** (CSAT, CES and rating means) — Welch's t-test (unequal variances), degrees of
  freedom by Welch–Satterthwaite, the p-value from Student's t distribution (regularised
  incomplete beta function) and the interval from its quantile.

Differences are in points for percentages (NPS 32 → 41 is +9), in scale points for means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from parcours.experience.scores import Scale, nps_groups

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Difference:
    #: B − A, in points of percentage (NPS, shares) or of the scale (means).
    difference: float
    ci95_low: float
    ci95_high: float
    p_value: float
    method: str

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _from_z(difference: float, centre: float, error: float, method: str, unit: float) -> Difference:
    p_value = (1.0 if centre == 0 else 0.0) if error == 0 else normal_two_sided_p(centre / error)
    return Difference(
        difference, unit * (centre - Z95 * error), unit * (centre + Z95 * error), p_value, method
    )


def _groups(counts: Mapping[int, int], scale: Scale) -> tuple[int, int, int]:
    detractors, _, promoters = nps_groups(scale)
    n = sum(counts.values())
    return (n, sum(counts.get(score, 0) for score in promoters),
            sum(counts.get(score, 0) for score in detractors))  # fmt: skip


def nps_difference(
    a: Mapping[int, int], b: Mapping[int, int], scale: Scale = Scale(0, 10)
) -> Difference | None:
    """NPS of B − NPS of A, in points; None when a group has no answer."""
    adjusted = []
    raw = []
    for counts in (a, b):
        n, promoters, detractors = _groups(counts, scale)
        if n == 0:
            return None
        plus, minus = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
        variance = plus + minus - (plus - minus) ** 2
        adjusted.append((plus - minus, variance / (n + 3)))
        raw.append(100 * (promoters - detractors) / n)
    centre = adjusted[1][0] - adjusted[0][0]
    error = math.sqrt(adjusted[0][1] + adjusted[1][1])
    return _from_z(raw[1] - raw[0], centre, error, "adjusted-Wald (Rocks 2016)", 100)


def share_difference(successes_a: int, n_a: int, successes_b: int, n_b: int) -> Difference | None:
    """% of B − % of A, in points (Agresti–Caffo); None when a group has no answer."""
    if n_a == 0 or n_b == 0:
        return None
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError("successes must be between 0 and n")
    p_a, p_b = (successes_a + 1) / (n_a + 2), (successes_b + 1) / (n_b + 2)
    error = math.sqrt(p_a * (1 - p_a) / (n_a + 2) + p_b * (1 - p_b) / (n_b + 2))
    raw = 100 * (successes_b / n_b - successes_a / n_a)
    return _from_z(raw, p_b - p_a, error, "Agresti-Caffo", 100)


def _moments(counts: Mapping[int, int]) -> tuple[int, float, float]:
    n = sum(counts.values())
    average = sum(score * count for score, count in counts.items()) / n
    squares = sum(count * (score - average) ** 2 for score, count in counts.items())
    return n, average, squares / (n - 1)


def mean_difference(a: Mapping[int, int], b: Mapping[int, int]) -> Difference | None:
    """Mean of B − mean of A (Welch); None when a group has fewer than two answers."""
    if sum(a.values()) < 2 or sum(b.values()) < 2:
        return None
    n_a, mean_a, var_a = _moments(a)
    n_b, mean_b, var_b = _moments(b)
    difference = mean_b - mean_a
    part_a, part_b = var_a / n_a, var_b / n_b
    error = math.sqrt(part_a + part_b)
    if error == 0:
        p_value = 1.0 if difference == 0 else 0.0
        return Difference(difference, difference, difference, p_value, "Welch t")
    freedom = (part_a + part_b) ** 2 / (part_a**2 / (n_a - 1) + part_b**2 / (n_b - 1))
    p_value = student_two_sided_p(difference / error, freedom)
    spread = student_quantile(0.975, freedom) * error
    return Difference(difference, difference - spread, difference + spread, p_value, "Welch t")


def student_two_sided_p(t: float, freedom: float) -> float:
    """P(|T| ≥ |t|) for Student's t with ``freedom`` degrees: I_{ν/(ν+t²)}(ν/2, ½)."""
    return regularised_beta(freedom / (freedom + t * t), freedom / 2, 0.5)


def student_quantile(probability: float, freedom: float) -> float:
    """The t with P(T ≤ t) = probability (0.5 < probability < 1), by bisection on the CDF."""
    low, high = 0.0, 1.0
    while 1 - student_two_sided_p(high, freedom) / 2 < probability:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        if 1 - student_two_sided_p(middle, freedom) / 2 < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def regularised_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), by the continued fraction of the incomplete beta function (modified Lentz),
    on the side of x where it converges fast."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1 - math.exp(log_front) * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result
