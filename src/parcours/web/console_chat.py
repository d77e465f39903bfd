"""The chat desk inside the console: the open web-chat conversations, their messages, the
agent's answers and closing — signed in like every console page (the person's name signs the
answers), live through server-sent events. The desk's script talks JSON to these routes with
the session's CSRF token in a header."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from parcours.accounts.sessions import SignedIn
from parcours.cases import webchat
from parcours.cases.models import ChatConversation
from parcours.deps import DatabaseDep, SessionDep, visibility_of
from parcours.web.console import json_user, live_stream, page_user, render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"


def _conversation(request: Request, session: Session, conversation_id: int, permission: str
                  ) -> tuple[SignedIn, ChatConversation] | Response:  # fmt: skip
    """The person (see :func:`_json_user`) and the conversation, if it exists and is theirs to
    see (another franchise's customer's: 404, as for none)."""
    current = json_user(request, session, permission)
    if not isinstance(current, SignedIn):
        return current
    found = session.get(ChatConversation, conversation_id)
    if found is None or not webchat.may_see(session, found, visibility_of(current.principal)):
        return JSONResponse({"detail": f"no conversation {conversation_id}"}, 404)
    return current, found


@router.get("/console/chat", response_class=HTMLResponse)
def desk(request: Request, session: SessionDep) -> Response:
    current = page_user(request, session, "cases.write")
    if not isinstance(current, SignedIn):
        return current
    return render(request, "console_chat.html", me=current)


@router.get("/agent/chat")
def old_desk() -> Response:
    """The desk's former address (an API token then): now in the console."""
    return Response(status_code=308, headers={"Location": "/console/chat"})


@router.get("/console/chat/conversations")
def conversations(request: Request, session: SessionDep) -> Response:
    """Open conversations with at least one message, most recent first."""
    current = json_user(request, session, "cases.read")
    if not isinstance(current, SignedIn):
        return current
    found = webchat.open_conversations(session, visibility=visibility_of(current.principal))
    shown = [webchat.conversation_view(session, c) for c in found]
    return Response(json.dumps(shown, default=str), media_type="application/json")


@router.get("/console/chat/conversations/{conversation_id}")
def conversation(request: Request, session: SessionDep, conversation_id: int) -> Response:
    allowed = _conversation(request, session, conversation_id, "cases.read")
    if not isinstance(allowed, tuple):
        return allowed
    _, found = allowed
    shown: dict[str, Any] = {**webchat.conversation_view(session, found),
                             "messages": webchat.messages(session, found)}  # fmt: skip
    return Response(json.dumps(shown, default=str), media_type="application/json")


@router.post("/console/chat/conversations/{conversation_id}/messages")
async def answer(request: Request, session: SessionDep, conversation_id: int) -> Response:
    """The agent's answer, signed with their name: in the widget at once, in the case's thread."""
    allowed = _conversation(request, session, conversation_id, "cases.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, found = allowed
    try:
        text = str(json.loads(await request.body()).get("text", ""))
    except (ValueError, AttributeError):
        return JSONResponse({"detail": 'send {"text": "…"} as JSON'}, 422)
    try:
        with session.begin_nested():
            interaction = webchat.agent_message(session, found, current.name, text)
    except webchat.ChatError as error:
        return JSONResponse({"detail": str(error)}, 422)
    return JSONResponse(webchat.message_view(interaction, "agent"), 201)


@router.post("/console/chat/conversations/{conversation_id}/close")
def close(request: Request, session: SessionDep, conversation_id: int) -> Response:
    allowed = _conversation(request, session, conversation_id, "cases.write")
    if not isinstance(allowed, tuple):
        return allowed
    _, found = allowed
    webchat.close(session, found)
    return Response(json.dumps(webchat.conversation_view(session, found), default=str),
                    media_type="application/json")  # fmt: skip


@router.get("/console/chat/events")
def events(request: Request, database: DatabaseDep, timeout: float | None = None) -> Response:
    """Visitors' messages as they come."""
    return live_stream(request, database, "cases.read", "chats", timeout)


@router.get("/static/console-chat.js")
def desk_script() -> FileResponse:
    return FileResponse(STATIC / "console-chat.js", media_type="text/javascript")
