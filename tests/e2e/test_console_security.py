"""The console's sessions over HTTP: CSRF on every form, a new session id at each sign-in (no
session fixation), HttpOnly cookies, safe redirects, no secret in the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.cases import services as cases
from parcours.channels.models import OutboxMessage
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.db import Database


@pytest.fixture
def console(db: Database, tmp_path: Path) -> tuple[TestClient, str]:
    with db.transaction(write=True) as session:
        password = create_user(session, "aurelie", role="agent")
    app = create_app(Settings(environment="test", home=tmp_path), db)
    return TestClient(app, base_url="http://testserver"), password


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, password: str, next_page: str = "/console",
            login: str = "aurelie") -> object:  # fmt: skip
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf": form_csrf(page.text), "login": login,
                                         "password": password, "next": next_page},
                       follow_redirects=False)  # fmt: skip


def test_signing_in_gives_a_new_httponly_session_and_ignores_one_planted_before(
    console: tuple[TestClient, str],
):
    client, password = console
    client.cookies.set("parcours_session", "planted-by-an-attacker")

    answer = sign_in(client, password)

    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert "parcours_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "planted-by-an-attacker" not in cookie
    assert client.get("/console/customers").status_code == 200


def test_a_form_without_its_csrf_token_changes_nothing(console: tuple[TestClient, str]):
    client, password = console
    guessed = {"csrf": "guess", "login": "aurelie", "password": password}
    forged = client.post("/sign-in", data=guessed, follow_redirects=False)
    sign_in(client, password)
    forged_out = client.post("/sign-out", data={"csrf": "guess"}, follow_redirects=False)
    still_in = client.get("/console/customers", follow_redirects=False)
    page = client.get("/console/customers")
    client.post("/sign-out", data={"csrf": form_csrf(page.text)}, follow_redirects=False)
    out = client.get("/console/customers", follow_redirects=False)

    assert (forged.status_code, forged_out.status_code) == (403, 403)
    assert still_in.status_code == 200  # a forged sign-out did not end the session
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?next=/console/customers")


def test_a_sign_in_never_redirects_to_another_site(console: tuple[TestClient, str]):
    client, password = console
    answer = sign_in(client, password, next_page="//evil.example/phish")
    assert answer.headers["location"] == "/console"


def test_no_secret_reaches_a_page(console: tuple[TestClient, str], db: Database):
    client, password = console
    sign_in(client, password)
    page = client.get("/console/customers").text
    assert password not in page and "$argon2" not in page
    assert "parcours_session" not in page


def test_another_franchises_case_is_not_found_and_a_forged_reply_is_refused(
    db: Database, tmp_path: Path
):
    with db.transaction(write=True) as session:
        password = create_user(session, "nolwenn", role="seller", unit="Franchise Lannion")
        [brest, lannion] = ingest_batch(session, [
            IncomingRecord("brest", "B1", {"last_name": "Kerbrat", "email": "k@exemple.fr",
                                           "owning_unit": "Franchise Brest"}),
            IncomingRecord("lannion", "L1", {"last_name": "Le Goff", "email": "l@exemple.fr",
                                             "owning_unit": "Franchise Lannion"}),
        ])  # fmt: skip
        quote = {"case_type": "quote", "channel": "email", "subject": "Devis", "opened_by": "x"}
        theirs = cases.open_case(session, customer_id=brest.customer_id, **quote).reference
        ours = cases.open_case(session, customer_id=lannion.customer_id, **quote).reference
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    sign_in(client, password, login="nolwenn")

    listed = client.get("/console/cases").text
    other = client.get(f"/console/cases/{theirs}")
    forged = client.post(f"/console/cases/{ours}/reply",
                         data={"csrf": "guess", "channel": "email", "body": "Bonjour"})  # fmt: skip

    assert ours in listed and theirs not in listed
    assert other.status_code == 404
    assert forged.status_code == 403
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_back_office_user_cannot_decide_a_duplicate(db: Database, tmp_path: Path):
    with db.transaction(write=True) as session:
        password = create_user(session, "gwen", role="back_office")
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    sign_in(client, password, login="gwen")
    page = client.get("/console/matches")

    decided = client.post("/console/matches/1/accept", data={"csrf": form_csrf(page.text)})

    assert "Fusionner" not in page.text
    assert decided.status_code == 403 and "(customers.write)" in decided.text


def test_a_role_without_the_permission_gets_a_forbidden_page_naming_it(
    db: Database, tmp_path: Path
):
    with db.transaction(write=True) as session:
        password = create_user(session, "maela", role="marketer")
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    sign_in(client, password, login="maela")

    cases_page = client.get("/console/cases")
    reply = client.post("/console/cases/DEM-1/reply", data={"csrf": "x", "body": "Bonjour"})

    assert cases_page.status_code == 403 and "(cases.read)" in cases_page.text
    assert "Accès refusé" in cases_page.text
    assert reply.status_code == 403
    assert client.get("/console/customers").status_code == 200


def test_signing_in_leads_back_to_the_page_asked_for_its_query_included(
    console: tuple[TestClient, str],
):
    client, password = console
    asked = client.get("/console/customers?q=le+goff&page=2", follow_redirects=False)
    target = asked.headers["location"].split("next=", 1)[1]

    page = client.get(asked.headers["location"])
    answer = client.post("/sign-in", data={"csrf": form_csrf(page.text), "login": "aurelie",
                                           "password": password,
                                           "next": "/console/customers?q=le+goff&page=2"},
                         follow_redirects=False)  # fmt: skip

    assert target == "/console/customers%3Fq%3Dle%2Bgoff%26page%3D2"
    assert 'value="/console/customers?q=le+goff&amp;page=2"' in page.text
    assert answer.headers["location"] == "/console/customers?q=le+goff&page=2"
