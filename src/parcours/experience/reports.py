"""What the answers say: each question's scores overall, per group (channel, touchpoint, journey
phase, case type, team, agent, customer segment, month, quarter, year), their trend from period
to period, and whether a difference between two groups or periods is significant
(:mod:`parcours.experience.compare`).

One GROUP BY over the answers gives the distribution of scores of every group (the breakdown
index covers channel × touchpoint × month; case type, team and agent come from the case the
answer is about, the segment from the customer's ``attributes.segment``), then the formulas of
:mod:`parcours.experience.scores` run per group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from parcours.cases.models import Agent, Case, Team
from parcours.customers.models import Customer
from parcours.experience import compare, scores
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion
from parcours.experience.services import SurveyError, questions_of

Distribution = dict[int, int]
GroupKey = tuple[Any, ...]


def _quarter(month: str | None) -> str | None:
    return None if month is None else f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"


def _year(month: str | None) -> str | None:
    return None if month is None else month[:4]


#: dimension → the SQL column it is read from; a derived dimension → (the dimension it is
#: derived from, how).
_SOURCES: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "channel": SurveyAnswer.channel,
    "touchpoint": SurveyAnswer.touchpoint,
    "phase": SurveyAnswer.phase,
    "month": SurveyAnswer.month,
    "case_type": Case.type,
    "team": Team.name,
    "agent": Agent.name,
    "segment": Customer.attributes["segment"].as_string(),
}
_DERIVED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "quarter": ("month", _quarter),
    "year": ("month", _year),
}
DIMENSIONS = (*_SOURCES, *_DERIVED)
PERIODS = ("month", "quarter", "year")


def _check_dimensions(by: Sequence[str]) -> None:
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise SurveyError(f"unknown dimension {unknown[0]!r}; known: {', '.join(DIMENSIONS)}")


def _distributions(
    session: Session, survey: Survey, by: Sequence[str]
) -> tuple[dict[GroupKey, dict[int, Distribution]], dict[GroupKey, dict[int, int]]]:
    """Per group of ``by``: each question's distribution of scores, and its count of texts."""
    _check_dimensions(by)
    sources = list(dict.fromkeys(_DERIVED[name][0] if name in _DERIVED else name for name in by))
    columns = [_SOURCES[name].label(name) for name in sources]
    query = select(
        SurveyAnswer.question_id, *columns, SurveyAnswer.score, func.sum(SurveyAnswer.count)
    ).where(SurveyAnswer.survey_id == survey.id)
    if {"case_type", "team", "agent"} & set(sources):
        query = query.outerjoin(Case, Case.id == SurveyAnswer.case_id)
    if "team" in sources:
        query = query.outerjoin(Team, Team.id == Case.team_id)
    if "agent" in sources:
        query = query.outerjoin(Agent, Agent.id == Case.owner_id)
    if "segment" in sources:
        query = query.outerjoin(Customer, Customer.id == SurveyAnswer.customer_id)
    query = query.group_by(SurveyAnswer.question_id, *columns, SurveyAnswer.score)
    groups: dict[GroupKey, dict[int, Distribution]] = {}
    texts: dict[GroupKey, dict[int, int]] = {}
    for row in session.execute(query):
        question_id, *values, score, count = row
        found = dict(zip(sources, values, strict=True))
        key = tuple(
            _DERIVED[name][1](found[_DERIVED[name][0]]) if name in _DERIVED else found[name]
            for name in by
        )
        if score is None:
            per_text = texts.setdefault(key, {})
            per_text[question_id] = per_text.get(question_id, 0) + int(count)
            continue
        per_question = groups.setdefault(key, {}).setdefault(question_id, {})
        per_question[int(score)] = per_question.get(int(score), 0) + int(count)
    return groups, texts


def report(session: Session, survey: Survey) -> dict[str, Any]:
    """``{"questions": {KEY: {"kind", "n", "mean", <the kind's scores>}}}`` (rounded to 2)."""
    groups, texts = _distributions(session, survey, ())
    counts, text_counts = groups.get((), {}), texts.get((), {})
    found = {
        key: question_report(question, counts.get(question.id, {}), text_counts.get(question.id, 0))
        for key, question in questions_of(session, survey).items()
    }
    return {"survey": survey.name, "questions": found}


def question_report(question: SurveyQuestion, counts: Distribution, texts: int) -> dict[str, Any]:
    if question.kind == "text":
        return {"kind": "text", "n": texts}
    if question.kind == "choice":
        return _choice_report(question, counts)
    scale = _scale(question)
    n = sum(counts.values())
    line: dict[str, Any] = {"kind": question.kind, "scale": [scale.low, scale.high], "n": n,
                            "mean": _round(scores.mean(counts, scale))}  # fmt: skip
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
                            for score in range(scale.low, scale.high + 1)}  # fmt: skip
    return line


def _choice_report(question: SurveyQuestion, counts: Distribution) -> dict[str, Any]:
    """How many chose each option, and its share; a choice has no mean."""
    n = sum(counts.values())
    options = question.options or []
    return {
        "kind": "choice", "n": n, "mean": None,
        "options": {option: counts.get(number, 0) for number, option in enumerate(options, 1)},
        "shares": {option: _round(100 * counts.get(number, 0) / n) if n else None
                   for number, option in enumerate(options, 1)},
    }  # fmt: skip


