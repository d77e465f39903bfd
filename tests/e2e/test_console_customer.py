"""The customer 360 over HTTP: client book notes (HTMX partial or a plain form), following,
consents, unmerge from the merge history, the timeline's pages — and another franchise's
customer, for whom every POST is "not found" and changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.models import AuditEvent
from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.channels.models import Consent
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import merge_customers
from parcours.customers.models import Customer, Merge
from parcours.db import Database
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import CustomerNote, Follow

RECORDS = [
    IncomingRecord("lannion", "L1", {"first_name": "Claire", "last_name": "Le Goff",
                                     "email": "claire.legoff@exemple.fr",
                                     "phone": "06 12 34 56 78",
                                     "owning_unit": "Franchise Lannion"}),
    IncomingRecord("store", "S9", {"first_name": "Yann", "last_name": "Prigent",
                                   "email": "yann.prigent@exemple.fr"}),
    IncomingRecord("web", "W9", {"first_name": "Yan", "last_name": "Prigent",
                                 "email": "y.prigent@exemple.fr"}),
    IncomingRecord("brest", "B1", {"first_name": "Brigitte", "last_name": "Kerbrat",
                                   "phone": "06 98 76 54 32", "owning_unit": "Franchise Brest"}),
    IncomingRecord("brest", "B2", {"first_name": "Brigite", "last_name": "Kerbrat",
                                   "email": "b.kerbrat@exemple.fr",
                                   "owning_unit": "Franchise Brest"}),
]  # fmt: skip
HTMX = {"HX-Request": "true"}


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def given_customers(db: Database) -> dict[str, int]:
    with db.transaction(write=True) as session:
        outcomes = ingest_batch(session, RECORDS)
    return {record.external_id: outcome.customer_id for record, outcome
            in zip(RECORDS, outcomes, strict=True)}  # fmt: skip


def signed_in(db: Database, tmp_path: Path, login: str, role: str,
              unit: str | None = "Franchise Lannion") -> tuple[TestClient, str]:  # fmt: skip
    """A client signed in as a new user, and the session's CSRF token."""
    with db.transaction(write=True) as session:
        password = create_user(session, login, role=role, unit=unit, display_name=login.title())
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    page = client.get("/sign-in")
    client.post("/sign-in", data={"csrf": form_csrf(page.text), "login": login,
                                  "password": password}, follow_redirects=False)  # fmt: skip
    return client, form_csrf(client.get("/console/customers").text)


def count(db: Database, table: type) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def audit_log(db: Database) -> list[tuple[str, int | None, str]]:
    with db.sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.customer_id, AuditEvent.what)
                               .order_by(AuditEvent.id))  # fmt: skip
        return [(str(a), c, str(w)) for a, c, w in rows]


