"""Error pages: a person gets the console's look for a page that does not exist or a failure
inside (nothing of it shown), in their language; a program on the API keeps JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.config import Settings
from parcours.customers import services as customers
from parcours.db import Database
from tests.e2e.test_console_security import sign_in

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(environment="test", home=tmp_path), db),
                      raise_server_exceptions=False)  # fmt: skip


def test_a_page_that_does_not_exist_is_a_friendly_page_and_json_on_the_api(client: TestClient):
    page = client.get("/console/nothing-here", headers=HTML)
    english = client.get("/console/nothing-here?lang=en", headers=HTML)
    api = client.get("/api/v1/nothing-here", headers=HTML)

    assert page.status_code == 404 and "Cette page n&#39;existe pas." in page.text
    assert "<h1>Introuvable</h1>" in page.text
    assert english.status_code == 404 and "This page does not exist." in english.text
    assert (api.status_code, api.json()) == (404, {"detail": "Not Found"})


def test_a_failure_inside_shows_a_page_that_reveals_nothing(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
):
    with db.transaction(write=True) as session:
        password = create_user(session, "aurelie", role="agent")
    sign_in(client, password)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(customers, "search_customers", broken)
    page = client.get("/console/customers?q=Le+Goff", headers=HTML)

    assert page.status_code == 500
    assert "Une erreur est survenue" in page.text and "Rien n'a été enregistré." in page.text
    assert "secret detail" not in page.text and "Traceback" not in page.text


def test_what_a_not_found_page_repeats_from_the_address_is_escaped(
    client: TestClient, db: Database
):
    with db.transaction(write=True) as session:
        password = create_user(session, "aurelie", role="agent")
    sign_in(client, password)

    page = client.get("/console/cases/<img src=x onerror=alert(1)>", headers=HTML)

    assert page.status_code == 404
    assert "<img src=x" not in page.text
    assert "Aucune demande &lt;img src=x onerror=alert(1)&gt;." in page.text
