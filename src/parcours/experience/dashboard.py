"""The manager dashboard's experience figures: the headline score of every NPS, CSAT and CES
question (:data:`parcours.experience.reports.HEADLINES`), month by month over the twelve calendar
months up to the period's end — a trend needs more history than a 30-day period holds — from one
GROUP BY over the answers; and the answers behind one point (the drill-down).

Only the answers of the customers the person may see are counted (an answer without a customer,
from a paper survey, is seen by all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from parcours.customers.models import Customer
from parcours.customers.services import EVERYONE, Visibility
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion
from parcours.experience.reports import HEADLINES, question_report
from parcours.experience.services import SurveyError
from parcours.paging import page_count

KINDS = ("nps", "csat", "ces", "ces_ease")


def months_up_to(until: datetime, count: int = 12) -> list[str]:
    """The ``count`` calendar months (UTC, "2026-11") ending with the one ``until`` falls in."""
    moment = until.astimezone(UTC)
    index = moment.year * 12 + moment.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


@dataclass
class ScoreTrend:
    """One question's headline score (``score``: nps, csat_pct, low_effort_pct) per month:
    ``points`` holds (month, value or None, answers)."""

    question_id: int
    survey: str
    key: str
    kind: str
    score: str
    points: list[tuple[str, float | None, int]] = field(default_factory=list)


SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def _visible(query: SelectT, visibility: Visibility) -> SelectT:
    condition = visibility.condition()
    if condition is None:
        return query
    return query.outerjoin(Customer, Customer.id == SurveyAnswer.customer_id).where(
        or_(SurveyAnswer.customer_id.is_(None), condition)
    )


def score_trends(session: Session, months: list[str],
                 visibility: Visibility = EVERYONE) -> list[ScoreTrend]:  # fmt: skip
    """Every NPS, CSAT and CES question with answers in ``months``, its headline per month."""
    query = (
        select(SurveyAnswer.question_id, SurveyAnswer.month, SurveyAnswer.score,
               func.sum(SurveyAnswer.count))
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.kind.in_(KINDS), SurveyAnswer.month.in_(months),
               SurveyAnswer.score.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.month, SurveyAnswer.score)
    )  # fmt: skip
    counts: dict[int, dict[str, dict[int, int]]] = {}
    for question_id, month, score, n in session.execute(_visible(query, visibility)):
        counts.setdefault(question_id, {}).setdefault(str(month), {})[int(score or 0)] = int(n)
    if not counts:
        return []
    questions = session.execute(
        select(SurveyQuestion, Survey.name).join(Survey, Survey.id == SurveyQuestion.survey_id)
        .where(SurveyQuestion.id.in_(counts)).order_by(Survey.name, SurveyQuestion.id)
    ).all()  # fmt: skip
    trends = []
    for question, survey in questions:
        headline = HEADLINES[question.kind]
        trend = ScoreTrend(question.id, survey, question.key, question.kind, headline)
        for month in months:
            line = question_report(question, counts[question.id].get(month, {}), 0)
            trend.points.append((month, line.get(headline), line["n"]))
        trends.append(trend)
    return trends


@dataclass
class AnswersBehind:
    question: SurveyQuestion
    survey: str
    month: str
    total: int
    page: int
    page_size: int
    items: list[SurveyAnswer] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def answers_behind(session: Session, question_id: int, month: str,
                   visibility: Visibility = EVERYONE, *, page: int = 1,
                   page_size: int | None = 50) -> AnswersBehind:  # fmt: skip
    """The scored answers to one question in one month, newest first; ``page_size`` None: all
    of them (the CSV export)."""
    question = session.get(SurveyQuestion, question_id)
    if question is None or question.kind not in KINDS:
        raise SurveyError(f"no NPS, CSAT or CES question n° {question_id}")
    survey = session.scalar(select(Survey.name).where(Survey.id == question.survey_id)) or ""
    query = _visible(
        select(SurveyAnswer).where(SurveyAnswer.question_id == question_id,
                                   SurveyAnswer.month == month, SurveyAnswer.score.is_not(None)),
        visibility,
    )  # fmt: skip
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc())
    page = max(page, 1)
    if page_size is not None:
        ordered = ordered.offset((page - 1) * page_size).limit(page_size)
    return AnswersBehind(question, survey, month, total, page, page_size or max(total, 1),
                         list(session.scalars(ordered)))  # fmt: skip
