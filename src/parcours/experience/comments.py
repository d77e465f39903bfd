"""What customers write: the verbatims of a survey, newest first, filtered by theme or tone,
and the irritants ranked — the themes most often criticised, weighted by how many of those
comments come from detractors or very dissatisfied customers
(:func:`parcours.experience.verbatims.rank_irritants`).

Each comment was read once, when it was recorded (its sentiment and themes are stored with the
answer); a respondent counts as unhappy when any of their scored answers in the survey is
(:func:`parcours.experience.loop.is_unhappy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parcours.customers.models import Customer
from parcours.customers.services import EVERYONE, Visibility
from parcours.experience import verbatims
from parcours.experience.loop import is_unhappy
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion
from parcours.experience.services import SurveyError

PAGE_SIZE = 50
TONES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Comment:
    """An answer as the verbatim lists show it."""

    answer_id: int
    respondent: str | None
    question: str
    score: int | None
    comment: str | None
    sentiment: float | None
    polarity: str | None
    themes: list[str]
    channel: str | None
    touchpoint: str | None
    answered_at: datetime | None
    customer_id: int | None
    case_id: int | None


def _stored(answer: SurveyAnswer) -> verbatims.Verbatim:
    """The analysis kept with the answer, as the analyser's own type."""
    pairs = tuple((str(theme), float(value)) for theme, value in answer.themes or ())
    sentiment = answer.sentiment or 0.0
    return verbatims.Verbatim(
        language="fr", sentiment=sentiment, polarity=verbatims.polarity(sentiment),
        themes=tuple(theme for theme, _ in pairs), theme_sentiment=pairs,
    )  # fmt: skip


def answers(session: Session, survey: Survey, *, only_comments: bool = True,
            theme: str | None = None, tone: str | None = None, customer_id: int | None = None,
            page: int = 1, page_size: int = PAGE_SIZE,
            visibility: Visibility = EVERYONE) -> tuple[list[Comment], int]:  # fmt: skip
    """One page of the survey's answers (by default those with a comment: the verbatims),
    newest first, and how many there are in all; those of customers ``visibility`` hides left
    out (another franchise's customers' words are theirs)."""
    if theme is not None and theme not in verbatims.THEMES:
        raise SurveyError(f"unknown theme {theme!r}; known: {', '.join(verbatims.THEMES)}")
    if tone is not None and tone not in TONES:
        raise SurveyError(f"unknown tone {tone!r}; known: {', '.join(TONES)}")
    if page < 1 or not 1 <= page_size <= 500:
        raise SurveyError("page is 1 or more, page size 1 to 500")
    keys = {question_id: key for question_id, key in session.execute(
        select(SurveyQuestion.id, SurveyQuestion.key).where(SurveyQuestion.survey_id == survey.id)
    )}  # fmt: skip
    query = select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id,
                                       SurveyAnswer.respondent.is_not(None))  # fmt: skip
    if only_comments or theme is not None or tone is not None:
        query = query.where(SurveyAnswer.comment.is_not(None))
    if customer_id is not None:
        query = query.where(SurveyAnswer.customer_id == customer_id)
    visible = visibility.condition()
    if visible is not None:
        query = query.outerjoin(Customer, Customer.id == SurveyAnswer.customer_id).where(
            or_(SurveyAnswer.customer_id.is_(None), visible)
        )
    if tone == "negative":
        query = query.where(SurveyAnswer.sentiment <= verbatims.NEGATIVE_AT_MOST)
    elif tone == "positive":
        query = query.where(SurveyAnswer.sentiment >= verbatims.POSITIVE_AT_LEAST)
    elif tone == "neutral":
        query = query.where(SurveyAnswer.sentiment > verbatims.NEGATIVE_AT_MOST,
                            SurveyAnswer.sentiment < verbatims.POSITIVE_AT_LEAST)  # fmt: skip
    query = query.order_by(SurveyAnswer.answered_at.desc().nulls_last(), SurveyAnswer.id.desc())
    start = (page - 1) * page_size
    if theme is None:  # paged by the database
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page_of = list(session.scalars(query.offset(start).limit(page_size)))
    else:  # themes are JSON: filtered here, whatever the database
        matching = [a for a in session.scalars(query) if theme in _stored(a).themes]
        total, page_of = len(matching), matching[start : start + page_size]
    return [_comment(answer, keys[answer.question_id]) for answer in page_of], total


def _comment(answer: SurveyAnswer, question: str) -> Comment:
    read = _stored(answer) if answer.comment else None
    return Comment(
        answer.id, answer.respondent, question, answer.score, answer.comment,
        read.sentiment if read else None, read.polarity if read else None,
        list(read.themes) if read else [], answer.channel, answer.touchpoint,
        answer.answered_at, answer.customer_id, answer.case_id,
    )  # fmt: skip


def irritants(session: Session, survey: Survey, language: str = "fr") -> list[dict[str, Any]]:
    """The themes customers criticise, most irritating first, with FR/EN labels."""
    questions = {q.id: q for q in session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id))}  # fmt: skip
    unhappy = {
        respondent
        for respondent, question_id, score in session.execute(
            select(SurveyAnswer.respondent, SurveyAnswer.question_id, SurveyAnswer.score).where(
                SurveyAnswer.survey_id == survey.id, SurveyAnswer.respondent.is_not(None),
                SurveyAnswer.score.is_not(None),
            )
        )
        if is_unhappy(questions[question_id], score)
    }  # fmt: skip
    items = [
        (_stored(answer), answer.respondent in unhappy)
        for answer in session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id,
                                       SurveyAnswer.comment.is_not(None))
        )
    ]  # fmt: skip
    label = 0 if language == "fr" else 1
    return [
        {"theme": found.theme, "label": verbatims.THEMES[found.theme][label],
         "mentions": found.mentions, "negative": found.negative,
         "negative_pct": round(found.negative_share, 2),
         "detractor_mentions": found.detractor_mentions, "impact": round(found.impact, 2)}
        for found in verbatims.rank_irritants(items)
    ]  # fmt: skip


def tones(session: Session, survey: Survey) -> dict[str, int]:
    """How many comments are negative, neutral, positive."""
    counts = dict.fromkeys(TONES, 0)
    for sentiment, count in session.execute(
        select(SurveyAnswer.sentiment, func.count()).where(
            SurveyAnswer.survey_id == survey.id, SurveyAnswer.comment.is_not(None)
        ).group_by(SurveyAnswer.sentiment)
    ):  # fmt: skip
        counts[verbatims.polarity(sentiment or 0.0)] += int(count)
    return counts
