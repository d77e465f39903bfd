"""Every console route × every role: a signed-in person whose role lacks the page's permission
gets the 403 page naming it, one who has it gets the page; signed out, every page is a redirect
to the sign-in; a form sent without the session's CSRF token (or by a role without the
permission, or signed out) is refused and changes nothing, while the same form sent by an admin
changes something. Two kinds of routes are not pages: the live streams (server-sent events, called
with a short ``?timeout=``: 401 signed out, 403 without the permission, else a stream) and the chat
desk's JSON routes (401 / 403 in JSON, the CSRF token in a header). The routes are read from the
app; what each needs is written below by hand from the design — a route missing from the tables
fails, with its name, and so does an entry of the tables with no route."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from parcours.accounts.access import ROLES, Principal
from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database, create_db_engine
from tests.conftest import sqlite_url_for
from tests.e2e.app_routes import filled, route_id, routes, routes_taking, shape_of_the_app
from tests.e2e.security_world import World, build_world, secrets_shown

#: ``/console`` itself only sends to the customer search (which then asks for a sign-in).
TO_CUSTOMER_SEARCH = "redirect to /console/customers"

#: (method, path) → the permission the signed-in person's role needs. Written from the design
#: (:mod:`parcours.accounts.access`, docs/console.md, docs/administration.md,
#: docs/customer-360.md): a new console route fails until it is added here.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/console"): TO_CUSTOMER_SEARCH,
    ("GET", "/console/customers"): "customers.read",
    ("GET", "/console/customers/{customer_id}"): "customers.read",
    ("POST", "/console/customers/{customer_id}/notes"): "customers.write",
    # docs/customer-360.md: following is for "anyone who may read the customer"
    ("POST", "/console/customers/{customer_id}/follow"): "customers.read",
    ("POST", "/console/customers/{customer_id}/unfollow"): "customers.read",
    ("POST", "/console/customers/{customer_id}/consents"): "consents.write",
    ("POST", "/console/customers/{customer_id}/merges/{merge_id}/undo"): "customers.write",
    ("GET", "/console/matches"): "customers.read",
    ("POST", "/console/matches/{review_id}/{decision}"): "customers.write",
    ("GET", "/console/cases"): "cases.read",
    ("GET", "/console/cases/{key}"): "cases.read",
    ("POST", "/console/cases/{key}/reply"): "cases.write",
    ("POST", "/console/cases/{key}/note"): "cases.write",
    ("POST", "/console/cases/{key}/status"): "cases.write",
    ("POST", "/console/cases/{key}/transfer"): "cases.write",
    ("POST", "/console/cases/{key}/callback"): "cases.write",
    ("GET", "/console/dashboard"): "reports.read",
    ("GET", "/console/dashboard/cases"): "reports.read",
    ("GET", "/console/dashboard/answers"): "reports.read",
    ("GET", "/console/inbox"): "cases.read",
    ("GET", "/console/inbox/events"): "cases.read",
    ("POST", "/console/inbox/next"): "cases.write",
    ("GET", "/console/chat"): "cases.write",
    ("GET", "/console/chat/events"): "cases.read",
    ("GET", "/console/chat/conversations"): "cases.read",
    ("GET", "/console/chat/conversations/{conversation_id}"): "cases.read",
    ("POST", "/console/chat/conversations/{conversation_id}/messages"): "cases.write",
    ("POST", "/console/chat/conversations/{conversation_id}/close"): "cases.write",
    ("GET", "/console/admin"): "staff.write",
    ("GET", "/console/admin/teams"): "staff.write",
    ("POST", "/console/admin/teams"): "staff.write",
    ("GET", "/console/admin/agents"): "staff.write",
    ("POST", "/console/admin/agents"): "staff.write",
    ("GET", "/console/admin/agents/{agent_id}"): "staff.write",
    ("POST", "/console/admin/agents/{agent_id}"): "staff.write",
    ("GET", "/console/admin/routing"): "staff.write",
    ("POST", "/console/admin/routing"): "staff.write",
    ("POST", "/console/admin/queues"): "staff.write",
    ("GET", "/console/admin/slas"): "staff.write",
    ("POST", "/console/admin/slas"): "staff.write",
    ("GET", "/console/admin/users"): "users.write",
    ("POST", "/console/admin/users"): "users.write",
    ("GET", "/console/admin/users/{login}"): "users.write",
    ("POST", "/console/admin/users/{login}"): "users.write",
    ("POST", "/console/admin/users/{login}/password"): "users.write",
    ("GET", "/console/admin/channels"): "channels.write",
    ("GET", "/console/admin/channels/new"): "channels.write",
    ("GET", "/console/admin/channels/{name}"): "channels.write",
    ("POST", "/console/admin/channels"): "channels.write",
}
#: Server-sent event streams: a plain GET never ends, so they are called with ``?timeout=``
#: and answer 401 signed out (no sign-in page for an ``EventSource``).
STREAMS = {("GET", "/console/chat/events"), ("GET", "/console/inbox/events")}
STREAM_TIMEOUT = "?timeout=0.2"
#: The chat desk's JSON routes → what they answer a role allowed (on the world's conversation).
#: Its script sends the session's CSRF token in the ``X-CSRF-Token`` header.
JSON_ROUTES: dict[tuple[str, str], int] = {
    ("GET", "/console/chat/conversations"): 200,
    ("GET", "/console/chat/conversations/{conversation_id}"): 200,
    ("POST", "/console/chat/conversations/{conversation_id}/messages"): 201,
    ("POST", "/console/chat/conversations/{conversation_id}/close"): 200,
}
#: What each change sends: an HTML form's fields but its CSRF token, a JSON route's body. Values
#: that succeed on the world (see the admin control below).
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/console/customers/{customer_id}/notes"): {"body": "Préfère être appelée"},
    ("POST", "/console/customers/{customer_id}/follow"): {},
    ("POST", "/console/customers/{customer_id}/unfollow"): {},
    ("POST", "/console/customers/{customer_id}/consents"): {
        "address": "email|claire@exemple.fr", "purpose": "marketing", "decision": "grant"},
    ("POST", "/console/customers/{customer_id}/merges/{merge_id}/undo"): {},
    ("POST", "/console/matches/{review_id}/{decision}"): {},
    ("POST", "/console/cases/{key}/reply"): {"channel": "email", "body": "Bonjour Claire"},
    ("POST", "/console/cases/{key}/note"): {"body": "Rappeler le magasin"},
    ("POST", "/console/cases/{key}/status"): {"status": "waiting_internal",
                                              "reason": "devis fournisseur"},
    ("POST", "/console/cases/{key}/transfer"): {"to": "queue:sav", "reason": "retour en file"},
    ("POST", "/console/cases/{key}/callback"): {"at": "2030-01-07T10:00", "note": "devis"},
    ("POST", "/console/inbox/next"): {},
    ("POST", "/console/chat/conversations/{conversation_id}/messages"): {"text": "Bonjour"},
    ("POST", "/console/chat/conversations/{conversation_id}/close"): {},
    ("POST", "/console/admin/teams"): {"name": "Magasin Brest", "kind": "store"},
    ("POST", "/console/admin/agents"): {"name": "Erwan", "team": "Service client",
                                        "channels": "email:5, chat:2", "presence": "offline"},
    ("POST", "/console/admin/agents/{agent_id}"): {"skills": "language:fr:4"},
    ("POST", "/console/admin/routing"): {"position": "1", "queue": "sav", "types": "quote"},
    ("POST", "/console/admin/queues"): {"name": "devis", "teams": "Service client"},
    ("POST", "/console/admin/slas"): {"name": "Devis", "position": "1",
                                      "first_response_minutes": "60",
                                      "resolution_minutes": "2880", "reminder_minutes": "30"},
    ("POST", "/console/admin/users"): {"login": "erwan", "role": "agent", "language": "fr"},
    ("POST", "/console/admin/users/{login}"): {"role": "admin", "display_name": "Admin Parcours",
                                               "language": "fr", "is_active": "on"},
    ("POST", "/console/admin/users/{login}/password"): {},
    ("POST", "/console/admin/channels"): {"name": "whatsapp-sav", "kind": "whatsapp",
                                          "setting.phone_number_id": "5678", "is_active": "on"},
}  # fmt: skip
#: What an allowed form answers when it is not a redirect (303): a new password is shown in the
#: answer to the POST itself (docs/administration.md).
ANSWERED = {("POST", "/console/admin/users"): 201,
            ("POST", "/console/admin/users/{login}/password"): 200}  # fmt: skip
CONSOLE_ROUTES = routes(shape_of_the_app(), "/console")
TAKING_A_TIMEOUT = routes_taking(shape_of_the_app(), "/console", "timeout")
SPECIAL = STREAMS | JSON_ROUTES.keys() | set(TAKING_A_TIMEOUT)
PAGES = [route for route in CONSOLE_ROUTES if route[0] == "GET" and route not in SPECIAL]
FORM_ROUTES = [route for route in CONSOLE_ROUTES if route[0] != "GET" and route not in SPECIAL]
STREAM_ROUTES = [route for route in CONSOLE_ROUTES if route in STREAMS]
JSON_READS = [route for route in CONSOLE_ROUTES if route in JSON_ROUTES and route[0] == "GET"]
JSON_CHANGES = [route for route in CONSOLE_ROUTES if route in JSON_ROUTES and route[0] != "GET"]
FORBIDDEN_PAGE = "Accès refusé"
EXPIRED_FORM = "Formulaire expiré : rechargez la page."


@dataclass(frozen=True)
class Console:
    world: World
    #: role → a client signed in as ``user-<role>``; ``None`` → a client never signed in.
    clients: dict[str | None, TestClient]

    def path(self, route: tuple[str, str]) -> str:
        world = self.world
        values = {"customer_id": str(world.customer_id), "key": world.case_reference,
                  "review_id": str(world.review_id), "decision": "accept",
                  "merge_id": str(world.merge_id), "conversation_id": str(world.conversation_id),
                  "agent_id": str(world.agent_id), "login": "user-admin",
                  "name": "whatsapp-sav"}  # fmt: skip
        queries = {
            ("GET", "/console/dashboard/cases"): "?figure=channel&value=email",
            ("GET", "/console/dashboard/answers"): f"?question={world.question_id}&month=2026-11",
        }
        try:
            return filled(route[1], values) + queries.get(route, "")
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
    changes = FORM_ROUTES + JSON_CHANGES
    formless = sorted(route_id(route) for route in changes if route not in FORMS)
    stale_kinds = sorted(
        route_id(route)
        for route in (STREAMS | JSON_ROUTES.keys() | FORMS.keys() | ANSWERED.keys()) - served
    )
    unlisted_streams = sorted(route_id(route) for route in set(TAKING_A_TIMEOUT) - STREAMS)

    assert missing == [], f"console routes without an expected permission: {missing}"
    assert stale == [], f"expected permissions of routes the app does not serve: {stale}"
    assert formless == [], f"console forms without their fields in FORMS: {formless}"
    assert stale_kinds == [], (
        f"STREAMS, JSON_ROUTES, FORMS or ANSWERED entries without a route: {stale_kinds}"
    )
    assert unlisted_streams == [], (
        f"routes taking ?timeout= (streams?) not in STREAMS: {unlisted_streams}"
    )


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

    expected = (
        "/console/customers"
        if permission == TO_CUSTOMER_SEARCH
        else f"/sign-in?next={quote(path, safe='/')}"
    )
    assert (answer.status_code, answer.headers["location"]) == (303, expected)


@pytest.mark.parametrize("role", [*ROLES, None], ids=lambda role: role or "signed-out")
@pytest.mark.parametrize("route", STREAM_ROUTES, ids=route_id)
def test_a_stream_is_401_signed_out_403_without_its_permission_and_else_a_stream(
    console: Console, route: tuple[str, str], role: str | None
):
    permission = needed(route)

    answer = console.clients[role].get(console.path(route) + STREAM_TIMEOUT)

    if role is None:
        assert answer.status_code == 401
    elif Principal("person", role).may(permission):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/event-stream")
    else:
        assert answer.status_code == 403
        assert permission in answer.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", JSON_READS, ids=route_id)
def test_given_a_signed_in_role_a_chat_read_is_403_json_exactly_when_the_role_lacks_its_permission(
    console: Console, route: tuple[str, str], role: str
):
    permission = needed(route)

    answer = console.clients[role].get(console.path(route))

    if Principal("person", role).may(permission):
        assert answer.status_code == JSON_ROUTES[route], answer.text
        assert answer.headers["content-type"] == "application/json"
    else:
        assert (answer.status_code, answer.json()) == (
            403, {"detail": f"the {role} role may not {permission}"})  # fmt: skip


@pytest.mark.parametrize("route", JSON_READS + JSON_CHANGES, ids=route_id)
def test_given_no_session_a_chat_route_is_401_json_and_changes_nothing(
    console: Console, route: tuple[str, str]
):
    before = snapshot(console.world.database)

    answer = console.clients[None].request(route[0], console.path(route), json=FORMS.get(route),
                                           follow_redirects=False)  # fmt: skip

    assert (answer.status_code, answer.json()) == (401, {"detail": "signed out: sign in again"})
    assert snapshot(console.world.database) == before


@pytest.mark.parametrize("csrf", ["missing", "wrong"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", JSON_CHANGES, ids=route_id)
def test_given_a_chat_change_without_its_csrf_header_then_it_is_403_json_and_nothing_changes(
    console: Console, route: tuple[str, str], role: str, csrf: str
):
    permission = needed(route)
    headers = {"X-CSRF-Token": "not-the-session-token"} if csrf == "wrong" else {}
    before = snapshot(console.world.database)

    answer = console.clients[role].post(console.path(route), json=FORMS[route], headers=headers)

    if Principal("person", role).may(permission):
        expected = {"detail": "missing or wrong CSRF token"}
    else:
        expected = {"detail": f"the {role} role may not {permission}"}
    assert (answer.status_code, answer.json()) == (403, expected)
    assert snapshot(console.world.database) == before


@pytest.mark.parametrize(("route", "role"), [
    pytest.param(route, role, id=f"{route_id(route)}-{role}")
    for route in JSON_CHANGES for role in ROLES
    if route in EXPECTED and not Principal("person", role).may(EXPECTED[route])
])  # fmt: skip
def test_given_a_role_without_the_permission_a_chat_change_with_its_csrf_header_is_403_json(
    console: Console, route: tuple[str, str], role: str
):
    permission = needed(route)
    client = console.clients[role]
    csrf = form_csrf(client.get("/console/customers").text)
    before = snapshot(console.world.database)

    answer = client.post(console.path(route), json=FORMS[route], headers={"X-CSRF-Token": csrf})

    assert (answer.status_code, answer.json()) == (
        403, {"detail": f"the {role} role may not {permission}"})  # fmt: skip
    assert snapshot(console.world.database) == before


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

    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/sign-in?next={quote(path, safe='/')}",
    )
    assert snapshot(console.world.database) == before


@dataclass(frozen=True)
class SignedInWorld:
    """A world whose admin signed in once: its session lives in the database, so a copy of the
    world comes with it (no password hashed or checked again)."""

    world: World
    cookies: dict[str, str]
    csrf: str

    def copy(self, tmp_path_factory: pytest.TempPathFactory) -> Console:
        home = tmp_path_factory.mktemp("security-world-copy")
        shutil.copytree(self.world.home, home, dirs_exist_ok=True)
        database = Database(create_db_engine(sqlite_url_for(home / "parcours.db")))
        world = dataclasses.replace(self.world, database=database, home=home)
        app = create_app(Settings(environment="test", home=home), database)
        client = TestClient(app, base_url="http://testserver", cookies=self.cookies)
        return Console(world, {"admin": client})


@pytest.fixture(scope="module")
def admin_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> SignedInWorld:
    world = build_world(sqlite_template, tmp_path_factory, people=("admin",))
    client = open_console(world).clients["admin"]
    csrf = form_csrf(client.get("/console/customers").text)
    signed_in = SignedInWorld(world, dict(client.cookies), csrf)
    world.database.engine.dispose()  # every connection closed: the file holds everything
    return signed_in


@pytest.mark.parametrize("route", FORM_ROUTES + JSON_CHANGES, ids=route_id)
def test_given_an_admin_with_the_csrf_token_the_same_change_does_change_something(
    admin_world: SignedInWorld, tmp_path_factory: pytest.TempPathFactory, route: tuple[str, str]
):
    """The control of the refusals above: the very form (or JSON call) they send works when it
    may — each on a copy of the world, as each one changes it."""
    console = admin_world.copy(tmp_path_factory)
    client, csrf, database = console.clients["admin"], admin_world.csrf, console.world.database
    before = snapshot(database)

    if route in JSON_ROUTES:
        answer = client.post(console.path(route), json=FORMS[route],
                             headers={"X-CSRF-Token": csrf})  # fmt: skip
        expected = JSON_ROUTES[route]
    else:
        answer = client.request(route[0], console.path(route),
                                data={**FORMS[route], "csrf": csrf},
                                follow_redirects=False)  # fmt: skip
        expected = ANSWERED.get(route, 303)

    assert answer.status_code == expected, answer.text
    assert snapshot(database) != before
    database.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
def test_no_secret_appears_in_any_console_page(console: Console, role: str):
    """Every page and every chat read, as each role sees it (the admin channel pages show
    whether a secret is set, never its value)."""
    client = console.clients[role]
    session_id = client.cookies.get("parcours_session")
    shown: dict[str, list[str]] = {}

    for route in PAGES + JSON_READS:
        for query in ("", "?q=claire"):
            page = client.get(console.path(route) + query)
            found = secrets_shown(page.text, console.world)
            if session_id and session_id in page.text:
                found.append("the session id")
            if found:
                shown[route_id(route) + query] = found

    assert session_id
    assert shown == {}
