"""Interactions over HTTP: batch ingestion with one result per item, and the timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database

CLAIRE = {"source": "web", "external_id": "WEB-1", "first_name": "Claire",
          "last_name": "Le Goff", "email": "claire.legoff@exemple.fr"}  # fmt: skip


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.transaction() as session:
        token = create_token(session, "site-web")
    app = create_app(Settings(environment="test"), db)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def view(external_id: str, when: str, **identifiers: str) -> dict[str, object]:
    return {"external_id": external_id, "occurred_at": when, "channel": "web",
            "type": "product_view", "identifiers": identifiers}  # fmt: skip


def test_a_batch_gets_one_result_per_item_and_the_customer_sees_it_in_the_timeline(
    client: TestClient,
):
    customer_id = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"][0][
        "customer_id"
    ]

    response = client.post(
        "/api/v1/interactions?source=site",
        json=[
            view("v1", "2026-05-01T09:00:00+02:00", email="claire.legoff@exemple.fr"),
            view("v2", "2026-05-02T09:00:00+02:00", cookie="ck-1"),
            {**view("v3", "yesterday"), "source": "app"},
        ],
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["recorded"], body["unchanged"], body["rejected"]) == (2, 0, 1)
    assert [(r["external_id"], r["status"], r["customer_id"]) for r in body["results"]] == [
        ("v1", "recorded", customer_id),
        ("v2", "recorded", None),
        ("v3", "rejected", None),
    ]
    assert (body["results"][2]["source"], body["results"][2]["field"]) == ("app", "occurred_at")
    timeline = client.get(f"/api/v1/customers/{customer_id}/timeline?language=en").json()
    assert timeline["total"] == 1
    assert [
        (i["external_id"], i["channel_label"], i["type_label"], i["phase"])
        for i in timeline["items"]
    ] == [("v1", "Website", "Product viewed", "before")]


def test_the_timeline_of_an_unknown_customer_is_a_404_and_a_bad_filter_a_422(client: TestClient):
    missing = client.get("/api/v1/customers/999/timeline")
    customer_id = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"][0][
        "customer_id"
    ]
    bad = client.get(f"/api/v1/customers/{customer_id}/timeline?channel=pigeon")

    assert (missing.status_code, missing.json()["detail"]) == (404, "no customer with id 999")
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("unknown channel 'pigeon'; channels: app, chat")


def test_an_item_without_a_source_is_rejected_for_it(client: TestClient):
    response = client.post("/api/v1/interactions", json=view("v1", "2026-05-01T09:00:00Z"))

    (result,) = response.json()["results"]
    assert (result["status"], result["field"]) == ("rejected", "source")


def test_more_than_ten_thousand_interactions_in_one_request_are_refused(client: TestClient):
    items = [view(f"v{k}", "2026-05-01T09:00:00Z") for k in range(10_001)]

    response = client.post("/api/v1/interactions?source=site", json=items)

    assert response.status_code == 413


def test_contact_statistics_of_a_customer_and_of_everyone(client: TestClient):
    customer_id = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"][0][
        "customer_id"
    ]
    client.post(
        "/api/v1/interactions?source=site",
        json=[
            view("v1", "2026-05-01T09:00:00Z", email="claire.legoff@exemple.fr"),
            {**view("c1", "2026-05-02T09:00:00Z", email="claire.legoff@exemple.fr"),
             "channel": "phone", "type": "call", "cost": 3.1},
            view("v2", "2026-05-02T09:00:00Z", cookie="ck-1"),
        ],
    )  # fmt: skip

    mine = client.get(f"/api/v1/customers/{customer_id}/contact-statistics").json()
    everyone = client.get("/api/v1/interactions/statistics?since=2026-05-02T00:00:00Z").json()
    unknown = client.get("/api/v1/customers/999/contact-statistics")

    assert (mine["contacts"], float(mine["cost"]), mine["preferred_channel"]) == (2, 3.1, "phone")
    assert [(c["channel"], c["contacts"]) for c in mine["by_channel"]] == [("phone", 1), ("web", 1)]
    assert (everyone["contacts"], everyone["customers"], everyone["anonymous_contacts"]) == (
        2,
        1,
        1,
    )
    assert unknown.status_code == 404


def test_a_note_a_follow_and_the_feed_over_http(client: TestClient):
    customer_id = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"][0][
        "customer_id"
    ]
    client.post(
        "/api/v1/interactions?source=site",
        json=view("v1", "2026-05-01T09:00:00Z", email="claire.legoff@exemple.fr"),
    )

    note = client.post(f"/api/v1/customers/{customer_id}/notes", json={"body": "Mari : Erwan"})
    empty = client.post(f"/api/v1/customers/{customer_id}/notes", json={"body": " "})
    followed = client.put(f"/api/v1/customers/{customer_id}/follow")
    feed = client.get("/api/v1/feed").json()
    notes = client.get(f"/api/v1/customers/{customer_id}/notes").json()

    assert note.status_code == 201
    assert (note.json()["author"], note.json()["body"]) == ("site-web", "Mari : Erwan")
    assert (empty.status_code, empty.json()["detail"]) == (422, "a note needs some text")
    assert followed.json() == {"follower": "site-web", "customer_id": customer_id,
                               "following": True}  # fmt: skip
    assert [item["external_id"] for item in feed] == ["v1"]
    assert (notes["total"], [n["body"] for n in notes["items"]]) == (1, ["Mari : Erwan"])
