"""Benchmark: interaction ingestion (file and HTTP) and the timeline's first page, on SQLite.

One run, on a fresh ``PARCOURS_HOME``:

1. ``parcours import customers`` of ``--customers`` synthetic French customers (not timed);
2. **bulk import**: ``parcours import interactions`` of ``--interactions`` generated interactions
   (JSONL; 70 % carry a known e-mail, 30 % only a cookie; one customer gets ``--heavy`` of them),
   in a child process: interactions/s and peak RSS (``wait4``). The anchor, in the same run, is a
   plain ``executemany`` of the same lines as JSON text into a one-column SQLite table;
3. **HTTP**: ``parcours serve --workers 2``, then two client threads post fresh interactions in
   batches of ``--batch`` to ``POST /api/v1/interactions``: interactions/s over the whole run,
   set against RudderStack's published 1,700 events/s on 2 cores;
4. **timeline**: the first page (50) of the heavy customer's timeline, in-process, median and p95
   of 50 calls.

    .venv/bin/python bench/ingest.py
    .venv/bin/python bench/ingest.py --interactions 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import write_csv  # noqa: E402

RUDDERSTACK_EVENTS_PER_SECOND = 1_700
CHANNEL_TYPES = (("web", "page_view"), ("web", "product_view"), ("store", "store_visit"),
                 ("store", "purchase"), ("phone", "call"), ("email", "email_open"),
                 ("app", "product_view"), ("sms", "sms_sent"))  # fmt: skip


def environment(home: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    values["PARCOURS_HOME"] = str(home)
    return values


def parcours(home: Path, *arguments: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "parcours", *arguments], env=environment(home), check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip


def emails_of(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
        column = header.index("email")
        return [line.split(",")[column] for line in handle if line.split(",")[column]]


def interaction(number: int, prefix: str, identifiers: dict[str, str], start: datetime,
                generator: random.Random) -> dict[str, object]:  # fmt: skip
    channel, kind = CHANNEL_TYPES[number % len(CHANNEL_TYPES)]
    item: dict[str, object] = {
        "external_id": f"{prefix}{number}",
        "occurred_at": (start + timedelta(seconds=generator.randrange(86400 * 365))).isoformat(),
        "channel": channel,
        "type": kind,
        "identifiers": identifiers,
        "payload": {"page": f"/produit/{number % 500}"},
    }
    if kind == "purchase":
        item["amount"] = generator.choice((49.9, 129.0, 890.0))
    return item


def write_interactions(path: Path, count: int, emails: list[str], heavy: int) -> str:
    """Write the file; returns the heavy customer's e-mail."""
    generator = random.Random(0)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    heavy_email = emails[0]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            if number < heavy:
                identifiers = {"email": heavy_email}
            elif generator.random() < 0.7:
                identifiers = {"email": generator.choice(emails)}
            else:
                identifiers = {"cookie": f"ck-{generator.randrange(count)}"}
            line = interaction(number, "F-", identifiers, start, generator)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return heavy_email


def timed_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def anchor(path: Path, workdir: Path) -> float:
    """Seconds to store the file's lines as plain text rows (no parsing, no lookups)."""
    connection = sqlite3.connect(workdir / "anchor.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE raw (line TEXT)")
    start = time.perf_counter()
    with path.open(encoding="utf-8") as handle:
        batch: list[tuple[str]] = []
        for line in handle:
            batch.append((line,))
            if len(batch) == 5000:
                connection.executemany("INSERT INTO raw VALUES (?)", batch)
                connection.commit()
                batch.clear()
        connection.executemany("INSERT INTO raw VALUES (?)", batch)
        connection.commit()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def over_http(home: Path, emails: list[str], total: int, batch: int, port: int = 8766) -> float:
    token = parcours(home, "tokens", "create", f"bench-{time.time_ns()}").strip()
    server = subprocess.Popen(
        [sys.executable, "-m", "parcours", "serve", "--port", str(port), "--workers", "2"],
        env=environment(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    generator = random.Random(1)
    start_time = datetime(2025, 6, 1, tzinfo=UTC)
    bodies = [
        [
            interaction(
                k * batch + i, "H-", {"email": generator.choice(emails)}, start_time, generator
            )
            for i in range(batch)
        ]
        for k in range(total // batch)
    ]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as probe:
            for _ in range(200):
                try:
                    probe.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)

        def post(share: list[list[dict[str, object]]]) -> None:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=300,
            ) as client:
                for body in share:
                    response = client.post("/api/v1/interactions?source=http", json=body)
                    response.raise_for_status()
                    assert response.json()["recorded"] == len(body)

        threads = [threading.Thread(target=post, args=(bodies[i::2],)) for i in range(2)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def timeline_timings(home: Path, email: str, calls: int = 50) -> list[float]:
    os.environ["PARCOURS_HOME"] = str(home)
    from sqlalchemy import select

    from parcours.config import get_settings
    from parcours.customers.models import Identifier
    from parcours.db import Database, ensure_database_ready
    from parcours.interactions.services import timeline

    database = Database(ensure_database_ready(get_settings().resolved_database_url))
    timings = []
    with database.sessions() as session:
        customer_id = session.scalar(
            select(Identifier.customer_id).where(
                Identifier.kind == "email", Identifier.value == email
            )
        )
        assert customer_id is not None
        for _ in range(calls):
            started = time.perf_counter()
            page = timeline(session, customer_id, page_size=50)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"heavy customer {customer_id}: {page.total:,} interactions")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--heavy", type=int, default=10_000)
    parser.add_argument("--http", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        home = workdir / "home"
        customers = workdir / "customers.csv"
        write_csv(customers, args.customers, seed=3)
        parcours(home, "db", "upgrade")
        parcours(home, "import", "customers", str(customers), "--source", "bench",
                 "--id-column", "id")  # fmt: skip
        emails = emails_of(customers)
        events = workdir / "interactions.jsonl"
        heavy_email = write_interactions(events, args.interactions, emails, args.heavy)
        seconds, rss = timed_child(
            [sys.executable, "-m", "parcours", "import", "interactions", str(events),
             "--source", "bench"],
            environment(home),
        )  # fmt: skip
        raw = anchor(events, workdir)
        http_seconds = over_http(home, emails, args.http, args.batch)
        timings = timeline_timings(home, heavy_email)
    rate = args.interactions / seconds
    http_rate = args.http / http_seconds
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {datetime.now():%Y-%m-%d}\n")  # fmt: skip
    print("| measure | figure | anchor / target |")
    print("|---|---|---|")
    anchor_rate = args.interactions / raw
    print(
        f"| bulk import, {args.interactions:,} interactions (SQLite) | {seconds:.1f} s, "
        f"{rate:,.0f} /s, peak RSS {rss:,.0f} MB | raw lines stored {anchor_rate:,.0f} /s "
        f"({rate / anchor_rate:.2f}×); target ≥ 50,000 /s |"
    )
    print(f"| HTTP, {args.http:,} in batches of {args.batch:,}, 2 workers, 2 clients | "
          f"{http_seconds:.1f} s, {http_rate:,.0f} /s | RudderStack 1,700 /s: "
          f"{http_rate / RUDDERSTACK_EVENTS_PER_SECOND:.1f}×; target ≥ 10,000 /s |")  # fmt: skip
    print(f"| timeline first page, {args.heavy:,} interactions | median "
          f"{statistics.median(timings):.1f} ms, p95 "
          f"{sorted(timings)[int(0.95 * len(timings))]:.1f} ms | target ≤ 50 ms |")  # fmt: skip


if __name__ == "__main__":
    main()
