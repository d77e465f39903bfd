"""A resolved case triggers a survey e-mail through a real SMTP server; answering the link
records the answers on the customer's timeline and the case; a detractor with a comment gets a
follow-up case."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours.app import create_app
from parcours.cases import services as cases
from parcours.cases.models import Case
from parcours.config import Settings
from parcours.db import Database
from parcours.experience import services, triggers
from parcours.experience.models import SurveyAnswer, SurveyInvitation
from parcours.interactions import services as timeline
from tests.integration.test_case_replies import Mailbox, mailbox  # noqa: F401
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, given_customers


def given_a_survey_after_resolution(db: Database, **trigger: int) -> None:
    with db.transaction(write=True) as session:
        services.create_survey(session, "apres-sav", [services.parse_question(q) for q in (
            "q1:nps:0-10", "q2:text")], title="Votre avis sur notre SAV")  # fmt: skip
        triggers.add_trigger(session, "apres-sav", "case_resolved", **trigger)


def resolve(db: Database, case_id: int) -> None:
    with db.transaction(write=True) as session:
        cases.change_status(session, cases.find_case(session, case_id), "resolved", actor="Loïc")


def test_a_resolved_case_sends_a_survey_whose_answer_reaches_the_timeline_and_closes_the_loop(
    db: Database,
    mailbox: Mailbox,  # noqa: F811
):
    customers = given_customers(db, CLAIRE)
    given_a_survey_after_resolution(db)
    case_id, reference = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales",
                                   subject="Poêle en panne")  # fmt: skip

    resolve(db, case_id)

    [mail] = mailbox.received
    assert mail["To"] == "claire.legoff@exemple.fr"
    assert mail["Subject"] == f"Votre avis sur notre SAV — {reference}"
    link = re.search(r"http://127\.0\.0\.1:8000(/s/[\w-]+)", mail.get_content())
    assert link is not None
    client = TestClient(create_app(Settings(environment="test"), db))
    page = client.get(link.group(1))
    answered = client.post(link.group(1), data={"q1": "3", "q2": "Trois semaines d'attente"})
    again = client.post(link.group(1), data={"q1": "9"})

    assert page.status_code == 200 and 'name="q1" value="10"' in page.text
    assert answered.status_code == 200 and "Merci" in answered.text
    assert again.status_code == 409
    with db.sessions() as session:
        scores = session.execute(
            select(SurveyAnswer.score, SurveyAnswer.comment, SurveyAnswer.customer_id,
                   SurveyAnswer.case_id).order_by(SurveyAnswer.id)
        ).all()  # fmt: skip
        page_of = timeline.timeline(session, customers["MAG-1"])
        thread = cases.thread(session, cases.find_case(session, case_id))
        follow_up = session.scalars(select(Case).where(Case.id != case_id)).one()
    assert [tuple(row) for row in scores] == [
        (3, None, customers["MAG-1"], case_id),
        (None, "Trois semaines d'attente", customers["MAG-1"], case_id),
    ]
    assert page_of.items[0].type == "survey_response"
    assert "survey_response" in [t.interaction.type for t in thread if t.interaction]
    assert (follow_up.type, follow_up.customer_id, follow_up.priority) == (
        "complaint",
        customers["MAG-1"],
        "high",
    )


def test_fatigue_and_delay_hold_back_invitations(db: Database, mailbox: Mailbox):  # noqa: F811
    customers = given_customers(db, CLAIRE)
    given_a_survey_after_resolution(db, delay_minutes=60, fatigue_days=30)
    first, _ = open_case(db, customer_id=customers["MAG-1"])
    second, _ = open_case(db, customer_id=customers["MAG-1"])

    resolve(db, first)
    resolve(db, second)  # within 30 days of the first invitation: none

    assert mailbox.received == []
    with db.sessions() as session:
        [invitation] = session.scalars(select(SurveyInvitation)).all()
    with db.transaction(write=True) as session:
        too_early = triggers.send_due(session, invitation.created_at)
    with db.transaction(write=True) as session:
        due = triggers.send_due(session, invitation.send_after)
    assert (too_early, due, len(mailbox.received)) == (0, 1, 1)


def test_an_unknown_link_says_so(db: Database):
    client = TestClient(create_app(Settings(environment="test"), db))

    response = client.get("/s/nope?lang=en")

    assert response.status_code == 404
    assert "this survey link is not valid" in response.text


def test_an_answer_out_of_the_scale_shows_the_questions_again_with_the_error(
    db: Database,
    mailbox: Mailbox,  # noqa: F811
):
    customers = given_customers(db, CLAIRE)
    given_a_survey_after_resolution(db)
    case_id, _ = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales",
                           subject="Poêle en panne")  # fmt: skip
    resolve(db, case_id)
    link = re.search(r"http://127\.0\.0\.1:8000(/s/[\w-]+)", mailbox.received[0].get_content())
    assert link is not None
    client = TestClient(create_app(Settings(environment="test"), db))

    wrong = client.post(link.group(1), data={"q1": "42"})
    right = client.post(link.group(1), data={"q1": "9"})

    assert wrong.status_code == 422
    assert 'role="alert"' in wrong.text and 'name="q1" value="10"' in wrong.text
    assert right.status_code == 200 and "Merci" in right.text
    with db.sessions() as session:
        assert session.scalars(select(SurveyAnswer.score)).all() == [9]
