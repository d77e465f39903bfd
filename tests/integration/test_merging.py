"""Merge, unmerge and "different people", on SQLite and PostgreSQL: exact undo, clear refusals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from parcours.customers import services
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import MergeError, mark_different, merge_customers, unmerge
from parcours.customers.models import Customer, Identifier, Merge, SourceRecord
from parcours.db import Database
from tests.factories import snapshot

# Claire in three channels: the call centre shares the till's mobile (attached on arrival), the
# website only has her e-mail (a customer of its own until a merge). Yann is someone else.
RECORDS = [
    IncomingRecord("store", "MAG-1", {"first_name": "Claire", "last_name": "Le Goff",
                                      "phone": "06 12 34 56 78", "birth_date": "12/04/1980",
                                      "street": "12 bd Clemenceau", "postcode": "22200",
                                      "city": "GUINGAMP", "loyalty_card": "FID 0001"}),
    IncomingRecord("web", "WEB-1", {"first_name": "claire", "last_name": "LE GOFF",
                                    "email": "Claire.LeGoff@exemple.fr",
                                    "birth_date": "1980-04-12"},
                   attributes={"newsletter": True}),
    IncomingRecord("callcentre", "CC-1", {"full_name": "Mme LE GOFF Claire",
                                          "phone": "+33 6 12 34 56 78"}),
    IncomingRecord("web", "WEB-2", {"first_name": "Claire", "last_name": "Le Goff",
                                    "email": "claire.lg@exemple.fr", "city": "Guingamp"}),
    IncomingRecord("store", "MAG-2", {"first_name": "Yann", "last_name": "Prigent",
                                      "phone": "02 96 43 12 00", "city": "Paimpol"}),
]  # fmt: skip


def given_customers(db: Database) -> dict[str, int]:
    """Ingest RECORDS; returns each record's customer id by external id."""
    with db.transaction(write=True) as session:
        ingest_batch(session, RECORDS)
    return customer_of(db)


def customer_of(db: Database) -> dict[str, int]:
    with db.sessions() as session:
        return {
            external_id: customer_id
            for external_id, customer_id in session.execute(
                select(SourceRecord.external_id, SourceRecord.customer_id)
            )
        }


def table_state(db: Database) -> dict[str, Any]:
    """Customers (every column but updated_at) and who holds each record and identifier, by id."""
    with db.sessions() as session:
        customers = {
            row["id"]: {name: value for name, value in row.items() if name != "updated_at"}
            for row in session.execute(select(Customer.__table__)).mappings()
        }
        records = {
            record_id: customer_id
            for record_id, customer_id in session.execute(
                select(SourceRecord.id, SourceRecord.customer_id)
            )
        }
        identifiers = {
            identifier_id: customer_id
            for identifier_id, customer_id in session.execute(
                select(Identifier.id, Identifier.customer_id)
            )
        }
    return {"customers": customers, "records": records, "identifiers": identifiers}


def merge(db: Database, *customer_ids: int) -> int:
    with db.transaction(write=True) as session:
        return merge_customers(session, list(customer_ids), decided_by="tester").id


def undo(db: Database, merge_id: int) -> None:
    with db.transaction(write=True) as session:
        unmerge(session, merge_id, decided_by="tester")


def test_unmerge_restores_exactly_the_state_before_the_merge(db: Database):
    # Given Claire split over three customers, one of them holding two records
    ids = given_customers(db)
    claire, claire_web, claire_other = ids["MAG-1"], ids["WEB-1"], ids["WEB-2"]
    assert claire == ids["CC-1"] and len({claire, claire_web, claire_other}) == 3
    before_tables, before = table_state(db), snapshot(db)

    # When the three are merged, then the merge is undone
    merge_id = merge(db, claire_other, claire_web, claire)
    assert table_state(db) != before_tables
    undo(db, merge_id)

    # Then every customer, record and identifier is back with the same ids and the same profile
    after_tables = table_state(db)
    assert after_tables["customers"] == before_tables["customers"]
    assert after_tables["records"] == before_tables["records"]
    assert after_tables["identifiers"] == before_tables["identifiers"]
    assert snapshot(db) == before


def test_a_merge_moves_records_identifiers_and_profile_to_the_oldest_customer(db: Database):
    ids = given_customers(db)
    claire, claire_web = ids["MAG-1"], ids["WEB-1"]
    with db.sessions() as session:
        found_before = [c.id for c in services.search_customers(session, "claire le goff").items]
    assert sorted(found_before) == sorted({claire, claire_web, ids["WEB-2"]})

    merge_id = merge(db, claire_web, claire)

    with db.sessions() as session:
        target = services.get_customer(session, claire)
        merged = services.get_customer(session, claire_web)
        found = [c.id for c in services.search_customers(session, "claire le goff").items]
        by_email = services.search_customers(session, "claire.legoff@exemple.fr").items
        record_ids = {
            external_id: record_id
            for external_id, record_id in session.execute(
                select(SourceRecord.external_id, SourceRecord.id)
            )
        }
    assert [r.external_id for r in target.source_records] == ["MAG-1", "WEB-1", "CC-1"]
    assert [(i.kind, i.value, i.records) for i in target.identifiers] == [
        ("phone", "+33612345678", 2),
        ("loyalty_card", "FID0001", 1),
        ("email", "claire.legoff@exemple.fr", 1),
    ]
    assert (target.email, target.phone, target.attributes) == (
        "claire.legoff@exemple.fr",
        "+33612345678",
        {"newsletter": True},
    )
    assert target.merged_into_id is None
    assert (merged.merged_into_id, merged.source_records, merged.identifiers) == (claire, [], [])
    assert sorted(found) == sorted({claire, ids["WEB-2"]})
    assert [c.id for c in by_email] == [claire]
    (shown,) = target.merges
    assert (shown.id, shown.target_customer_id, shown.kind, shown.decided_by) == (
        merge_id,
        claire,
        "manual",
        "tester",
    )
    assert (shown.score, shown.evidence, shown.model_version, shown.undone_at) == (
        None,
        [],
        None,
        None,
    )
    assert [(m.source_record_id, m.from_customer_id, m.to_customer_id) for m in shown.moves] == [
        (record_ids["WEB-1"], claire_web, claire)
    ]
    assert [m.id for m in merged.merges] == [merge_id]


