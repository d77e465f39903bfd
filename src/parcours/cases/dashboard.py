"""The manager dashboard's figures on cases, each one SQL GROUP BY, and the cases behind each
figure (the drill-down), filtered the same way so that a figure and its list always agree:

* volumes: cases opened in the period, by channel and by hour of the day (Paris time);
* SLA attainment by channel, for the cases opened in the period that had a policy: of the clocks
  decided by now (stopped, or past due), the share met in time — a clock still running and not
  yet due counts for neither (as :func:`parcours.cases.slas.attainment`);
* backlog: the active cases now, by status (a snapshot, whatever the period), and how many are
  past their resolution due time.

Every query sees only the cases of the customers the person may see (a case without a customer is
seen by all, as in the case list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, and_, cast, func, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from parcours.cases import workflow
from parcours.cases.models import Case
from parcours.cases.services import CasePage
from parcours.customers.models import Customer
from parcours.customers.services import EVERYONE, Visibility

PARIS = ZoneInfo("Europe/Paris")
#: The periods offered, in days back from now; the default one.
PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
#: What a drill-down may be asked for: the figure, and what its value is.
FIGURES = ("channel", "hour", "first_response", "resolution", "backlog", "overdue")


class DashboardError(ValueError):
    """A figure or a value the dashboard does not know; the message says which are known."""


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    days: int


def last_days(days: int, now: datetime) -> Period:
    """The ``days`` days up to ``now``: ``[now - days, now)``; an unknown length is refused."""
    if days not in PERIODS:
        raise DashboardError(
            f"period of {days} days unknown; known: {', '.join(map(str, PERIODS))}"
        )
    return Period(now - timedelta(days=days), now, days)


def paris_offsets(since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """Paris's UTC offset in whole hours over ``[since, until)``: ``[(from, hours), …]``, the
    first from ``since``, a new one at each change of time (found to the hour)."""

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(PARIS).utcoffset()
        assert delta is not None
        return int(delta.total_seconds() // 3600)

    start = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    found = [(since, offset(since))]
    day = start
    while day < until:
        following = min(day + timedelta(days=1), until)
        if offset(following) != found[-1][1]:
            hour = day
            while offset(hour) == found[-1][1]:
                hour += timedelta(hours=1)
            found.append((hour, offset(hour)))
        day = following
    return found


def paris_hour(session: Session, column: Any, period: Period) -> ColumnElement[int]:
    """The hour of the day in Paris of a UTC ``column``, in SQL: PostgreSQL converts itself;
    SQLite, which knows no time zones, is given the offsets of the period."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("hour", func.timezone("Europe/Paris", column)), Integer)
    offsets = paris_offsets(period.since, period.until)
    modifier: Any = literal(f"{offsets[-1][1]:+d} hours")
    if len(offsets) > 1:
        modifier = sql_case(
            *[(column < start, f"{hours:+d} hours")
              for (_, hours), (start, _) in pairwise(offsets)],
            else_=f"{offsets[-1][1]:+d} hours",
        )  # fmt: skip
    return cast(func.strftime("%H", column, modifier), Integer)


SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def _visible(query: SelectT, visibility: Visibility) -> SelectT:
    condition = visibility.condition()
    if condition is None:
        return query
    return query.outerjoin(Customer, Customer.id == Case.customer_id).where(
        or_(Case.customer_id.is_(None), condition)
    )


def _opened_in(period: Period) -> ColumnElement[bool]:
    return and_(Case.created_at >= period.since, Case.created_at < period.until)


def volumes_by_channel(session: Session, period: Period,
                       visibility: Visibility = EVERYONE) -> list[tuple[str, int]]:  # fmt: skip
    """Cases opened in the period per channel, most first."""
    count = func.count(Case.id)
    query = select(Case.channel, count).where(_opened_in(period)).group_by(Case.channel)
    rows = session.execute(_visible(query, visibility)).all()
    return sorted(((channel, int(n)) for channel, n in rows), key=lambda row: (-row[1], row[0]))


def volumes_by_hour(session: Session, period: Period,
                    visibility: Visibility = EVERYONE) -> list[int]:  # fmt: skip
    """Cases opened in the period per hour of the day in Paris: 24 counts, midnight first."""
    hour = paris_hour(session, Case.created_at, period).label("hour")
    query = select(hour, func.count(Case.id)).where(_opened_in(period)).group_by(hour)
    counts = [0] * 24
    for at, n in session.execute(_visible(query, visibility)):
        counts[int(at)] = int(n)
    return counts


