"""The manager dashboard over HTTP: the figures' data and their links on the page, French by
default and English on request, the lists behind the figures (paginated) and their CSV export,
a franchise's manager seeing only their customers' cases, and an agent refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parcours.accounts.services import create_user
from parcours.app import create_app
from parcours.cases.models import Case, SlaPolicy
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord
from parcours.db import Database, utcnow
from parcours.experience import services as surveys
from parcours.web import console_dashboard
from tests.e2e.test_console_security import sign_in
from tests.integration.test_interactions import given_customers


@pytest.fixture
def client(db: Database, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(environment="test", home=tmp_path), db))


def given_a_user(db: Database, login: str, role: str, unit: str | None = None) -> str:
    with db.transaction(write=True) as session:
        return create_user(session, login, role=role, unit=unit)


def given_recent_cases(db: Database, web_cases: int = 1) -> dict[str, str]:
    """``web_cases`` web cases opened yesterday (the first answered in time), a phone case of a
    Brest franchise customer opened two days ago, and an NPS answer of this month."""
    customers = given_customers(db, IncomingRecord("brest", "B1", {
        "first_name": "Brigitte", "last_name": "Kerbrat", "phone": "06 98 76 54 32",
        "owning_unit": "Franchise Brest"}))  # fmt: skip
    now = utcnow()
    with db.transaction(write=True) as session:
        policy = SlaPolicy(name="standard", position=1, first_response_minutes=60,
                           resolution_minutes=600)  # fmt: skip
        session.add(policy)
        session.flush()
        for number in range(1, web_cases + 1):
            opened = now - timedelta(days=1, minutes=number)
            session.add(Case(reference=f"PAR-2026-{number:06d}", subject=f"Devis n° {number}",
                             type="quote", channel="web", status="open", opened_by="test",
                             created_at=opened, sla_policy_id=policy.id,
                             first_response_due_at=opened + timedelta(hours=1),
                             first_responded_at=opened + timedelta(minutes=20)))  # fmt: skip
        session.add(Case(reference="PAR-2026-900001", subject="Poêle en panne",
                         type="after_sales", channel="phone", status="new", opened_by="test",
                         customer_id=customers["B1"],
                         created_at=now - timedelta(days=2)))  # fmt: skip
        question = surveys.parse_question("recommandation:nps:0-10")
        survey = surveys.create_survey(session, "après-vente", [question])
        questions = surveys.questions_of(session, survey)
        surveys.record_answer(session, survey, questions, surveys.AnswerIn(
            "recommandation", 9, respondent="r1", answered_at=now,
            comment="Très bien", channel="web"))  # fmt: skip
        return {"question": str(questions["recommandation"].id), "month": now.strftime("%Y-%m")}


def test_a_manager_sees_each_figure_with_the_links_to_what_is_behind_it(
    db: Database, client: TestClient
):
    given_recent_cases(db)
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")

    page = client.get("/console/dashboard")

    assert page.status_code == 200
    for chart in ("channels", "hours", "slas", "backlog", "scores"):
        assert f'id="chart-{chart}" data-figure="chart-{chart}-data"' in page.text
        assert f'<script type="application/json" id="chart-{chart}-data">' in page.text
    assert "Demandes ouvertes par canal" in page.text
    assert 'href="/console/dashboard/cases?figure=channel&amp;value=web&amp;days=30"' in page.text
    assert "/console/dashboard/cases?figure=first_response&amp;value=web&amp;days=30" in page.text
    assert "/console/dashboard/answers?question=" in page.text
    assert '<script src="/static/vendor/plotly.min.js" defer></script>' in page.text
    english = client.get("/console/dashboard?lang=en&days=7")
    assert "Requests opened by channel" in english.text and "7 last days" in english.text


def test_with_nothing_in_the_period_each_figure_says_so_and_no_chart_is_drawn(
    db: Database, client: TestClient
):
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")

    page = client.get("/console/dashboard")

    assert page.status_code == 200
    assert 'class="chart"' not in page.text
    assert "Aucune demande ouverte sur la période." in page.text
    assert "Aucune réponse aux enquêtes sur ces douze mois." in page.text
    assert "Aucun contact sur la période." in page.text


def test_the_cases_behind_a_bar_are_listed_a_page_at_a_time(db: Database, client: TestClient):
    given_recent_cases(db, web_cases=51)
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")

    first = client.get("/console/dashboard/cases?figure=channel&value=web&days=30")
    second = client.get("/console/dashboard/cases?figure=channel&value=web&days=30&page=2")

    assert first.status_code == 200
    assert "51 demande(s)" in first.text and "Page 1 / 2" in first.text
    assert first.text.count('href="/console/cases/PAR-2026-') == 50
    assert 'href="?figure=channel&amp;value=web&amp;days=30&amp;page=2" rel="next"' in first.text
    assert second.text.count('href="/console/cases/PAR-2026-') == 1
    assert 'href="/console/cases/PAR-2026-000051"' in second.text  # the oldest, last


def test_the_cases_behind_a_bar_are_exported_as_a_csv_for_a_french_spreadsheet(
    db: Database, client: TestClient
):
    given_recent_cases(db)
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")

    answer = client.get("/console/dashboard/cases?figure=first_response&value=web&days=30"
                        "&format=csv")  # fmt: skip

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="demandes-first_response-web-30j.csv"'
    )
    assert answer.content.startswith("\ufeff".encode())
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert (
        lines[0]
        == ";".join(console_dashboard.CASE_COLUMNS)
        == (
            "reference;subject;type;status;priority;channel;customer_id;created_at;"
            "first_response_due_at;first_responded_at;resolution_due_at;resolved_at"
        )
    )
    assert len(lines) == 2
    assert lines[1].startswith("PAR-2026-000001;Devis n° 1;quote;open;normal;web;;")


def test_a_text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text():
    answer = console_dashboard.csv_response("x.csv", ["subject", "score"],
                                            [["=HYPERLINK(\"http://evil\")", -3],
                                             ["@SUM(A1)", 2], ["Devis ; pompe", 1]])  # fmt: skip

    assert bytes(answer.body).decode("utf-8-sig").splitlines() == [
        "subject;score",
        '"\'=HYPERLINK(""http://evil"")";-3',
        "'@SUM(A1);2",
        '"Devis ; pompe";1',
    ]


def test_the_answers_behind_a_point_are_listed_and_exported(db: Database, client: TestClient):
    ids = given_recent_cases(db)
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")
    path = f"/console/dashboard/answers?question={ids['question']}&month={ids['month']}"

    page = client.get(path)
    export = client.get(path + "&format=csv")

    assert page.status_code == 200 and "1 réponse(s)" in page.text and "Très bien" in page.text
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("survey;question;answered_at;score;count;channel;touchpoint;customer_id;"
                        "case_id;comment")  # fmt: skip
    assert lines[1].startswith("après-vente;recommandation;") and lines[1].endswith(
        ";9;1;web;;;;Très bien"
    )


def test_a_franchise_manager_sees_only_the_cases_of_the_customers_it_may_see(
    db: Database, client: TestClient
):
    given_recent_cases(db)
    password = given_a_user(db, "yannick", "manager", unit="Franchise Lannion")
    sign_in(client, password, login="yannick")

    page = client.get("/console/dashboard")
    phone = client.get("/console/dashboard/cases?figure=channel&value=phone&days=30")
    new = client.get("/console/dashboard/cases?figure=backlog&value=new&days=30&format=csv")

    assert "value=phone" not in page.text
    assert "0 demande(s)" in phone.text and "PAR-2026-900001" not in phone.text
    assert new.content.decode("utf-8-sig").splitlines()[1:] == []


@pytest.mark.parametrize(
    "path",
    ["/console/dashboard", "/console/dashboard/cases?figure=channel&value=web",
     "/console/dashboard/answers?question=1&month=2026-11"],
)  # fmt: skip
def test_an_agent_is_refused_the_dashboard_and_what_is_behind_it(
    db: Database, client: TestClient, path: str
):
    sign_in(client, given_a_user(db, "aurelie", "agent"))

    answer = client.get(path)

    assert answer.status_code == 403 and "reports.read" in answer.text


def test_an_unknown_period_or_figure_is_a_clear_bad_request(db: Database, client: TestClient):
    sign_in(client, given_a_user(db, "martine", "manager"), login="martine")

    period = client.get("/console/dashboard?days=10")
    figure = client.get("/console/dashboard/cases?figure=cost&value=web")

    assert (period.status_code, figure.status_code) == (400, 400)
    assert "Période inconnue." in period.text
    assert "unknown figure &#39;cost&#39;" in figure.text


def test_plotly_is_served_from_npm_and_its_absence_is_said(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    installed = client.get("/static/vendor/plotly.min.js")
    monkeypatch.setattr(console_dashboard, "FRONTEND", tmp_path / "none")
    missing = client.get("/static/vendor/plotly.min.js")
    script = client.get("/static/dashboard.js")

    assert (installed.status_code, installed.headers["content-type"]) == (
        200, "text/javascript; charset=utf-8")  # fmt: skip
    assert (missing.status_code, missing.text) == (
        503, "plotly.js is not installed: run `make install`")  # fmt: skip
    assert script.status_code == 200 and "Plotly.newPlot" in script.text


def test_a_marketer_sees_the_cases_behind_a_bar_without_links_to_cases_it_may_not_open(
    db: Database, client: TestClient
):
    given_recent_cases(db)
    sign_in(client, given_a_user(db, "gwen", "marketer"), login="gwen")

    page = client.get("/console/dashboard/cases?figure=channel&value=web&days=30")

    assert page.status_code == 200 and "<td>PAR-2026-000001</td>" in page.text
    assert 'href="/console/cases/' not in page.text
