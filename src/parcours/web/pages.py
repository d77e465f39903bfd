"""The welcome page: what this instance holds and where to go next.

It shows counts only, never a customer: the console with sign-in comes with its own issue.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import parcours
from parcours.customers.services import base_overview
from parcours.deps import SessionDep
from parcours.interactions.services import interactions_count
from parcours.web import i18n

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

#: The page's texts, in French: the message ids of ``locale/en/LC_MESSAGES/public.po``.
FRENCH = {
    "tagline": "Un client, un fil, tous les canaux.",
    "customers": "clients",
    "records": "fiches source",
    "interactions": "interactions",
    "by_source": "Fiches par source",
    "source": "source",
    "api": "API JSON et sa documentation",
    "health": "État du service",
    "cli": "En ligne de commande",
}


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        return asked
    header = request.headers.get("accept-language", "fr").lower()
    return "en" if header.startswith("en") else "fr"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    language = _language(request)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "t": i18n.texts(language, FRENCH),
            "language": language,
            "other": "en" if language == "fr" else "fr",
            "overview": base_overview(session),
            "interactions": interactions_count(session),
            "version": parcours.__version__,
        },
    )
