"""Online matching latency: a new record matched against a resolved base, in-process and by HTTP.

Given a base imported and resolved (``parcours import customers`` then ``parcours resolve``; the
script does both on a synthetic French file of N customers unless ``--home`` points at one), each
probe is a new record of a known person without any strong identifier (name typed differently,
birth date, postcode), the hard case that needs the model. We time:

* in-process: ``ingest_batch`` of one record in its own transaction (normalise, identifier lookup,
  blocking-key lookup, scoring, decision, insert), rolled back so the base does not change;
* HTTP: ``POST /api/v1/customers/records`` with one record, against ``parcours serve`` (uvicorn).

    .venv/bin/python bench/online_latency.py --size 100000 --probes 300
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import write_csv  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def parcours(home: Path, *arguments: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    environment["PARCOURS_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "parcours", *arguments], env=environment, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return result.stdout


def probes(path: Path, count: int) -> list[dict[str, str]]:
    """Known people, rewritten without e-mail, phone or card: names in capitals."""
    rows: list[dict[str, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if index % 97 == 0 and row["birth_date"]:
                rows.append(
                    {
                        "first_name": row["first_name"].upper(),
                        "last_name": row["last_name"].upper(),
                        "birth_date": row["birth_date"],
                        "postcode": row["postcode"],
                        "city": row["city"],
                    }
                )
            if len(rows) == count:
                break
    return rows


def in_process(home: Path, records: list[dict[str, str]]) -> tuple[list[float], dict[str, int]]:
    os.environ["PARCOURS_HOME"] = str(home)
    from parcours.config import get_settings
    from parcours.customers.ingest import IncomingRecord, MatchSettings, ingest_batch
    from parcours.db import Database, ensure_database_ready

    settings = get_settings()
    database = Database(ensure_database_ready(settings.resolved_database_url))
    match = MatchSettings(
        settings.match_auto_threshold, settings.match_review_threshold, settings.conflict_rules
    )
    timings: list[float] = []
    statuses: dict[str, int] = {}
    for number, fields in enumerate(records):
        with database.sessions() as session:
            transaction = session.begin()
            started = time.perf_counter()
            (outcome,) = ingest_batch(
                session, [IncomingRecord("kiosk", f"P-{number}", fields)], match=match
            )
            timings.append((time.perf_counter() - started) * 1000)
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
            transaction.rollback()
    database.engine.dispose()
    return timings, statuses


def over_http(
    home: Path, records: list[dict[str, str]], port: int = 8765
) -> tuple[list[float], dict[str, int]]:
    token = parcours(home, "tokens", "create", f"bench-{time.time_ns()}").strip()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    environment["PARCOURS_HOME"] = str(home)
    server = subprocess.Popen(
        [sys.executable, "-m", "parcours", "serve", "--port", str(port)], env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    timings: list[float] = []
    statuses: dict[str, int] = {}
    run = time.time_ns()  # fresh ids: a record sent again would only be "unchanged"
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for _ in range(100):
                try:
                    client.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            for number, fields in enumerate(records):
                body = {"source": "kiosk-http", "external_id": f"H-{run}-{number}", **fields}
                started = time.perf_counter()
                response = client.post("/api/v1/customers/records", json=body)
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                status = response.json()["results"][0]["status"]
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    return timings, statuses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--home", type=Path, help="an imported and resolved PARCOURS_HOME")
    args = parser.parse_args()
    data = ROOT / "bench" / "out" / f"customers-{args.size}.csv"
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        write_csv(data, args.size, seed=0)
    with tempfile.TemporaryDirectory() as temporary:
        home = args.home or Path(temporary) / "home"
        if args.home is None:
            parcours(home, "db", "upgrade")
            parcours(
                home, "import", "customers", str(data), "--source", "bench", "--id-column", "id"
            )
            print(parcours(home, "resolve").strip())
        records = probes(data, args.probes)
        local, statuses = in_process(home, records)
        remote, remote_statuses = over_http(home, records)
    print(
        f"base: {args.size:,} synthetic customers; {len(records)} probes; "
        f"outcomes in-process {statuses}, over HTTP {remote_statuses}"
    )
    print("| path | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|")
    for name, values in (("in-process", local), ("HTTP POST /api/v1/customers/records", remote)):
        print(
            f"| {name} | {percentile(values, 0.5):.1f} | {percentile(values, 0.99):.1f} "
            f"| {statistics.mean(values):.1f} |"
        )


if __name__ == "__main__":
    main()
