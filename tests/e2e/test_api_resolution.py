"""Merges, unmerges and the review queue over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.models import MatchReview, SourceRecord
from parcours.db import Database


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.transaction(write=True) as session:
        token = create_token(session, "console")
    app = create_app(Settings(environment="test"), db)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


@pytest.fixture
def customers(db: Database) -> list[int]:
    """Three customers: Claire Le Goff twice (two e-mails) and Yann Prigent."""
    with db.transaction(write=True) as session:
        outcomes = ingest_batch(
            session,
            [
                IncomingRecord("store", "MAG-1", {"first_name": "Claire", "last_name": "Le Goff",
                                                  "email": "claire@exemple.fr"}),
                IncomingRecord("web", "WEB-1", {"first_name": "Claire", "last_name": "LE GOFF",
                                                "email": "c.legoff@exemple.fr",
                                                "phone": "06 12 34 56 78"}),
                IncomingRecord("web", "WEB-2", {"first_name": "Yann", "last_name": "Prigent"}),
            ],
        )  # fmt: skip
    return [outcome.customer_id or 0 for outcome in outcomes]


def pending_review(db: Database, a: int, b: int) -> int:
    with db.transaction(write=True) as session:
        record_a, record_b = (
            session.scalars(select(SourceRecord.id).where(SourceRecord.customer_id == c)).first()
            for c in (a, b)
        )
        review = MatchReview(
            customer_a_id=a, customer_b_id=b, record_a_id=record_a, record_b_id=record_b,
            probability=0.8,
            evidence=[{"field": "last_name", "level": "exact", "weight": 6.1}],
        )  # fmt: skip
        session.add(review)
        session.flush()
        return review.id


def test_a_merge_through_the_api_is_audited_and_undone_exactly(
    client: TestClient, customers: list[int]
):
    claire, claire_web, _ = customers
    before = client.get(f"/api/v1/customers/{claire}").json()

    merged = client.post("/api/v1/customers/merges", json={"customer_ids": [claire_web, claire]})
    during = client.get(f"/api/v1/customers/{claire}").json()
    undone = client.post(f"/api/v1/customers/merges/{merged.json()['id']}/undo")
    after = client.get(f"/api/v1/customers/{claire}").json()

    assert merged.status_code == 201
    body = merged.json()
    assert (body["target_customer_id"], body["kind"], body["decided_by"]) == (
        claire,
        "manual",
        "token console",
    )
    assert [(m["from_customer_id"], m["to_customer_id"]) for m in body["moves"]] == [
        (claire_web, claire)
    ]
    assert [r["external_id"] for r in during["source_records"]] == ["MAG-1", "WEB-1"]
    assert during["phone"] == "+33612345678"
    assert undone.status_code == 200
    assert undone.json()["undone_by"] == "token console"
    assert [r["external_id"] for r in after["source_records"]] == ["MAG-1"]
    assert (after["email"], after["phone"]) == (before["email"], before["phone"])
    assert [m["id"] for m in after["merges"]] == [body["id"]]
    assert client.get(f"/api/v1/customers/merges/{body['id']}").json()["undone_at"] is not None


@pytest.mark.parametrize(
    ("payload", "code", "detail"),
    [
        ({"customer_ids": [1, 999999]}, 404, "no customer with id 999999"),
        ({"customer_ids": [7]}, 422, None),
    ],
    ids=["unknown-customer", "single-id"],
)
def test_a_bad_merge_is_refused_clearly(
    client: TestClient, customers: list[int], payload: dict[str, list[int]], code: int, detail
):
    response = client.post("/api/v1/customers/merges", json=payload)

    assert response.status_code == code
    if detail:
        assert response.json()["detail"] == detail


def test_undoing_twice_or_an_unknown_merge_says_why(client: TestClient, customers: list[int]):
    merge_id = client.post("/api/v1/customers/merges", json={"customer_ids": customers[:2]}).json()[
        "id"
    ]
    client.post(f"/api/v1/customers/merges/{merge_id}/undo")

    again = client.post(f"/api/v1/customers/merges/{merge_id}/undo")
    unknown = client.post("/api/v1/customers/merges/424242/undo")

    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"merge {merge_id} was already undone on ")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no merge with id 424242")


def test_the_review_queue_lists_accepts_and_rejects(
    client: TestClient, db: Database, customers: list[int]
):
    claire, claire_web, yann = customers
    same = pending_review(db, claire, claire_web)
    different = pending_review(db, claire, yann)

    listed = client.get("/api/v1/matches").json()
    accepted = client.post(f"/api/v1/matches/{same}/accept")
    rejected = client.post(f"/api/v1/matches/{different}/reject")
    twice = client.post(f"/api/v1/matches/{different}/reject")
    refused_merge = client.post("/api/v1/customers/merges", json={"customer_ids": [claire, yann]})

    assert [(m["id"], m["probability"], m["status"]) for m in listed] == [
        (same, 0.8, "pending"),
        (different, 0.8, "pending"),
    ]
    assert (accepted.status_code, accepted.json()["kind"]) == (200, "review")
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        f"match review {different} was already rejected by token console"
    )
    assert refused_merge.status_code == 409
    assert refused_merge.json()["detail"] == (
        f"customers {claire} and {yann} were marked as different people"
    )
    assert client.get("/api/v1/matches", params={"status": "accepted"}).json()[0]["id"] == same
    assert client.get("/api/v1/matches", params={"status": "maybe"}).status_code == 422
