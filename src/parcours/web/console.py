"""The console's first pages: sign-in and sign-out, and the customer search answering while you
type (one route serves the full page, or only the results to an HTMX request); the customer 360
is :mod:`parcours.web.console_customer`.

Sessions and CSRF (:mod:`parcours.accounts.sessions`): the session cookie is HttpOnly,
SameSite=Lax, Secure outside development; every form and HTMX request carries the session's CSRF
token (the sign-in form, before any session, a double-submit cookie). What a user may see follows
:mod:`parcours.accounts.access`: another franchise's customer is a "not found" page.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from parcours import customer360, live
from parcours.accounts import sessions
from parcours.accounts.sessions import SignedIn
from parcours.cases import workflow
from parcours.config import Settings
from parcours.customers import services as customers
from parcours.db import Database
from parcours.deps import SessionDep, get_settings_from_app, visibility_of
from parcours.web import i18n

FRONTEND = Path(__file__).parent / "frontend" / "node_modules"
#: The cases' own vocabularies (French and English labels) the templates may show.
CASE_LABELS = {"priority": workflow.PRIORITIES, "status": workflow.STATUSES,
               "type": workflow.TYPES}  # fmt: skip
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters.update(money=i18n.money, number=i18n.number, when=i18n.when,
                             countdown=i18n.countdown)  # fmt: skip
templates.env.globals["case_label"] = lambda table, key: workflow.label(
    CASE_LABELS[table], key, i18n.current()
)
router = APIRouter(include_in_schema=False)
PRE_CSRF = "parcours_csrf"
SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]


async def form_fields(request: Request) -> dict[str, str]:
    """A plain HTML form (urlencoded), read without a multipart parser."""
    return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))


def _secure(settings: Settings) -> bool:
    return settings.environment not in ("development", "test")


def signed_in_user(request: Request, session: Session) -> SignedIn | None:
    return sessions.signed_in(session, request.cookies.get(sessions.COOKIE))


def language_of(request: Request, me: SignedIn | None) -> str:
    """The request's language, made current: ``?lang=``, else the cookie, else the signed-in
    user's language, else French."""
    fallback = me.user.language if me is not None else "fr"
    asked = request.query_params.get("lang")
    return i18n.use(asked or request.cookies.get(i18n.COOKIE) or fallback)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page in the request's language (``?lang=`` remembered in a cookie)."""
    asked = request.query_params.get("lang")
    language = language_of(request, context.get("me"))
    context.update(language=language, other_language="en" if language == "fr" else "fr")
    page = templates.TemplateResponse(request, name, context, status_code=status)
    if asked in i18n.LANGUAGES:
        page.set_cookie(i18n.COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    return page


def to_sign_in(request: Request) -> RedirectResponse:
    """To the sign-in, then back to the very page asked for, its query included (a search, a
    list behind a dashboard figure)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='/')}", status_code=303)


def page_user(request: Request, session: Session, permission: str) -> SignedIn | Response:
    """The signed-in person allowed ``permission`` (see :mod:`parcours.accounts.access`), or the
    answer to give instead: the sign-in page, or a 403 page naming what the role lacks."""
    current = signed_in_user(request, session)
    if current is None:
        return to_sign_in(request)
    language_of(request, current)
    if not current.principal.may(permission):
        return render(request, "forbidden.html", 403, me=current, permission=permission)
    return current


async def form_user(request: Request, session: Session, permission: str
                    ) -> tuple[SignedIn, dict[str, str]] | Response:  # fmt: skip
    """For a form (POST): the person, allowed ``permission``, whose form carries the session's
    CSRF token (field ``csrf`` or header ``X-CSRF-Token`` for HTMX), with the form's fields."""
    current = page_user(request, session, permission)
    if not isinstance(current, SignedIn):
        return current
    form = await form_fields(request)
    sent = form.get("csrf") or request.headers.get("X-CSRF-Token")
    if not sessions.csrf_matches(current.csrf_token, sent):
        return Response("Formulaire expiré : rechargez la page.", 403)
    return current, form


@router.get("/static/vendor/htmx.min.js")
def htmx_script() -> Response:
    """htmx as npm installed it (``make install``), never a copy in the repository."""
    path = FRONTEND / "htmx.org" / "dist" / "htmx.min.js"
    if not path.exists():
        return Response("htmx is not installed: run `make install`", 503)
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, settings: SettingsDep, next: str = "/console") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    page = render(request, "sign_in.html", csrf=token, next=next, error=None)
    page.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", secure=_secure(settings))
    return page


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await form_fields(request)
    next_page = form.get("next", "/console")
    if not next_page.startswith("/") or next_page.startswith("//"):
        next_page = "/console"  # never a redirect to another site
    if not sessions.csrf_matches(request.cookies.get(PRE_CSRF, ""), form.get("csrf")):
        return render(request, "sign_in.html", 403, csrf="", next=next_page,
                       error="Formulaire expiré : rechargez la page.")  # fmt: skip
    found = sessions.sign_in(session, form.get("login", ""), form.get("password", ""))
    if found is None:
        token = secrets.token_urlsafe(24)
        page = render(request, "sign_in.html", 401, csrf=token, next=next_page,
                       error="Identifiant ou mot de passe incorrect.")  # fmt: skip
        page.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict",
                        secure=_secure(settings))  # fmt: skip
        return page
    answer = RedirectResponse(next_page, status_code=303)
    lifetime = int(sessions.LIFETIME.total_seconds())
    answer.set_cookie(sessions.COOKIE, found.session_id, httponly=True, samesite="lax",
                      secure=_secure(settings), max_age=lifetime)  # fmt: skip
    answer.delete_cookie(PRE_CSRF)
    return answer


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep) -> Response:
    """Ends the session — only with the session's CSRF token: a forged request ends nothing."""
    current = signed_in_user(request, session)
    form = await form_fields(request)
    if current is not None:
        if not sessions.csrf_matches(current.csrf_token, form.get("csrf")):
            return Response("Formulaire expiré : rechargez la page.", 403)
        sessions.sign_out(session, current.session_id)
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(sessions.COOKIE)
    return answer


