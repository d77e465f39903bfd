"""The ``parcours`` command as a user runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import FRENCH_MAP, write_csv

ROWS = [
    ["MAG-1", "Claire", "Le Goff", "claire.legoff@exemple.fr", "06 12 34 56 78", "19800412",
     "12 bd Clemenceau", "22200", "Guingamp"],
    ["MAG-2", "claire", "LE GOFF", "", "+33 6 12 34 56 78", "", "", "", ""],
    ["MAG-3", "Yann", "Prigent", "yann@", "02 96 43 12 00", "", "", "", "Paimpol"],
]  # fmt: skip


def parcours(home: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")},
        "PARCOURS_HOME": str(home),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [sys.executable, "-m", "parcours", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"parcours {' '.join(arguments)} failed:\n{result.stderr}")
    return result


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "var"
    parcours(home, "db", "upgrade")
    return home


def import_args(path: Path) -> list[str]:
    arguments = ["import", "customers", str(path), "--source", "store", "--id-column", "id"]
    for pair in FRENCH_MAP:
        arguments += ["--map", pair]
    return arguments


def test_a_command_on_a_database_that_does_not_exist_says_how_to_create_it(tmp_path: Path):
    result = parcours(tmp_path / "var", "customers", "search", "martin", check=False)

    assert result.returncode == 2
    assert "does not exist yet" in result.stderr
    assert "parcours db upgrade" in result.stderr
    assert not (tmp_path / "var" / "parcours.db").exists()


def test_db_upgrade_creates_the_database_and_can_run_again(tmp_path: Path):
    first = parcours(tmp_path / "var", "db", "upgrade")
    second = parcours(tmp_path / "var", "db", "upgrade")

    assert first.stdout.strip() == second.stdout.strip() == "Database is up to date."
    assert (tmp_path / "var" / "parcours.db").exists()


def test_import_prints_a_summary_and_writes_the_rejects_file(home: Path, tmp_path: Path):
    path = write_csv(tmp_path / "magasin.csv", ROWS)

    result = parcours(home, *import_args(path))

    cells = [line.split("│") for line in result.stdout.splitlines() if line.count("│") == 3]
    figures = {cell[1].strip(): cell[2].strip() for cell in cells}
    assert figures == {
        "rows read": "3",
        "new customers": "2",
        "attached to existing customers": "1",
        "updated records": "0",
        "unchanged (already imported)": "0",
        "rejected": "0",
        "values dropped": "1",
    }
    summary = result.stdout
    assert f"{path}.rejects.csv" in summary
    rejects = (tmp_path / "magasin.csv.rejects.csv").read_text().splitlines()
    assert rejects[1].startswith("4,MAG-3,value dropped,email,yann@,invalid e-mail address")


def test_import_without_the_id_column_fails_clearly(home: Path, tmp_path: Path):
    path = write_csv(tmp_path / "magasin.csv", ROWS)

    result = parcours(
        home, "import", "customers", str(path), "--source", "store", "--id-column", "code",
        check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert "the id column 'code' is not in the header" in " ".join(result.stderr.split())


def test_an_unknown_mapping_target_is_refused(home: Path, tmp_path: Path):
    path = write_csv(tmp_path / "magasin.csv", ROWS)

    result = parcours(
        home, "import", "customers", str(path), "--source", "store", "--id-column", "id",
        "--map", "prenom=prenom", check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert "unknown field 'prenom'" in " ".join(result.stderr.split())


def test_export_source_links_gives_each_record_its_customer(home: Path, tmp_path: Path):
    parcours(home, *import_args(write_csv(tmp_path / "magasin.csv", ROWS)))

    result = parcours(home, "export", "source-links", "--source", "store")

    lines = result.stdout.splitlines()
    assert lines[0] == "external_id,customer_id"
    links = dict(line.split(",") for line in lines[1:])
    assert list(links) == ["MAG-1", "MAG-2", "MAG-3"]
    assert links["MAG-1"] == links["MAG-2"] != links["MAG-3"]


def test_search_and_show_in_json(home: Path, tmp_path: Path):
    parcours(home, *import_args(write_csv(tmp_path / "magasin.csv", ROWS)))

    found = json.loads(
        parcours(home, "customers", "search", "0612345678", "--format", "json").stdout
    )
    (claire,) = found["items"]
    shown = json.loads(
        parcours(home, "customers", "show", str(claire["id"]), "--format", "json").stdout
    )
    missing = parcours(home, "customers", "show", "9999", check=False)

    assert (found["total"], claire["first_name"], claire["last_name"]) == (1, "Claire", "Le Goff")
    assert [r["external_id"] for r in shown["source_records"]] == ["MAG-1", "MAG-2"]
    assert [(i["kind"], i["records"]) for i in shown["identifiers"]] == [("email", 1), ("phone", 2)]
    assert (missing.returncode, "no customer with id 9999" in missing.stderr) == (1, True)


def test_tokens_are_printed_once_and_names_are_unique(home: Path):
    token = parcours(home, "tokens", "create", "site-web").stdout.strip()
    again = parcours(home, "tokens", "create", "site-web", check=False)

    assert token.startswith("prc_") and len(token) > 40
    assert again.returncode == 2
    assert "a token named 'site-web' exists already" in again.stderr


def test_the_demo_loads_once_and_a_second_load_changes_nothing(home: Path):
    first = parcours(home, "demo", "load").stdout
    second = parcours(home, "demo", "load").stdout

    assert first.startswith("Demo: 363 records (attached: ")
    assert "unchanged: 363" in second
    assert "Demo: 5 cases opened." in first
    assert "Demo: 0 cases opened (already loaded)." in second
    assert "Demo: survey answered by 300 customers." in first
    assert "Demo: survey answered by 0 customers (already loaded)." in second
    logins = re.findall(r"Demo login: (\w+) / password: \S+ \(shown once\)", first)
    assert logins == ["nolwenn", "kevin", "aurelie", "loic", "andre", "maela"]
    assert "Demo login" not in second
    survey = json.loads(
        parcours(home, "surveys", "report", "sens-confort", "--format", "json").stdout
    )["questions"]
    assert [survey[key]["n"] for key in ("recommandation", "accueil", "navigation")] == [300] * 3
    cases = json.loads(parcours(home, "cases", "list", "--format", "json").stdout)
    shown = [
        json.loads(parcours(home, "cases", "show", str(case["id"]), "--format", "json").stdout)
        for case in cases["items"]
    ]
    # Each case was routed as it opened: after-sales to the technician, the complaint to the
    # contact centre, the call-backs to the seller who knows them (phone work).
    assert sorted((c["type"], c["status"], c["channel"], c["owner"]) for c in shown) == [
        ("after_sales", "resolved", "store", "Loïc"),
        ("callback", "open", "web", "Kévin"),
        ("callback", "resolved", "web", "Kévin"),
        ("complaint", "waiting_customer", "chat", "Aurélie"),
        ("information", "open", "social", "Nolwenn"),
    ]
    assert all(case["customer_id"] is not None for case in cases["items"])
    quote = json.loads(parcours(home, "cases", "show", "1", "--format", "json").stdout)
    # The broken call-back, mended: web, phone, e-mail out, the customer's answer, the store.
    assert [line["interaction"]["channel"] for line in quote["thread"] if line["interaction"]] == [
        "web",
        "phone",
        "email",
        "email",
        "store",
    ]
    links = parcours(home, "export", "source-links", "--source", "store").stdout.splitlines()
    assert len(links) == 1 + 109
