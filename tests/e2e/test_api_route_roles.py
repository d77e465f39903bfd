"""Every API route × every role: a role lacking the route's permission gets exactly 403 (before
any lookup or body validation), a role having it never gets 401 or 403, and a call without a
token gets 401. The routes are read from the app, so a route added later is in the matrix; what
each one needs is written below by hand from the design (:mod:`parcours.accounts.access`), not
read from the code under test — a route whose protection differs from it fails here."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parcours.accounts.access import ROLES, Principal
from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database, create_db_engine
from tests.conftest import sqlite_url_for
from tests.e2e.app_routes import filled, route_id, routes, shape_of_the_app
from tests.e2e.security_world import World, build_world, secrets_shown

#: Callable by anyone, without a token (the webhooks check the provider's signature instead).
PUBLIC = "public"
#: Callable with any valid token, whatever its role.
TOKEN_ONLY = "token-only"
READ_CUSTOMERS = ("customers.read",)
WRITE_CUSTOMERS = ("customers.write",)
READ_CASES = ("cases.read",)
WRITE_CASES = ("cases.write",)
#: Who works on cases and how cases reach them (teams, agents, queues, rules, SLAs).
WRITE_STAFF = ("cases.write", "staff.write")
READ_SURVEYS = ("surveys.read",)
WRITE_SURVEYS = ("surveys.write",)
#: Channel accounts hold secrets: admins only, reading included.
CHANNELS = ("channels.write",)

#: (method, path) → every permission the caller's role needs (in the order they are checked),
#: or PUBLIC / TOKEN_ONLY. Written from the design: a new route fails until it is added here.
EXPECTED: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("GET", "/api/v1/health"): PUBLIC,
    # The single customer view: profiles, ingestion, merges, the review queue.
    ("GET", "/api/v1/customers"): READ_CUSTOMERS,
    ("GET", "/api/v1/customers/{customer_id}"): READ_CUSTOMERS,
    ("POST", "/api/v1/customers/records"): WRITE_CUSTOMERS,
    ("POST", "/api/v1/customers/merges"): WRITE_CUSTOMERS,
    ("GET", "/api/v1/customers/merges/{merge_id}"): READ_CUSTOMERS,
    ("POST", "/api/v1/customers/merges/{merge_id}/undo"): WRITE_CUSTOMERS,
    ("GET", "/api/v1/matches"): READ_CUSTOMERS,
    ("POST", "/api/v1/matches/{review_id}/accept"): WRITE_CUSTOMERS,
    ("POST", "/api/v1/matches/{review_id}/reject"): WRITE_CUSTOMERS,
    # Touchpoints, timeline, client book.
    ("POST", "/api/v1/interactions"): WRITE_CUSTOMERS,
    ("GET", "/api/v1/customers/{customer_id}/timeline"): READ_CUSTOMERS,
    ("GET", "/api/v1/customers/{customer_id}/contact-statistics"): READ_CUSTOMERS,
    # Contacts per customer, cost per channel across every customer: a steering figure.
    ("GET", "/api/v1/interactions/statistics"): ("customers.read", "reports.read"),
    ("GET", "/api/v1/customers/{customer_id}/notes"): READ_CUSTOMERS,
    ("POST", "/api/v1/customers/{customer_id}/notes"): WRITE_CUSTOMERS,
    ("PUT", "/api/v1/customers/{customer_id}/follow"): WRITE_CUSTOMERS,
    ("DELETE", "/api/v1/customers/{customer_id}/follow"): WRITE_CUSTOMERS,
    ("GET", "/api/v1/feed"): READ_CUSTOMERS,
    # Cases and their work.
    ("GET", "/api/v1/cases"): READ_CASES,
    ("POST", "/api/v1/cases"): WRITE_CASES,
    ("GET", "/api/v1/cases/{key}"): READ_CASES,
    ("POST", "/api/v1/cases/{key}/status"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/priority"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/notes"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/interactions"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/assign"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/transfer"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/reply"): WRITE_CASES,
    ("POST", "/api/v1/cases/{key}/callback-attempts"): WRITE_CASES,
    ("POST", "/api/v1/cases/dispatch"): WRITE_CASES,
    ("POST", "/api/v1/cases/next"): WRITE_CASES,
    ("POST", "/api/v1/slas/check"): WRITE_CASES,
    # SLA attainment per team and channel: a steering figure of the case work.
    ("GET", "/api/v1/slas/attainment"): ("cases.read", "reports.read"),
    ("GET", "/api/v1/teams"): READ_CASES,
    ("POST", "/api/v1/teams"): WRITE_STAFF,
    ("GET", "/api/v1/agents"): READ_CASES,
    ("POST", "/api/v1/agents"): WRITE_STAFF,
    ("PUT", "/api/v1/agents/{name}/presence"): WRITE_CASES,
    ("GET", "/api/v1/queues"): READ_CASES,
    ("POST", "/api/v1/queues"): WRITE_STAFF,
    ("GET", "/api/v1/routing-rules"): READ_CASES,
    ("POST", "/api/v1/routing-rules"): WRITE_STAFF,
    ("GET", "/api/v1/sla-policies"): READ_CASES,
    ("POST", "/api/v1/sla-policies"): WRITE_STAFF,
    # The agents' side of the web chat.
    ("GET", "/api/v1/chat/conversations"): READ_CASES,
    ("GET", "/api/v1/chat/conversations/{conversation_id}"): READ_CASES,
    ("POST", "/api/v1/chat/conversations/{conversation_id}/messages"): WRITE_CASES,
    ("POST", "/api/v1/chat/conversations/{conversation_id}/close"): WRITE_CASES,
    # Inbound e-mail creates customers and their touchpoints (as POST /interactions does);
    # the live stream carries calls and chats, the agents' work.
    ("POST", "/api/v1/inbound/email"): WRITE_CUSTOMERS,
    ("GET", "/api/v1/live"): READ_CASES,
    # Experience.
    ("POST", "/api/v1/surveys"): WRITE_SURVEYS,
    ("POST", "/api/v1/surveys/{name}/answers"): WRITE_SURVEYS,
    ("GET", "/api/v1/surveys/{name}/answers"): READ_SURVEYS,
    ("GET", "/api/v1/surveys/{name}/report"): READ_SURVEYS,
    ("GET", "/api/v1/surveys/{name}/compare"): READ_SURVEYS,
    ("GET", "/api/v1/surveys/{name}/trend"): READ_SURVEYS,
    ("GET", "/api/v1/surveys/{name}/irritants"): READ_SURVEYS,
    # Channels and consents.
    ("GET", "/api/v1/channels"): CHANNELS,
    ("GET", "/api/v1/channels/{name}"): CHANNELS,
    ("PUT", "/api/v1/channels/{name}"): CHANNELS,
    ("GET", "/api/v1/consents"): READ_CUSTOMERS,
    ("POST", "/api/v1/consents"): ("consents.write",),
    # Providers' webhooks: signed by the provider, no token.
    ("POST", "/api/v1/webhooks/sms/{name}"): PUBLIC,
    ("POST", "/api/v1/webhooks/sms/{name}/status"): PUBLIC,
    ("POST", "/api/v1/webhooks/calls/{name}"): PUBLIC,
    ("GET", "/api/v1/webhooks/social/{name}"): PUBLIC,
    ("POST", "/api/v1/webhooks/social/{name}"): PUBLIC,
}

#: Plausible values for path parameters: ids that do not exist (a refusal comes before any
#: lookup; an allowed role may get 404).
UNKNOWN = {"customer_id": "999999", "merge_id": "999999", "review_id": "999999",
           "conversation_id": "999999", "key": "DEM-999999", "name": "unknown"}  # fmt: skip
#: What a role allowed a route may get: never 401 or 403 (nor a server error).
ALLOWED_ANSWERS = {200, 201, 204, 404, 409, 422}
API_ROUTES = routes(shape_of_the_app(), "/api")
WITH_A_BODY = {"POST", "PUT", "PATCH"}


@dataclass(frozen=True)
class Api:
    client: TestClient
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def api(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app on one migrated SQLite database for the whole matrix, a token per role."""
    folder = tmp_path_factory.mktemp("api-route-roles")
    shutil.copyfile(sqlite_template, folder / "parcours.db")
    database = Database(create_db_engine(sqlite_url_for(folder / "parcours.db")))
    with database.transaction(write=True) as session:
        tokens = {role: create_token(session, f"token-{role}", role=role) for role in ROLES}
    app = create_app(Settings(environment="test", home=folder), database)
    with TestClient(app) as client:
        yield Api(client, tokens)
    database.engine.dispose()


