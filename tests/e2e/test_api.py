"""The JSON API over HTTP (FastAPI's test client), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.models import ApiToken
from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.customers.models import SourceRecord
from parcours.db import Database
from tests.factories import synthetic_rows, write_csv
from tests.integration.test_import_crash import import_command

CLAIRE = {
    "source": "web",
    "external_id": "WEB-1",
    "first_name": "Claire",
    "last_name": "Le Goff",
    "email": "claire.legoff@exemple.fr",
    "phone": "06 12 34 56 78",
    "attributes": {"newsletter": True},
}


@pytest.fixture
def token(db: Database) -> str:
    with db.transaction() as session:
        return create_token(session, "site-web")


@pytest.fixture
def client(db: Database, token: str) -> Iterator[TestClient]:
    app = create_app(Settings(environment="test"), db)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def test_health_answers_without_a_token(db: Database):
    with TestClient(create_app(Settings(environment="test"), db)) as anonymous:
        response = anonymous.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == db.dialect


def test_the_api_refuses_a_missing_or_unknown_token(db: Database):
    with TestClient(create_app(Settings(environment="test"), db)) as anonymous:
        missing = anonymous.get("/api/v1/customers")
        unknown = anonymous.get("/api/v1/customers", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, unknown.status_code) == (401, 401)
    assert missing.json()["detail"].startswith("missing API token")
    assert unknown.json()["detail"] == "unknown or revoked API token"


def test_posting_one_record_creates_a_customer(client: TestClient):
    response = client.post("/api/v1/customers/records", json=CLAIRE)

    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert (result["external_id"], result["status"], result["reason"]) == (
        "WEB-1",
        "created",
        "new customer",
    )
    assert isinstance(result["customer_id"], int)


def test_posting_a_batch_reports_each_record(client: TestClient):
    batch = [
        CLAIRE,
        {**CLAIRE, "external_id": "WEB-2", "email": "CLAIRE.LEGOFF@exemple.fr", "phone": None},
        {"source": "web", "external_id": "WEB-3", "email": "pas-un-email"},
        {**CLAIRE, "external_id": "WEB-4", "first_name": "Yann", "email": "yann@", "phone": None},
    ]

    first = client.post("/api/v1/customers/records", json=batch).json()["results"]
    again = client.post("/api/v1/customers/records", json=batch).json()["results"]

    assert [r["status"] for r in first] == ["created", "attached", "rejected", "created"]
    assert first[0]["customer_id"] == first[1]["customer_id"]
    assert first[1]["reason"] == "same email claire.legoff@exemple.fr"
    assert first[3]["dropped"] == [
        {
            "field": "email",
            "value": "yann@",
            "reason": "invalid e-mail address: There must be something after the @-sign.",
        }
    ]
    assert [r["status"] for r in again] == ["unchanged", "unchanged", "rejected", "unchanged"]


def test_an_unknown_field_is_refused_with_its_name(client: TestClient):
    response = client.post("/api/v1/customers/records", json={**CLAIRE, "prenom": "Claire"})

    assert response.status_code == 422
    assert "unknown fields prenom" in response.text


def test_listing_and_searching_customers_is_paged(client: TestClient):
    client.post(
        "/api/v1/customers/records",
        json=[
            CLAIRE,
            {"source": "web", "external_id": "WEB-5", "first_name": "Jean", "last_name": "Martin"},
            {"source": "web", "external_id": "WEB-6", "first_name": "Marie", "last_name": "Martin"},
        ],
    )

    everyone = client.get("/api/v1/customers", params={"page_size": 2}).json()
    martins = client.get("/api/v1/customers", params={"q": "martin"}).json()
    by_phone = client.get("/api/v1/customers", params={"q": "+33 6 12 34 56 78"}).json()

    assert (everyone["total"], len(everyone["items"]), everyone["page_size"]) == (3, 2, 2)
    assert [c["first_name"] for c in martins["items"]] == ["Jean", "Marie"]
    assert [c["last_name"] for c in by_phone["items"]] == ["Le Goff"]
    assert client.get("/api/v1/customers", params={"page_size": 500}).status_code == 422


def test_a_customer_shows_its_identifiers_and_source_records(client: TestClient):
    (result,) = client.post("/api/v1/customers/records", json=CLAIRE).json()["results"]

    response = client.get(f"/api/v1/customers/{result['customer_id']}")
    missing = client.get("/api/v1/customers/999999")

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["email"], body["phone"]) == (
        "Claire",
        "claire.legoff@exemple.fr",
        "+33612345678",
    )
    assert [(i["kind"], i["value"]) for i in body["identifiers"]] == [
        ("email", "claire.legoff@exemple.fr"),
        ("phone", "+33612345678"),
    ]
    assert [(r["source"], r["external_id"]) for r in body["source_records"]] == [("web", "WEB-1")]
    assert body["source_records"][0]["payload"]["phone"] == "06 12 34 56 78"
    assert body["attributes"] == {"newsletter": True}
    assert (missing.status_code, missing.json()["detail"]) == (404, "no customer with id 999999")


def test_the_openapi_document_lists_the_stable_endpoints(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/customers/records",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
    } <= set(paths)


def test_a_token_records_when_it_was_last_used(client: TestClient, db: Database):
    client.get("/api/v1/customers")

    with db.sessions() as session:
        (used,) = session.scalars(select(ApiToken.last_used_at)).all()
    assert used is not None


def test_the_api_keeps_taking_records_while_a_big_import_runs(
    client: TestClient, db: Database, database_url: str, tmp_path: Path
):
    # Given an import of 6,000 customers running in another process
    path = write_csv(tmp_path / "clients.csv", synthetic_rows(6_000))
    command, environment = import_command(path, database_url)
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)

    # When a channel posts records one by one meanwhile
    statuses = []
    for number in range(30):
        record = {"source": "web", "external_id": f"WEB-{number}", "last_name": f"Riou {number}"}
        response = client.post("/api/v1/customers/records", json=record)
        statuses.append((response.status_code, response.json()["results"][0]["status"]))
    assert process.wait(timeout=300) == 0

    # Then every request succeeded and both sides are complete
    assert statuses == [(200, "created")] * 30
    with db.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(SourceRecord))
    assert stored == 6_030
