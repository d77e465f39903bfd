"""The web chat seen from the merchant's site: the widget script and the visitor's routes
(``/chat/{channel account}/…``), public, limited to the origins the account allows (CORS), the
conversation's token being the visitor's only key. See :mod:`parcours.cases.webchat`."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from parcours import live
from parcours.cases import webchat
from parcours.channels import accounts
from parcours.channels.models import ChannelAccount
from parcours.deps import DatabaseDep, SessionDep
from parcours.web import i18n

STATIC = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


class Refused(Exception):
    """A visitor request answered with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _origin_allowed(request: Request, account: ChannelAccount) -> str | None:
    """The request's Origin if the account allows it (its own site, or ours); None without one.
    Raises Refused for an origin not allowed."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    allowed = account.settings.get("allowed_origins") or []
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin == own or "*" in allowed or origin in allowed:
        return origin
    raise Refused(403, f"this chat is not offered on {origin}")


def _account(session: Session, name: str) -> ChannelAccount:
    try:
        account = accounts.account_named(session, name)
    except accounts.ChannelError as error:
        raise Refused(404, str(error)) from None
    if account.kind != "webchat" or not account.is_active:
        raise Refused(404, f"no web chat named {name!r}")
    return account


def _answer(request: Request, session: Session, name: str, work: Any, status: int = 200
            ) -> Response:  # fmt: skip
    """Run ``work(account)`` and answer JSON with the CORS headers the origin deserves."""
    headers = {"Vary": "Origin"}
    try:
        account = _account(session, name)
        origin = _origin_allowed(request, account)
        if origin:
            headers["Access-Control-Allow-Origin"] = origin
        content = work(account)
    except Refused as error:
        session.rollback()
        return JSONResponse({"detail": str(error)}, error.status, headers=headers)
    except webchat.ChatError as error:
        session.rollback()
        return JSONResponse({"detail": str(error)}, 422, headers=headers)
    if isinstance(content, Response):
        content.headers.update(headers)
        return content
    return JSONResponse(content, status, headers=headers)


#: The widget's texts in French, the message ids of ``locale/en/LC_MESSAGES/public.po``.
WIDGET_FRENCH = {
    "open": "Discuter avec nous",
    "title": "Une question ?",
    "close": "Fermer",
    "email": "Votre e-mail (facultatif)",
    "start": "Commencer",
    "message": "Votre message",
    "send": "Envoyer",
    "you": "Vous",
    "agent": "Conseiller",
    "unavailable": "Nos conseillers ne sont pas disponibles pour le moment.",
    "callback": "Être rappelé",
    "phone": "Votre numéro de téléphone",
    "when": "Quand ?",
    "now": "Dès que possible",
    "at": "À cette heure :",
    "confirmCallback": "C'est noté, nous vous rappelons.",
    "byEmail": "Réponse par e-mail",
    "sendEmail": "Envoyer ma question",
    "confirmEmail": "Merci ! Nous vous répondons par e-mail.",
    "error": "Une erreur est survenue : ",
}


@lru_cache(maxsize=1)
def _widget_source() -> str:
    """The widget's script with its texts in both languages filled in from the catalogues."""
    texts = {language: i18n.texts(language, WIDGET_FRENCH) for language in i18n.LANGUAGES}
    i18n.use("fr")
    source = (STATIC / "chat-widget.js").read_text(encoding="utf-8")
    return source.replace("/*TEXTS*/{fr: {}, en: {}}", json.dumps(texts, ensure_ascii=False))


