"""Importing customer files, on SQLite and PostgreSQL: counts, rejects, idempotence, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from parcours.customers import services
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.models import Customer, SourceRecord
from parcours.customers.reader import ImportFileError
from parcours.db import Database
from tests.factories import read_rejects, run_import, snapshot, write_csv

CLAIRE = ["MAG-1", "Claire", "Le Goff", "claire.legoff@exemple.fr", "06 12 34 56 78",
          "1980-04-12", "12 bd Clemenceau", "22200", "GUINGAMP"]  # fmt: skip
CLAIRE_WEB = ["MAG-2", "claire", "LE GOFF", "CLAIRE.LEGOFF@EXEMPLE.FR", "0033612345678",
              "19800412", "", "", ""]  # fmt: skip
JEAN_SAME_LANDLINE = ["MAG-3", "Jean", "Martin", "", "02 96 43 12 00", "1951-03-02",
                      "3 r. de Brest", "22200", "Pabu"]  # fmt: skip
MARIE_SAME_LANDLINE = ["MAG-4", "Marie", "Martin", "", "+33 2 96 43 12 00", "1953-07-21",
                       "3 rue de Brest", "22200", "Pabu"]  # fmt: skip


def count(database: Database, model: type[Customer] | type[SourceRecord]) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_french_file_becomes_customers_with_duplicates_attached(db: Database, tmp_path: Path):
    # Given a till export where Claire appears twice and a couple shares a landline
    path = write_csv(
        tmp_path / "magasin.csv", [CLAIRE, CLAIRE_WEB, JEAN_SAME_LANDLINE, MARIE_SAME_LANDLINE]
    )

    # When it is imported
    summary = run_import(db, path)

    # Then Claire's two records make one customer and the couple stays two people
    assert (summary.read, summary.created, summary.attached, summary.rejected) == (4, 3, 1, 0)
    assert summary.rejects_path is None
    with db.sessions() as session:
        links = dict(services.source_links(session, "store"))
        assert links["MAG-1"] == links["MAG-2"]
        assert links["MAG-3"] != links["MAG-4"]
        claire = services.get_customer(session, links["MAG-1"])
    assert (claire.first_name, claire.last_name, claire.title) == ("Claire", "Le Goff", None)
    assert (claire.email, claire.phone) == ("claire.legoff@exemple.fr", "+33612345678")
    assert (claire.street_number, claire.street, claire.postcode, claire.city) == (
        "12",
        "boulevard Clemenceau",
        "22200",
        "Guingamp",
    )
    assert claire.birth_date is not None and claire.birth_date.isoformat() == "1980-04-12"
    assert [(i.kind, i.value, i.records) for i in claire.identifiers] == [
        ("email", "claire.legoff@exemple.fr", 2),
        ("phone", "+33612345678", 2),
    ]
    assert [r.external_id for r in claire.source_records] == ["MAG-1", "MAG-2"]


def test_importing_the_same_file_again_changes_nothing(db: Database, tmp_path: Path):
    path = write_csv(
        tmp_path / "magasin.csv", [CLAIRE, CLAIRE_WEB, JEAN_SAME_LANDLINE, MARIE_SAME_LANDLINE]
    )
    run_import(db, path)
    before = snapshot(db)

    summary = run_import(db, path)

    assert (summary.read, summary.unchanged, summary.created, summary.attached) == (4, 4, 0, 0)
    assert snapshot(db) == before
    assert count(db, Customer) == 3


def test_a_changed_record_updates_the_profile_and_keeps_its_customer(db: Database, tmp_path: Path):
    run_import(db, write_csv(tmp_path / "v1.csv", [CLAIRE]))
    moved = [*CLAIRE[:6], "4 place du Centre", "22300", "Lannion"]

    summary = run_import(db, write_csv(tmp_path / "v2.csv", [moved]))

    assert (summary.updated, summary.created) == (1, 0)
    with db.sessions() as session:
        (customer_id,) = dict(services.source_links(session, "store")).values()
        claire = services.get_customer(session, customer_id)
    assert (claire.street, claire.postcode, claire.city) == ("place du Centre", "22300", "Lannion")


def test_bad_rows_are_reported_with_line_and_reason_and_the_others_go_in(
    db: Database, tmp_path: Path
):
    # Given a file with a short row, a row with nothing personal, a bad e-mail and a repeated id
    path = write_csv(
        tmp_path / "clients.csv",
        [
            CLAIRE,
            ["MAG-9", "Paul"],
            ["MAG-10", "", "", "pas-un-email", "", "", "", "", ""],
            ["MAG-11", "Yann", "Prigent", "yann@", "06 99", "31/02/1990", "", "123", "Paimpol"],
            CLAIRE,
        ],
    )

    summary = run_import(db, path)

    assert (summary.read, summary.created, summary.rejected, summary.dropped_values) == (5, 2, 3, 4)
    assert summary.rejects_path == tmp_path / "clients.csv.rejects.csv"
    rejects = [
        (r["line"], r["outcome"], r["field"], r["value"])
        for r in read_rejects(path.with_name("clients.csv.rejects.csv"))
    ]
    assert rejects == [
        ("3", "rejected", "", ""),
        ("4", "rejected", "", ""),
        ("5", "value dropped", "birth_date", "31/02/1990"),
        ("5", "value dropped", "email", "yann@"),
        ("5", "value dropped", "phone", "06 99"),
        ("5", "value dropped", "postcode", "123"),
        ("6", "rejected", "id", "MAG-1"),
    ]
    reasons = [r["reason"] for r in read_rejects(summary.rejects_path)]
    assert reasons[0] == "expected 9 fields, found 2"
    assert reasons[1].startswith("nothing identifies or describes a customer")
    assert reasons[-1] == "duplicate id: the same id was first given on line 2"
    assert count(db, SourceRecord) == 2
    with db.sessions() as session:
        yann = services.search_customers(session, "Prigent").items[0]
    # The invalid values were not stored as if valid
    assert (yann.email, yann.phone, yann.birth_date, yann.postcode, yann.city) == (
        None, None, None, None, "Paimpol",
    )  # fmt: skip


def test_a_windows_1252_file_keeps_its_french_accents(db: Database, tmp_path: Path):
    rows = [["MAG-20", "Hélène", "Guéguen", "", "06 11 22 33 44", "", "", "22000", "Saint-Brieuc"]]
    path = write_csv(tmp_path / "latin1.csv", rows, encoding="cp1252")

    summary = run_import(db, path)

    assert (summary.created, summary.windows_1252_lines) == (1, 1)
    with db.sessions() as session:
        found = services.search_customers(session, "helene gueguen").items
    assert [(c.first_name, c.last_name) for c in found] == [("Hélène", "Guéguen")]


def test_a_file_without_the_id_column_is_refused_before_anything_is_written(
    db: Database, tmp_path: Path
):
    path = write_csv(tmp_path / "sans-id.csv", [CLAIRE])

    with pytest.raises(ImportFileError, match="the id column 'code_client' is not in the header"):
        run_import(db, path, id_column="code_client")

    assert count(db, SourceRecord) == 0
    assert not (tmp_path / "sans-id.csv.rejects.csv").exists()


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78", "+33612345678"],
    ids=["spaced", "international", "double-zero", "dotted", "e164"],
)
def test_a_customer_is_found_by_phone_however_it_is_typed(db: Database, tmp_path: Path, typed):
    run_import(db, write_csv(tmp_path / "magasin.csv", [CLAIRE, JEAN_SAME_LANDLINE]))

    with db.sessions() as session:
        page = services.search_customers(session, typed)

    assert [(c.first_name, c.last_name) for c in page.items] == [("Claire", "Le Goff")]


def test_search_by_e_mail_name_and_pages(db: Database, tmp_path: Path):
    run_import(db, write_csv(tmp_path / "m.csv", [CLAIRE, JEAN_SAME_LANDLINE, MARIE_SAME_LANDLINE]))

    with db.sessions() as session:
        by_email = services.search_customers(session, "Claire.LeGoff@exemple.fr")
        by_name = services.search_customers(session, "martin", page_size=1)
        second = services.search_customers(session, "martin", page=2, page_size=1)

    assert [c.first_name for c in by_email.items] == ["Claire"]
    assert (by_name.total, [c.first_name for c in by_name.items]) == (2, ["Jean"])
    assert [c.first_name for c in second.items] == ["Marie"]


def test_a_jsonl_file_imports_like_a_csv(db: Database, tmp_path: Path):
    path = tmp_path / "web.jsonl"
    lines = [
        {"uid": "W-1", "first_name": "Loïc", "last_name": "Tanguy", "email": "loic@exemple.fr",
         "newsletter": True},
        {"uid": "W-2", "first_name": "Loic", "last_name": "TANGUY", "email": "LOIC@exemple.fr"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{broken\n")

    summary = run_import(db, path, source="web", id_column="uid", mapping=[])

    assert (summary.read, summary.created, summary.attached, summary.rejected) == (3, 1, 1, 1)
    with db.sessions() as session:
        (loic,) = services.search_customers(session, "loic@exemple.fr").items
    assert loic.attributes == {"newsletter": True}
    assert [r["line"] for r in read_rejects(tmp_path / "web.jsonl.rejects.csv")] == ["3"]


def test_a_shared_cookie_or_social_account_alone_never_joins_two_people(db: Database):
    # Given two people who used the same family tablet and the same Facebook page handle
    with db.transaction() as session:
        outcomes = ingest_batch(
            session,
            [
                IncomingRecord("web", "W-1", {"last_name": "Riou", "first_name": "Anne",
                                              "cookie": "tablette-1", "social_facebook": "riou"}),
                IncomingRecord("web", "W-2", {"last_name": "Riou", "first_name": "Loïc",
                                              "cookie": "tablette-1", "social_facebook": "@Riou"}),
            ],
        )  # fmt: skip

    # Then they stay two customers, each carrying the identifiers as evidence
    assert [o.status for o in outcomes] == ["created", "created"]
    with db.sessions() as session:
        anne = services.get_customer(session, outcomes[0].customer_id or 0)
    assert [(i.kind, i.value) for i in anne.identifiers] == [
        ("cookie", "tablette-1"),
        ("social_facebook", "riou"),
    ]
