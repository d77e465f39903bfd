"""Use cases of the interactions context: receive interactions, read a customer's timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from parcours.customers.models import Customer
from parcours.interactions import statistics
from parcours.interactions.ingest import InteractionOutcome, record_interactions
from parcours.interactions.models import Interaction
from parcours.interactions.schemas import ContactStatisticsOut, TimelineEntry, TimelinePage
from parcours.interactions.vocabulary import CHANNELS, PHASES, TYPES

MAX_PAGE_SIZE = 200


class TimelineError(ValueError):
    """A filter or page that cannot be applied; the message says why."""


class UnknownCustomer(TimelineError):
    """No such customer, or one merged into another (the message names it)."""


def receive_interactions(
    session: Session, items: Sequence[tuple[int, str, Mapping[str, Any]]], *, region: str
) -> list[InteractionOutcome]:
    return record_interactions(session, items, region=region)


@dataclass(frozen=True)
class TimelineFilter:
    channels: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def check(self) -> None:
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown:
            raise TimelineError(
                f"unknown channel {unknown[0]!r}; channels: {', '.join(sorted(CHANNELS))}"
            )
        wrong = [p for p in self.phases if p not in PHASES]
        if wrong:
            raise TimelineError(f"unknown phase {wrong[0]!r}; phases: {', '.join(PHASES)}")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise TimelineError("give since/until with a time zone offset (e.g. +02:00 or Z)")
        if self.since and self.until and self.since > self.until:
            raise TimelineError("since is after until")

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.channels:
            query = query.where(Interaction.channel.in_(self.channels))
        if self.phases:
            query = query.where(Interaction.phase.in_(self.phases))
        if self.types:
            query = query.where(Interaction.type.in_(self.types))
        if self.since is not None:
            query = query.where(Interaction.occurred_at >= self.since)
        if self.until is not None:
            query = query.where(Interaction.occurred_at < self.until)
        return query


def live_customer(session: Session, customer_id: int) -> int:
    """The customer itself, or an error saying it does not exist or where it was merged."""
    row = session.execute(
        select(Customer.id, Customer.merged_into_id).where(Customer.id == customer_id)
    ).first()
    if row is None:
        raise UnknownCustomer(f"no customer with id {customer_id}")
    if row.merged_into_id is not None:
        raise UnknownCustomer(
            f"customer {customer_id} was merged into customer {row.merged_into_id}: "
            f"use {row.merged_into_id}"
        )
    return customer_id


def entry(interaction: Interaction, language: str = "fr") -> TimelineEntry:
    channel = CHANNELS.get(interaction.channel)
    kind = TYPES.get(interaction.type)
    french = language == "fr"
    return TimelineEntry(
        id=interaction.id,
        occurred_at=interaction.occurred_at,
        channel=interaction.channel,
        channel_label=(channel.label_fr if french else channel.label_en)
        if channel
        else interaction.channel,
        icon=channel.icon if channel else "•",
        network=interaction.network,
        type=interaction.type,
        type_label=(kind.label_fr if french else kind.label_en) if kind else interaction.type,
        direction=interaction.direction,
        initiative=interaction.initiative,
        nature=interaction.nature,
        phase=interaction.phase,
        source=interaction.source,
        external_id=interaction.external_id,
        case_ref=interaction.case_ref,
        agent=interaction.agent,
        duration_seconds=interaction.duration_seconds,
        cost=interaction.cost,
        amount=interaction.amount,
        currency=interaction.currency,
        location=interaction.location,
        payload=interaction.payload,
    )


def timeline(
    session: Session,
    customer_id: int,
    *,
    filters: TimelineFilter | None = None,
    page: int = 1,
    page_size: int = 50,
    language: str = "fr",
) -> TimelinePage:
    """The customer's interactions, newest first (ties by arrival), one page at a time."""
    filters = filters or TimelineFilter()
    filters.check()
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise TimelineError(f"page starts at 1 and page_size is 1 to {MAX_PAGE_SIZE}")
    live_customer(session, customer_id)
    base = filters.apply(select(Interaction).where(Interaction.customer_id == customer_id))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return TimelinePage(
        customer_id=customer_id,
        total=total,
        page=page,
        page_size=page_size,
        items=[entry(row, language) for row in rows],
    )


def _check_period(since: datetime | None, until: datetime | None) -> None:
    TimelineFilter(since=since, until=until).check()


def customer_contact_statistics(
    session: Session,
    customer_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ContactStatisticsOut:
    _check_period(since, until)
    live_customer(session, customer_id)
    figures = statistics.customer_statistics(session, customer_id, since=since, until=until)
    return ContactStatisticsOut.model_validate(figures, from_attributes=True)


def contact_statistics(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> ContactStatisticsOut:
    _check_period(since, until)
    figures = statistics.overall_statistics(session, since=since, until=until)
    return ContactStatisticsOut.model_validate(figures, from_attributes=True)


def interactions_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Interaction)) or 0
