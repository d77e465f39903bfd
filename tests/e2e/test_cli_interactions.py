"""``parcours import interactions`` and ``parcours customers timeline`` as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.e2e.test_cli import home, parcours  # noqa: F401  (the fixture is used by name)

CUSTOMERS = "id,first_name,last_name,email\nMAG-1,Claire,Le Goff,claire.legoff@exemple.fr\n"
LINES = [
    {"external_id": "v1", "occurred_at": "2026-05-01T09:00:00+02:00", "channel": "web",
     "type": "product_view", "identifiers": {"cookie": "ck-1"}},
    {"external_id": "login", "occurred_at": "2026-05-02T18:00:00+02:00", "channel": "web",
     "type": "login", "identifiers": {"email": "claire.legoff@exemple.fr", "cookie": "ck-1"}},
    {"external_id": "buy", "occurred_at": "2026-05-03T11:30:00+02:00", "channel": "store",
     "type": "purchase", "amount": 1290, "identifiers": {"email": "claire.legoff@exemple.fr"}},
    {"external_id": "bad", "occurred_at": "2026-05-03", "channel": "store", "type": "purchase"},
]  # fmt: skip


def customer_id(home: Path) -> int:  # noqa: F811
    found = json.loads(parcours(home, "customers", "search", "le goff", "--format", "json").stdout)
    return int(found["items"][0]["id"])


def test_an_interaction_file_imports_once_and_fills_the_timeline(home: Path, tmp_path: Path):  # noqa: F811
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    parcours(home, "import", "customers", str(customers), "--source", "store", "--id-column", "id")
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(line) for line in LINES) + "\n", encoding="utf-8")

    first = parcours(home, "import", "interactions", str(events), "--source", "site")
    second = parcours(home, "import", "interactions", str(events), "--source", "site")
    timeline = json.loads(
        parcours(home, "customers", "timeline", str(customer_id(home)), "--format", "json").stdout
    )

    assert "recorded                     │ 3" in first.stdout
    assert "unchanged (already imported) │ 3" in second.stdout
    with (tmp_path / "events.jsonl.rejects.csv").open(encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert rejects == [
        {"line": "4", "external_id": "bad", "field": "occurred_at",
         "reason": "'2026-05-03' has no time zone offset (write +02:00 or Z)"}
    ]  # fmt: skip
    assert [(i["external_id"], i["phase"]) for i in timeline["items"]] == [
        ("buy", "during"), ("login", "before"), ("v1", "before")
    ]  # fmt: skip


def test_a_csv_of_interactions_takes_identifier_and_payload_columns(home: Path, tmp_path: Path):  # noqa: F811
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    parcours(home, "import", "customers", str(customers), "--source", "store", "--id-column", "id")
    events = tmp_path / "calls.csv"
    events.write_text(
        "external_id;occurred_at;channel;type;email;duration_seconds;agent;payload.motif;extra\n"
        "C-1;2026-05-04T10:00:00+02:00;phone;call;claire.legoff@exemple.fr;240;Gwen;devis;x\n",
        encoding="utf-8",
    )

    parcours(home, "import", "interactions", str(events), "--source", "pbx")
    timeline = json.loads(
        parcours(home, "customers", "timeline", str(customer_id(home)), "--format", "json").stdout
    )

    (call,) = timeline["items"]
    assert (call["channel"], call["duration_seconds"], call["agent"], call["payload"]) == (
        "phone", 240, "Gwen", {"motif": "devis", "extra": "x"}
    )  # fmt: skip


def test_the_timeline_of_an_unknown_customer_says_so(home: Path):  # noqa: F811
    result = parcours(home, "customers", "timeline", "42", check=False)

    assert result.returncode == 1
    assert "no customer with id 42" in result.stderr