def call(api: Api, route: tuple[str, str], token: str | None) -> tuple[int, object]:
    method, path = route
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = api.client.request(method, filled(path, UNKNOWN), headers=headers,
                                json={} if method in WITH_A_BODY else None)  # fmt: skip
    is_json = answer.headers.get("content-type", "").startswith("application/json")
    return answer.status_code, answer.json() if is_json else answer.text


def needed(route: tuple[str, str]) -> tuple[str, ...] | str:
    if route not in EXPECTED:
        pytest.fail(f"{route_id(route)} has no expected permission: add it to EXPECTED in "
                    f"{Path(__file__).name}", pytrace=False)  # fmt: skip
    return EXPECTED[route]


def test_every_api_route_has_an_expected_permission_and_every_entry_a_route():
    served = set(API_ROUTES)
    missing = sorted(route_id(route) for route in served - EXPECTED.keys())
    stale = sorted(route_id(route) for route in EXPECTED.keys() - served)

    assert missing == [], f"routes under /api without an expected permission: {missing}"
    assert stale == [], f"expected permissions of routes the app does not serve: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_given_a_roles_token_a_route_answers_403_exactly_when_the_role_lacks_its_permission(
    api: Api, route: tuple[str, str], role: str
):
    permissions = needed(route)

    status, body = call(api, route, api.tokens[role])

    if permissions in (PUBLIC, TOKEN_ONLY):
        assert status in ALLOWED_ANSWERS, (status, body)
        return
    lacking = [permission for permission in permissions
               if not Principal("caller", role).may(permission)]  # fmt: skip
    if lacking:
        assert (status, body) == (403, {"detail": f"the {role} role may not {lacking[0]}"})
    else:
        assert status in ALLOWED_ANSWERS, (status, body)


