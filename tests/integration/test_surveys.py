"""Surveys on SQLite and PostgreSQL: answers imported once, distributions replaced by their own
file, bad lines rejected with their number, and the report's exact figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from parcours.cases import views
from parcours.cases.models import Case
from parcours.db import Database
from parcours.experience import imports, reports, services
from tests.integration.test_interactions import CLAIRE, YANN, given_customers

QUESTIONS = ["q1:nps:0-10", "q2:csat:1-5", "q3:ces:1-5", "q4:text"]


def given_a_survey(db: Database) -> None:
    with db.transaction(write=True) as session:
        services.create_survey(session, "apres-vente",
                               [services.parse_question(q) for q in QUESTIONS])  # fmt: skip


def imported(db: Database, path: Path) -> imports.SurveyImportSummary:
    with db.transaction(write=True) as session:
        return imports.import_answers(session, "apres-vente", path)


def report(db: Database) -> dict:  # type: ignore[type-arg]
    with db.sessions() as session:
        return reports.report(session, services.survey_named(session, "apres-vente"))


def test_a_distribution_imported_twice_counts_once_and_bad_lines_are_rejected(
    db: Database, tmp_path: Path
):
    given_a_survey(db)
    paper = tmp_path / "papier.csv"
    paper.write_text("question;score;count\nq1;10;30\nq1;9;20\nq1;8;20\nq1;7;10\nq1;6;10\n"
                     "q1;3;5\nq1;0;5\nq2;5;4\nq2;4;3\nq2;3;2\nq2;1;1\nq5;1;1\nq1;11;2\nq1;x;1\n",
                     encoding="utf-8")  # fmt: skip

    first, second = imported(db, paper), imported(db, paper)

    assert (first.shape, first.counted, second.counted) == ("distribution", 110, 110)
    assert first.rejects == [
        (13, "unknown question 'q5'; the survey has q1, q2, q3, q4"),
        (14, "score 11 is outside q1's scale 0-10"),
        (15, "score 'x' is not a whole number"),
    ]
    q1, q2 = report(db)["questions"]["q1"], report(db)["questions"]["q2"]
    # The hand-computed case of tests/unit/test_experience_scores.py.
    assert {k: q1[k] for k in ("n", "nps", "promoters_pct", "passives_pct", "detractors_pct",
                               "ci95_low", "ci95_high")} == {
        "n": 100, "nps": 30.0, "promoters_pct": 50.0, "passives_pct": 30.0,
        "detractors_pct": 20.0, "ci95_low": 14.05, "ci95_high": 44.2,
    }  # fmt: skip
    assert (q2["n"], q2["csat_pct"], q2["mean"]) == (10, 70.0, 3.9)


def test_individual_answers_are_recorded_once_and_a_changed_answer_replaces_the_first(
    db: Database, tmp_path: Path
):
    given_a_survey(db)
    answers = tmp_path / "reponses.csv"
    answers.write_text(
        "respondent,question,score,comment,channel,touchpoint,answered_at\n"
        "r1,q1,2,Technicien en retard,phone,sav,2026-11-20T10:00:00+01:00\n"
        "r1,q4,,Trop d'attente au téléphone,phone,sav,\n"
        "r2,q3,1,,web,,\n"
        "r3,q3,6,,web,,\n"
        "r4,q3,2,,web,,hier\n",
        encoding="utf-8",
    )

    first, again = imported(db, answers), imported(db, answers)
    answers.write_text("respondent,question,score\nr1,q1,7\n", encoding="utf-8")
    changed = imported(db, answers)

    assert (first.recorded, first.rejected, again.unchanged, changed.updated) == (3, 2, 3, 1)
    assert [reason for _, reason in first.rejects] == [
        "score 6 is outside q3's scale 1-5", "answered_at 'hier' is not ISO 8601",
    ]  # fmt: skip
    figures = report(db)["questions"]
    assert (figures["q1"]["n"], figures["q1"]["passives_pct"]) == (1, 100.0)
    assert (figures["q3"]["low_effort_pct"], figures["q4"]) == (100.0, {"kind": "text", "n": 1})


def test_a_survey_must_be_well_formed(db: Database):
    for questions, message in (
        (["q1:nps:1-4"], "q1: an NPS scale needs at least five points, not 1-4"),
        (["q1:stars:1-5"], "unknown kind 'stars'"),
        (["q1:csat"], "q1: a csat question needs its scale MIN-MAX"),
        (["q1:csat:1-5", "q1:nps:0-10"], "question keys must differ: q1, q1"),
    ):
        with db.transaction(write=True) as session, pytest.raises(services.SurveyError) as error:
            services.create_survey(session, "x", [services.parse_question(q) for q in questions])
        assert str(error.value).startswith(message)


def test_a_detractor_who_left_a_comment_gets_a_follow_up_case_once(db: Database, tmp_path: Path):
    customers = given_customers(db, CLAIRE, YANN)
    given_a_survey(db)
    answers = tmp_path / "reponses.csv"
    answers.write_text(
        "respondent,question,score,comment,channel,touchpoint,answered_at\n"
        "claire.legoff@exemple.fr,q1,3,,phone,sav,\n"
        "claire.legoff@exemple.fr,q4,,Personne ne rappelle au SAV,phone,sav,\n"
        "yann.prigent@exemple.fr,q1,2,,web,,\n"
        "inconnu@exemple.fr,q2,1,Déçu,web,,\n",
        encoding="utf-8",
    )

    first, again = imported(db, answers), imported(db, answers)

    # Claire (detractor, comment): a case; Yann (detractor, no comment) and an unknown
    # respondent (very dissatisfied, comment, no customer): none. Importing again: none more.
    assert (first.follow_ups, again.follow_ups) == (1, 0)
    with db.sessions() as session:
        [case] = session.scalars(select(Case)).all()
        detail = views.case_detail(session, case)
    assert (case.customer_id, case.type, case.priority, case.subject) == (
        customers["MAG-1"],
        "complaint",
        "high",
        "Retour d'enquête apres-vente : q1 3",
    )
    assert [line.body for line in detail.thread if line.kind == "note"] == [
        "Personne ne rappelle au SAV"
    ]


def test_scores_break_down_by_channel_and_month(db: Database, tmp_path: Path):
    given_a_survey(db)
    answers = tmp_path / "reponses.csv"
    answers.write_text(
        "respondent,question,score,comment,channel,touchpoint,answered_at\n"
        "r1,q1,10,,phone,sav,2026-04-30T23:30:00-02:00\n"  # 1 May in UTC
        "r2,q1,2,,phone,sav,2026-05-20T10:00:00+02:00\n"
        "r3,q1,9,,web,,2026-05-21T10:00:00+02:00\n"
        "r4,q1,8,,web,,2026-06-02T10:00:00+02:00\n"
        "r4,q4,,Bien,web,,2026-06-02T10:00:00+02:00\n",
        encoding="utf-8",
    )
    imported(db, answers)

    with db.sessions() as session:
        survey = services.survey_named(session, "apres-vente")
        by_channel = reports.breakdown(session, survey, ["channel"])
        by_month = reports.breakdown(session, survey, ["month", "channel"])
        with pytest.raises(services.SurveyError, match="unknown dimension 'shoe_size'"):
            reports.breakdown(session, survey, ["shoe_size"])

    assert [(g["channel"], g["questions"]["q1"]["n"], g["questions"]["q1"]["nps"])
            for g in by_channel] == [("phone", 2, 0.0), ("web", 2, 50.0)]  # fmt: skip
    assert by_channel[1]["questions"]["q4"] == {"kind": "text", "n": 1}
    assert [(g["month"], g["channel"], g["questions"]["q1"]["n"]) for g in by_month] == [
        ("2026-05", "phone", 2), ("2026-05", "web", 1), ("2026-06", "web", 1),
    ]  # fmt: skip


def test_a_choice_question_is_answered_by_option_or_number_and_reported_in_shares(
    db: Database, tmp_path: Path
):
    with db.transaction(write=True) as session:
        services.create_survey(session, "canal", [
            services.parse_question("connu:choice:Magasin|Site web|Bouche-à-oreille"),
            services.parse_question("q1:nps:0-10"),
        ])  # fmt: skip
        with pytest.raises(services.SurveyError, match="two or more different options"):
            services.create_survey(session, "mauvais",
                                   [services.parse_question("q:choice:Oui|oui")])  # fmt: skip
    answers = tmp_path / "canal.csv"
    lines = ["respondent,question,score", "r1,connu,site web", "r2,connu,2", "r3,connu,Magasin",
             "r4,connu,Radio", "r5,connu,4"]  # fmt: skip
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with db.transaction(write=True) as session:
        summary = imports.import_answers(session, "canal", answers)
    with db.sessions() as session:
        found = reports.report(session, services.survey_named(session, "canal"))

    assert summary.rejects == [
        (5, "'Radio' is not one of connu's options: Magasin, Site web, Bouche-à-oreille"),
        (6, "'4' is not one of connu's options: Magasin, Site web, Bouche-à-oreille"),
    ]
    assert found["questions"]["connu"] == {
        "kind": "choice", "n": 3, "mean": None,
        "options": {"Magasin": 1, "Site web": 2, "Bouche-à-oreille": 0},
        "shares": {"Magasin": 33.33, "Site web": 66.67, "Bouche-à-oreille": 0.0},
    }  # fmt: skip
