"""Benchmark: batch identity resolution, Parcours against Splink 5 (DuckDB), at the same size.

For each size, on the synthetic French file ``bench/out/customers-N.csv`` (written by
``bench/synthetic.py`` with ``seed=0`` if missing), one after the other, never in parallel:

* **Parcours**, in child processes on a fresh SQLite ``PARCOURS_HOME``: ``parcours db upgrade``,
  ``parcours import customers FILE --source bench --id-column id`` (timed, reported apart), then
  ``parcours resolve``; ``seconds`` is the wall time of ``resolve``, peak RSS is that child's
  (``wait4``). The customers are the distinct ``customer_id`` of the file's source records.
* **Splink 5 (DuckDB)**, in a child process of its own (so its peak RSS is its own): pandas loads
  the CSV and does the cleaning a Splink user would (e-mail lower-cased, phone reduced to its
  national ten digits, not timed); then the model, timed: comparisons Jaro-Winkler with term
  frequencies on ``first_name`` and ``last_name``, ``DateOfBirthComparison`` on ``birth_date``,
  exact ``email`` and ``phone``, exact ``postcode`` and ``city`` with term frequencies,
  Jaro-Winkler ``street``; prediction blocking on ``email``, ``phone``, ``first_name`` +
  ``birth_date``, ``last_name`` + ``postcode``, ``birth_date`` + ``postcode``, ``street`` +
  ``postcode``; λ from deterministic rules (``email``, ``phone``) at recall 0.9, u by random
  sampling (seeded), m by EM blocked on ``first_name`` + ``last_name`` then ``birth_date``;
  ``predict(threshold_match_probability=0.5)``; connected components at 0.95. ``seconds`` is
  training + prediction + clustering, loading excluded.

Records/s is N / seconds. F1 is the pairwise F1 of each tool's grouping against the person number
:func:`synthetic.iter_rows` yields for every row (the truth; the only duplicates are re-appearances
of a person). DuckDB uses every core; Parcours's resolve runs on one. Splink's
``EmailComparison`` is not used: its fuzzy user-name levels rate e-mails like ``gdurand5211@…`` and
``gdurand13175@…`` as near-matches and made 6,058 false pairs at 0.95 on 100k rows (F1 0.78). On
files much smaller than 100k the EM sessions can fail (an m probability underflowing to 0).

    .venv/bin/python bench/resolve.py                         # N = 100000
    .venv/bin/python bench/resolve.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from parcours.customers.matching.clustering import pairwise_quality  # noqa: E402
from synthetic import iter_rows, write_csv  # noqa: E402

U_MAX_PAIRS = 5e6
U_SEED = 0
RECALL = 0.9
PREDICT_THRESHOLD = 0.5
CLUSTER_THRESHOLD = 0.95


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float


def run_child(command: list[str], environment: dict[str, str], stdout: Path | None = None) -> Run:
    """Run a command; its wall time and peak resident memory (this child only)."""
    with open(stdout or os.devnull, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


def truth_labels(n: int) -> tuple[list[str], np.ndarray]:
    """Row ids and the person number of every row of ``customers-n.csv``."""
    ids, people = [], []
    for row in iter_rows(n, seed=0):
        ids.append(row[0])
        people.append(row[-1])
    return ids, np.asarray(people, dtype=np.int64)


def labels_in_order(cluster_of: dict[str, int | str], ids: list[str]) -> np.ndarray:
    codes: dict[int | str, int] = {}
    return np.asarray([codes.setdefault(cluster_of[i], len(codes)) for i in ids], dtype=np.int64)


def parcours(path: Path, workdir: Path) -> dict[str, object]:
    home = workdir / "parcours"
    home.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "PARCOURS_DATABASE_URL"}
    environment["PARCOURS_HOME"] = str(home)
    cli = [sys.executable, "-m", "parcours"]
    run_child([*cli, "db", "upgrade"], environment)
    imported = run_child(
        [*cli, "import", "customers", str(path), "--source", "bench", "--id-column", "id"],
        environment,
    )
    log = workdir / "resolve.log"
    resolved = run_child([*cli, "resolve"], environment, stdout=log)
    with sqlite3.connect(home / "parcours.db") as connection:
        rows = connection.execute(
            "SELECT external_id, customer_id FROM source_records WHERE source = 'bench'"
        ).fetchall()
    return {
        "seconds": resolved.seconds,
        "peak_rss_mb": resolved.peak_rss_mb,
        "import_seconds": imported.seconds,
        "import_rss_mb": imported.peak_rss_mb,
        "clusters": dict(rows),
        "summary": " ".join(log.read_text(encoding="utf-8").split()),
    }


def splink(path: Path, workdir: Path) -> dict[str, object]:
    out = workdir / "splink.json"
    run = run_child([sys.executable, __file__, "--splink-child", str(path), str(out)], os.environ)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["peak_rss_mb"] = run.peak_rss_mb
    return result


def splink_child(path: Path, out: Path) -> None:
    """The Splink run, in its own process; writes timings and clusters as JSON to ``out``."""
    import logging

    import duckdb
    import pandas as pd
    import splink as splink_package
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    frame["email"] = frame["email"].str.lower()
    digits = frame["phone"].str.replace(r"\D", "", regex=True)
    frame["phone"] = digits.str.replace(r"^(?:0033|33)", "0", regex=True)
    frame = frame.drop(columns=["loyalty_card"])

    connection = duckdb.connect()
    db_api = DuckDBAPI(connection=connection)
    table = db_api.register(frame)
    creator = SettingsCreator(
        unique_id_column_name="id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "birth_date"),
            block_on("last_name", "postcode"),
            block_on("birth_date", "postcode"),
            block_on("street", "postcode"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("street", [0.9]),
        ],
    )

    started = time.perf_counter()
    linker = Linker(table, creator, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    training_seconds = time.perf_counter() - started
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=CLUSTER_THRESHOLD
    )
    clustered = clusters.as_pandas_dataframe()[["id", "cluster_id"]]
    seconds = time.perf_counter() - started

    count = connection.execute(f"select count(*) from {predictions.physical_name}").fetchone()
    pairs = count[0] if count else 0
    result = {
        "seconds": seconds,
        "training_seconds": training_seconds,
        "version": f"Splink {splink_package.__version__}, DuckDB {duckdb.__version__}",
        "predicted_pairs": int(pairs),
        "clusters": dict(zip(clustered["id"], clustered["cluster_id"].astype(str), strict=True)),
    }
    out.write_text(json.dumps(result), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--splink-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.splink_child:
        splink_child(*args.splink_child)
        return
    args.data.mkdir(parents=True, exist_ok=True)

    rows: list[str] = []
    notes: list[str] = []
    for size in args.sizes:
        path = args.data / f"customers-{size}.csv"
        if not path.exists():
            print(f"generating {path}", flush=True)
            write_csv(path, size, seed=0)
        ids, truth = truth_labels(size)
        people = len(np.unique(truth))
        speeds = {}
        with tempfile.TemporaryDirectory() as temporary:
            workdir = Path(temporary)
            print(f"{size}: parcours…", flush=True)
            ours = parcours(path, workdir)
            print(f"{size}: splink…", flush=True)
            theirs = splink(path, workdir)
        for tool, result in (("Parcours (SQLite)", ours), ("Splink 5 (DuckDB)", theirs)):
            clusters = result["clusters"]
            assert isinstance(clusters, dict) and len(clusters) == size, (tool, len(clusters))
            quality = pairwise_quality(labels_in_order(clusters, ids), truth)
            seconds = float(result["seconds"])  # type: ignore[arg-type]
            speeds[tool] = size / seconds
            rows.append(
                f"| {tool} | {size:,} | {seconds:.1f} | {size / seconds:,.0f} "
                f"| {float(result['peak_rss_mb']):.0f} | {len(set(clusters.values())):,} "  # type: ignore[arg-type]
                f"| {quality['f1']:.4f} |"
            )
            notes.append(
                f"{tool} {size:,}: precision {quality['precision']:.4f}, "
                f"recall {quality['recall']:.4f}"
            )
        ratio = speeds["Parcours (SQLite)"] / speeds["Splink 5 (DuckDB)"]
        notes.append(f"N={size:,}: {people:,} true people; Parcours/Splink records/s = {ratio:.2f}")
        notes.append(
            f"Parcours import {size:,}: {ours['import_seconds']:.1f} s, "
            f"peak RSS {ours['import_rss_mb']:.0f} MB; resolve says: {ours['summary']}"
        )
        notes.append(
            f"Splink {size:,}: training {theirs['training_seconds']:.1f} s of "
            f"{theirs['seconds']:.1f} s; {theirs['predicted_pairs']:,} pairs at p ≥ "
            f"{PREDICT_THRESHOLD}; {theirs['version']}"
        )
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}\n"
    )
    print("| tool | N | seconds | records/s | peak RSS MB | customers | F1 |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("\n".join(f"* {note}" for note in notes))


if __name__ == "__main__":
    main()