@router.get("/console")
def console_home() -> RedirectResponse:
    return RedirectResponse("/console/customers", status_code=303)


@router.get("/console/customers", response_class=HTMLResponse)
def customer_search(request: Request, session: SessionDep, settings: SettingsDep, q: str = "",
                    page: int = 1) -> Response:  # fmt: skip
    """The search page; to an HTMX request (``HX-Request``), only its results. Without a query,
    the customers the user follows."""
    current = page_user(request, session, "customers.read")
    if not isinstance(current, SignedIn):
        return current
    visibility = visibility_of(current.principal)
    found = (customers.search_customers(session, q, region=settings.default_region,
                                        page=max(page, 1), page_size=20, visibility=visibility)
             if q.strip() else None)  # fmt: skip
    followed = (customer360.followed_customers(session, current.user.login, visibility)
                if found is None else [])  # fmt: skip
    partial = request.headers.get("HX-Request") == "true"
    name = "_customer_results.html" if partial else "customers.html"
    return render(request, name, me=current, q=q, found=found, followed=followed)


def json_user(request: Request, session: Session, permission: str) -> SignedIn | Response:
    """The person for a JSON call of a page's script: 401 signed out, 403 without the permission or
    (for a change) without the session's CSRF token in ``X-CSRF-Token``."""
    current = signed_in_user(request, session)
    if current is None:
        return JSONResponse({"detail": "signed out: sign in again"}, 401)
    if not current.principal.may(permission):
        return JSONResponse({"detail": f"the {current.principal.role} role may not "
                                       f"{permission}"}, 403)  # fmt: skip
    if request.method == "POST" and not sessions.csrf_matches(
        current.csrf_token, request.headers.get("X-CSRF-Token")
    ):
        return JSONResponse({"detail": "missing or wrong CSRF token"}, 403)
    return current


def live_stream(request: Request, database: Database, permission: str, topic: str,
                timeout: float | None) -> Response:  # fmt: skip
    """A page's live stream (server-sent events) for a person allowed ``permission`` — checked
    in a short session of its own: the stream holds no database transaction open."""
    with database.sessions() as session:
        current = json_user(request, session, permission)
    if not isinstance(current, SignedIn):
        return current
    return live.stream_response(topic, timeout=timeout)
