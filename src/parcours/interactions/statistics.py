"""Contact statistics, per customer and overall, by SQL aggregates over the interactions.

* contacts by channel and nature (informative / transactional) over a period, and their cost;
* first and last contact;
* the channel preference ("appétence") shown by behaviour: the channel of most contacts the
  customer started (pull) over the period, ties going to the most recent; none without any;
* overall, contacts per identified customer (mean, median) and the share that stays anonymous.

The period is ``[since, until)``; both optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from parcours.interactions.models import Interaction


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


def _period(query: SelectT, since: datetime | None, until: datetime | None) -> SelectT:
    if since is not None:
        query = query.where(Interaction.occurred_at >= since)
    if until is not None:
        query = query.where(Interaction.occurred_at < until)
    return query


def _figures(
    session: Session, customer_id: int | None, since: datetime | None, until: datetime | None
) -> ContactStatistics:
    query = select(
        Interaction.channel,
        Interaction.nature,
        Interaction.direction,
        func.count(),
        func.sum(Interaction.cost),
        func.sum(Interaction.amount),
        func.min(Interaction.occurred_at),
        func.max(Interaction.occurred_at),
    ).group_by(Interaction.channel, Interaction.nature, Interaction.direction)
    if customer_id is not None:
        query = query.where(Interaction.customer_id == customer_id)
    statistics = ContactStatistics()
    channels: dict[str, ChannelFigures] = {}
    for channel, nature, direction, count, cost, amount, first, last in session.execute(
        _period(query, since, until)
    ):
        figures = channels.setdefault(channel, ChannelFigures(channel))
        figures.contacts += count
        setattr(figures, nature, getattr(figures, nature) + count)
        setattr(figures, direction, getattr(figures, direction) + count)
        figures.cost += Decimal(cost or 0)
        figures.amount += Decimal(amount or 0)
        statistics.first_contact = min(filter(None, (statistics.first_contact, first)))
        statistics.last_contact = max(filter(None, (statistics.last_contact, last)))
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
    statistics = _figures(session, customer_id, since, until)
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


def overall_statistics(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> ContactStatistics:
    statistics = _figures(session, None, since, until)
    per_customer = _period(
        select(func.count())
        .where(Interaction.customer_id.is_not(None))
        .group_by(Interaction.customer_id),
        since,
        until,
    )
    counts = sorted(count for (count,) in session.execute(per_customer))
    statistics.customers = len(counts)
    if counts:
        statistics.contacts_per_customer_mean = sum(counts) / len(counts)
        middle = len(counts) // 2
        statistics.contacts_per_customer_median = (
            float(counts[middle]) if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
        )
    statistics.anonymous_contacts = statistics.contacts - sum(counts)
    return statistics
