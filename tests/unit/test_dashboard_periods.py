"""The dashboard's periods, pure: the days back from now, Paris's offsets over a period (the
hour-of-day figure on SQLite), the twelve months of a trend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parcours.cases.dashboard import DashboardError, Period, last_days, paris_offsets
from parcours.experience.dashboard import months_up_to

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_period_is_the_days_up_to_now_and_an_unknown_length_is_refused():
    assert last_days(30, NOW) == Period(datetime(2026, 10, 27, 12, 0, tzinfo=UTC), NOW, 30)
    with pytest.raises(DashboardError, match="period of 10 days unknown; known: 7, 30, 90, 365"):
        last_days(10, NOW)


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        pytest.param("2026-11-01T00:00", "2026-11-26T00:00", [("2026-11-01T00:00", 1)],
                     id="winter-only"),
        pytest.param("2026-10-20T10:30", "2026-11-20T00:00",
                     [("2026-10-20T10:30", 2), ("2026-10-25T01:00", 1)], id="back-to-winter"),
        pytest.param("2025-11-26T12:00", "2026-11-26T12:00",
                     [("2025-11-26T12:00", 1), ("2026-03-29T01:00", 2), ("2026-10-25T01:00", 1)],
                     id="a-whole-year"),
    ],
)  # fmt: skip
def test_paris_offsets_change_at_the_hour_the_clocks_change(
    since: str, until: str, expected: list[tuple[str, int]]
):
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert paris_offsets(utc(since), utc(until)) == [(utc(at), hours) for at, hours in expected]


def test_a_trend_is_the_twelve_calendar_months_ending_with_the_current_one():
    assert months_up_to(NOW) == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04",
                                 "2026-05", "2026-06", "2026-07", "2026-08", "2026-09",
                                 "2026-10", "2026-11"]  # fmt: skip
    assert months_up_to(datetime(2026, 1, 31, 23, 30, tzinfo=UTC), 2) == ["2025-12", "2026-01"]
