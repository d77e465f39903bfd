"""Every console route × every role: a signed-in person whose role lacks the page's permission
gets the 403 page naming it, one who has it gets the page; signed out, every page is a redirect
to the sign-in; a form sent without the session's CSRF token (or by a role without the
permission, or signed out) is refused and changes nothing. The routes are read from the app; what
each needs is written below by hand from the design — a route missing from the table fails, with
its name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from parcours.accounts.access import ROLES, Principal
from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database
from tests.e2e.app_routes import filled, route_id, routes, shape_of_the_app
from tests.e2e.security_world import World, build_world, secrets_shown

#: ``/console`` itself only sends to the customer search (which then asks for a sign-in).
TO_CUSTOMER_SEARCH = "redirect to /console/customers"

#: (method, path) → the permission the signed-in person's role needs. Written from the design
#: (:mod:`parcours.accounts.access`): a new console route fails until it is added here.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/console"): TO_CUSTOMER_SEARCH,
    ("GET", "/console/customers"): "customers.read",
    ("GET", "/console/customers/{customer_id}"): "customers.read",
    ("GET", "/console/cases"): "cases.read",
    ("GET", "/console/cases/{key}"): "cases.read",
    ("GET", "/console/matches"): "customers.read",
    ("POST", "/console/cases/{key}/reply"): "cases.write",
    ("POST", "/console/matches/{review_id}/{decision}"): "customers.write",
}
#: What each form sends, but its CSRF token.
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/console/cases/{key}/reply"): {"channel": "email", "body": "Bonjour Claire"},
    ("POST", "/console/matches/{review_id}/{decision}"): {},
}
CONSOLE_ROUTES = routes(shape_of_the_app(), "/console")
PAGES = [route for route in CONSOLE_ROUTES if route[0] == "GET"]
FORM_ROUTES = [route for route in CONSOLE_ROUTES if route[0] != "GET"]
FORBIDDEN_PAGE = "Accès refusé"
EXPIRED_FORM = "Formulaire expiré : rechargez la page."


@dataclass(frozen=True)
class Console:
    world: World
    #: role → a client signed in as ``user-<role>``; ``None`` → a client never signed in.
    clients: dict[str | None, TestClient]

    def path(self, route: tuple[str, str]) -> str:
        values = {"customer_id": str(self.world.customer_id), "key": self.world.case_reference,
                  "review_id": str(self.world.review_id), "decision": "accept"}  # fmt: skip
        try:
            return filled(route[1], values)
        except KeyError as error:
            pytest.fail(f"{route_id(route)}: no value for the path parameter {error} in "
                        f"{Path(__file__).name}", pytrace=False)  # fmt: skip


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def signed_in_client(app: FastAPI, login: str, password: str) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"csrf": form_csrf(page.text), "login": login,
                                           "password": password, "next": "/console"},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def open_console(world: World) -> Console:
    app = create_app(Settings(environment="test", home=world.home), world.database)
    clients: dict[str | None, TestClient] = {
        role: signed_in_client(app, f"user-{role}", password)
        for role, password in world.passwords.items()
    }
    clients[None] = TestClient(app, base_url="http://testserver")
    return Console(world, clients)


@pytest.fixture(scope="module")
def console(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One app on one world for the whole matrix: a signed-in client per role."""
    world = build_world(sqlite_template, tmp_path_factory)
    yield open_console(world)
    world.database.engine.dispose()


def snapshot(database: Database) -> dict[str, list[str]]:
    """Every row of every table: what a refused form must leave as it was."""
    with database.engine.connect() as connection:
        return {
            table: sorted(repr(tuple(row))
                          for row in connection.execute(text(f'SELECT * FROM "{table}"')))
            for table in inspect(connection).get_table_names()
        }  # fmt: skip


def needed(route: tuple[str, str]) -> str:
    if route not in EXPECTED:
        pytest.fail(f"{route_id(route)} has no expected permission: add it to EXPECTED in "
                    f"{Path(__file__).name}", pytrace=False)  # fmt: skip
    return EXPECTED[route]


def test_every_console_route_has_an_expected_permission_and_every_entry_a_route():
    served = set(CONSOLE_ROUTES)
    missing = sorted(route_id(route) for route in served - EXPECTED.keys())
    stale = sorted(route_id(route) for route in EXPECTED.keys() - served)
    formless = sorted(route_id(route) for route in FORM_ROUTES if route not in FORMS)

    assert missing == [], f"console routes without an expected permission: {missing}"
    assert stale == [], f"expected permissions of routes the app does not serve: {stale}"
    assert formless == [], f"console forms without their fields in FORMS: {formless}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", PAGES, ids=route_id)
