"""The administration pages over HTTP: users, teams, agents and skills, routing rules, SLA
policies and channel accounts created through their forms and read back from the database; a
refused form shown again with its message and what was typed, nothing written; who may open
what (admin, manager, agent, seller); CSRF; a channel secret never in a page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.models import AuditEvent, User
from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.cases import staff
from parcours.cases.models import Agent, AgentSkill, Queue, RoutingRule, SlaPolicy, Team
from parcours.channels.models import ChannelAccount
from parcours.config import Settings
from parcours.db import Database
from tests.e2e.test_console_security import form_csrf, sign_in

SECRET = "tr3s-s3cret-auth-token"
ADMIN_PAGES = ("/console/admin", "/console/admin/users", "/console/admin/teams",
               "/console/admin/agents", "/console/admin/routing", "/console/admin/slas",
               "/console/admin/channels", "/console/admin/channels/sms-sav",
               "/console/admin/channels/new?kind=sms_twilio")  # fmt: skip


@pytest.fixture
def people(db: Database) -> dict[str, str]:
    """The password of an admin, a manager, an agent and a seller."""
    with db.transaction(write=True) as session:
        return {role: create_user(session, role, role=role, display_name=role.title())
                for role in ("admin", "manager", "agent", "seller")}  # fmt: skip


@pytest.fixture
def app(db: Database, tmp_path: Path) -> Any:
    return create_app(Settings(environment="test", home=tmp_path), db)


def signed_in(app: Any, people: dict[str, str], role: str) -> tuple[TestClient, str]:
    """A browser signed in as ``role``, and its session's CSRF token."""
    client = TestClient(app, base_url="http://testserver")
    sign_in(client, people[role], login=role)
    return client, form_csrf(client.get("/console/customers").text)


def count(db: Database, model: type[Any]) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def alert(html: str) -> str:
    found = re.search(r'<p role="alert" class="error">([^<]*)</p>', html)
    assert found is not None, "the page shows an error"
    return found.group(1)


