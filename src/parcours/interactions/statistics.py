"""Contact statistics, per customer (SQL aggregates over the customer's interactions) and overall
(from the contact summaries of :mod:`parcours.interactions.summaries`, exact at every commit):

* contacts by channel and nature (informative / transactional) over a period, and their cost;
* first and last contact;
* the channel preference ("appétence") shown by behaviour: the channel of most contacts the
  customer started (pull) over the period, ties going to the most recent; none without any;
* overall, contacts per identified customer (mean, median) and the share that stays anonymous.

The period is ``[since, until)``; both optional.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from parcours.interactions.models import ContactDay, CustomerContactMonth, Interaction
from parcours.interactions.summaries import AMOUNT_EXPONENT, COST_EXPONENT, month_of


@dataclass
class ChannelFigures:
    channel: str
    contacts: int = 0
    informative: int = 0
    transactional: int = 0
    inbound: int = 0
    outbound: int = 0
    cost: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


@dataclass
class ContactStatistics:
    contacts: int = 0
    by_channel: list[ChannelFigures] = field(default_factory=list)
    cost: Decimal = Decimal(0)
    first_contact: datetime | None = None
    last_contact: datetime | None = None
    preferred_channel: str | None = None
    #: Overall only: identified customers with at least one contact, and how many each.
    customers: int | None = None
    contacts_per_customer_mean: float | None = None
    contacts_per_customer_median: float | None = None
    anonymous_contacts: int | None = None


SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])

#: One group of contacts: channel, nature, direction, count, cost, amount.
Group = tuple[str, str, str, int, Decimal, Decimal]


def _period(query: SelectT, since: datetime | None, until: datetime | None) -> SelectT:
    if since is not None:
        query = query.where(Interaction.occurred_at >= since)
    if until is not None:
        query = query.where(Interaction.occurred_at < until)
    return query


def _raw_groups(
    session: Session, customer_id: int | None, since: datetime | None, until: datetime | None
) -> list[Group]:
    query = select(
        Interaction.channel,
        Interaction.nature,
        Interaction.direction,
        func.count(),
        func.sum(Interaction.cost),
        func.sum(Interaction.amount),
    ).group_by(Interaction.channel, Interaction.nature, Interaction.direction)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    return [
        (channel, nature, direction, count, Decimal(cost or 0), Decimal(amount or 0))
        for channel, nature, direction, count, cost, amount in session.execute(
            _period(query, since, until)
        )
    ]


def _summary_groups(session: Session, first: date | None, end: date | None) -> list[Group]:
    """Groups of the whole days ``[first, end)`` from the day summaries."""
    query = select(
        ContactDay.channel,
        ContactDay.nature,
        ContactDay.direction,
        func.sum(ContactDay.contacts),
        func.sum(ContactDay.cost_units),
        func.sum(ContactDay.amount_cents),
    ).group_by(ContactDay.channel, ContactDay.nature, ContactDay.direction)
    if first is not None:
        query = query.where(ContactDay.day >= first)
    if end is not None:
        query = query.where(ContactDay.day < end)
    return [
        (channel, nature, direction, int(count), Decimal(int(cost)).scaleb(-COST_EXPONENT),
         Decimal(int(amount)).scaleb(-AMOUNT_EXPONENT))
        for channel, nature, direction, count, cost, amount in session.execute(query)
    ]  # fmt: skip


def _bounds(
    session: Session, customer_id: int | None, since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """First and last contact of the period (two index seeks)."""
    query = select(Interaction.occurred_at)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    query = _period(query, since, until)
    first = session.scalar(query.order_by(Interaction.occurred_at).limit(1))
    last = session.scalar(query.order_by(Interaction.occurred_at.desc()).limit(1))
    return first, last


def _statistics(groups: list[Group]) -> ContactStatistics:
    statistics = ContactStatistics()
    channels: dict[str, ChannelFigures] = {}
    for channel, nature, direction, count, cost, amount in groups:
        figures = channels.setdefault(channel, ChannelFigures(channel))
        figures.contacts += count
        setattr(figures, nature, getattr(figures, nature) + count)
        setattr(figures, direction, getattr(figures, direction) + count)
        figures.cost += cost
        figures.amount += amount
    statistics.by_channel = sorted(channels.values(), key=lambda f: (-f.contacts, f.channel))
    statistics.contacts = sum(f.contacts for f in statistics.by_channel)
    statistics.cost = sum((f.cost for f in statistics.by_channel), Decimal(0))
    return statistics


def customer_statistics(
    session: Session,
    customer_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ContactStatistics:
    """One customer's figures, from their interactions (by the customer index)."""
    statistics = _statistics(_raw_groups(session, customer_id, since, until))
    statistics.first_contact, statistics.last_contact = _bounds(session, customer_id, since, until)
    preference = _period(
        select(Interaction.channel, func.count(), func.max(Interaction.occurred_at))
        .where(Interaction.customer_id == customer_id, Interaction.initiative == "pull")
        .group_by(Interaction.channel),
        since,
        until,
    )
    ranked = sorted(session.execute(preference), key=lambda row: (-row[1], -row[2].timestamp()))
    statistics.preferred_channel = ranked[0][0] if ranked else None
    return statistics


