"""The inbox and the case view's actions over HTTP: my cases and my team's queue with their
deadlines, the next-case button, notes, status changes, transfers and call-backs promised from
the case view — each form with its CSRF token, a wrong input shown and nothing kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.cases import assignment, services, slas, staff
from parcours.cases.models import Agent, Case, CaseEvent, CaseNote
from parcours.cases.sla import BusinessHours
from parcours.config import Settings
from parcours.db import Database
from tests.e2e.test_console_security import form_csrf, sign_in

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def nolwenn(db: Database, tmp_path: Path) -> TestClient:
    """Nolwenn, seller at the Guingamp showroom, signed in; Kévin her colleague; the contact
    centre's queue beside theirs."""
    with db.transaction(write=True) as session:
        staff.add_team(session, "guingamp", "store")
        staff.add_team(session, "centre", "contact_centre")
        for name in ("Nolwenn", "Kévin"):
            staff.add_agent(session, name, "guingamp", channels={"email": 1},
                            skills={"language:fr": 3}, presence="available")  # fmt: skip
        staff.add_queue(session, "showroom", ["guingamp"], default=True)
        staff.add_queue(session, "centre", ["centre"])
        slas.add_policy(session, "standard", 1, first_response_minutes=240,
                        resolution_minutes=2400)  # fmt: skip
        password = create_user(session, "nolwenn", role="seller", display_name="Nolwenn")
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    sign_in(client, password, login="nolwenn")
    return client


def open_case(db: Database, subject: str) -> str:
    with db.transaction(write=True) as session:
        return assignment.open_and_route(
            session, customer_id=None, case_type="quote", channel="email", subject=subject,
            opened_by="site",
        ).reference  # fmt: skip


def case(db: Database, reference: str) -> Case:
    with db.sessions() as session:
        found = services.find_case(session, reference)
        session.expunge(found)
        return found


def owner(db: Database, reference: str) -> str | None:
    with db.sessions() as session:
        found = services.find_case(session, reference)
        agent = session.get(Agent, found.owner_id) if found.owner_id else None
        return agent.name if agent else None


def test_my_inbox_lists_my_case_with_its_deadline_and_my_teams_waiting_one(
    nolwenn: TestClient, db: Database
):
    mine = open_case(db, "Devis Clio")  # routed to Nolwenn (room for one e-mail)
    kevins = open_case(db, "Devis Mégane")  # to Kévin
    waiting = open_case(db, "Devis Captur")  # nobody has room: waits in the showroom queue

    page = nolwenn.get("/console/inbox")
    live = nolwenn.get("/console/inbox", headers={"HX-Request": "true"})

    due = case(db, mine).first_response_due_at
    assert due is not None
    assert page.status_code == 200
    assert re.search(rf'href="/console/cases/{mine}">.*?data-due="{re.escape(due.isoformat())}" '
                     r'data-state="on_time"', page.text, re.S)  # fmt: skip
    assert waiting in page.text and kevins not in page.text
    assert "File de l'équipe guingamp (1)" in page.text.replace("&#39;", "'")
    assert live.text.startswith('<div id="inbox"') and "<html" not in live.text


def test_the_next_case_button_gives_me_the_waiting_case_and_opens_it(
    nolwenn: TestClient, db: Database
):
    mine = open_case(db, "Devis Clio")
    open_case(db, "Devis Mégane")
    waiting = open_case(db, "Devis Captur")
    with db.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, mine), "resolved",
                               actor="Nolwenn")  # fmt: skip
    csrf = form_csrf(nolwenn.get("/console/inbox").text)

    taken = nolwenn.post("/console/inbox/next", data={"csrf": csrf}, follow_redirects=False)
    again = nolwenn.post("/console/inbox/next", data={"csrf": csrf}, follow_redirects=False)

    assert (taken.status_code, taken.headers["location"]) == (303, f"/console/cases/{waiting}")
    assert owner(db, waiting) == "Nolwenn"
    assert again.headers["location"] == "/console/inbox?notice=none"
    assert "la file est vide pour vous" in nolwenn.get(again.headers["location"]).text


def test_someone_who_is_no_agent_is_told_so_by_the_next_case_button(db: Database,
                                                                     tmp_path: Path):  # fmt: skip
    with db.transaction(write=True) as session:
        password = create_user(session, "gaelle", role="manager")
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    sign_in(client, password, login="gaelle")
    csrf = form_csrf(client.get("/console/inbox?lang=en").text)

    answer = client.post("/console/inbox/next", data={"csrf": csrf})

    assert "You are not registered as an agent: ask your manager." in answer.text