def test_given_a_signed_in_role_a_page_is_403_exactly_when_the_role_lacks_its_permission(
    console: Console, route: tuple[str, str], role: str
):
    permission = needed(route)

    answer = console.clients[role].get(console.path(route), follow_redirects=False)

    if permission == TO_CUSTOMER_SEARCH:
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/customers")
    elif Principal("person", role).may(permission):
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403
        assert FORBIDDEN_PAGE in answer.text and f"({permission})" in answer.text


@pytest.mark.parametrize("route", PAGES, ids=route_id)
def test_given_no_session_a_page_redirects_to_the_sign_in(console: Console, route: tuple[str, str]):
    permission = needed(route)
    path = console.path(route)

    answer = console.clients[None].get(path, follow_redirects=False)

    expected = "/console/customers" if permission == TO_CUSTOMER_SEARCH else f"/sign-in?next={path}"
    assert (answer.status_code, answer.headers["location"]) == (303, expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", FORM_ROUTES, ids=route_id)
def test_given_a_form_without_its_csrf_token_then_it_is_403_and_nothing_changes(
    console: Console, route: tuple[str, str], role: str
):
    permission = needed(route)
    before = snapshot(console.world.database)

    answer = console.clients[role].request(route[0], console.path(route), data=FORMS[route],
                                           follow_redirects=False)  # fmt: skip

    assert answer.status_code == 403
    if Principal("person", role).may(permission):
        assert answer.text == EXPIRED_FORM
    else:
        assert f"({permission})" in answer.text
    assert snapshot(console.world.database) == before


@pytest.mark.parametrize(("route", "role"), [
    pytest.param(route, role, id=f"{route_id(route)}-{role}")
    for route in FORM_ROUTES for role in ROLES
    if route in EXPECTED and not Principal("person", role).may(EXPECTED[route])
])  # fmt: skip
def test_given_a_role_without_the_permission_a_form_with_its_csrf_token_is_403_and_changes_nothing(
    console: Console, route: tuple[str, str], role: str
):
    permission = needed(route)
    client = console.clients[role]
    csrf = form_csrf(client.get("/console/customers").text)
    before = snapshot(console.world.database)

    answer = client.request(route[0], console.path(route), data={**FORMS[route], "csrf": csrf},
                            follow_redirects=False)  # fmt: skip

    assert answer.status_code == 403
    assert FORBIDDEN_PAGE in answer.text and f"({permission})" in answer.text
    assert snapshot(console.world.database) == before


@pytest.mark.parametrize("route", FORM_ROUTES, ids=route_id)
def test_given_no_session_a_form_redirects_to_the_sign_in_and_changes_nothing(
    console: Console, route: tuple[str, str]
):
    path = console.path(route)
    before = snapshot(console.world.database)

    answer = console.clients[None].request(route[0], path, data=FORMS[route],
                                           follow_redirects=False)  # fmt: skip

    assert (answer.status_code, answer.headers["location"]) == (303, f"/sign-in?next={path}")
    assert snapshot(console.world.database) == before


@pytest.mark.parametrize("route", FORM_ROUTES, ids=route_id)
def test_given_an_admin_with_the_csrf_token_the_same_form_does_change_something(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, route: tuple[str, str]
):
    """The control of the refusals above: the very form they send works when it may."""
    world = build_world(sqlite_template, tmp_path_factory, people=("admin",))
    console = open_console(world)
    client = console.clients["admin"]
    csrf = form_csrf(client.get("/console/customers").text)
    before = snapshot(world.database)

    answer = client.request(route[0], console.path(route), data={**FORMS[route], "csrf": csrf},
                            follow_redirects=False)  # fmt: skip

    assert answer.status_code == 303, answer.text
    assert snapshot(world.database) != before
    world.database.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
def test_no_secret_appears_in_any_console_page(console: Console, role: str):
    client = console.clients[role]
    session_id = client.cookies.get("parcours_session")
    shown: dict[str, list[str]] = {}

    for route in PAGES:
        for query in ("", "?q=claire"):
            page = client.get(console.path(route) + query)
            found = secrets_shown(page.text, console.world)
            if session_id and session_id in page.text:
                found.append("the session id")
            if found:
                shown[route_id(route) + query] = found

    assert session_id
    assert shown == {}