@router.get("/chat/widget.js")
def widget_script() -> Response:
    return Response(_widget_source(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=300"})  # fmt: skip


@router.options("/chat/{name}/{rest:path}")
def preflight(request: Request, session: SessionDep, name: str, rest: str) -> Response:
    def allow(account: ChannelAccount) -> Response:
        return Response(status_code=204, headers={
            "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Max-Age": "600",
            "Access-Control-Allow-Headers": "Content-Type"})  # fmt: skip

    return _answer(request, session, name, allow)


@router.get("/chat/{name}/availability")
def availability(request: Request, session: SessionDep, name: str) -> Response:
    def work(account: ChannelAccount) -> dict[str, Any]:
        found = webchat.availability(session, account)
        return {"available": found.is_available, "reason": found.reason,
                "offers": list(found.offers), "welcome_fr": account.settings.get("welcome_fr"),
                "welcome_en": account.settings.get("welcome_en")}  # fmt: skip

    return _answer(request, session, name, work)


class StartIn(BaseModel):
    visitor: str | None = None
    language: str = "fr"
    page_url: str | None = Field(None, max_length=500)


@router.post("/chat/{name}/conversations")
def start(request: Request, session: SessionDep, name: str, body: StartIn) -> Response:
    def work(account: ChannelAccount) -> dict[str, Any]:
        conversation = webchat.start(session, account, visitor=body.visitor,
                                     language=body.language, page_url=body.page_url)  # fmt: skip
        found = webchat.availability(session, account)
        return {"token": conversation.token, "id": conversation.id,
                "visitor": conversation.visitor, "available": found.is_available,
                "offers": list(found.offers)}  # fmt: skip

    return _answer(request, session, name, work, 201)


class TextIn(BaseModel):
    text: str = Field(max_length=webchat.MAX_TEXT)
    answer_by: str = Field("chat", description="chat, or email when nobody is available")


@router.post("/chat/{name}/conversations/{token}/messages")
def visitor_message(request: Request, session: SessionDep, name: str, token: str,
                    body: TextIn) -> Response:  # fmt: skip
    def work(account: ChannelAccount) -> dict[str, Any]:
        conversation = _conversation(session, account, token)
        interaction = webchat.visitor_message(session, conversation, body.text,
                                              answer_by=body.answer_by)  # fmt: skip
        return webchat.message_view(interaction, "visitor")

    return _answer(request, session, name, work, 201)


@router.get("/chat/{name}/conversations/{token}/messages")
def history(request: Request, session: SessionDep, name: str, token: str) -> Response:
    def work(account: ChannelAccount) -> list[dict[str, Any]]:
        return webchat.messages(session, _conversation(session, account, token))

    return _answer(request, session, name, work)


class IdentifyIn(BaseModel):
    email: str | None = Field(None, max_length=320)
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)


@router.post("/chat/{name}/conversations/{token}/identify")
def identify(request: Request, session: SessionDep, name: str, token: str,
             body: IdentifyIn) -> Response:  # fmt: skip
    def work(account: ChannelAccount) -> dict[str, Any]:
        conversation = _conversation(session, account, token)
        webchat.identify(session, conversation, email=body.email, name=body.name,
                         phone=body.phone)  # fmt: skip
        return {"identified": True}

    return _answer(request, session, name, work)


class CallbackIn(BaseModel):
    phone: str = Field(max_length=40)
    slot: str = Field("now", description="now, or an ISO 8601 time with its offset")
    name: str | None = Field(None, max_length=200)


@router.post("/chat/{name}/conversations/{token}/callback")
def callback(request: Request, session: SessionDep, name: str, token: str,
             body: CallbackIn) -> Response:  # fmt: skip
    def work(account: ChannelAccount) -> dict[str, Any]:
        conversation = _conversation(session, account, token)
        webchat.request_callback(session, conversation, phone=body.phone, slot=body.slot,
                                 name=body.name)  # fmt: skip
        return {"callback": body.slot}

    return _answer(request, session, name, work, 201)


@router.get("/chat/{name}/conversations/{token}/events")
def events(request: Request, database: DatabaseDep, name: str, token: str,
           timeout: float | None = None) -> Response:  # fmt: skip
    """The agent's answers as they come (server-sent events). The conversation is checked in a
    short session of its own: the stream holds no database transaction open."""
    with database.sessions() as session:

        def work(account: ChannelAccount) -> Response:
            conversation = _conversation(session, account, token)
            return live.stream_response(f"conversation:{conversation.id}", timeout=timeout)

        return _answer(request, session, name, work)


@router.get("/chat/{name}/demo", response_class=HTMLResponse)
def demo_page(request: Request, name: str) -> HTMLResponse:
    """A merchant's page with the widget, as a site embeds it (to try the chat)."""
    return templates.TemplateResponse(request, "chat_demo.html", {"channel": name})


def _conversation(session: Session, account: ChannelAccount, token: str) -> Any:
    try:
        conversation = webchat.conversation_by_token(session, token)
    except webchat.ChatError as error:
        raise Refused(404, str(error)) from None
    if conversation.channel_account_id != account.id:
        raise Refused(404, "unknown conversation")
    return conversation
