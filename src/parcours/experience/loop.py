"""Closing the loop: a detractor, or a very dissatisfied customer, who left a comment gets a
follow-up case at once, so that someone calls them back while it still matters.

The rule (per survey and respondent, once): an ``nps`` answer among the detractors, or a
``csat`` answer on the lowest point of its scale, **and** a comment (on any answer of that
respondent: the comment question or the answer itself) **and** a known customer → a complaint
case "Retour d'enquête", high priority, routed like any case, the comment in its internal notes.
The case's id is kept on the answer that triggered it, so that sending the answers again opens
nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases.assignment import open_and_route
from parcours.cases.services import add_note
from parcours.experience import scores
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion

OPENER = "enquêtes"


def is_unhappy(question: SurveyQuestion, score: int | None) -> bool:
    if score is None or question.low is None or question.high is None:
        return False
    if question.kind == "nps":
        detractors, _, _ = scores.nps_groups(scores.Scale(question.low, question.high))
        return score in detractors
    return question.kind == "csat" and score == question.low


def close_the_loop(session: Session, survey: Survey, respondents: Iterable[str]) -> list[int]:
    """Open the follow-up cases the rule asks for; their ids."""
    questions = {
        question.id: question
        for question in session.scalars(
            select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
        )
    }
    opened = []
    for respondent in sorted(set(respondents)):
        answers = session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id,
                                       SurveyAnswer.respondent == respondent)
            .order_by(SurveyAnswer.id)
        ).all()  # fmt: skip
        if any(answer.follow_up_case_id for answer in answers):
            continue
        unhappy = [a for a in answers if is_unhappy(questions[a.question_id], a.score)]
        comments = [a.comment for a in answers if a.comment]
        customer = next((a.customer_id for a in answers if a.customer_id), None)
        if not unhappy or not comments or customer is None:
            continue
        trigger = unhappy[0]
        question = questions[trigger.question_id]
        case = open_and_route(
            session, customer_id=customer, case_type="complaint",
            channel=trigger.channel or "email", priority="high", opened_by=OPENER,
            subject=f"Retour d'enquête {survey.name} : {question.key} {trigger.score}",
        )  # fmt: skip
        add_note(session, case, author=OPENER, body="\n".join(comments))
        trigger.follow_up_case_id = case.id
        opened.append(case.id)
    return opened