def test_given_a_seller_when_she_adds_a_note_with_htmx_then_the_notes_come_back_with_it(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    claire = ids["L1"]

    answer = client.post(f"/console/customers/{claire}/notes",
                         headers={**HTMX, "X-CSRF-Token": csrf},
                         data={"body": "Sa fille Léa entre au lycée."})  # fmt: skip

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card" id="notes"')
    assert "Sa fille Léa entre au lycée." in answer.text and "Carnet client (1)" in answer.text
    with db.sessions() as session:
        note = session.scalars(select(CustomerNote)).one()
    assert (note.customer_id, note.author, note.body) == (
        claire,
        "Nolwenn",
        "Sa fille Léa entre au lycée.",
    )
    assert audit_log(db)[-1] == ("changed", claire, "client book note")


def test_given_a_plain_form_when_a_note_is_added_then_the_360_shows_it_after_a_redirect(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    claire = ids["L1"]

    answer = client.post(f"/console/customers/{claire}/notes",
                         data={"csrf": csrf, "body": "Taille 40."},
                         follow_redirects=False)  # fmt: skip
    page = client.get(answer.headers["location"])

    assert (answer.status_code, answer.headers["location"]) == (303, f"/console/customers/{claire}")
    assert "Taille 40." in page.text and "Carnet client (1)" in page.text


def test_given_an_empty_note_when_sent_then_the_partial_says_why_and_nothing_is_stored(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")

    answer = client.post(f"/console/customers/{ids['L1']}/notes",
                         headers={**HTMX, "X-CSRF-Token": csrf}, data={"body": "   "})  # fmt: skip
    plain = client.post(f"/console/customers/{ids['L1']}/notes", data={"csrf": csrf, "body": ""})

    assert answer.status_code == 200 and 'role="alert"' in answer.text
    assert "a note needs some text" in answer.text
    assert plain.status_code == 422 and "a note needs some text" in plain.text
    assert count(db, CustomerNote) == 0


def test_given_a_back_office_user_when_adding_a_note_then_forbidden_and_no_form_shown(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "gwen", "back_office", unit=None)
    page = client.get(f"/console/customers/{ids['S9']}")

    answer = client.post(f"/console/customers/{ids['S9']}/notes",
                         data={"csrf": csrf, "body": "Note"})  # fmt: skip

    assert page.status_code == 200 and "Ajouter la note" not in page.text
    assert answer.status_code == 403 and "(customers.write)" in answer.text
    assert count(db, CustomerNote) == 0


def test_given_a_note_without_the_csrf_token_then_it_is_refused(db: Database, tmp_path: Path):
    ids = given_customers(db)
    client, _csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    answer = client.post(f"/console/customers/{ids['L1']}/notes", data={"body": "Forgée"})
    assert answer.status_code == 403 and count(db, CustomerNote) == 0


def test_given_a_customer_when_followed_then_unfollowed_then_the_button_and_list_follow(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    claire, token = ids["L1"], {**HTMX, "X-CSRF-Token": csrf}
    before = client.get("/console/customers").text

    followed = client.post(f"/console/customers/{claire}/follow", headers=token)
    listed = client.get("/console/customers").text
    unfollowed = client.post(f"/console/customers/{claire}/unfollow", headers=token)
    after = client.get("/console/customers").text

    assert "Vous ne suivez aucun client" in before
    assert followed.status_code == 200 and 'aria-pressed="true"' in followed.text
    assert f'action="/console/customers/{claire}/unfollow"' in followed.text
    assert f'<a href="/console/customers/{claire}">Claire Le Goff</a>' in listed
    assert unfollowed.status_code == 200 and 'aria-pressed="false"' in unfollowed.text
    assert "Vous ne suivez aucun client" in after and count(db, Follow) == 0
    assert [row[2] for row in audit_log(db)] == ["followed", "unfollowed"]


def test_given_a_merge_when_undone_from_the_360_then_both_customers_are_back(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    yann, yan = ids["S9"], ids["W9"]
    with db.transaction(write=True) as session:
        merge_id = merge_customers(session, [yann, yan], decided_by="review").id
    client, csrf = signed_in(db, tmp_path, "aurelie", "agent", unit=None)
    before = client.get(f"/console/customers/{yan}", follow_redirects=False)
    page = client.get(f"/console/customers/{yann}").text

    answer = client.post(f"/console/customers/{yann}/merges/{merge_id}/undo",
                         data={"csrf": csrf}, follow_redirects=False)  # fmt: skip
    again = client.post(f"/console/customers/{yann}/merges/{merge_id}/undo", data={"csrf": csrf})

    assert (before.status_code, before.headers["location"]) == (303, f"/console/customers/{yann}")
    assert f"/console/customers/{yann}/merges/{merge_id}/undo" in page and "Défusionner" in page
    assert answer.headers["location"] == f"/console/customers/{yann}?done=unmerge"
    assert again.status_code == 409 and "already undone" in again.text
    with db.sessions() as session:
        customers = {c.id: c.merged_into_id for c in session.scalars(select(Customer))}
        merge = session.get(Merge, merge_id)
        assert merge is not None and merge.undone_by == "user aurelie"
    assert (customers[yann], customers[yan]) == (None, None)
    assert client.get(f"/console/customers/{yan}", follow_redirects=False).status_code == 200
    undone = [(action, who) for action, who, what in audit_log(db) if what.startswith("merge")]
    assert undone == [("changed", yann), ("changed", yan)]


def test_given_another_franchises_customer_when_posting_then_404_and_nothing_changes(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    theirs = ids["B1"]
    with db.transaction(write=True) as session:
        merge_id = merge_customers(session, [theirs, ids["B2"]], decided_by="review").id
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    marketer, marketer_csrf = signed_in(db, tmp_path, "maela", "marketer")

    answers = [
        client.post(f"/console/customers/{theirs}/notes", data={"csrf": csrf, "body": "x"}),
        client.post(f"/console/customers/{theirs}/follow", data={"csrf": csrf}),
        client.post(f"/console/customers/{theirs}/unfollow", data={"csrf": csrf}),
        client.post(f"/console/customers/{theirs}/merges/{merge_id}/undo", data={"csrf": csrf}),
        marketer.post(f"/console/customers/{theirs}/consents",
                      data={"csrf": marketer_csrf, "address": "sms|+33698765432",
                            "purpose": "marketing", "decision": "grant"}),
        client.get(f"/console/customers/{theirs}", headers=HTMX),
    ]  # fmt: skip

    assert [answer.status_code for answer in answers] == [404] * 6
    assert (count(db, CustomerNote), count(db, Follow), count(db, Consent)) == (0, 0, 0)
    with db.sessions() as session:
        merge = session.get(Merge, merge_id)
        assert merge is not None and merge.undone_at is None
    assert {(action, who) for action, who, _ in audit_log(db)} == {("refused", theirs)}


def test_given_a_marketer_when_recording_a_consent_then_the_360_shows_it(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "maela", "marketer")
    claire = ids["L1"]
    before = client.get(f"/console/customers/{claire}").text

    answer = client.post(f"/console/customers/{claire}/consents",
                         data={"csrf": csrf, "address": "email|claire.legoff@exemple.fr",
                               "purpose": "marketing", "decision": "grant"},
                         follow_redirects=False)  # fmt: skip
    stranger = client.post(f"/console/customers/{claire}/consents",
                           data={"csrf": csrf, "address": "sms|+33698765432",
                                 "purpose": "marketing", "decision": "grant"})  # fmt: skip
    after = client.get(answer.headers["location"]).text

    assert 'name="decision"' in before and answer.status_code == 303
    assert stranger.status_code == 422 and "not an address of this customer" in stranger.text
    assert "Consentement enregistré." in after and "given (console maela" in after
    with db.sessions() as session:
        stored = session.scalars(select(Consent)).one()
    assert (stored.channel, stored.address, stored.purpose, stored.is_granted) == (
        "email",
        "claire.legoff@exemple.fr",
        "marketing",
        True,
    )


def test_given_a_seller_then_the_consents_show_without_a_form(db: Database, tmp_path: Path):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "nolwenn", "seller")
    page = client.get(f"/console/customers/{ids['L1']}").text
    refused = client.post(f"/console/customers/{ids['L1']}/consents",
                          data={"csrf": csrf, "address": "email|claire.legoff@exemple.fr",
                                "purpose": "all", "decision": "withdraw"})  # fmt: skip
    assert "no opt-in for marketing on email" in page and 'name="decision"' not in page
    assert refused.status_code == 403 and count(db, Consent) == 0


@pytest.mark.parametrize(
    ("page", "rows", "newer", "older"),
    [pytest.param(1, 20, False, True, id="first"), pytest.param(2, 5, True, False, id="last")],
)
def test_given_25_interactions_when_a_page_is_asked_with_htmx_then_only_its_rows_come(
    db: Database, tmp_path: Path, page: int, rows: int, newer: bool, older: bool
):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        record_interactions(session, [
            (n, "caisse", {"external_id": f"T-{n}", "channel": "store", "type": "purchase",
                           "occurred_at": f"2026-11-{n:02d}T10:00:00+01:00",
                           "identifiers": {"email": "claire.legoff@exemple.fr"}})
            for n in range(1, 26)
        ])  # fmt: skip
    client, _csrf = signed_in(db, tmp_path, "nolwenn", "seller")

    answer = client.get(f"/console/customers/{ids['L1']}?page={page}", headers=HTMX)

    assert answer.status_code == 200 and "<h1" not in answer.text
    assert answer.text.count("<tr>") == rows
    assert ("Plus récent" in answer.text, "Plus ancien" in answer.text) == (newer, older)
    assert f'hx-get="/console/customers/{ids["L1"]}?page={page + 1}"' in answer.text or not older


def test_given_a_marketer_when_a_consent_is_withdrawn_with_htmx_then_the_consents_come_back(
    db: Database, tmp_path: Path
):
    ids = given_customers(db)
    client, csrf = signed_in(db, tmp_path, "maela", "marketer")
    claire, token = ids["L1"], {**HTMX, "X-CSRF-Token": csrf}

    answer = client.post(f"/console/customers/{claire}/consents", headers=token,
                         data={"address": "sms|+33612345678", "purpose": "all",
                               "decision": "withdraw"})  # fmt: skip

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card" id="consents"')
    assert 'role="status"' in answer.text and "withdrawn on sms (console maela" in answer.text
    assert audit_log(db)[-1] == ("changed", claire, "consent sms all withdrawn")
