"""The public survey page: ``/s/TOKEN``, no sign-in, mobile-friendly, French or English.

The token in the link is the only key: an unknown token gets a plain "not valid" page (404), an
answered one a thank-you (no second answer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from parcours.deps import SessionDep
from parcours.experience import services, triggers
from parcours.experience.models import Survey
from parcours.web import i18n
from parcours.web.console import form_fields

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

#: The page's texts, in French: the message ids of ``locale/en/LC_MESSAGES/public.po``.
FRENCH = {
    "title": "Votre avis",
    "send": "Envoyer",
    "comment": "Votre commentaire (facultatif)",
    "thanks": "Merci ! Votre avis est bien enregistré.",
    "nps": "Recommanderiez-vous Sens Confort à un proche ?",
    "low_nps": "Pas du tout",
    "high_nps": "Certainement",
    "csat": "Êtes-vous satisfait ?",
    "low": "Pas du tout",
    "high": "Tout à fait",
    "ces": "Avez-vous dû faire des efforts ?",
    "low_ces": "Aucun",
    "high_ces": "Beaucoup",
    "text": "Un commentaire ?",
    "choice": "Votre choix",
    "stop_title": "Ne plus recevoir nos enquêtes",
    "stop_question": "Vous ne recevrez plus d'enquête de satisfaction à cette adresse.",
    "stop_button": "Confirmer",
    "stopped": "C'est noté : plus d'enquête à {address}.",
}


def _language(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "fr"


def _questions(session: SessionDep, survey: Survey, t: dict[str, str]) -> list[dict[str, Any]]:
    shown = []
    for key, q in services.questions_of(session, survey).items():
        family = "nps" if q.kind == "nps" else "ces" if q.kind.startswith("ces") else q.kind
        low_text = t.get(f"low_{family}", t["low"])
        high_text = t.get(f"high_{family}", t["high"])
        if q.kind == "ces_ease":
            low_text, high_text = high_text, low_text
        shown.append({
            "key": key, "kind": q.kind, "label": q.label or t.get(family, t["csat"]),
            "points": list(range(q.low, q.high + 1)) if q.low is not None and q.high is not None
            else [], "low_text": low_text, "high_text": high_text,
            "options": list(enumerate(q.options or [], start=1)),
        })  # fmt: skip
    return shown


def _page(request: Request, language: str, status: int = 200, **context: Any) -> HTMLResponse:
    t = i18n.texts(language, FRENCH)
    values = {
        "language": language, "other": "fr" if language == "en" else "en", "t": t,
        "title": t["title"], "questions": [], "message": None, "error": None,
        "stop_form": False, **context,
    }  # fmt: skip
    return templates.TemplateResponse(request, "survey.html", values, status_code=status)


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    language = _language(request)
    t = i18n.texts(language, FRENCH)
    try:
        invitation = triggers.invitation_for(session, token)
    except triggers.InvitationError as error:
        return _page(request, language, 404, error=str(error))
    survey = session.get(Survey, invitation.survey_id)
    assert survey is not None
    if invitation.answered_at is not None:
        return _page(request, language, message=t["thanks"])
    return _page(request, language, title=survey.title or t["title"],
                 questions=_questions(session, survey, t))  # fmt: skip


@router.post("/s/{token}", response_class=HTMLResponse)
async def answer_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    language = _language(request)
    values = await form_fields(request)
    try:
        with session.begin_nested():  # a savepoint: a refused answer leaves nothing behind
            triggers.answer(session, token, values)
    except triggers.InvitationError as error:
        return _page(request, language, 404 if "not valid" in str(error) else 409,
                     error=str(error))  # fmt: skip
    except services.SurveyError as error:
        invitation = triggers.invitation_for(session, token)
        survey = session.get(Survey, invitation.survey_id)
        assert survey is not None
        t = i18n.texts(language, FRENCH)
        return _page(request, language, 422, error=str(error),
                     questions=_questions(session, survey, t))  # fmt: skip
    return _page(request, language, message=i18n.texts(language, FRENCH)["thanks"])


@router.get("/s/{token}/stop", response_class=HTMLResponse)
def stop_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    """A confirmation button, not a one-click GET: mail scanners follow links."""
    language = _language(request)
    try:
        triggers.invitation_for(session, token)
    except triggers.InvitationError as error:
        return _page(request, language, 404, error=str(error))
    return _page(
        request, language, title=i18n.texts(language, FRENCH)["stop_title"], stop_form=True
    )


@router.post("/s/{token}/stop", response_class=HTMLResponse)
def stop(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    language = _language(request)
    t = i18n.texts(language, FRENCH)
    try:
        address = triggers.stop_surveys(session, token)
    except triggers.InvitationError as error:
        return _page(request, language, 404, error=str(error))
    return _page(request, language, title=t["stop_title"],
                 message=t["stopped"].format(address=address))  # fmt: skip