@dataclass(frozen=True)
class Split:
    """A period cut into whole units (days, months) read from a summary, and the ragged ends
    before and after them, read from the interactions."""

    first: date | None
    end: date | None
    edges: tuple[tuple[datetime | None, datetime | None], ...]


def split(
    since: datetime | None, until: datetime | None, floor: Callable[[datetime], date],
    following: Callable[[date], date],
) -> Split:  # fmt: skip
    """Whole units inside ``[since, until)``: ``floor`` gives the unit a moment falls in,
    ``following`` the next unit. A period inside one unit is all edge."""
    since = since.astimezone(UTC) if since is not None else None
    until = until.astimezone(UTC) if until is not None else None
    first = None
    if since is not None:
        first = floor(since)
        if _start(first) != since:
            first = following(first)
    end = floor(until) if until is not None else None
    if first is not None and end is not None and first >= end:
        return Split(first, first, ((since, until),))
    edges = []
    if first is not None and since is not None and _start(first) != since:
        edges.append((since, _start(first)))
    if end is not None and until is not None and _start(end) != until:
        edges.append((_start(end), until))
    return Split(first, end, tuple(edges))


def _start(unit: date) -> datetime:
    return datetime(unit.year, unit.month, unit.day, tzinfo=UTC)


def _day(moment: datetime) -> date:
    return moment.date()


def _next_day(day: date) -> date:
    return day + timedelta(days=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _contacts_per_customer(
    session: Session, since: datetime | None, until: datetime | None
) -> list[int]:
    """Contacts of each identified customer over the period: whole months from the monthly
    summary, the ragged ends from the interactions."""
    months = split(since, until, month_of, _next_month)
    query = select(
        CustomerContactMonth.customer_id, func.sum(CustomerContactMonth.contacts)
    ).group_by(CustomerContactMonth.customer_id)
    if months.first is not None:
        query = query.where(CustomerContactMonth.month >= months.first)
    if months.end is not None:
        query = query.where(CustomerContactMonth.month < months.end)
    if months.first is not None and months.first == months.end:
        rows: list[tuple[int, int]] = []
    else:
        rows = [(customer, int(count)) for customer, count in session.execute(query)]
    if not months.edges:
        return [count for _, count in rows if count]
    counts = Counter(dict(rows))
    for since_edge, until_edge in months.edges:
        # Counted here rather than by GROUP BY: the index on (occurred_at, customer_id) hands
        # the rows over in time order, and sorting them by customer in SQLite costs 3× more.
        edge = _period(
            select(Interaction.customer_id).where(Interaction.customer_id.is_not(None)),
            since_edge,
            until_edge,
        )
        counts.update(session.scalars(edge))
    return [count for count in counts.values() if count]


def overall_statistics(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> ContactStatistics:
    """Everyone's figures over the period: whole days from ``contact_days``, whole months from
    ``customer_contact_months``, only the ragged ends from the interactions themselves (a
    period of whole months reads no interaction but the first and the last)."""
    days = split(since, until, _day, _next_day)
    groups = [] if days.first is not None and days.first == days.end else (
        _summary_groups(session, days.first, days.end)
    )  # fmt: skip
    for since_edge, until_edge in days.edges:
        groups += _raw_groups(session, None, since_edge, until_edge)
    statistics = _statistics(groups)
    statistics.first_contact, statistics.last_contact = _bounds(session, None, since, until)
    counts = sorted(_contacts_per_customer(session, since, until))
    statistics.customers = len(counts)
    if counts:
        statistics.contacts_per_customer_mean = sum(counts) / len(counts)
        middle = len(counts) // 2
        statistics.contacts_per_customer_median = (
            float(counts[middle]) if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
        )
    statistics.anonymous_contacts = statistics.contacts - sum(counts)
    return statistics