@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_given_no_token_when_a_route_is_called_then_it_is_401_unless_public(
    api: Api, route: tuple[str, str]
):
    permissions = needed(route)

    status, body = call(api, route, None)

    if permissions == PUBLIC:
        assert status in ALLOWED_ANSWERS, (status, body)
    else:
        assert (status, body) == (
            401,
            {"detail": "missing API token: send 'Authorization: Bearer <token>'"},
        )


def test_given_a_revoked_or_made_up_token_when_a_route_is_called_then_it_is_401(api: Api):
    status, body = call(api, ("GET", "/api/v1/customers"), "made-up-token")

    assert (status, body) == (401, {"detail": "unknown or revoked API token"})


#: Query strings that make a GET route answer with its content rather than a 422.
QUERIES = {
    "/api/v1/customers": "?q=claire",
    "/api/v1/consents": "?channel=email&address=claire@exemple.fr",
    "/api/v1/slas/attainment": "?since=2020-01-01T00:00:00Z&until=2030-01-01T00:00:00Z",
    "/api/v1/live": "?topic=calls&timeout=0.05",
}


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(sqlite_template, tmp_path_factory, people=("admin",))
    yield built
    built.database.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
def test_no_secret_appears_in_any_api_get_answer(world: World, role: str):
    app = create_app(Settings(environment="test", home=world.home), world.database)
    client = TestClient(app, headers={"Authorization": f"Bearer {world.tokens[role]}"})
    values = {"customer_id": str(world.customer_id), "key": world.case_reference,
              "review_id": str(world.review_id), "merge_id": "999999",
              "conversation_id": str(world.conversation_id), "name": "whatsapp-sav"}  # fmt: skip
    shown: dict[str, list[str]] = {}
    answered: dict[str, int] = {}

    for method, path in API_ROUTES:
        if method != "GET":
            continue
        answer = client.get(filled(path, values) + QUERIES.get(path, ""))
        answered[path] = answer.status_code
        if found := secrets_shown(answer.text, world):
            shown[path] = found

    assert shown == {}
    assert set(answered.values()) <= ALLOWED_ANSWERS | {403}
    if role == "admin":  # the answers about the secrets' owners were read, not refused
        assert [answered[f"/api/v1/{what}"] for what in (
            "channels", "channels/{name}", "chat/conversations/{conversation_id}",
            "customers/{customer_id}", "cases/{key}",
        )] == [200] * 5  # fmt: skip