@dataclass(frozen=True)
class SlaFigures:
    channel: str
    first_response_met: int
    first_response_decided: int
    resolution_met: int
    resolution_decided: int

    @property
    def first_response_rate(self) -> float | None:
        return _rate(self.first_response_met, self.first_response_decided)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolution_met, self.resolution_decided)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _clock(due: Any, done: Any, now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(decided, met) of one clock: decided once stopped or past due; met if stopped in time."""
    decided = and_(due.is_not(None), or_(done.is_not(None), due < now))
    met = and_(due.is_not(None), done.is_not(None), done <= due)
    return decided, met


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)


def sla_attainment(session: Session, period: Period, now: datetime,
                   visibility: Visibility = EVERYONE) -> list[SlaFigures]:  # fmt: skip
    """Per channel, for the cases opened in the period that had a policy."""
    first_decided, first_met = _clock(Case.first_response_due_at, Case.first_responded_at, now)
    done_decided, done_met = _clock(Case.resolution_due_at, Case.resolved_at, now)
    query = (
        select(Case.channel, _sum(first_met), _sum(first_decided), _sum(done_met),
               _sum(done_decided))
        .where(_opened_in(period), Case.sla_policy_id.is_not(None))
        .group_by(Case.channel)
    )  # fmt: skip
    rows = session.execute(_visible(query, visibility)).all()
    return sorted((SlaFigures(row[0], *map(int, row[1:])) for row in rows),
                  key=lambda figures: figures.channel)  # fmt: skip


@dataclass
class Backlog:
    by_status: list[tuple[str, int]] = field(default_factory=list)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_status)


def backlog(session: Session, now: datetime, visibility: Visibility = EVERYONE) -> Backlog:
    """The active cases now, per status in workflow order, and those past their resolution due
    time."""
    overdue = and_(Case.resolution_due_at.is_not(None), Case.resolution_due_at < now)
    query = (select(Case.status, func.count(Case.id), _sum(overdue))
             .where(Case.status.in_(sorted(workflow.ACTIVE))).group_by(Case.status))  # fmt: skip
    rows = {status: (int(n), int(late)) for status, n, late in
            session.execute(_visible(query, visibility))}  # fmt: skip
    order = [status for status in workflow.STATUSES if status in rows]
    return Backlog([(status, rows[status][0]) for status in order],
                   sum(late for _, late in rows.values()))  # fmt: skip


def _behind(session: Session, figure: str, value: str, period: Period,
            now: datetime) -> ColumnElement[bool]:  # fmt: skip
    """The condition of the cases behind one figure's value (a bar, a point)."""
    if figure == "channel":
        return and_(_opened_in(period), Case.channel == value)
    if figure == "hour":
        if not value.isdigit() or not 0 <= int(value) <= 23:
            raise DashboardError(f"an hour is 0 to 23, not {value!r}")
        return and_(_opened_in(period), paris_hour(session, Case.created_at, period) == int(value))
    if figure in ("first_response", "resolution"):
        if figure == "first_response":
            decided, _ = _clock(Case.first_response_due_at, Case.first_responded_at, now)
        else:
            decided, _ = _clock(Case.resolution_due_at, Case.resolved_at, now)
        return and_(_opened_in(period), Case.sla_policy_id.is_not(None), decided,
                    Case.channel == value)  # fmt: skip
    active = Case.status.in_(sorted(workflow.ACTIVE))
    if figure == "backlog":
        if value not in workflow.ACTIVE:
            raise DashboardError(f"not an active status: {value!r}")
        return Case.status == value
    if figure == "overdue":
        return and_(active, Case.resolution_due_at.is_not(None), Case.resolution_due_at < now)
    raise DashboardError(f"unknown figure {figure!r}; known: {', '.join(FIGURES)}")


def cases_behind(session: Session, figure: str, value: str, period: Period, now: datetime,
                 visibility: Visibility = EVERYONE, *, page: int = 1,
                 page_size: int | None = 50) -> CasePage:  # fmt: skip
    """The cases counted in one figure's value, newest first; ``page_size`` None: all of them
    (the CSV export)."""
    query = _visible(select(Case).where(_behind(session, figure, value, period, now)), visibility)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Case.created_at.desc(), Case.id.desc())
    page = max(page, 1)
    if page_size is not None:
        ordered = ordered.offset((page - 1) * page_size).limit(page_size)
    items = list(session.scalars(ordered))
    return CasePage(total, page, page_size or max(total, 1), items)
