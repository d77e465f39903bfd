"""Roles and scopes over the API: a franchise's seller sees the brand's customers and the
franchise's own, never another franchise's (404, as if it did not exist), and each role may only
do its own work (403 naming the permission); every view and refusal is in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.accounts.models import AuditEvent
from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.db import Database

CUSTOMERS = [
    IncomingRecord("web", "W1", {"first_name": "Anne", "last_name": "Marque",
                                 "email": "anne@exemple.fr"}),
    IncomingRecord("lannion", "L1", {"first_name": "Louis", "last_name": "Lannion",
                                     "email": "louis@exemple.fr",
                                     "owning_unit": "Franchise Lannion"}),
    IncomingRecord("brest", "B1", {"first_name": "Brigitte", "last_name": "Brest",
                                   "email": "brigitte@exemple.fr",
                                   "owning_unit": "Franchise Brest"}),
]  # fmt: skip


@pytest.fixture
def clients(db: Database, tmp_path: Path) -> dict[str, TestClient]:
    with db.transaction(write=True) as session:
        ingest_batch(session, CUSTOMERS)
        tokens = {
            "lannion": create_token(session, "caisse-lannion", role="seller",
                                    unit="Franchise Lannion"),
            "brand": create_token(session, "direction", role="manager"),
            "marketing": create_token(session, "crm-marketing", role="marketer"),
            "admin": create_token(session, "integration"),
        }  # fmt: skip
    app = create_app(Settings(environment="test", home=tmp_path), db)
    return {name: TestClient(app, headers={"Authorization": f"Bearer {token}"})
            for name, token in tokens.items()}  # fmt: skip


def ids_by_name(client: TestClient) -> dict[str, int]:
    page = client.get("/api/v1/customers").json()
    return {item["last_name"]: item["id"] for item in page["items"]}


def test_a_franchise_sees_its_own_customers_and_the_brands_never_anothers(
    db: Database, clients: dict[str, TestClient]
):
    every = ids_by_name(clients["admin"])
    lannion = clients["lannion"]

    seen_by_lannion = ids_by_name(lannion)
    seen_by_brand = ids_by_name(clients["brand"])
    own = lannion.get(f"/api/v1/customers/{every['Lannion']}")
    other = lannion.get(f"/api/v1/customers/{every['Brest']}")
    other_timeline = lannion.get(f"/api/v1/customers/{every['Brest']}/timeline")
    searched = lannion.get("/api/v1/customers", params={"q": "brigitte@exemple.fr"}).json()

    assert sorted(seen_by_lannion) == ["Lannion", "Marque"]
    assert sorted(seen_by_brand) == ["Marque"]  # the franchisees' customers are theirs
    assert own.status_code == 200
    assert (other.status_code, other_timeline.status_code) == (404, 404)
    # The same answer as for a customer that does not exist: the base cannot be probed.
    assert other.json() == {"detail": f"no customer with id {every['Brest']}"}
    assert clients["admin"].get("/api/v1/customers/999999").json() == {
        "detail": "no customer with id 999999"
    }
    assert searched["total"] == 0
    with db.sessions() as session:
        log = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.customer_id)
            .where(AuditEvent.actor == "token:caisse-lannion")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in log] == [
        ("token:caisse-lannion", "viewed", every["Lannion"]),
        ("token:caisse-lannion", "refused", every["Brest"]),
        ("token:caisse-lannion", "refused", every["Brest"]),
    ]


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "permission"),
    [
        pytest.param("marketing", "post", "/api/v1/cases", {}, "cases.write", id="marketer-case"),
        pytest.param("marketing", "get", "/api/v1/cases", None, "cases.read", id="marketer-cases"),
        pytest.param("lannion", "post", "/api/v1/teams", {}, "staff.write", id="seller-team"),
        pytest.param("lannion", "put", "/api/v1/channels/x", {}, "channels.write",
                     id="seller-channel"),
        pytest.param("brand", "get", "/api/v1/channels", None, "channels.write",
                     id="manager-channels"),
        pytest.param("lannion", "post", "/api/v1/surveys", {}, "surveys.write",
                     id="seller-survey"),
        pytest.param("lannion", "post", "/api/v1/consents", {}, "consents.write",
                     id="seller-consent"),
    ],
)  # fmt: skip
def test_a_role_may_only_do_its_own_work(
    clients: dict[str, TestClient], who: str, method: str, path: str, body: object,
    permission: str,
):  # fmt: skip
    client = clients[who]
    answer = client.request(method.upper(), path, json=body)
    role = {"marketing": "marketer", "lannion": "seller", "brand": "manager"}[who]
    assert (answer.status_code, answer.json()["detail"]) == (
        403, f"the {role} role may not {permission}",
    )  # fmt: skip


def test_an_admin_integration_does_everything(clients: dict[str, TestClient]):
    admin = clients["admin"]
    assert admin.get("/api/v1/channels").status_code == 200
    assert admin.get("/api/v1/cases").status_code == 200
    assert len(ids_by_name(admin)) == 3


def test_another_franchises_cases_are_not_listed_read_changed_or_opened(
    clients: dict[str, TestClient],
):
    every = ids_by_name(clients["admin"])
    quote = {"type": "quote", "channel": "email", "subject": "Devis"}
    theirs = clients["admin"].post("/api/v1/cases", json={**quote, "customer_id": every["Brest"]})
    ours = clients["admin"].post("/api/v1/cases", json={**quote, "customer_id": every["Lannion"]})
    lannion = clients["lannion"]
    key, own_key = theirs.json()["reference"], ours.json()["reference"]

    listed = lannion.get("/api/v1/cases").json()
    read = lannion.get(f"/api/v1/cases/{key}")
    noted = lannion.post(f"/api/v1/cases/{key}/notes", json={"author": "x", "body": "Vu"})
    opened = lannion.post("/api/v1/cases", json={**quote, "customer_id": every["Brest"]})

    assert [item["reference"] for item in listed["items"]] == [own_key]
    assert listed["total"] == 1
    assert (read.status_code, read.json()) == (404, {"detail": f"no case {key}"})
    assert noted.status_code == 404
    assert opened.status_code == 404
    thread = clients["admin"].get(f"/api/v1/cases/{key}").json()["thread"]
    assert [line for line in thread if line["kind"] == "note"] == []
    assert lannion.get(f"/api/v1/cases/{own_key}").status_code == 200
