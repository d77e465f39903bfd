"""Survey routes: create a survey, send answers, read the report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from parcours.deps import ApiSessionDep, VisibilityDep
from parcours.experience import comments, reports, services
from parcours.experience.loop import close_the_loop

router = APIRouter(tags=["surveys"])


class QuestionIn(BaseModel):
    key: str
    kind: str = Field(description="nps, csat, ces, ces_ease, rating, choice, text")
    min: int | None = None
    max: int | None = None
    label: str | None = None
    options: list[str] = Field(default_factory=list, description="a choice question's options")


class SurveyIn(BaseModel):
    name: str
    title: str | None = None
    questions: list[QuestionIn]


class AnswerBody(BaseModel):
    respondent: str
    question: str
    score: int | str | None = Field(None, description="a number; a choice's option or number")
    comment: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    answered_at: datetime | None = None
    phase: str | None = Field(None, description="before, during, after (else from touchpoint)")
    customer_id: int | None = None
    case_id: int | None = None


class AnswerResult(BaseModel):
    line: int
    status: str
    reason: str | None = None


def _unprocessable(error: services.SurveyError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.post("/surveys", status_code=201)
def post_survey(session: ApiSessionDep, body: SurveyIn) -> dict[str, Any]:
    """Create a survey; each question has a kind and, but for text, a scale."""
    specs = [services.QuestionSpec(q.key, q.kind, q.min, q.max, q.label, tuple(q.options))
             for q in body.questions]  # fmt: skip
    try:
        survey = services.create_survey(session, body.name, specs, body.title)
    except services.SurveyError as error:
        raise _unprocessable(error) from None
    return {"id": survey.id, "name": survey.name, "questions": [q.key for q in specs]}


@router.post("/surveys/{name}/answers", response_model=list[AnswerResult])
def post_answers(session: ApiSessionDep, name: str, body: list[AnswerBody]) -> list[AnswerResult]:
    """Record answers; each gets its own result (recorded, updated, unchanged, rejected)."""
    try:
        survey = services.survey_named(session, name)
    except services.SurveyError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    questions = services.questions_of(session, survey)
    results = []
    for line, answer in enumerate(body, start=1):
        try:
            outcome = services.record_answer(
                session, survey, questions, services.AnswerIn(**answer.model_dump())
            )
            results.append(AnswerResult(line=line, status=outcome))
        except services.SurveyError as error:
            results.append(AnswerResult(line=line, status="rejected", reason=str(error)))
    close_the_loop(session, survey, [answer.respondent for answer in body])
    return results


@router.get("/surveys/{name}/report")
def get_report(
    session: ApiSessionDep,
    name: str,
    by: Annotated[list[str] | None, Query(description=", ".join(reports.DIMENSIONS))] = None,
) -> dict[str, Any]:
    """NPS with its 95 % interval and shares, CSAT, CES and means, per question; with ``by``,
    per channel, touchpoint, phase, case type, team, agent, segment, month, quarter or year."""
    try:
        survey = services.survey_named(session, name)
    except services.SurveyError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    if not by:
        return reports.report(session, survey)
    try:
        return {"survey": name, "by": by, "groups": reports.breakdown(session, survey, by)}
    except services.SurveyError as error:
        raise _unprocessable(error) from None


def _survey(session: ApiSessionDep, name: str) -> services.Survey:
    try:
        return services.survey_named(session, name)
    except services.SurveyError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.get("/surveys/{name}/compare")
def get_compare(
    session: ApiSessionDep,
    name: str,
    by: Annotated[str, Query(description=", ".join(reports.DIMENSIONS))],
    a: Annotated[str, Query(description="the group compared against, e.g. 2026-05")],
    b: Annotated[str, Query(description="the group compared, e.g. 2026-06")],
) -> dict[str, Any]:
    """Group B against group A: each score's difference, 95 % interval, p-value, significance
    (NPS adjusted-Wald, shares Agresti–Caffo, means Welch)."""
    survey = _survey(session, name)
    try:
        return reports.compare_groups(session, survey, by, a, b)
    except services.SurveyError as error:
        raise _unprocessable(error) from None


@router.get("/surveys/{name}/trend")
def get_trend(
    session: ApiSessionDep,
    name: str,
    period: Annotated[str, Query(description=", ".join(reports.PERIODS))] = "month",
) -> dict[str, Any]:
    """Each question's headline score per period, with the change from the period before."""
    survey = _survey(session, name)
    try:
        return reports.trend(session, survey, period)
    except services.SurveyError as error:
        raise _unprocessable(error) from None


class AnswersPage(BaseModel):
    items: list[comments.Comment]
    total: int
    page: int
    page_size: int


@router.get("/surveys/{name}/answers", response_model=AnswersPage)
def get_answers(
    session: ApiSessionDep,
    visibility: VisibilityDep,
    name: str,
    only_comments: bool = False,
    theme: Annotated[str | None, Query(description="a verbatim theme, e.g. delivery")] = None,
    tone: Annotated[str | None, Query(description="negative, neutral, positive")] = None,
    customer_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = comments.PAGE_SIZE,
) -> AnswersPage:
    """The individual answers, newest first; with a theme or a tone, the comments that match
    (each comment's sentiment and themes were read when it was recorded); another franchise's
    customers' answers left out."""
    survey = _survey(session, name)
    try:
        found, total = comments.answers(
            session, survey, only_comments=only_comments, theme=theme, tone=tone,
            customer_id=customer_id, page=page, page_size=page_size, visibility=visibility,
        )  # fmt: skip
    except services.SurveyError as error:
        raise _unprocessable(error) from None
    return AnswersPage(items=found, total=total, page=page, page_size=page_size)


@router.get("/surveys/{name}/irritants")
def get_irritants(
    session: ApiSessionDep,
    name: str,
    lang: Annotated[str, Query(pattern="^(fr|en)$")] = "fr",
) -> dict[str, Any]:
    """The themes customers criticise in their comments, most irritating first (negative
    mentions, weighted by the share coming from detractors), and the comments' tones."""
    survey = _survey(session, name)
    return {"survey": name, "tones": comments.tones(session, survey),
            "irritants": comments.irritants(session, survey, lang)}  # fmt: skip
