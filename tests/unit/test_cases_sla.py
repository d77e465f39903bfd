"""Service-level clocks with a fixed clock: business hours, French public holidays, policies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from parcours.cases.sla import (
    AT_RISK,
    BREACHED,
    MET,
    ON_TIME,
    BusinessHours,
    Policy,
    choose_policy,
    due_times,
    easter,
    french_holidays,
    state,
)

HOURS = BusinessHours()


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text + "+01:00" if "T" in text and "+" not in text else text)


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
     (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))],
)  # fmt: skip
def test_easter_falls_on_the_known_sundays(year: int, sunday: date):
    assert easter(year) == sunday


def test_the_french_public_holidays_of_2026_are_the_eleven_of_the_labour_code():
    assert sorted(french_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8),
        date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15),
        date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25),
    ]  # fmt: skip
    assert french_holidays(2026, alsace_moselle=True) - french_holidays(2026) == {
        date(2026, 4, 3),
        date(2026, 12, 26),
    }


def test_business_time_skips_the_lunch_break_the_night_and_the_weekend():
    # Friday 13 March 2026, 17:50 in Paris, one hour to answer: due Monday at 9:50.
    assert HOURS.add(paris("2026-03-13T17:50:00"), 60) == paris("2026-03-16T09:50:00")
    # 12:00 plus one hour: 30 minutes before lunch, 30 after.
    assert HOURS.add(paris("2026-03-16T12:00:00"), 60) == paris("2026-03-16T14:00:00")
    # Opened on Sunday: the clock starts on Monday at 9:00.
    assert HOURS.add(paris("2026-03-15T10:00:00"), 30) == paris("2026-03-16T09:30:00")


def test_business_time_skips_public_holidays_and_follows_summer_time():
    # Thursday 30 April 2026 at 17:30, two hours: 1 May is a holiday, then the weekend.
    assert HOURS.add(datetime.fromisoformat("2026-04-30T17:30:00+02:00"), 120) == (
        datetime.fromisoformat("2026-05-04T10:30:00+02:00")
    )
    # Ascension Thursday 14 May 2026 counts for nothing.
    assert (
        HOURS.between(
            datetime.fromisoformat("2026-05-13T18:00:00+02:00"),
            datetime.fromisoformat("2026-05-15T09:00:00+02:00"),
        )
        == 0
    )


def test_the_first_policy_that_holds_decides_the_due_times():
    policies = [
        Policy("standard", 2, first_response_minutes=480, resolution_minutes=2400),
        Policy("urgent", 1, first_response_minutes=30, resolution_minutes=240,
               priorities=frozenset({"urgent", "high"})),
    ]  # fmt: skip

    urgent = choose_policy(policies, "high", None, "chat", "complaint")
    standard = choose_policy(policies, "normal", None, "email", "quote")
    assert (urgent and urgent.name, standard and standard.name) == ("urgent", "standard")
    assert urgent is not None
    due = due_times(urgent, paris("2026-03-16T17:45:00"), HOURS)
    assert (due.first_response, due.resolution) == (
        paris("2026-03-17T09:15:00"),
        paris("2026-03-17T13:45:00"),
    )


def test_a_clock_is_on_time_at_risk_breached_or_met():
    due, reminder = datetime(2026, 3, 16, 10, tzinfo=UTC), timedelta(minutes=30)

    assert state(due, None, due - timedelta(hours=1), reminder) == ON_TIME
    assert state(due, None, due - timedelta(minutes=20), reminder) == AT_RISK
    assert state(due, None, due + timedelta(seconds=1), reminder) == BREACHED
    assert state(due, due - timedelta(minutes=5), due + timedelta(hours=5), reminder) == MET
    assert state(due, due + timedelta(minutes=5), due, reminder) == BREACHED
    assert state(None, None, due, reminder) is None
