"""Survey scores by every dimension of the journey (phase, case type, team, agent, segment,
quarter), trends and significance, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from parcours.cases import services as cases
from parcours.cases import staff
from parcours.customers.models import Customer
from parcours.db import Database
from parcours.experience import reports, services
from tests.integration.test_interactions import CLAIRE, YANN, given_customers


def given_answers(db: Database, *answers: services.AnswerIn) -> None:
    with db.transaction(write=True) as session:
        survey = services.survey_named(session, "parcours")
        questions = services.questions_of(session, survey)
        for answer in answers:
            services.record_answer(session, survey, questions, answer)


def given_a_survey(db: Database) -> None:
    with db.transaction(write=True) as session:
        services.create_survey(session, "parcours", [
            services.parse_question("reco:nps:0-10"), services.parse_question("accueil:csat:1-5"),
        ])  # fmt: skip


def given_two_cases_handled_by_two_teams(db: Database) -> dict[str, int]:
    """Claire (premium) had a complaint handled by Maëlle at the showroom, Yann (standard) an
    after-sales request handled by Karim at the contact centre."""
    customers = given_customers(db, CLAIRE, YANN)
    claire, yann = customers[CLAIRE.external_id], customers[YANN.external_id]
    with db.transaction(write=True) as session:
        for customer_id, segment in ((claire, "premium"), (yann, "standard")):
            customer = session.get(Customer, customer_id)
            assert customer is not None
            customer.attributes = {**(customer.attributes or {}), "segment": segment}
        showroom = staff.add_team(session, "Showroom Guingamp", "store")
        centre = staff.add_team(session, "Centre de contact", "contact_centre")
        maelle = staff.add_agent(session, "Maëlle", showroom.name, channels={"store": 3})
        karim = staff.add_agent(session, "Karim", centre.name, channels={"phone": 3})
        found = {"claire": claire, "yann": yann}
        for name, customer_id, kind, team, agent in (
            ("complaint", claire, "complaint", showroom, maelle),
            ("after_sales", yann, "after_sales", centre, karim),
        ):
            case = cases.open_case(session, customer_id=customer_id, case_type=kind,
                                   channel="store", subject=name, opened_by="test")  # fmt: skip
            case.team_id, case.owner_id = team.id, agent.id
            found[name] = case.id
    return found


def answer(
    respondent: str, question: str, score: int, when: str, **fields: Any
) -> services.AnswerIn:
    return services.AnswerIn(question, score, respondent=respondent,
                             answered_at=datetime.fromisoformat(when), **fields)  # fmt: skip


def nps_of(groups: list[dict[str, Any]], by: str) -> list[tuple[Any, int, float]]:
    return [(g[by], g["questions"]["reco"]["n"], g["questions"]["reco"]["nps"]) for g in groups]


def test_scores_break_down_by_phase_case_type_team_agent_segment_and_quarter(db: Database):
    given_a_survey(db)
    ids = given_two_cases_handled_by_two_teams(db)
    given_answers(
        db,
        answer("a1", "reco", 10, "2026-03-30T10:00:00+02:00", touchpoint="livraison",
               customer_id=ids["claire"], case_id=ids["complaint"]),
        answer("a2", "reco", 3, "2026-04-02T10:00:00+02:00", touchpoint="appel SAV",
               customer_id=ids["yann"], case_id=ids["after_sales"]),
        answer("a3", "reco", 9, "2026-04-03T10:00:00+02:00", touchpoint="visite showroom",
               customer_id=ids["claire"]),
        answer("a4", "reco", 7, "2026-05-03T10:00:00+02:00", touchpoint="site web",
               phase="during"),
    )  # fmt: skip

    with db.sessions() as session:
        survey = services.survey_named(session, "parcours")
        by = {
            name: reports.breakdown(session, survey, [name])
            for name in ("phase", "case_type", "team", "agent", "segment", "quarter", "year")
        }
        with pytest.raises(services.SurveyError, match="unknown phase 'later'"):
            services.record_answer(session, survey, services.questions_of(session, survey),
                                   answer("a5", "reco", 8, "2026-05-03T10:00:00+02:00",
                                          phase="later"))  # fmt: skip

    # "livraison" and "appel SAV" are after the purchase, "visite showroom" before it; a given
    # phase wins over the touchpoint's ("site web" would have been "before").
    assert nps_of(by["phase"], "phase") == [("after", 2, 0.0), ("before", 1, 100.0),
                                            ("during", 1, 0.0)]  # fmt: skip
    assert nps_of(by["case_type"], "case_type") == [
        (None, 2, 50.0),
        ("after_sales", 1, -100.0),
        ("complaint", 1, 100.0),
    ]
    assert nps_of(by["team"], "team") == [
        (None, 2, 50.0),
        ("Centre de contact", 1, -100.0),
        ("Showroom Guingamp", 1, 100.0),
    ]
    assert nps_of(by["agent"], "agent") == [(None, 2, 50.0), ("Karim", 1, -100.0),
                                            ("Maëlle", 1, 100.0)]  # fmt: skip
    assert nps_of(by["segment"], "segment") == [("premium", 2, 100.0), (None, 1, 0.0),
                                                ("standard", 1, -100.0)]  # fmt: skip
    assert nps_of(by["quarter"], "quarter") == [("2026-Q2", 3, 0.0), ("2026-Q1", 1, 100.0)]
    assert nps_of(by["year"], "year") == [("2026", 4, 25.0)]


def many(prefix: str, month: str, question: str, scores: dict[int, int]) -> list[services.AnswerIn]:
    found = []
    for score, count in scores.items():
        for number in range(count):
            found.append(answer(f"{prefix}-{score}-{number}", question, score,
                                f"{month}-10T10:00:00+00:00", channel="store"))  # fmt: skip
    return found


def test_a_month_is_compared_with_another_and_the_trend_flags_significant_changes(db: Database):
    # Given May: 20 promoters, 10 passives, 20 detractors (NPS 0), satisfaction 30/50 top-2;
    # June: 35/10/5 (NPS +60), 45/50; July: 36/9/5 (NPS +62), 44/50.
    given_a_survey(db)
    given_answers(
        db,
        *many("may", "2026-05", "reco", {10: 20, 7: 10, 2: 20}),
        *many("may", "2026-05", "accueil", {5: 30, 2: 20}),
        *many("june", "2026-06", "reco", {10: 35, 7: 10, 2: 5}),
        *many("june", "2026-06", "accueil", {5: 45, 2: 5}),
        *many("july", "2026-07", "reco", {10: 36, 7: 9, 2: 5}),
        *many("july", "2026-07", "accueil", {5: 44, 2: 6}),
    )

    with db.sessions() as session:
        survey = services.survey_named(session, "parcours")
        compared = reports.compare_groups(session, survey, "month", "2026-05", "2026-06")
        trend = reports.trend(session, survey, "month")
        with pytest.raises(services.SurveyError, match="no answers with month '2025-01'"):
            reports.compare_groups(session, survey, "month", "2025-01", "2026-06")

    reco = compared["questions"]["reco"]
    assert (reco["a"]["nps"], reco["b"]["nps"], reco["a"]["n"]) == (0.0, 60.0, 50)
    assert reco["differences"]["nps"]["difference"] == 60.0
    assert reco["differences"]["nps"]["significant"] is True
    assert reco["differences"]["nps"]["method"] == "adjusted-Wald (Rocks 2016)"
    accueil = compared["questions"]["accueil"]["differences"]
    assert accueil["csat_pct"]["difference"] == 30.0
    assert accueil["csat_pct"]["significant"] is True
    assert accueil["mean"]["difference"] == 0.9  # 3.8 → 4.7
    assert [(p["period"], p["nps"]) for p in trend["questions"]["reco"]["points"]] == [
        ("2026-05", 0.0),
        ("2026-06", 60.0),
        ("2026-07", 62.0),
    ]
    june, july = trend["questions"]["reco"]["points"][1:]
    assert (june["change"]["difference"], june["change"]["significant"]) == (60.0, True)
    assert (july["change"]["difference"], july["change"]["significant"]) == (2.0, False)
    assert "change" not in trend["questions"]["reco"]["points"][0]
    assert trend["questions"]["accueil"]["score"] == "csat_pct"


def test_an_answer_recorded_at_a_moment_of_truth_reads_its_phase(db: Database):
    given_a_survey(db)
    given_answers(db, answer("b1", "reco", 9, "2026-05-03T10:00:00+02:00",
                             touchpoint="case_resolved"))  # fmt: skip
    with db.sessions() as session:
        groups = reports.breakdown(session, services.survey_named(session, "parcours"), ["phase"])
    assert [g["phase"] for g in groups] == ["after"]


def test_an_unknown_period_is_refused(db: Database):
    given_a_survey(db)
    with db.sessions() as session, pytest.raises(services.SurveyError, match="unknown period"):
        reports.trend(session, services.survey_named(session, "parcours"), "fortnight")
