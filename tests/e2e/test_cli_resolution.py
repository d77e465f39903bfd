"""Identity resolution from the command line, as a user runs it on the demo: a real process, a real
database file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SUMMARY = re.compile(
    r"(?P<records>\d+) source records, (?P<pairs>\d+) candidate pairs; "
    r"(?P<merges>\d+) merges joining (?P<customers>\d+) customers; "
    r"(?P<reviews>\d+) pairs to review \(model (?P<version>[0-9a-f]{12})\)\."
)
EVIDENCE_KEYS = {"field", "level", "left", "right", "weight"}
COMPARED_FIELDS = ["first_name", "last_name", "birth_date", "email", "phone", "postcode", "city",
                   "street", "national_id", "account", "siret"]  # fmt: skip


def parcours(home: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")},
        "PARCOURS_HOME": str(home),
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }
    result = subprocess.run(
        [sys.executable, "-m", "parcours", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"parcours {' '.join(arguments)} failed:\n{result.stderr}")
    return result


def show(home: Path, customer_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(
        parcours(home, "customers", "show", str(customer_id), "--format", "json").stdout
    )
    return shown


def without_history(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in customer.items() if k not in ("updated_at", "merges")}


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    home = tmp_path / "var"
    parcours(home, "db", "upgrade")
    return home


@pytest.fixture
def home(empty_home: Path) -> Path:
    """A database holding the demo (363 records from four channels)."""
    parcours(empty_home, "demo", "load")
    return empty_home


def test_resolve_prints_its_summary_and_the_matches_are_listed_in_json(home: Path):
    first = parcours(home, "resolve").stdout.strip()

    summary = SUMMARY.fullmatch(first)
    assert summary is not None, first
    figures = {name: int(value) for name, value in summary.groupdict().items() if name != "version"}
    assert figures["records"] == 363
    assert figures["merges"] > 0 and figures["customers"] >= 2 * figures["merges"]
    assert figures["reviews"] > 0
    matches = json.loads(
        parcours(home, "matches", "list", "--format", "json", "--limit", "500").stdout
    )
    assert len(matches) == figures["reviews"]
    for match in matches:
        assert set(match) == {"id", "customers", "probability", "status", "evidence"}
        assert match["status"] == "pending"
        assert 0.5 <= match["probability"] <= 1.0
        low, high = match["customers"]
        assert low < high
        assert [item["field"] for item in match["evidence"]] == COMPARED_FIELDS
        assert all(set(item) == EVIDENCE_KEYS for item in match["evidence"])
    probabilities = [match["probability"] for match in matches]
    assert probabilities == sorted(probabilities, reverse=True)

    # Resolving again changes nothing and asks nothing twice
    second = SUMMARY.fullmatch(parcours(home, "resolve").stdout.strip())
    assert second is not None
    assert (second["merges"], second["customers"], second["reviews"]) == ("0", "0", "0")
    assert second["version"] == summary["version"]
    again = json.loads(
        parcours(home, "matches", "list", "--format", "json", "--limit", "500").stdout
    )
    assert again == matches


def test_a_merge_shows_in_the_customer_and_unmerge_gives_both_back(home: Path):
    # Given the most probable pending match after resolving the demo
    parcours(home, "resolve")
    best = json.loads(parcours(home, "matches", "list", "--format", "json").stdout)[0]
    first, second = best["customers"]
    before = (show(home, first), show(home, second))

    # When a person merges them from the command line
    merged = parcours(home, "merge", str(first), str(second)).stdout.strip()

    # Then the first one holds both, with the merge in its history
    found = re.fullmatch(rf"Merge (\d+): customers {first}, {second} → {first}\.", merged)
    assert found is not None, merged
    merge_id = int(found[1])
    target, absorbed = show(home, first), show(home, second)
    (merge,) = [m for m in target["merges"] if m["id"] == merge_id]
    assert (merge["kind"], merge["decided_by"], merge["target_customer_id"]) == (
        "manual",
        "cli",
        first,
    )
    assert (merge["score"], merge["evidence"], merge["undone_at"]) == (None, [], None)
    moved = [record["id"] for record in before[1]["source_records"]]
    assert [(m["source_record_id"], m["from_customer_id"], m["to_customer_id"])
            for m in merge["moves"]] == [(record, second, first) for record in moved]  # fmt: skip
    assert [r["id"] for r in target["source_records"]] == sorted(
        [r["id"] for r in before[0]["source_records"]] + moved
    )
    assert (absorbed["merged_into_id"], absorbed["source_records"]) == (first, [])

    # When the merge is undone
    undone = parcours(home, "unmerge", str(merge_id)).stdout.strip()

    # Then both customers are back as they were, the history keeps the undone merge
    assert undone == f"Merge {merge_id} undone: {len(moved)} source records moved back."
    after = (show(home, first), show(home, second))
    assert [without_history(c) for c in after] == [without_history(c) for c in before]
    (kept,) = [m for m in after[0]["merges"] if m["id"] == merge_id]
    assert kept["undone_by"] == "cli" and kept["undone_at"] is not None


@pytest.mark.parametrize(
    ("merge_id", "message"),
    [
        ("abc", "a merge id is a positive whole number, got 'abc'"),
        ("999999", "no merge with id 999999"),
    ],
    ids=["not a number", "unknown"],
)
def test_unmerge_refuses_a_bad_merge_id(empty_home: Path, merge_id: str, message: str):
    result = parcours(empty_home, "unmerge", merge_id, check=False)

    assert result.returncode == 2
    assert " ".join(result.stderr.split()) == f"Error: {message}"