@pytest.mark.parametrize(
    "case",
    ["already merged", "unknown id", "single id", "the same id twice"],
)
def test_a_merge_that_cannot_be_done_says_why(db: Database, case: str):
    ids = given_customers(db)
    claire, claire_web, yann = ids["MAG-1"], ids["WEB-1"], ids["MAG-2"]
    merge(db, claire, claire_web)
    arguments, message = {
        "already merged": (
            [claire_web, yann],
            f"customer {claire_web} was merged into customer {claire}: use {claire}",
        ),
        "unknown id": ([claire, 999999], "no customer with id 999999"),
        "single id": ([yann], "a merge needs at least two different customers"),
        "the same id twice": ([yann, yann], "a merge needs at least two different customers"),
    }[case]
    before = table_state(db)

    with pytest.raises(MergeError) as raised, db.transaction(write=True) as session:
        merge_customers(session, arguments, decided_by="tester")

    assert str(raised.value) == message
    assert table_state(db) == before


def test_unmerging_an_unknown_merge_or_the_same_merge_twice_is_refused(db: Database):
    ids = given_customers(db)
    merge_id = merge(db, ids["MAG-1"], ids["WEB-1"])
    undo(db, merge_id)
    with db.sessions() as session:
        undone = session.get(Merge, merge_id)
        assert undone is not None and undone.undone_at is not None
        when = f"{undone.undone_at:%Y-%m-%d %H:%M}"
        assert undone.undone_by == "tester"
    after_first_undo = table_state(db)

    with pytest.raises(MergeError) as unknown:
        undo(db, 999999)
    with pytest.raises(MergeError) as twice:
        undo(db, merge_id)

    assert str(unknown.value) == "no merge with id 999999"
    assert str(twice.value) == f"merge {merge_id} was already undone on {when} by tester"
    assert table_state(db) == after_first_undo


def test_an_older_merge_is_undone_only_after_the_later_merge_that_moved_its_records(
    db: Database,
):
    # Given WEB-2's customer merged into WEB-1's, then that one merged into Claire's
    ids = given_customers(db)
    claire, claire_web, claire_other = ids["MAG-1"], ids["WEB-1"], ids["WEB-2"]
    assert claire < claire_web < claire_other
    before = table_state(db)
    older = merge(db, claire_web, claire_other)
    after_older = table_state(db)
    later = merge(db, claire, claire_web)
    after_later = table_state(db)
    assert customer_of(db)["WEB-2"] == claire

    # When the older merge is undone first, it is refused and nothing changes
    with pytest.raises(MergeError) as refused:
        undo(db, older)
    assert str(refused.value) == (
        f"the records of merge {older} have moved since: undo merge {later} first"
    )
    assert table_state(db) == after_later

    # Then undoing the later merge, then the older one, gives back each state in turn
    undo(db, later)
    assert table_state(db) == after_older
    undo(db, older)
    assert table_state(db) == before


def test_customers_marked_as_different_people_cannot_be_merged(db: Database):
    ids = given_customers(db)
    claire, claire_other = ids["MAG-1"], ids["WEB-2"]
    with db.transaction(write=True) as session:
        link = mark_different(session, claire_other, claire, decided_by="tester")
        again = mark_different(session, claire, claire_other, decided_by="someone else")
        assert (again.id, again.decided_by) == (link.id, "tester")
    before = table_state(db)

    with pytest.raises(MergeError) as refused:
        merge(db, claire, claire_other)

    low, high = sorted((claire, claire_other))
    assert str(refused.value) == f"customers {low} and {high} were marked as different people"
    assert table_state(db) == before


def test_different_people_stay_apart_even_after_one_of_them_was_merged(db: Database):
    # Given WEB-2's Claire marked as someone else than the till's Claire
    ids = given_customers(db)
    claire, claire_web, claire_other = ids["MAG-1"], ids["WEB-1"], ids["WEB-2"]
    with db.transaction(write=True) as session:
        mark_different(session, claire, claire_other, decided_by="tester")

    # When WEB-2's customer first absorbs WEB-1's, then is merged with Claire's
    merge(db, claire_web, claire_other)
    with pytest.raises(MergeError) as refused:
        merge(db, claire, claire_web)

    # Then the merge is refused all the same
    low, high = sorted((claire, claire_web))
    assert str(refused.value) == f"customers {low} and {high} were marked as different people"


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("itself", "a customer cannot be different from itself"),
        ("unknown", "no customer with id 999999"),
    ],
    ids=["itself", "unknown"],
)
def test_marking_as_different_needs_two_live_customers(db: Database, which: str, message: str):
    ids = given_customers(db)
    other = ids["MAG-1"] if which == "itself" else 999999

    with pytest.raises(MergeError) as refused, db.transaction(write=True) as session:
        mark_different(session, ids["MAG-1"], other, decided_by="tester")

    assert str(refused.value) == message
