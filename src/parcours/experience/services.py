"""Use cases of the surveys: create a survey, record answers (one by one or imported), report
its scores (:mod:`parcours.experience.scores`).

* Individual answers are keyed by question and respondent: sending or importing the same answer
  again changes nothing, a changed score or comment replaces the earlier one.
* A distribution (paper surveys: ``question,score,count``) belongs to the file it came from:
  importing that file again replaces it instead of adding it twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parcours.customers.merging import current_customer
from parcours.customers.normalise import InvalidValue, normalise_email
from parcours.customers.storage import customers_by_identifier
from parcours.experience import scores
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion

KINDS = (*scores.KINDS, "text")
__all__ = ["Survey", "SurveyAnswer", "SurveyQuestion"]
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_QUESTION = re.compile(r"^(?P<key>[^:]+):(?P<kind>[a-z_]+)(?::(?P<low>-?\d+)-(?P<high>-?\d+))?$")


class SurveyError(ValueError):
    """A survey or an answer that cannot be taken; the message says why."""


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    kind: str
    low: int | None = None
    high: int | None = None
    label: str | None = None


def parse_question(text: str) -> QuestionSpec:
    """``KEY:KIND:MIN-MAX`` (``q1:nps:0-10``), or ``KEY:text``."""
    match = _QUESTION.match(text.strip())
    if match is None:
        raise SurveyError(f"a question is KEY:KIND:MIN-MAX (e.g. q1:nps:0-10), not {text!r}")
    low, high = match["low"], match["high"]
    return QuestionSpec(match["key"], match["kind"], int(low) if low else None,
                        int(high) if high else None)  # fmt: skip


def _check_question(question: QuestionSpec) -> None:
    if not _KEY.match(question.key):
        raise SurveyError(f"question key {question.key!r}: lower-case letters, digits, _")
    if question.kind not in KINDS:
        raise SurveyError(f"unknown kind {question.kind!r}; known: {', '.join(KINDS)}")
    if question.kind == "text":
        return
    if question.low is None or question.high is None:
        raise SurveyError(f"{question.key}: a {question.kind} question needs its scale MIN-MAX")
    try:
        scale = scores.Scale(question.low, question.high)
        if question.kind == "nps":
            scores.nps_groups(scale)
    except scores.ScoreError as error:
        raise SurveyError(f"{question.key}: {error}") from error


def create_survey(session: Session, name: str, questions: Sequence[QuestionSpec],
                  title: str | None = None) -> Survey:  # fmt: skip
    if not name.strip():
        raise SurveyError("a survey needs a name")
    if session.scalar(select(Survey.id).where(Survey.name == name)) is not None:
        raise SurveyError(f"a survey named {name!r} exists already")
    if not questions:
        raise SurveyError("a survey needs at least one question")
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):
        raise SurveyError(f"question keys must differ: {', '.join(keys)}")
    for question in questions:
        _check_question(question)
    survey = Survey(name=name, title=title)
    session.add(survey)
    session.flush()
    session.add_all(
        SurveyQuestion(survey_id=survey.id, key=q.key, kind=q.kind, low=q.low, high=q.high,
                       label=q.label)
        for q in questions
    )  # fmt: skip
    session.flush()
    return survey


def survey_named(session: Session, name: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.name == name))
    if survey is None:
        raise SurveyError(f"no survey named {name!r}")
    return survey


def questions_of(session: Session, survey: Survey) -> dict[str, SurveyQuestion]:
    rows = session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey.id)
        .order_by(SurveyQuestion.id)
    )
    return {question.key: question for question in rows}


def checked_score(question: SurveyQuestion, raw: object) -> int | None:
    """The score of an answer to this question, or an error naming the problem."""
    if question.kind == "text":
        return None
    try:
        score = int(str(raw).strip())
    except ValueError:
        raise SurveyError(f"score {raw!r} is not a whole number") from None
    assert question.low is not None and question.high is not None
    if not question.low <= score <= question.high:
        raise SurveyError(
            f"score {score} is outside {question.key}'s scale {question.low}-{question.high}"
        )
    return score


@dataclass
class AnswerIn:
    question: str
    score: object
    respondent: str | None = None
    comment: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    answered_at: datetime | None = None
    customer_id: int | None = None
    case_id: int | None = None


def record_answer(session: Session, survey: Survey, questions: dict[str, SurveyQuestion],
                  answer: AnswerIn) -> str:  # fmt: skip
    """Record one answer; "recorded", "updated" or "unchanged"."""
    question = questions.get(answer.question)
    if question is None:
        raise SurveyError(
            f"unknown question {answer.question!r}; the survey has {', '.join(questions)}"
        )
    score = checked_score(question, answer.score)
    if not answer.respondent:
        raise SurveyError("an individual answer needs its respondent")
    values: dict[str, Any] = {
        "score": score, "comment": (answer.comment or "").strip() or None,
        "channel": answer.channel, "touchpoint": answer.touchpoint,
        "answered_at": answer.answered_at, "customer_id": answer.customer_id,
        "case_id": answer.case_id,
    }  # fmt: skip
    when = answer.answered_at
    values["month"] = when.astimezone(UTC).strftime("%Y-%m") if when else None
    if values["customer_id"] is None:
        values["customer_id"] = customer_of_respondent(session, answer.respondent)
    existing = session.scalar(
        select(SurveyAnswer).where(SurveyAnswer.question_id == question.id,
                                   SurveyAnswer.respondent == answer.respondent)
    )  # fmt: skip
    if existing is None:
        session.add(SurveyAnswer(survey_id=survey.id, question_id=question.id,
                                 respondent=answer.respondent, count=1, **values))  # fmt: skip
        return "recorded"
    if all(getattr(existing, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(existing, name, value)
    return "updated"


def customer_of_respondent(session: Session, respondent: str) -> int | None:
    """The customer a respondent is, when the respondent is given as an e-mail address held by
    exactly one customer (as survey tools export them); else unknown."""
    if "@" not in respondent:
        return None
    try:
        email = normalise_email(respondent)
    except InvalidValue:
        return None
    holders = customers_by_identifier(session, [("email", email)]).get(("email", email), [])
    return current_customer(session, holders[0]) if len(holders) == 1 else None


def replace_distribution(session: Session, survey: Survey, source: str,
                         rows: Sequence[tuple[SurveyQuestion, int, int]]) -> int:  # fmt: skip
    """Put a file's distribution in place of what the same file brought before."""
    session.execute(
        delete(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id,
                                   SurveyAnswer.source == source)
    )  # fmt: skip
    session.add_all(
        SurveyAnswer(survey_id=survey.id, question_id=question.id, score=score, count=count,
                     source=source)
        for question, score, count in rows
    )  # fmt: skip
    return sum(count for _, _, count in rows)


