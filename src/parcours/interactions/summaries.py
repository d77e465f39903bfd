"""Contact summaries kept in step with the interactions, so that overall contact statistics over
millions of interactions read thousands of rows instead (``contact_days``,
``customer_contact_months``; see :mod:`parcours.interactions.statistics`).

Every change to the interactions goes through the same arithmetic: a :class:`Tally` of what the
change adds (a new interaction, the new version of one) and removes (the old version, the old
customer of a reattributed one), applied by :func:`apply` in the same transaction. The summaries
are therefore exact at every commit; ``tests/integration/test_contact_summaries.py`` checks them
against a count of the interactions themselves after inserts, new versions, stitching, merges and
unmerges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, select
from sqlalchemy.orm import Session

from parcours.customers.profiles import chunks
from parcours.customers.storage import adding, insert_converted
from parcours.interactions.models import CONTACT_DAYS, CUSTOMER_CONTACT_MONTHS, INTERACTIONS

COST_EXPONENT = 4  # cost is Numeric(12, 4)
AMOUNT_EXPONENT = 2  # amount is Numeric(14, 2)

DayKey = tuple[date, str, str, str]
MonthKey = tuple[int, date]


def units(value: Decimal | float | str | None, exponent: int) -> int:
    """A money value as an integer count of its smallest unit (exact sums on every store)."""
    if value is None:
        return 0
    return int(Decimal(str(value)).scaleb(exponent).to_integral_value())


def month_of(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


@dataclass
class Tally:
    """Changes to the summaries, accumulated in memory and written once per batch."""

    days: dict[DayKey, list[int]] = field(default_factory=dict)
    months: dict[MonthKey, int] = field(default_factory=dict)

    def count(self, row: Any, sign: int = 1) -> None:
        """Count (``sign=1``) or take back (``sign=-1``) one interaction. ``row`` has the
        attributes or keys ``occurred_at``, ``channel``, ``nature``, ``direction``, ``cost``,
        ``amount`` and ``customer_id`` (an ORM row, a Core row or a dict)."""
        get: Callable[[str], Any] = (
            row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        )
        occurred_at: datetime = get("occurred_at").astimezone(UTC)
        key = (occurred_at.date(), get("channel"), get("nature"), get("direction"))
        figures = self.days.setdefault(key, [0, 0, 0])
        figures[0] += sign
        figures[1] += sign * units(get("cost"), COST_EXPONENT)
        figures[2] += sign * units(get("amount"), AMOUNT_EXPONENT)
        self.move(occurred_at, None, get("customer_id"), sign)

    def move(self, occurred_at: datetime, old: int | None, new: int | None, times: int = 1) -> None:
        """An interaction of that moment changing customers (``None``: anonymous)."""
        month = month_of(occurred_at.astimezone(UTC))
        if old is not None:
            self.months[(old, month)] = self.months.get((old, month), 0) - times
        if new is not None:
            self.months[(new, month)] = self.months.get((new, month), 0) + times


_COLUMNS = ("occurred_at", "channel", "nature", "direction", "cost", "amount", "customer_id")


def count_stored(session: Session, interaction_ids: Sequence[int], tally: Tally, sign: int) -> None:
    """Count (or take back) interactions as they are stored now."""
    columns = [INTERACTIONS.c[name] for name in _COLUMNS]
    for chunk in chunks(sorted(interaction_ids)):
        for row in session.execute(select(*columns).where(INTERACTIONS.c.id.in_(chunk))):
            tally.count(row, sign)


_DAY_COLUMNS = ("day", "channel", "nature", "direction", "contacts", "cost_units", "amount_cents")
_MONTH_COLUMNS = ("customer_id", "month", "contacts")


def apply(session: Session, tally: Tally) -> None:
    """Write a tally into the summaries (keys in order: concurrent writers on PostgreSQL lock
    the same rows in the same order), then drop the rows it brought to zero. Through the
    driver's ``executemany``: a batch of scattered interactions touches about as many summary
    rows as it has interactions."""
    days = [(*key, *figures) for key, figures in sorted(tally.days.items()) if any(figures)]
    months = [(*key, contacts) for key, contacts in sorted(tally.months.items()) if contacts]
    _write(session, CONTACT_DAYS, _DAY_COLUMNS, days, counters=3)
    _write(session, CUSTOMER_CONTACT_MONTHS, _MONTH_COLUMNS, months, counters=1)


def _write(
    session: Session,
    table: Table,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    counters: int,
) -> None:
    """Add the rows' counters (the last ``counters`` columns; the first is the contacts) to the
    stored ones, then drop the rows brought to zero contacts."""
    added = columns[-counters:]
    insert_converted(session, table, columns, rows, on_conflict=adding(table, added))
    emptied = [row for row in rows if row[-counters] < 0]
    if emptied:
        keys = [column.name for column in table.primary_key.columns]
        session.execute(
            delete(table).where(
                and_(*(table.c[key] == bindparam(f"k_{key}") for key in keys)),
                table.c.contacts == 0,
            ),
            [{f"k_{key}": value for key, value in zip(keys, row, strict=False)}
             for row in emptied],
        )  # fmt: skip
