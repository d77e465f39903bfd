"""Verbatims on SQLite and PostgreSQL: each comment read once when recorded (tone and themes),
listed by theme and tone, irritants ranked; the migration reads the comments already stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from parcours.db import Database, create_db_engine
from parcours.experience import comments, imports, services
from parcours.experience.models import SurveyAnswer
from parcours.migrations.runner import upgrade
from tests.migrated import STORES, database_at

ANSWERS = """respondent,question,score,comment,channel,touchpoint,answered_at
r1,reco,2,Livraison en retard et livreur désagréable,phone,livraison,2026-05-02T10:00:00+02:00
r2,reco,3,Personne ne rappelle au SAV,phone,appel SAV,2026-05-03T10:00:00+02:00
r3,reco,9,Livraison en retard mais vendeur très aimable,store,livraison,2026-05-04T10:00:00+02:00
r4,reco,10,Accueil chaleureux au showroom,store,visite showroom,2026-05-05T10:00:00+02:00
r5,reco,8,,web,site web,2026-05-06T10:00:00+02:00
r6,reco,1,Trop cher pour la qualité,store,visite showroom,2026-05-07T10:00:00+02:00
"""


def given_answers_with_comments(db: Database, tmp_path: Path) -> None:
    with db.transaction(write=True) as session:
        services.create_survey(session, "avis", [services.parse_question("reco:nps:0-10")])
    path = tmp_path / "avis.csv"
    path.write_text(ANSWERS, encoding="utf-8")
    with db.transaction(write=True) as session:
        imports.import_answers(session, "avis", path)


def test_each_comment_is_read_once_with_its_tone_and_themes(db: Database, tmp_path: Path):
    given_answers_with_comments(db, tmp_path)

    with db.sessions() as session:
        survey = services.survey_named(session, "avis")
        everything, total = comments.answers(session, survey)
        deliveries, delivery_total = comments.answers(session, survey, theme="delivery")
        negative, _ = comments.answers(session, survey, tone="negative")
        second_page, _ = comments.answers(session, survey, page=2, page_size=2)
        all_answers, answers_total = comments.answers(session, survey, only_comments=False)
        tones = comments.tones(session, survey)
        with pytest.raises(services.SurveyError, match="unknown theme 'weather'"):
            comments.answers(session, survey, theme="weather")

    assert total == 5 and answers_total == 6 and len(all_answers) == 6
    assert [item.respondent for item in everything] == ["r6", "r4", "r3", "r2", "r1"]
    assert (delivery_total, [item.respondent for item in deliveries]) == (2, ["r3", "r1"])
    assert [item.respondent for item in negative] == ["r6", "r2", "r1"]
    assert [item.respondent for item in second_page] == ["r3", "r2"]
    first = everything[-1]
    assert (first.polarity, first.themes) == ("negative", ["waiting_time", "delivery",
                                                           "staff_courtesy"])  # fmt: skip
    assert tones == {"negative": 3, "neutral": 0, "positive": 2}


def test_irritants_put_first_what_detractors_criticise(db: Database, tmp_path: Path):
    given_answers_with_comments(db, tmp_path)

    with db.sessions() as session:
        survey = services.survey_named(session, "avis")
        ranked = comments.irritants(session, survey)
        in_english = comments.irritants(session, survey, "en")

    # Delivery and waiting time: two negative mentions out of two (r1 a detractor, r3 a
    # promoter) → 2 × (1 + 1/2) = 3, tied, in key order; each theme of a single detractor's
    # complaint → 1 × (1 + 1/1) = 2; courtesy: one negative of three mentions, by a detractor →
    # 1 × (1 + 1/3) = 1.33; the showroom ("store") is never criticised: not an irritant.
    assert [(line["theme"], line["mentions"], line["negative"], line["detractor_mentions"],
             line["impact"]) for line in ranked] == [
        ("delivery", 2, 2, 1, 3.0), ("waiting_time", 2, 2, 1, 3.0),
        ("after_sales", 1, 1, 1, 2.0), ("price", 1, 1, 1, 2.0),
        ("product_quality", 1, 1, 1, 2.0), ("reachability", 1, 1, 1, 2.0),
        ("staff_courtesy", 3, 1, 1, 1.33),
    ]  # fmt: skip
    assert (ranked[1]["label"], in_english[1]["label"]) == ("Temps d'attente", "Waiting time")


@pytest.fixture(params=STORES)
def database_before_phases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated up to the surveys, before answers had a phase and a tone."""
    yield from database_at(request, tmp_path, "449094278995")


def test_the_migrations_read_the_phase_and_the_comments_of_answers_already_stored(
    database_before_phases: str,
):
    engine = create_db_engine(database_before_phases)
    tables = SurveyAnswer.metadata.tables
    with engine.begin() as connection:
        now = datetime.now(UTC)
        connection.execute(
            insert(tables["surveys"]), [{"id": 1, "name": "avis", "created_at": now}]
        )
        connection.execute(insert(tables["survey_questions"]),
                           [{"id": 1, "survey_id": 1, "key": "reco", "kind": "nps", "low": 0,
                             "high": 10}])  # fmt: skip
        connection.execute(
            insert(tables["survey_answers"]).values(
                survey_id=1, question_id=1, respondent="r1", score=2, count=1,
                comment="Livraison en retard", touchpoint="Livraison à domicile",
            )
        )  # fmt: skip
    engine.dispose()

    upgrade(database_before_phases)

    engine = create_db_engine(database_before_phases)
    with engine.connect() as connection:
        phase, sentiment, themes = connection.execute(
            select(tables["survey_answers"].c.phase, tables["survey_answers"].c.sentiment,
                   tables["survey_answers"].c.themes)
        ).one()  # fmt: skip
    engine.dispose()
    assert phase == "after"
    assert sentiment is not None and sentiment < 0
    assert [theme for theme, _ in themes] == ["waiting_time", "delivery"]
