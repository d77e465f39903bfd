"""Service levels, as pure rules: business hours with French public holidays, due times counted
in business time, the policy that applies to a case, and where a case stands against it.

* **Business hours**: a weekly schedule in a time zone (default Monday to Friday, 9:00–12:30 and
  13:30–18:00, Europe/Paris), closed on the French public holidays of :func:`french_holidays`
  (the eleven of the Code du travail; Alsace-Moselle adds Good Friday and St Stephen's Day).
* **Due times**: a first response within N business minutes of the opening, a resolution
  within M; a request made on Friday at 17:50 with one hour to answer is due on Monday at 9:50.
* **Policies**: the first (by position) whose conditions hold — priority, customer segment,
  channel, case type; empty conditions hold for any case.
* **State**: on time, at risk (due within the policy's reminder window), breached, met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

PARIS = "Europe/Paris"
DEFAULT_SCHEDULE: dict[int, tuple[tuple[time, time], ...]] = {
    day: ((time(9), time(12, 30)), (time(13, 30), time(18))) for day in range(5)
}
MAX_DAYS = 800  # a due date further than two years away is a configuration error


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the anonymous algorithm of 1876)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_holidays(year: int, alsace_moselle: bool = False) -> frozenset[date]:
    """The public holidays (jours fériés) of France in a year."""
    sunday = easter(year)
    days = {
        date(year, 1, 1), sunday + timedelta(days=1), date(year, 5, 1), date(year, 5, 8),
        sunday + timedelta(days=39), sunday + timedelta(days=50), date(year, 7, 14),
        date(year, 8, 15), date(year, 11, 1), date(year, 11, 11), date(year, 12, 25),
    }  # fmt: skip
    if alsace_moselle:
        days |= {sunday - timedelta(days=2), date(year, 12, 26)}
    return frozenset(days)


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = PARIS
    #: weekday (0 = Monday) → opening intervals in local time.
    schedule: Mapping[int, tuple[tuple[time, time], ...]] = field(
        default_factory=lambda: DEFAULT_SCHEDULE
    )
    alsace_moselle: bool = False

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening intervals of a local day (none on a holiday), as aware datetimes."""
        if day in french_holidays(day.year, self.alsace_moselle):
            return []
        zone = ZoneInfo(self.timezone)
        return [
            (datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            for start, end in self.schedule.get(day.weekday(), ())
        ]

    def is_open(self, moment: datetime) -> bool:
        day = moment.astimezone(ZoneInfo(self.timezone)).date()
        return any(opening <= moment < closing for opening, closing in self.intervals(day))

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of business time after ``start`` (UTC)."""
        remaining = timedelta(minutes=minutes)
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        for _ in range(MAX_DAYS):
            for opening, closing in self.intervals(day):
                begin = max(opening, start)
                if begin >= closing:
                    continue
                if begin + remaining <= closing:
                    return (begin + remaining).astimezone(UTC)
                remaining -= closing - begin
            day += timedelta(days=1)
        raise ValueError(f"no business time for {minutes} minutes within {MAX_DAYS} days")

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes between two moments (0 if ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        last = end.astimezone(ZoneInfo(self.timezone)).date()
        while day <= last:
            for opening, closing in self.intervals(day):
                overlap = min(closing, end) - max(opening, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total.total_seconds() / 60


@dataclass(frozen=True)
class Policy:
    name: str
    position: int
    first_response_minutes: int
    resolution_minutes: int
    #: A reminder this many business minutes before a due time.
    reminder_minutes: int = 30
    priorities: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()

    def applies(self, priority: str, segment: str | None, channel: str, case_type: str) -> bool:
        return all(
            not wanted or actual in wanted
            for wanted, actual in ((self.priorities, priority), (self.segments, segment),
                                   (self.channels, channel), (self.types, case_type))
        )  # fmt: skip


def choose_policy(policies: Sequence[Policy], priority: str, segment: str | None, channel: str,
                  case_type: str) -> Policy | None:  # fmt: skip
    for policy in sorted(policies, key=lambda p: p.position):
        if policy.applies(priority, segment, channel, case_type):
            return policy
    return None


@dataclass(frozen=True)
class Due:
    first_response: datetime
    resolution: datetime


def due_times(policy: Policy, opened_at: datetime, hours: BusinessHours) -> Due:
    return Due(hours.add(opened_at, policy.first_response_minutes),
               hours.add(opened_at, policy.resolution_minutes))  # fmt: skip


ON_TIME, AT_RISK, BREACHED, MET = "on_time", "at_risk", "breached", "met"


def state(
    due: datetime | None, done_at: datetime | None, now: datetime, reminder: timedelta
) -> str | None:
    """Where one clock stands: met (done in time), breached (done late, or not done and past
    due), at risk (not done, due within the reminder window), on time; None without a due time."""
    if due is None:
        return None
    if done_at is not None:
        return MET if done_at <= due else BREACHED
    if now > due:
        return BREACHED
    return AT_RISK if due - now <= reminder else ON_TIME