def report(session: Session, survey: Survey) -> dict[str, Any]:
    """``{"questions": {KEY: {"kind", "n", "mean", <the kind's scores>}}}`` (rounded to 2)."""
    questions = questions_of(session, survey)
    counts: dict[int, dict[int, int]] = {question.id: {} for question in questions.values()}
    texts: dict[int, int] = {}
    for question_id, score, count in session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.score, func.sum(SurveyAnswer.count))
        .where(SurveyAnswer.survey_id == survey.id)
        .group_by(SurveyAnswer.question_id, SurveyAnswer.score)
    ):
        if score is None:
            texts[question_id] = texts.get(question_id, 0) + int(count)
        else:
            counts[question_id][int(score)] = int(count)
    found: dict[str, Any] = {}
    for key, question in questions.items():
        found[key] = _question_report(question, counts[question.id], texts.get(question.id, 0))
    return {"survey": survey.name, "questions": found}


def _question_report(
    question: SurveyQuestion, counts: dict[int, int], texts: int
) -> dict[str, Any]:
    if question.kind == "text":
        return {"kind": "text", "n": texts}
    assert question.low is not None and question.high is not None
    scale = scores.Scale(question.low, question.high)
    n = sum(counts.values())
    average = scores.mean(counts, scale)
    line: dict[str, Any] = {"kind": question.kind, "scale": [question.low, question.high],
                            "n": n, "mean": _round(average)}  # fmt: skip
    figures: Any = None
    if question.kind == "nps":
        figures = scores.nps(counts, scale)
    elif question.kind == "csat":
        figures = scores.csat(counts, scale)
    elif question.kind in ("ces", "ces_ease"):
        figures = scores.ces(counts, scale, ease=question.kind == "ces_ease")
    if figures is not None:
        line.update({name: _round(value) for name, value in vars(figures).items()
                     if name not in ("n", "mean")})  # fmt: skip
    line["distribution"] = {str(score): counts.get(score, 0)
                            for score in range(question.low, question.high + 1)}  # fmt: skip
    return line


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


DIMENSIONS = ("channel", "touchpoint", "month")


def breakdown(session: Session, survey: Survey, by: Sequence[str]) -> list[dict[str, Any]]:
    """Every question's scores per combination of the dimensions asked for (channel, touchpoint,
    month), most answers first: one indexed GROUP BY over the answers, then the formulas of
    :mod:`parcours.experience.scores` per group."""
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise SurveyError(f"unknown dimension {unknown[0]!r}; known: {', '.join(DIMENSIONS)}")
    questions = {q.id: q for q in questions_of(session, survey).values()}
    groups: dict[tuple[Any, ...], dict[int, dict[int, int]]] = {}
    texts: dict[tuple[Any, ...], dict[int, int]] = {}
    columns = [getattr(SurveyAnswer, name) for name in DIMENSIONS]
    for question_id, channel, touchpoint, month, score, count in session.execute(
        select(SurveyAnswer.question_id, *columns, SurveyAnswer.score,
               func.sum(SurveyAnswer.count))
        .where(SurveyAnswer.survey_id == survey.id)
        .group_by(SurveyAnswer.question_id, *columns, SurveyAnswer.score)
    ):  # fmt: skip
        values = {"channel": channel, "touchpoint": touchpoint, "month": month}
        key = tuple(values[name] for name in by)
        if score is None:
            texts.setdefault(key, {})[question_id] = texts.get(key, {}).get(question_id, 0) + int(
                count
            )
            continue
        per_question = groups.setdefault(key, {}).setdefault(question_id, {})
        per_question[int(score)] = per_question.get(int(score), 0) + int(count)
    rows = []
    for key in set(groups) | set(texts):
        found = {
            question.key: _question_report(
                question, groups.get(key, {}).get(question_id, {}),
                texts.get(key, {}).get(question_id, 0),
            )
            for question_id, question in questions.items()
        }  # fmt: skip
        for line in found.values():
            line.pop("distribution", None)
        rows.append({**dict(zip(by, key, strict=True)), "questions": found})
    return sorted(rows, key=lambda row: (-max(q["n"] for q in row["questions"].values()),
                                         [str(row[name]) for name in by]))  # fmt: skip
