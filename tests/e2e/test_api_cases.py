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


def test_staff_is_set_up_and_cases_are_routed_taken_and_transferred_over_http(client: TestClient):  # noqa: F811
    for team in (
        {"name": "guingamp", "kind": "store"},
        {"name": "centre", "kind": "contact_centre"},
    ):
        assert client.post("/api/v1/teams", json=team).status_code == 201
    nolwenn = client.post("/api/v1/agents", json={
        "name": "Nolwenn", "team": "guingamp", "channels": {"chat": 2},
        "skills": {"language:fr": 4}, "presence": "available"})  # fmt: skip
    client.post("/api/v1/agents", json={
        "name": "Aurélie", "team": "centre", "channels": {"chat": 3},
        "skills": {"language:fr": 3}})  # fmt: skip
    client.post("/api/v1/queues", json={"name": "showroom", "teams": ["guingamp"],
                                        "is_default": True})  # fmt: skip
    client.post("/api/v1/queues", json={"name": "centre", "teams": ["centre"]})
    rule = client.post("/api/v1/routing-rules", json={
        "position": 1, "queue": "centre", "conditions": {"types": ["complaint"]},
        "priority": "high"})  # fmt: skip

    routed = client.post("/api/v1/cases", json={"type": "quote", "channel": "chat", "subject": "a"})
    waiting = client.post("/api/v1/cases", json={"type": "complaint", "channel": "chat",
                                                 "subject": "b"})  # fmt: skip
    detail = client.get(f"/api/v1/cases/{waiting.json()['id']}").json()
    client.put("/api/v1/agents/Aurélie/presence", json={"presence": "available"})
    taken = client.post("/api/v1/cases/next", json={"agent": "Aurélie"}).json()
    conflict = client.post(f"/api/v1/cases/{routed.json()['id']}/assign", json={"agent": "Aurélie"})
    moved = client.post(f"/api/v1/cases/{routed.json()['id']}/transfer",
                        json={"queue": "centre", "reason": "renfort"}).json()  # fmt: skip
    agents = {a["name"]: a["load"] for a in client.get("/api/v1/agents").json()}

    assert nolwenn.json()["load"] == {}
    assert rule.json()["queue"] == "centre"
    assert (routed.json()["owner_id"], routed.json()["status"]) == (nolwenn.json()["id"], "open")
    assert (detail["queue"], detail["owner"], detail["priority"]) == ("centre", None, "high")
    assert detail["routing"][-1] == "no agent available: the case waits in the queue"
    assert (taken["id"], taken["owner"]) == (waiting.json()["id"], "Aurélie")
    assert conflict.status_code == 409
    assert conflict.json()["detail"] == f"{routed.json()['reference']} is already Nolwenn's"
    assert (moved["queue"], moved["owner"]) == ("centre", "Aurélie")
    assert agents == {"Nolwenn": {}, "Aurélie": {"chat": 2}}
    assert client.get("/api/v1/cases?queue=centre").json()["total"] == 2
    assert client.get("/api/v1/cases?queue=nowhere").status_code == 422
