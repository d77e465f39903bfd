"""Benchmark: importing synthetic French customers into SQLite and PostgreSQL.

For each size and store, ``parcours import customers`` runs in a child process on a fresh database;
we record wall time, records per second and the child's peak RSS (from ``wait4``). The anchor,
measured in the same run on the same file and store, is a plain bulk load of the raw rows into one
table (``executemany`` on SQLite, ``COPY`` on PostgreSQL): the cost of storing the bytes with no
normalisation, matching or survivorship. The ratio says what Parcours's work costs on top of it.

    .venv/bin/python bench/import_customers.py                 # 100k ×3 and 1M ×1, both stores
    .venv/bin/python bench/import_customers.py --sizes 100000 --repeat 5 --stores sqlite
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.pg_cluster import PostgresCluster  # noqa: E402

from parcours.migrations.runner import upgrade  # noqa: E402
from synthetic import write_csv  # noqa: E402

COLUMNS = ("id", "first_name", "last_name", "email", "phone", "birth_date", "street", "postcode",
           "city", "loyalty_card")  # fmt: skip


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float


def run_child(command: list[str], environment: dict[str, str]) -> Run:
    """Run a command; its wall time and peak resident memory (this child only)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


def parcours_import(path: Path, url: str) -> Run:
    environment = {**os.environ, "PARCOURS_DATABASE_URL": url}
    command = [sys.executable, "-m", "parcours", "import", "customers", str(path),
               "--source", "bench", "--id-column", "id"]  # fmt: skip
    return run_child(command, environment)


def anchor_sqlite(path: Path, database: Path) -> Run:
    script = f"""
import csv, sqlite3
connection = sqlite3.connect({str(database)!r})
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE raw ({", ".join(c + " TEXT" for c in COLUMNS)})")
with open({str(path)!r}, newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    connection.executemany("INSERT INTO raw VALUES ({", ".join("?" * len(COLUMNS))})", rows)
connection.commit()
"""
    return run_child([sys.executable, "-c", script], dict(os.environ))


def anchor_postgres(path: Path, dsn: str) -> Run:
    script = f"""
import psycopg
with psycopg.connect({dsn!r}) as connection:
    connection.execute("CREATE TABLE raw ({", ".join(c + " TEXT" for c in COLUMNS)})")
    with connection.cursor() as cursor, open({str(path)!r}, "rb") as handle:
        with cursor.copy("COPY raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
"""
    return run_child([sys.executable, "-c", script], dict(os.environ))


def fresh_sqlite(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 1M (1M: once)")
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)

    cluster = PostgresCluster.start() if "postgres" in args.stores else None
    rows: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as temporary:
            workdir = Path(temporary)
            for size in args.sizes:
                path = args.data / f"customers-{size}.csv"
                if not path.exists():
                    print(f"generating {path}", flush=True)
                    write_csv(path, size, seed=0)
                repeat = 1 if size >= 1_000_000 else args.repeat
                for store in args.stores:
                    ours: list[Run] = []
                    anchor: list[Run] = []
                    for attempt in range(repeat):
                        if store == "sqlite":
                            ours.append(parcours_import(path, fresh_sqlite(workdir, f"p{attempt}")))
                            anchor_db = workdir / f"anchor{attempt}.db"
                            anchor_db.unlink(missing_ok=True)
                            anchor.append(anchor_sqlite(path, anchor_db))
                        else:
                            assert cluster is not None
                            name = f"bench_{size}_{attempt}"
                            url = cluster.create_database(name)
                            upgrade(url)
                            ours.append(parcours_import(path, url))
                            cluster.create_database(f"anchor_{size}_{attempt}")
                            anchor.append(
                                anchor_postgres(path, cluster.dsn(f"anchor_{size}_{attempt}"))
                            )
                        print(f"{store} {size}: parcours {ours[-1].seconds:.1f}s "
                              f"anchor {anchor[-1].seconds:.1f}s", flush=True)  # fmt: skip
                    seconds = statistics.median(run.seconds for run in ours)
                    anchor_seconds = statistics.median(run.seconds for run in anchor)
                    rss = max(run.peak_rss_mb for run in ours)
                    ratio = seconds / anchor_seconds
                    rows.append(
                        f"| {store} | {size:,} | {repeat} | {seconds:.1f} | {size / seconds:,.0f} "
                        f"| {rss:.0f} | {size / anchor_seconds:,.0f} | {ratio:.1f}× |"
                    )
    finally:
        if cluster is not None:
            cluster.stop()
    header = (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}\n\n"
        "| store | records | runs | median s | records/s | peak RSS MB "
        "| anchor records/s | ratio |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
