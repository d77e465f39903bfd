"""The manager dashboard's figures on SQLite and PostgreSQL, with a fixed clock: cases opened by
channel and by hour in Paris (across a change of time), SLA attainment, the backlog, the score
trends, the cases and answers behind each figure, and a franchise seeing only its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from parcours.cases import dashboard
from parcours.cases.models import Case, SlaPolicy
from parcours.cases.services import CasePage
from parcours.customers.ingest import IncomingRecord
from parcours.customers.services import Visibility
from parcours.db import Database
from parcours.experience import dashboard as experience
from parcours.experience import services as surveys
from tests.integration.test_interactions import given_customers

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LANNION = Visibility(sees_all=False, unit="Franchise Lannion")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def given_cases(db: Database) -> dict[str, int]:
    """Five cases; ``brest`` belongs to a customer of the Brest franchise."""
    customers = given_customers(db, IncomingRecord("brest", "B1", {
        "first_name": "Brigitte", "last_name": "Kerbrat", "phone": "06 98 76 54 32",
        "owning_unit": "Franchise Brest"}))  # fmt: skip
    cases: dict[str, dict[str, Any]] = {
        # Paris 09:30; answered in time, resolved in time.
        "met": {"channel": "web", "status": "resolved", "created_at": utc("2026-11-20T08:30"),
                "policy": True, "first_response_due_at": utc("2026-11-20T10:00"),
                "first_responded_at": utc("2026-11-20T09:00"),
                "resolution_due_at": utc("2026-11-22T10:00"),
                "resolved_at": utc("2026-11-21T10:00")},
        # Paris 14:10; no answer, past due; resolution not due yet: undecided.
        "late": {"channel": "web", "status": "open", "created_at": utc("2026-11-21T13:10"),
                 "policy": True, "first_response_due_at": utc("2026-11-21T15:00"),
                 "resolution_due_at": utc("2026-11-30T10:00")},
        # Paris 08:05 (winter time, +1), a franchise's customer, no policy.
        "brest": {"channel": "phone", "status": "new", "created_at": utc("2026-10-28T07:05"),
                  "customer_id": customers["B1"]},
        # Before the 30 days, Paris 18:00 (summer time, +2), overdue.
        "overdue": {"channel": "email", "status": "waiting_customer",
                    "created_at": utc("2026-09-01T16:00"),
                    "resolution_due_at": utc("2026-09-05T16:00")},
        # Before the 30 days, Paris 12:00 (summer time), closed.
        "closed": {"channel": "phone", "status": "closed", "created_at": utc("2026-10-20T10:00")},
    }  # fmt: skip
    with db.transaction(write=True) as session:
        policy = SlaPolicy(name="standard", position=1, first_response_minutes=60,
                           resolution_minutes=600)  # fmt: skip
        session.add(policy)
        session.flush()
        ids = {}
        for number, (name, fields) in enumerate(cases.items(), start=1):
            has_policy = fields.pop("policy", False)
            case = Case(reference=f"PAR-2026-{number:06d}", subject=name, type="quote",
                        opened_by="test", sla_policy_id=policy.id if has_policy else None,
                        **fields)  # fmt: skip
            session.add(case)
            session.flush()
            ids[name] = case.id
    return ids


def names(found: CasePage) -> list[str]:
    return [case.subject for case in found.items]


def test_cases_opened_are_counted_by_channel_and_by_hour_in_paris_across_a_change_of_time(
    db: Database,
):
    given_cases(db)

    with db.sessions() as session:
        month = dashboard.last_days(30, NOW)
        quarter = dashboard.last_days(90, NOW)
        by_channel = dashboard.volumes_by_channel(session, month)
        by_hour = dashboard.volumes_by_hour(session, month)
        quarter_by_channel = dashboard.volumes_by_channel(session, quarter)
        quarter_by_hour = dashboard.volumes_by_hour(session, quarter)

    assert by_channel == [("web", 2), ("phone", 1)]
    assert {hour: n for hour, n in enumerate(by_hour) if n} == {8: 1, 9: 1, 14: 1}
    assert quarter_by_channel == [("phone", 2), ("web", 2), ("email", 1)]
    assert {hour: n for hour, n in enumerate(quarter_by_hour) if n} == {
        8: 1, 9: 1, 12: 1, 14: 1, 18: 1}  # fmt: skip


def test_sla_attainment_counts_only_the_clocks_decided_by_now(db: Database):
    given_cases(db)

    with db.sessions() as session:
        figures = dashboard.sla_attainment(session, dashboard.last_days(30, NOW), NOW)

    assert figures == [dashboard.SlaFigures("web", 1, 2, 1, 1)]
    assert (figures[0].first_response_rate, figures[0].resolution_rate) == (50.0, 100.0)


def test_the_backlog_is_the_active_cases_now_by_status_and_those_overdue(db: Database):
    given_cases(db)

    with db.sessions() as session:
        backlog = dashboard.backlog(session, NOW)

    assert backlog.by_status == [("new", 1), ("open", 1), ("waiting_customer", 1)]
    assert (backlog.total, backlog.overdue) == (3, 1)


@pytest.mark.parametrize(
    ("figure", "value", "days", "expected"),
    [
        pytest.param("channel", "web", 30, ["late", "met"], id="a-channel-newest-first"),
        pytest.param("hour", "8", 30, ["brest"], id="an-hour-in-winter-time"),
        pytest.param("hour", "12", 90, ["closed"], id="an-hour-in-summer-time"),
        pytest.param("first_response", "web", 30, ["late", "met"], id="first-responses-decided"),
        pytest.param("resolution", "web", 30, ["met"], id="resolutions-decided"),
        pytest.param("backlog", "open", 30, ["late"], id="a-status-of-the-backlog"),
        pytest.param("overdue", "all", 30, ["overdue"], id="the-overdue-cases"),
    ],
)
def test_the_cases_behind_a_figure_are_those_it_counts(
    db: Database, figure: str, value: str, days: int, expected: list[str]
):
    given_cases(db)

    with db.sessions() as session:
        found = dashboard.cases_behind(session, figure, value, dashboard.last_days(days, NOW), NOW)

    assert (names(found), found.total) == (expected, len(expected))


def test_the_cases_behind_a_figure_come_a_page_at_a_time(db: Database):
    given_cases(db)

    with db.sessions() as session:
        month = dashboard.last_days(30, NOW)
        second = dashboard.cases_behind(session, "channel", "web", month, NOW, page=2, page_size=1)

    assert (names(second), second.total, second.pages) == (["met"], 2, 2)


def test_a_franchise_counts_and_lists_only_the_cases_of_customers_it_may_see(db: Database):
    given_cases(db)

    with db.sessions() as session:
        month = dashboard.last_days(30, NOW)
        by_channel = dashboard.volumes_by_channel(session, month, LANNION)
        backlog = dashboard.backlog(session, NOW, LANNION)
        behind = dashboard.cases_behind(session, "hour", "8", month, NOW, LANNION)

    assert by_channel == [("web", 2)]
    assert backlog.by_status == [("open", 1), ("waiting_customer", 1)]
    assert (behind.total, behind.items) == (0, [])


def test_an_unknown_figure_or_hour_is_refused_with_what_is_known(db: Database):
    with db.sessions() as session:
        month = dashboard.last_days(30, NOW)
        with pytest.raises(dashboard.DashboardError, match="unknown figure 'cost'; known: channel"):
            dashboard.cases_behind(session, "cost", "web", month, NOW)
        with pytest.raises(dashboard.DashboardError, match="an hour is 0 to 23, not '24'"):
            dashboard.cases_behind(session, "hour", "24", month, NOW)


def given_answers(db: Database) -> dict[str, int]:
    customers = given_customers(db, IncomingRecord("brest", "B1", {
        "first_name": "Brigitte", "last_name": "Kerbrat", "phone": "06 98 76 54 32",
        "owning_unit": "Franchise Brest"}))  # fmt: skip
    answers = [  # respondent, recommendation, satisfaction, when, customer
        ("a", 10, 5, "2026-11-02T10:00", None), ("b", 9, 4, "2026-11-03T10:00", None),
        ("c", 7, 4, "2026-11-04T10:00", None), ("d", 3, 1, "2026-11-05T10:00", None),
        ("e", 2, 2, "2026-10-15T10:00", customers["B1"]),
    ]  # fmt: skip
    with db.transaction(write=True) as session:
        survey = surveys.create_survey(session, "après-vente", [
            surveys.parse_question("recommandation:nps:0-10"),
            surveys.parse_question("satisfaction:csat:1-5"),
            surveys.parse_question("commentaire:text")])  # fmt: skip
        questions = surveys.questions_of(session, survey)
        for respondent, recommendation, satisfaction, when, customer_id in answers:
            for key, score in (("recommandation", recommendation), ("satisfaction", satisfaction)):
                surveys.record_answer(session, survey, questions, surveys.AnswerIn(
                    key, score, respondent=respondent, answered_at=utc(when),
                    customer_id=customer_id))  # fmt: skip
        return {key: question.id for key, question in questions.items()}


def test_each_score_is_followed_month_by_month_over_twelve_months(db: Database):
    given_answers(db)
    months = experience.months_up_to(NOW)

    with db.sessions() as session:
        trends = experience.score_trends(session, months)
        franchise = experience.score_trends(session, months, LANNION)

    assert [(t.key, t.score) for t in trends] == [("recommandation", "nps"),
                                                 ("satisfaction", "csat_pct")]  # fmt: skip
    assert [p for p in trends[0].points if p[2]] == [("2026-10", -100.0, 1), ("2026-11", 25.0, 4)]
    assert [p for p in trends[1].points if p[2]] == [("2026-10", 0.0, 1), ("2026-11", 75.0, 4)]
    assert trends[0].points[0] == ("2025-12", None, 0)
    assert [p for p in franchise[0].points if p[2]] == [("2026-11", 25.0, 4)]


def test_the_answers_behind_a_point_are_that_months_scored_answers(db: Database):
    questions = given_answers(db)

    with db.sessions() as session:
        found = experience.answers_behind(session, questions["recommandation"], "2026-11",
                                          page=1, page_size=3)  # fmt: skip
        franchise = experience.answers_behind(session, questions["recommandation"], "2026-10",
                                              LANNION)  # fmt: skip
        with pytest.raises(surveys.SurveyError, match="no NPS, CSAT or CES question"):
            experience.answers_behind(session, questions["commentaire"], "2026-11")

    assert [a.respondent for a in found.items] == ["d", "c", "b"]
    assert (found.total, found.pages, found.survey) == (4, 2, "après-vente")
    assert franchise.total == 0