def _scale(question: SurveyQuestion) -> scores.Scale:
    assert question.low is not None and question.high is not None
    return scores.Scale(question.low, question.high)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def breakdown(session: Session, survey: Survey, by: Sequence[str]) -> list[dict[str, Any]]:
    """Every question's scores per combination of the dimensions asked for, most answers
    first."""
    groups, texts = _distributions(session, survey, by)
    questions = {q.id: q for q in questions_of(session, survey).values()}
    rows = []
    for key in set(groups) | set(texts):
        found = {}
        for question_id, question in questions.items():
            line = question_report(question, groups.get(key, {}).get(question_id, {}),
                                   texts.get(key, {}).get(question_id, 0))  # fmt: skip
            line.pop("distribution", None)
            found[question.key] = line
        rows.append({**dict(zip(by, key, strict=True)), "questions": found})
    return sorted(rows, key=lambda row: (-max(q["n"] for q in row["questions"].values()),
                                         [str(row[name]) for name in by]))  # fmt: skip


#: What is compared for each kind: the headline score, then the mean.
HEADLINES = {"nps": "nps", "csat": "csat_pct", "ces": "low_effort_pct",
             "ces_ease": "low_effort_pct", "rating": "mean"}  # fmt: skip


def differences(question: SurveyQuestion, a: Distribution, b: Distribution) -> dict[str, Any]:
    """B against A for one question: its headline score and its mean, each with the
    difference, 95 % interval, p-value and whether it is significant (none for texts and
    choices)."""
    if question.kind not in HEADLINES:
        return {}
    scale = _scale(question)
    found: dict[str, compare.Difference | None] = {}
    if question.kind == "nps":
        found["nps"] = compare.nps_difference(a, b, scale)
    elif question.kind == "csat":
        top = range(scale.high - 1, scale.high + 1)
        found["csat_pct"] = compare.share_difference(
            sum(a.get(s, 0) for s in top), sum(a.values()),
            sum(b.get(s, 0) for s in top), sum(b.values()),
        )  # fmt: skip
    elif question.kind in ("ces", "ces_ease"):
        low = (
            range(scale.high - 1, scale.high + 1)
            if question.kind == "ces_ease"
            else range(scale.low, scale.low + 2)
        )
        found["low_effort_pct"] = compare.share_difference(
            sum(a.get(s, 0) for s in low), sum(a.values()),
            sum(b.get(s, 0) for s in low), sum(b.values()),
        )  # fmt: skip
    found["mean"] = compare.mean_difference(a, b)
    return {name: _difference_out(value) for name, value in found.items()}


def _difference_out(value: compare.Difference | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"difference": _round(value.difference), "ci95_low": _round(value.ci95_low),
            "ci95_high": _round(value.ci95_high), "p_value": round(value.p_value, 4),
            "significant": value.significant, "method": value.method}  # fmt: skip


def compare_groups(session: Session, survey: Survey, by: str, a: str, b: str) -> dict[str, Any]:
    """Group ``b`` of dimension ``by`` against group ``a`` (two months, two channels…)."""
    groups, _ = _distributions(session, survey, (by,))
    missing = [value for value in (a, b) if (value,) not in groups]
    if missing:
        known = sorted(str(key[0]) for key in groups if key[0] is not None)
        raise SurveyError(f"no answers with {by} {missing[0]!r}; there are: {', '.join(known)}")
    questions = questions_of(session, survey)
    found = {}
    for key, question in questions.items():
        if question.kind not in HEADLINES:
            continue
        counts_a, counts_b = groups[(a,)].get(question.id, {}), groups[(b,)].get(question.id, {})
        found[key] = {
            "kind": question.kind,
            "a": _headline(question, counts_a), "b": _headline(question, counts_b),
            "differences": differences(question, counts_a, counts_b),
        }  # fmt: skip
    return {"survey": survey.name, "by": by, "a": a, "b": b, "questions": found}


def _headline(question: SurveyQuestion, counts: Distribution) -> dict[str, Any]:
    line = question_report(question, counts, 0)
    return {"n": line["n"], HEADLINES[question.kind]: line.get(HEADLINES[question.kind]),
            "mean": line["mean"]}  # fmt: skip


def trend(session: Session, survey: Survey, period: str = "month") -> dict[str, Any]:
    """Each question's headline score period after period, with the change from the period
    before and whether that change is significant."""
    if period not in PERIODS:
        raise SurveyError(f"unknown period {period!r}; known: {', '.join(PERIODS)}")
    groups, _ = _distributions(session, survey, (period,))
    periods = sorted(key[0] for key in groups if key[0] is not None)
    found = {}
    for key, question in questions_of(session, survey).items():
        if question.kind not in HEADLINES:
            continue
        headline = HEADLINES[question.kind]
        points = []
        previous: Distribution | None = None
        for name in periods:
            counts = groups[(name,)].get(question.id, {})
            point = {"period": name, **_headline(question, counts)}
            if previous is not None and counts:
                change = differences(question, previous, counts).get(headline)
                point["change"] = change
            points.append(point)
            previous = counts or previous
        found[key] = {"kind": question.kind, "score": headline, "points": points}
    return {"survey": survey.name, "period": period, "questions": found}
