"""Benchmark: contact statistics over many interactions (target: 10M in ≤ 1 s), on SQLite.

A fresh migrated SQLite database gets ``--rows`` interactions written straight into the table
(plain ``executemany``: this measures the statistics, not the import; the migration that adds the
contact summaries then fills them, as on an existing database), spread over 12 channels,
two natures, two directions, 100,000 customers (10 % anonymous) and two years; then
``overall_statistics`` over the whole period and over one month, and ``customer_statistics`` of
one customer, each called ``--calls`` times: median and maximum.

    .venv/bin/python bench/contact_stats.py --rows 10000000
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CHANNELS = ("store", "web", "app", "phone", "email", "sms", "chat", "social", "marketplace",
            "kiosk", "mail", "field")  # fmt: skip


def fill(path: Path, rows: int, customers: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.executemany(
        "INSERT INTO customers (id, kind, stage, attributes, search_name, created_at, updated_at)"
        " VALUES (?, 'person', 'customer', '{}', '', '2025-01-01 00:00:00', "
        "'2025-01-01 00:00:00')",
        ((k,) for k in range(1, customers + 1)),
    )
    generator = random.Random(0)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = []
    for number in range(rows):
        moment = start + timedelta(seconds=generator.randrange(2 * 365 * 86400))
        customer = generator.randrange(1, customers + 1) if generator.random() > 0.1 else None
        channel = CHANNELS[number % len(CHANNELS)]
        batch.append((
            "bench", f"S{number}", moment.strftime("%Y-%m-%d %H:%M:%S.%f"), channel,
            "inbound" if number % 3 else "outbound", "pull" if number % 3 else "push",
            "transactional" if number % 7 == 0 else "informative", "page_view", "before", 0,
            customer, "1.5" if channel == "phone" else None, "{}", "x",
            "2025-01-01 00:00:00.000000",
        ))  # fmt: skip
        if len(batch) == 100_000:
            connection.executemany(INSERT, batch)
            connection.commit()
            batch.clear()
    connection.executemany(INSERT, batch)
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


#: The revision before the contact summaries: the interactions are written there, then the
#: migration to the head fills the summaries from them (as it does for an existing database).
BEFORE_SUMMARIES = "8df7d28f42bd"

INSERT = (
    "INSERT INTO interactions (source, external_id, occurred_at, channel, direction, initiative,"
    " nature, type, phase, phase_given, customer_id, cost, payload, content_hash, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def timings(call: object, calls: int) -> tuple[float, float]:
    values = []
    for _ in range(calls):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        values.append(time.perf_counter() - started)
    return statistics.median(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument(
        "--home", type=Path, help="keep the filled database here and reuse it on the next run"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        home = args.home or Path(temporary)
        os.environ["PARCOURS_HOME"] = str(home)
        from parcours.config import get_settings
        from parcours.db import Database, create_db_engine
        from parcours.interactions.statistics import customer_statistics, overall_statistics
        from parcours.migrations.runner import upgrade

        url = get_settings().resolved_database_url
        if not (home / "parcours.db").exists():
            create_db_engine(url, create_dirs=True).dispose()
            upgrade(url, BEFORE_SUMMARIES)
            started = time.perf_counter()
            fill(home / "parcours.db", args.rows, args.customers)
            print(f"{args.rows:,} interactions written in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        upgrade(url)
        print(f"summaries filled by the migration in {time.perf_counter() - started:.0f} s")
        database = Database(create_db_engine(url))
        month = (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
        ragged = (datetime(2025, 3, 15, 9, tzinfo=UTC), datetime(2025, 6, 15, 18, tzinfo=UTC))
        with database.sessions() as session:
            results = {
                "overall, two years": timings(lambda: overall_statistics(session), args.calls),
                "overall, one month": timings(
                    lambda: overall_statistics(session, since=month[0], until=month[1]),
                    args.calls,
                ),
                "overall, 15 March to 15 June": timings(
                    lambda: overall_statistics(session, since=ragged[0], until=ragged[1]),
                    args.calls,
                ),
                "one customer": timings(lambda: customer_statistics(session, 42), args.calls),
            }
    print("| statistics | median s | max s |")
    print("|---|---|---|")
    for name, (median, worst) in results.items():
        print(f"| {name} over {args.rows:,} interactions | {median:.2f} | {worst:.2f} |")


if __name__ == "__main__":
    main()
