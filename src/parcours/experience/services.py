"""Use cases of the surveys: create a survey, record answers (one by one or imported), report
its scores (:mod:`parcours.experience.reports`).

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

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parcours.customers.merging import current_customer
from parcours.customers.normalise import InvalidValue, normalise_email
from parcours.customers.storage import customers_by_identifier
from parcours.experience import scores, verbatims
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion
from parcours.experience.touchpoints import checked_phase, phase_of

KINDS = (*scores.KINDS, "choice", "text")
__all__ = ["Survey", "SurveyAnswer", "SurveyQuestion"]
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_QUESTION = re.compile(
    r"^(?P<key>[^:]+):(?P<kind>[a-z_]+)(?::(?:(?P<low>-?\d+)-(?P<high>-?\d+)|(?P<options>.+)))?$"
)


class SurveyError(ValueError):
    """A survey or an answer that cannot be taken; the message says why."""


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    kind: str
    low: int | None = None
    high: int | None = None
    label: str | None = None
    #: The options of a ``choice`` question, answered by their number (1 to n) or their text.
    options: tuple[str, ...] = ()


def parse_question(text: str) -> QuestionSpec:
    """``KEY:KIND:MIN-MAX`` (``q1:nps:0-10``), ``KEY:choice:OPTION|OPTION…``
    (``canal:choice:magasin|site|téléphone``), or ``KEY:text``."""
    match = _QUESTION.match(text.strip())
    if match is None:
        raise SurveyError(f"a question is KEY:KIND:MIN-MAX (e.g. q1:nps:0-10), not {text!r}")
    if match["options"] is not None:
        if match["kind"] != "choice":
            raise SurveyError(f"a {match['kind']} question has a scale MIN-MAX, not {text!r}")
        options = tuple(option.strip() for option in match["options"].split("|"))
        return QuestionSpec(match["key"], "choice", options=options)
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
    if question.kind == "choice":
        options = [option.casefold() for option in question.options]
        if len(options) < 2 or "" in options or len(set(options)) != len(options):
            raise SurveyError(f"{question.key}: a choice question needs two or more different "
                              "options, OPTION|OPTION…")  # fmt: skip
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
        SurveyQuestion(survey_id=survey.id, key=q.key, kind=q.kind, label=q.label,
                       low=1 if q.kind == "choice" else q.low,
                       high=len(q.options) if q.kind == "choice" else q.high,
                       options=list(q.options) if q.kind == "choice" else None)
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
    if question.kind == "choice":
        text = str(raw).strip().casefold()
        for number, option in enumerate(question.options or (), start=1):
            if text in (option.casefold(), str(number)):
                return number
        raise SurveyError(f"{raw!r} is not one of {question.key}'s options: "
                          f"{', '.join(question.options or ())}")  # fmt: skip
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
    phase: str | None = None
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
    if values["comment"] is not None:
        found = verbatims.analyse(values["comment"])
        values["sentiment"] = found.sentiment
        values["themes"] = [list(pair) for pair in found.theme_sentiment]
    else:
        values["sentiment"] = values["themes"] = None
    when = answer.answered_at
    values["month"] = when.astimezone(UTC).strftime("%Y-%m") if when else None
    try:
        values["phase"] = checked_phase(answer.phase) or phase_of(answer.touchpoint)
    except ValueError as error:
        raise SurveyError(str(error)) from None
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
