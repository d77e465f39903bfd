"""The contact summaries stay exact: after every kind of change to the interactions (new ones, new
versions, anonymous ones stitched at a login, merges, unmerges), overall contact statistics read
from the summaries equal the same figures counted here, in Python, from every interaction."""

from __future__ import annotations

import statistics as stats
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from parcours.customers.merging import merge_customers, unmerge
from parcours.db import Database, create_db_engine
from parcours.interactions.models import (
    CONTACT_DAYS,
    CUSTOMER_CONTACT_MONTHS,
    INTERACTIONS,
    Interaction,
)
from parcours.interactions.statistics import overall_statistics
from parcours.migrations.runner import upgrade
from tests.integration.test_interactions import (
    CLAIRE,
    CLAIRE_WEB,
    YANN,
    event,
    given_customers,
    send,
)
from tests.migrated import STORES, database_at


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


PERIODS: dict[str, tuple[datetime | None, datetime | None]] = {
    "everything": (None, None),
    "whole months": (moment("2026-04-01T00:00:00+00:00"), moment("2026-06-01T00:00:00+00:00")),
    "ragged ends": (moment("2026-04-30T21:30:00+02:00"), moment("2026-05-31T12:00:00+00:00")),
    "inside a day": (moment("2026-05-02T08:00:00+00:00"), moment("2026-05-02T20:00:00+00:00")),
    "from a moment on": (moment("2026-05-02T09:00:00+00:00"), None),
    "until a moment": (None, moment("2026-05-02T09:00:00+00:00")),
}