def next_open_moment(after: datetime) -> datetime:
    """Ten o'clock in Paris on the next working day at least two days ahead."""
    day = (after + timedelta(days=2)).astimezone(PARIS).date()
    while not BusinessHours().is_open(datetime(day.year, day.month, day.day, 10, tzinfo=PARIS)):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=PARIS)


def test_from_the_case_view_a_note_a_status_a_call_back_and_a_transfer_are_recorded(
    nolwenn: TestClient, db: Database
):
    reference = open_case(db, "Devis Clio")
    csrf = form_csrf(nolwenn.get(f"/console/cases/{reference}").text)
    slot = next_open_moment(datetime.now(UTC))
    base = f"/console/cases/{reference}"

    answers = [
        nolwenn.post(f"{base}/note", data={"csrf": csrf, "body": "Rappeler après 10 h"},
                     follow_redirects=False),
        nolwenn.post(f"{base}/status", data={"csrf": csrf, "status": "waiting_customer",
                                             "reason": "attend la carte grise"},
                     follow_redirects=False),
        nolwenn.post(f"{base}/callback", data={"csrf": csrf, "at": slot.strftime("%Y-%m-%dT%H:%M"),
                                               "note": "sur le portable"},
                     follow_redirects=False),
        nolwenn.post(f"{base}/transfer", data={"csrf": csrf, "to": "queue:centre",
                                               "reason": "financement"},
                     follow_redirects=False),
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [303, 303, 303, 303]
    found = case(db, reference)
    assert (found.status, found.due_at) == ("waiting_customer", slot.astimezone(UTC))
    assert owner(db, reference) is None
    with db.sessions() as session:
        notes = session.scalars(select(CaseNote.body).where(CaseNote.case_id == found.id)).all()
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == found.id)
                                .order_by(CaseEvent.id)).all()  # fmt: skip
    assert notes == ["Rappeler après 10 h"]
    assert kinds[-4:] == ["status", "callback_scheduled", "transferred", "routed"]
    view = nolwenn.get(base).text
    assert "Rappel planifié" in view and "Transférée" in view and "sur le portable" in view


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        pytest.param("callback", {"at": "2020-01-06T10:00"},
                     "a call-back is scheduled in the future", id="call-back-in-the-past"),
        pytest.param("callback", {"at": "demain"}, "give the call-back&#39;s date and time",
                     id="call-back-without-a-date"),
        pytest.param("transfer", {"to": "agent:Personne"}, "no agent &#39;Personne&#39;",
                     id="transfer-to-nobody"),
        pytest.param("status", {"status": "new"},
                     "from open, a case can go to: waiting_customer, waiting_internal, "
                     "resolved, closed (not new)",
                     id="status-backwards"),
        pytest.param("note", {"body": "   "}, "a note needs some text", id="empty-note"),
    ],
)  # fmt: skip
def test_a_wrong_input_shows_the_case_again_with_the_error_and_changes_nothing(
    nolwenn: TestClient, db: Database, action: str, fields: dict[str, str], message: str
):
    reference = open_case(db, "Devis Clio")
    before = case(db, reference)
    csrf = form_csrf(nolwenn.get(f"/console/cases/{reference}").text)

    answer = nolwenn.post(f"/console/cases/{reference}/{action}", data={"csrf": csrf, **fields})

    assert answer.status_code == 422
    assert message in answer.text
    after = case(db, reference)
    assert (after.status, after.due_at, after.owner_id) == (before.status, before.due_at,
                                                            before.owner_id)  # fmt: skip


def test_a_case_form_without_the_csrf_token_is_refused(nolwenn: TestClient, db: Database):
    reference = open_case(db, "Devis Clio")

    answer = nolwenn.post(f"/console/cases/{reference}/note", data={"body": "Bonjour"})

    assert answer.status_code == 403
    with db.sessions() as session:
        assert session.scalars(select(CaseNote)).all() == []


def test_the_request_list_is_paged_fifty_at_a_time(nolwenn: TestClient, db: Database):
    with db.transaction(write=True) as session:
        for number in range(51):
            services.open_case(session, customer_id=None, case_type="quote", channel="email",
                               subject=f"Devis {number:02d}", opened_by="site")  # fmt: skip

    first = nolwenn.get("/console/cases").text
    second = nolwenn.get("/console/cases?page=2").text

    assert "Demandes en cours (51)" in first and "Page 1 / 2" in first
    assert 'href="?page=2" rel="next"' in first
    assert second.count('href="/console/cases/PAR-') == 1 and "Devis 50" in second
    assert 'href="?page=1" rel="prev"' in second