def value_of(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


# -- users ---------------------------------------------------------------------------------------


def test_given_an_admin_when_creating_a_user_then_its_password_is_shown_once_and_works(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")

    created = client.post("/console/admin/users", data={
        "csrf": csrf, "login": "gaelle", "display_name": "Gaëlle Le Bihan", "role": "seller",
        "unit": "Franchise Lannion", "language": "en"})  # fmt: skip
    password = re.search(r'<output class="secret" id="new-password">([^<]+)</output>', created.text)
    listed = client.get("/console/admin/users").text

    assert created.status_code == 201 and password is not None
    assert created.headers["cache-control"] == "no-store"
    assert "gaelle" in listed and password.group(1) not in listed
    with db.sessions() as session:
        user = session.scalars(select(User).where(User.login == "gaelle")).one()
        audit = session.scalars(select(AuditEvent.what)).all()
    assert (user.display_name, user.role, user.unit, user.language) == (
        "Gaëlle Le Bihan", "seller", "Franchise Lannion", "en")  # fmt: skip
    assert audit == ["user gaelle: created, role seller"]
    newcomer = TestClient(app, base_url="http://testserver")
    answer = sign_in(newcomer, password.group(1), login="gaelle")
    assert answer.status_code == 303  # type: ignore[attr-defined]


def test_given_a_taken_login_when_creating_a_user_then_the_form_comes_back_and_nothing_is_written(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")
    before = count(db, User)

    refused = client.post("/console/admin/users", data={
        "csrf": csrf, "login": "agent", "display_name": "Un autre", "role": "agent",
        "unit": "Franchise Brest", "language": "fr"})  # fmt: skip

    assert refused.status_code == 422
    assert alert(refused.text) == "a user &#39;agent&#39; exists already"
    assert value_of(refused.text, "display_name") == "Un autre"
    assert value_of(refused.text, "unit") == "Franchise Brest"
    assert count(db, User) == before


def test_an_admin_changes_a_users_role_and_access_and_the_change_is_audited(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")

    changed = client.post("/console/admin/users/agent", data={
        "csrf": csrf, "role": "manager", "unit": "", "display_name": "Agent", "language": "fr"},
        follow_redirects=False)  # fmt: skip
    reset = client.post("/console/admin/users/agent/password", data={"csrf": csrf})
    self_demotion = client.post("/console/admin/users/admin", data={
        "csrf": csrf, "role": "agent", "unit": "", "display_name": "Admin", "language": "fr",
        "is_active": "on"})  # fmt: skip

    assert (changed.status_code, changed.headers["location"]) == (303, "/console/admin/users")
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    assert self_demotion.status_code == 422
    assert alert(self_demotion.text) == "you cannot change your own role or deactivate yourself"
    with db.sessions() as session:
        agent = session.scalars(select(User).where(User.login == "agent")).one()
        admin = session.scalars(select(User).where(User.login == "admin")).one()
        audit = session.scalars(select(AuditEvent.what).order_by(AuditEvent.id)).all()
    assert (agent.role, agent.is_active, admin.role) == ("manager", False, "admin")
    assert audit == ["user agent: role 'agent' → 'manager'; is_active True → False",
                     "user agent: password reset"]  # fmt: skip
    # the old password no longer signs in, and a deactivated user cannot sign in at all
    again = TestClient(app, base_url="http://testserver")
    assert sign_in(again, people["agent"], login="agent").status_code == 401  # type: ignore[attr-defined]


def test_thirty_users_are_listed_twenty_five_a_page(db: Database, app: Any, people: dict[str, str]):
    with db.transaction(write=True) as session:  # no password needed: no argon2 hashing
        session.add_all(User(login=f"vendeur{n:02}", password_hash="-", role="seller")
                        for n in range(26))  # fmt: skip
    client, _ = signed_in(app, people, "admin")

    first = client.get("/console/admin/users").text
    second = client.get("/console/admin/users?page=2").text

    rows = re.compile(r'<td><a href="/console/admin/users/([^"]+)">')
    assert len(rows.findall(first)) == 25 and len(rows.findall(second)) == 5
    assert 'href="/console/admin/users?page=2" rel="next"' in first
    assert "Page 2 / 2" in second and 'rel="prev"' in second


# -- teams, agents, rules, SLA policies -------------------------------------------------------


def test_a_manager_creates_a_team_and_sees_it_listed(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "manager")
    empty = client.get("/console/admin/teams").text

    created = client.post("/console/admin/teams", data={
        "csrf": csrf, "name": "Magasin de Lannion", "kind": "store", "location": "Lannion",
        "manager": "yann@exemple.fr"}, follow_redirects=False)  # fmt: skip
    duplicate = client.post(
        "/console/admin/teams",
        data={"csrf": csrf, "name": "Magasin de Lannion", "kind": "store", "location": "Perros"},
    )

    assert "Aucune équipe pour l'instant." in empty
    assert (created.status_code, created.headers["location"]) == (303, "/console/admin/teams")
    assert "<td>Magasin de Lannion</td>" in client.get("/console/admin/teams").text
    assert duplicate.status_code == 422
    assert alert(duplicate.text) == "a team named &#39;Magasin de Lannion&#39; exists already"
    assert value_of(duplicate.text, "location") == "Perros"
    with db.sessions() as session:
        teams = session.execute(select(Team.name, Team.kind, Team.location, Team.manager)).all()
    assert teams == [("Magasin de Lannion", "store", "Lannion", "yann@exemple.fr")]


def test_an_agent_with_channels_and_skills_is_created_and_its_skills_changed(
    db: Database, app: Any, people: dict[str, str]
):
    with db.transaction(write=True) as session:
        staff.add_team(session, "Centre de contact", "contact_centre")
    client, csrf = signed_in(app, people, "manager")
    form = {"csrf": csrf, "name": "Léa Morvan", "team": "Centre de contact",
            "presence": "available", "channels": "chat:3, email:5",
            "skills": "language:fr:5, type:after_sales:3"}  # fmt: skip

    refused = client.post("/console/admin/agents", data={**form, "channels": "chat:0"})
    created = client.post("/console/admin/agents", data=form, follow_redirects=False)
    with db.sessions() as session:
        agent = session.scalars(select(Agent)).one()
    new_skills = {"csrf": csrf, "skills": "language:en:4"}
    changed = client.post(f"/console/admin/agents/{agent.id}", data=new_skills,
                          follow_redirects=False)  # fmt: skip

    assert refused.status_code == 422
    assert alert(refused.text) == "capacity on chat must be 1 to 100, not 0"
    assert value_of(refused.text, "skills") == "language:fr:5, type:after_sales:3"
    assert created.status_code == 303 and changed.status_code == 303
    assert (agent.name, agent.presence) == ("Léa Morvan", "available")
    listed = client.get("/console/admin/agents").text
    assert "chat 0/3, email 0/5" in listed and "language:en 4" in listed
    with db.sessions() as session:
        skills = session.execute(select(AgentSkill.skill, AgentSkill.level)).all()
    assert skills == [("language:en", 4)]
    assert count(db, Agent) == 1


def test_a_queue_then_a_routing_rule_are_created_with_their_conditions(
    db: Database, app: Any, people: dict[str, str]
):
    with db.transaction(write=True) as session:
        staff.add_team(session, "Back-office", "back_office")
        staff.add_team(session, "Centre de contact", "contact_centre")
    client, csrf = signed_in(app, people, "manager")
    queue = {"csrf": csrf, "name": "Grands comptes", "teams": "Back-office",
             "skills": "type:quote", "overflow_after_seconds": "300",
             "overflow_teams": "Centre de contact", "is_default": "on"}  # fmt: skip
    no_rule_yet = client.get("/console/admin/routing").text

    wrong_team = client.post("/console/admin/queues", data={**queue, "overflow_teams": "Brest"})
    queued = client.post("/console/admin/queues", data=queue, follow_redirects=False)

    assert "Aucune file pour l'instant." in no_rule_yet and "Créez d'abord une file." in no_rule_yet
    assert wrong_team.status_code == 422 and queued.status_code == 303
    assert alert(wrong_team.text) == "no team named &#39;Brest&#39;"
    assert value_of(wrong_team.text, "overflow_after_seconds") == "300"
    with db.sessions() as session:
        saved = session.scalars(select(Queue)).one()
    assert (saved.name, saved.teams, saved.skills, saved.is_default) == (
        "Grands comptes", ["Back-office"], ["type:quote"], True)  # fmt: skip
    assert (saved.overflow_after_seconds, saved.overflow_teams) == (300, ["Centre de contact"])
    form = {"csrf": csrf, "position": "10", "queue": "Grands comptes", "priority": "high",
            "types": "quote, complaint", "segments": "", "stages": "", "channels": "email",
            "languages": "", "min_value": "5000"}  # fmt: skip

    refused = client.post("/console/admin/routing", data={**form, "position": "dix"})
    created = client.post("/console/admin/routing", data=form, follow_redirects=False)

    assert refused.status_code == 422
    assert alert(refused.text) == "the position must be a whole number, not &#39;dix&#39;"
    assert value_of(refused.text, "types") == "quote, complaint"
    assert created.status_code == 303
    with db.sessions() as session:
        rule = session.scalars(select(RoutingRule)).one()
    assert (rule.position, rule.priority) == (10, "high")
    assert rule.conditions == {"types": ["quote", "complaint"], "channels": ["email"],
                               "min_value": 5000.0}  # fmt: skip
    assert "<td>Grands comptes</td>" in client.get("/console/admin/routing").text


def test_an_sla_policy_is_created_and_an_impossible_one_refused(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")
    form = {"csrf": csrf, "name": "Réclamations", "position": "1",
            "first_response_minutes": "60", "resolution_minutes": "480",
            "reminder_minutes": "15", "priorities": "", "segments": "",
            "channels": "", "types": "complaint"}  # fmt: skip

    refused = client.post("/console/admin/slas", data={**form, "resolution_minutes": "30"})
    assert count(db, SlaPolicy) == 0
    created = client.post("/console/admin/slas", data=form, follow_redirects=False)

    assert refused.status_code == 422
    assert alert(refused.text) == (
        "the first response must be due after 0 and no later than the resolution"
    )
    assert value_of(refused.text, "name") == "Réclamations"
    assert created.status_code == 303
    with db.sessions() as session:
        policy = session.scalars(select(SlaPolicy)).one()
    assert (policy.name, policy.position, policy.first_response_minutes,
            policy.resolution_minutes, policy.reminder_minutes, policy.conditions) == (
        "Réclamations", 1, 60, 480, 15, {"types": ["complaint"]})  # fmt: skip


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "seller"])
def test_agents_and_sellers_are_refused_every_admin_page_and_form(
    db: Database, app: Any, people: dict[str, str], role: str
):
    client, csrf = signed_in(app, people, role)

    pages = {path: client.get(path).status_code for path in ADMIN_PAGES}
    forged = client.post("/console/admin/teams", data={"csrf": csrf, "name": "X", "kind": "store"})
    home = client.get("/console/customers").text

    assert set(pages.values()) == {403}
    assert forged.status_code == 403 and count(db, Team) == 0
    assert 'href="/console/admin"' not in home


def test_a_manager_edits_staff_but_not_users_nor_channels(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "manager")

    allowed = [client.get(p).status_code for p in (*ADMIN_PAGES[2:6], "/console/admin")]
    refused = [client.get(p).status_code for p in ("/console/admin/users",
                                                   "/console/admin/channels")]  # fmt: skip
    new_user = client.post("/console/admin/users",
                           data={"csrf": csrf, "login": "intrus", "role": "admin"})  # fmt: skip
    new_channel = client.post("/console/admin/channels", data={
        "csrf": csrf, "kind": "webchat", "name": "chat", "is_new": "1",
        "setting.allowed_origins": "https://x.example"})  # fmt: skip
    home = client.get("/console/admin").text

    assert allowed == [200] * 5 and refused == [403, 403]
    assert (new_user.status_code, new_channel.status_code) == (403, 403)
    assert count(db, User) == 4 and count(db, ChannelAccount) == 0
    assert 'href="/console/admin"' in home
    assert 'href="/console/admin/users"' not in home
    assert 'href="/console/admin/channels"' not in home


@pytest.mark.parametrize(
    ("path", "form", "model"),
    [
        pytest.param("/console/admin/users", {"login": "x", "role": "admin"}, User, id="user"),
        pytest.param("/console/admin/teams", {"name": "X", "kind": "store"}, Team, id="team"),
        pytest.param(
            "/console/admin/slas",
            {
                "name": "X",
                "position": "1",
                "first_response_minutes": "5",
                "resolution_minutes": "9",
            },
            SlaPolicy,
            id="sla",
        ),
    ],
)
def test_a_form_without_its_csrf_token_writes_nothing(
    db: Database, app: Any, people: dict[str, str], path: str, form: dict[str, str],
    model: type[Any],
):  # fmt: skip
    client, _ = signed_in(app, people, "admin")
    before = count(db, model)

    missing = client.post(path, data=form)
    guessed = client.post(path, data={**form, "csrf": "guess"})

    assert (missing.status_code, guessed.status_code) == (403, 403)
    assert count(db, model) == before


# -- channel accounts --------------------------------------------------------------------------


def test_a_channel_secret_is_written_and_never_shown_again(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")
    twilio = {"csrf": csrf, "kind": "sms_twilio", "name": "sms-sav", "is_new": "1",
              "is_active": "on", "setting.account_sid": "AC0123",
              "setting.webhook_url": "https://crm.example/api/v1/webhooks/sms/sms-sav",
              "setting.from_number": "+33700000000", "secret.auth_token": SECRET}  # fmt: skip

    refused = client.post("/console/admin/channels",
                          data={**twilio, "setting.account_sid": ""})  # fmt: skip
    created = client.post("/console/admin/channels", data=twilio, follow_redirects=False)
    kept = client.post("/console/admin/channels", data={
        **twilio, "is_new": "0", "setting.from_number": "+33700000001", "secret.auth_token": ""},
        follow_redirects=False)  # fmt: skip
    pages = {path: client.get(path) for path in ADMIN_PAGES}

    assert refused.status_code == 422
    assert alert(refused.text) == "SMS through Twilio: missing setting account_sid"
    assert SECRET not in refused.text
    assert value_of(refused.text, "setting.from_number") == "+33700000000"
    assert (created.status_code, kept.status_code) == (303, 303)
    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(
        ADMIN_PAGES, 200
    )
    assert [path for path, page in pages.items() if SECRET in page.text] == []
    assert "auth_token ••• défini" in pages["/console/admin/channels"].text
    with db.sessions() as session:
        account = session.scalars(select(ChannelAccount)).one()
    assert account.secrets == {"auth_token": SECRET}
    assert account.settings["from_number"] == "+33700000001"
    with db.sessions() as session:
        audit = session.scalars(select(AuditEvent.what).order_by(AuditEvent.id)).all()
    assert audit == ["channel sms-sav: saved (sms_twilio), secrets replaced: auth_token",
                     "channel sms-sav: saved (sms_twilio), secrets replaced: none"]  # fmt: skip


def test_a_channel_name_taken_is_refused_when_connecting_a_new_one(
    db: Database, app: Any, people: dict[str, str]
):
    client, csrf = signed_in(app, people, "admin")
    chat = {"csrf": csrf, "kind": "webchat", "name": "site", "is_new": "1", "is_active": "on",
            "setting.allowed_origins": "https://www.example, https://shop.example"}  # fmt: skip

    client.post("/console/admin/channels", data=chat)
    again = client.post("/console/admin/channels", data={**chat, "setting.hours": "9-18"})

    assert again.status_code == 422
    assert alert(again.text) == "a channel account named &#39;site&#39; exists already"
    with db.sessions() as session:
        account = session.scalars(select(ChannelAccount)).one()
    assert account.settings == {"allowed_origins": ["https://www.example", "https://shop.example"]}


def test_the_administration_speaks_english_when_asked(
    db: Database, app: Any, people: dict[str, str]
):
    client, _ = signed_in(app, people, "manager")

    page = client.get("/console/admin/teams?lang=en").text

    assert '<h1 id="teams-title">Teams</h1>' in page
    assert '<label for="f-name">Team name</label>' in page
    assert "No team yet." in page