def counted_from_interactions(
    db: Database, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """The figures the summaries must give, counted row by row."""
    with db.sessions() as session:
        rows = [
            row
            for row in session.execute(select(Interaction)).scalars()
            if (since is None or row.occurred_at >= since)
            and (until is None or row.occurred_at < until)
        ]
    channels: dict[str, list[Any]] = {}
    for row in rows:
        figures = channels.setdefault(row.channel, [0, 0, 0, 0, 0, Decimal(0), Decimal(0)])
        figures[0] += 1
        figures[1 if row.nature == "informative" else 2] += 1
        figures[3 if row.direction == "inbound" else 4] += 1
        figures[5] += row.cost or 0
        figures[6] += row.amount or 0
    per_customer = Counter(row.customer_id for row in rows if row.customer_id is not None)
    return {
        "by_channel": sorted(
            ((channel, *figures) for channel, figures in channels.items()),
            key=lambda f: (-f[1], f[0]),
        ),
        "first_last": (
            min((row.occurred_at for row in rows), default=None),
            max((row.occurred_at for row in rows), default=None),
        ),
        "customers": len(per_customer),
        "median": stats.median(per_customer.values()) if per_customer else None,
        "anonymous": sum(1 for row in rows if row.customer_id is None),
    }


def from_summaries(db: Database, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    with db.sessions() as session:
        figures = overall_statistics(session, since=since, until=until)
    return {
        "by_channel": [
            (
                f.channel,
                f.contacts,
                f.informative,
                f.transactional,
                f.inbound,
                f.outbound,
                f.cost,
                f.amount,
            )
            for f in figures.by_channel
        ],
        "first_last": (figures.first_contact, figures.last_contact),
        "customers": figures.customers,
        "median": figures.contacts_per_customer_median,
        "anonymous": figures.anonymous_contacts,
    }


def assert_summaries_exact(db: Database) -> None:
    for name, (since, until) in PERIODS.items():
        assert from_summaries(db, since, until) == counted_from_interactions(db, since, until), name
    # Rows taken back to nothing are dropped, not kept at zero.
    with db.sessions() as session:
        for table in (CONTACT_DAYS, CUSTOMER_CONTACT_MONTHS):
            assert session.execute(select(table).where(table.c.contacts <= 0)).all() == []


def test_summaries_follow_new_interactions_new_versions_stitching_merges_and_unmerges(
    db: Database,
):
    customers = given_customers(db, CLAIRE, CLAIRE_WEB, YANN)
    claire = {"email": "claire.legoff@exemple.fr"}
    # Given interactions on several channels and days, one a few minutes after midnight in
    # Paris (still the day before in UTC), with costs and amounts.
    send(
        db,
        event("w1", "2026-04-30T23:50:00+02:00", identifiers=claire),
        event("w2", "2026-05-01T00:10:00+02:00", identifiers={"cookie": "c-42"}),
        event("call", "2026-05-02T08:30:00Z", channel="phone", type="call", cost="3.1234",
              identifiers=claire),
        event("buy", "2026-05-02T15:00:00Z", channel="store", type="purchase", amount="890.10",
              identifiers={"email": "yann.prigent@exemple.fr"}),
        event("out", "2026-05-31T18:00:00Z", channel="email", type="email_sent",
              direction="outbound", cost="0.0015", identifiers={"cookie": "c-42"}),
        event("old", "2026-03-15T10:00:00Z", identifiers=claire),
    )  # fmt: skip
    assert_summaries_exact(db)

    # When an interaction comes again changed (another channel, day, cost and customer)…
    send(db, event("call", "2026-05-03T09:00:00Z", channel="chat", type="message", cost="0.20",
                   identifiers={"email": "yann.prigent@exemple.fr"}))  # fmt: skip
    assert_summaries_exact(db)

    # …when the anonymous cookie is tied to Claire at a web login…
    send(db, event("login", "2026-05-20T10:00:00Z", type="login",
                   identifiers={**claire, "cookie": "c-42"}))  # fmt: skip
    assert_summaries_exact(db)

    # …when her web record is merged in, and the merge is undone.
    send(db, event("web-1", "2026-05-21T10:00:00Z",
                   identifiers={"email": "claire.lg@exemple.fr"}))  # fmt: skip
    with db.transaction(write=True) as session:
        merge = merge_customers(session, [customers["MAG-1"], customers["WEB-1"]], decided_by="t")
    assert_summaries_exact(db)
    with db.transaction(write=True) as session:
        unmerge(session, merge.id, decided_by="t")
    assert_summaries_exact(db)


@pytest.fixture(params=STORES)
def database_before_summaries(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated up to the revision before the contact summaries."""
    yield from database_at(request, tmp_path, "8df7d28f42bd")


def test_the_migration_fills_the_summaries_from_the_interactions_already_stored(
    database_before_summaries: str,
):
    # Given interactions stored before the summaries existed (one anonymous, one a minute
    # before midnight UTC, costs with four decimals)…
    engine = create_db_engine(database_before_summaries)
    rows = [
        ("a", "2026-05-01T23:59:00+00:00", "web", "inbound", None, None, 1),
        ("b", "2026-05-02T00:01:00+00:00", "web", "inbound", None, None, 1),
        ("c", "2026-05-02T10:00:00+00:00", "phone", "outbound", "1.2345", None, 1),
        ("d", "2026-06-02T10:00:00+00:00", "store", "inbound", None, "19.99", None),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(INTERACTIONS.metadata.tables["customers"]),
            [{"id": 1, "kind": "person", "stage": "customer", "attributes": {},
              "search_name": "", "created_at": datetime.now(UTC),
              "updated_at": datetime.now(UTC)}],
        )  # fmt: skip
        connection.execute(
            insert(INTERACTIONS),
            [{"source": "s", "external_id": external_id, "occurred_at": moment(when),
              "channel": channel, "direction": direction, "initiative": "pull",
              "nature": "informative", "type": "page_view", "phase": "before",
              "phase_given": False, "customer_id": customer, "cost": cost, "amount": amount,
              "payload": {}, "content_hash": external_id, "received_at": datetime.now(UTC)}
             for external_id, when, channel, direction, cost, amount, customer in rows],
        )  # fmt: skip
    engine.dispose()

    # …when the database is migrated…
    upgrade(database_before_summaries)

    # …the summaries hold them, by UTC day and month, costs and amounts in exact units.
    engine = create_db_engine(database_before_summaries)
    with engine.connect() as connection:
        days = connection.execute(
            select(CONTACT_DAYS).order_by(CONTACT_DAYS.c.day, CONTACT_DAYS.c.channel)
        ).all()
        months = connection.execute(
            select(CUSTOMER_CONTACT_MONTHS).order_by(CUSTOMER_CONTACT_MONTHS.c.month)
        ).all()
    engine.dispose()
    assert [tuple(row) for row in days] == [
        (moment("2026-05-01").date(), "web", "informative", "inbound", 1, 0, 0),
        (moment("2026-05-02").date(), "phone", "informative", "outbound", 1, 12345, 0),
        (moment("2026-05-02").date(), "web", "informative", "inbound", 1, 0, 0),
        (moment("2026-06-02").date(), "store", "informative", "inbound", 1, 0, 1999),
    ]
    assert [tuple(row) for row in months] == [(1, moment("2026-05-01").date(), 3)]
