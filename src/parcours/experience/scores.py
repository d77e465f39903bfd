"""Customer-experience scores, exact and documented (pure).

Answers are given as a distribution: score → how many answered it (individual answers are a
distribution of ones). Scales are inclusive ``[low, high]``.

* **NPS** (``nps``): promoters are the top two points of the scale, passives the two below,
  detractors the rest — on 0–10: promoters 9–10, passives 7–8, detractors 0–6; on 1–10: 9–10,
  7–8, 1–6; on 1–5: 4–5, 2–3, 1. NPS = % promoters − % detractors (−100 to 100). Its 95 %
  confidence interval is the **adjusted-Wald** interval of Rocks (2016, *The American
  Statistician* 70(4)), the best of six methods in his evaluation: add 3 to n and ¾ to the
  promoters and to the detractors, p⁺ = (P + ¾)/(n + 3), p⁻ = (D + ¾)/(n + 3), variance
  p⁺ + p⁻ − (p⁺ − p⁻)², interval (p⁺ − p⁻) ± 1.96·√(variance/(n + 3)), in points, within ±100.
* **CSAT** (``csat``): % of answers in the top ``top_box`` points of the scale (top-2-box by
  default) and the mean.
* **CES** (``ces``: a higher score means more effort): % of answers in the bottom ``ends`` points
  (low effort) and in the top ``ends`` points (high effort), net = low − high, and the mean.
  ``ces_ease`` (agreement with "it was easy": higher is easier) reports the same keys with the
  ends swapped: low effort is the top of the scale.
* ``rating``: the mean and the distribution only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Z95 = 1.959963984540054
KINDS = ("nps", "csat", "ces", "ces_ease", "rating")


class ScoreError(ValueError):
    """A scale or an answer the formulas cannot take; the message says why."""


@dataclass(frozen=True)
class Scale:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.high - self.low < 1:
            raise ScoreError(f"a scale needs at least two points, not {self.low}-{self.high}")

    def check(self, score: int) -> None:
        if not self.low <= score <= self.high:
            raise ScoreError(f"score {score} is outside the scale {self.low}-{self.high}")


def distribution(scores: Iterable[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for score in scores:
        found[score] = found.get(score, 0) + 1
    return found


def _checked(counts: Mapping[int, int], scale: Scale) -> int:
    for score, count in counts.items():
        scale.check(score)
        if count < 0:
            raise ScoreError(f"count {count} for score {score} is negative")
    return sum(counts.values())


def mean(counts: Mapping[int, int], scale: Scale) -> float | None:
    n = _checked(counts, scale)
    return sum(score * count for score, count in counts.items()) / n if n else None


def _pct(part: int, n: int) -> float:
    return 100 * part / n


@dataclass(frozen=True)
class Nps:
    n: int
    nps: float
    promoters_pct: float
    passives_pct: float
    detractors_pct: float
    ci95_low: float
    ci95_high: float


def nps_groups(scale: Scale) -> tuple[range, range, range]:
    """The scores of the detractors, passives and promoters on this scale."""
    if scale.high - scale.low < 4:
        raise ScoreError(f"an NPS scale needs at least five points, not {scale.low}-{scale.high}")
    return (range(scale.low, scale.high - 3), range(scale.high - 3, scale.high - 1),
            range(scale.high - 1, scale.high + 1))  # fmt: skip


def nps(counts: Mapping[int, int], scale: Scale = Scale(0, 10)) -> Nps | None:
    n = _checked(counts, scale)
    if not n:
        return None
    detractors, passives, promoters = (
        sum(counts.get(score, 0) for score in group) for group in nps_groups(scale)
    )
    adjusted = n + 3
    plus, minus = (promoters + 0.75) / adjusted, (detractors + 0.75) / adjusted
    spread = Z95 * math.sqrt((plus + minus - (plus - minus) ** 2) / adjusted)
    centre = plus - minus
    return Nps(
        n, _pct(promoters, n) - _pct(detractors, n), _pct(promoters, n), _pct(passives, n),
        _pct(detractors, n), max(-100.0, 100 * (centre - spread)),
        min(100.0, 100 * (centre + spread)),
    )  # fmt: skip


@dataclass(frozen=True)
class Csat:
    n: int
    csat_pct: float
    mean: float


def csat(counts: Mapping[int, int], scale: Scale, top_box: int = 2) -> Csat | None:
    n = _checked(counts, scale)
    if not n:
        return None
    if not 1 <= top_box < scale.high - scale.low + 1:
        raise ScoreError(f"top box of {top_box} points on a {scale.low}-{scale.high} scale")
    top = sum(count for score, count in counts.items() if score > scale.high - top_box)
    average = mean(counts, scale)
    assert average is not None
    return Csat(n, _pct(top, n), average)


@dataclass(frozen=True)
class Ces:
    n: int
    low_effort_pct: float
    high_effort_pct: float
    net: float
    mean: float


def ces(
    counts: Mapping[int, int], scale: Scale, ends: int = 2, *, ease: bool = False
) -> Ces | None:
    """Effort: ``ease=False`` for a scale where more is more effort (``ces``), ``True`` for
    agreement that it was easy (``ces_ease``)."""
    n = _checked(counts, scale)
    if not n:
        return None
    if not 1 <= ends <= (scale.high - scale.low + 1) // 2:
        raise ScoreError(f"ends of {ends} points on a {scale.low}-{scale.high} scale")
    bottom = sum(count for score, count in counts.items() if score < scale.low + ends)
    top = sum(count for score, count in counts.items() if score > scale.high - ends)
    low, high = (top, bottom) if ease else (bottom, top)
    average = mean(counts, scale)
    assert average is not None
    return Ces(n, _pct(low, n), _pct(high, n), _pct(low, n) - _pct(high, n), average)
