"""The agent's inbox in the console: the cases routed to me and those waiting in my team's
queues, each deadline counting down; the "next case" button; live updates without reload
(server-sent events from :mod:`parcours.live`, the page asking again for its lists)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
)
from sqlalchemy.orm import Session

from parcours.accounts.sessions import SignedIn
from parcours.cases import assignment, worklist
from parcours.cases.models import Agent
from parcours.cases.services import now_or_utcnow
from parcours.deps import DatabaseDep, SessionDep, visibility_of
from parcours.web.console import form_user, live_stream, page_user, render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
NOTICES = {
    "none": "Aucune demande ne vous attend : la file est vide pour vous.",
    "not_agent": "Vous n'êtes pas enregistré comme agent : demandez-le à votre responsable.",
}


def my_agent(session: Session, current: SignedIn) -> Agent | None:
    """The agent record of the person signed in (see :func:`worklist.agent_named`)."""
    return worklist.agent_named(session, (current.user.display_name, current.user.login))


@router.get("/console/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: SessionDep, page: int = 1, notice: str = ""
               ) -> Response:  # fmt: skip
    """My cases and my team's queue; to an HTMX request, only the lists (live refresh)."""
    current = page_user(request, session, "cases.read")
    if not isinstance(current, SignedIn):
        return current
    agent = my_agent(session, current)
    found = worklist.inbox(session, agent, now_or_utcnow(None), page=page)
    visibility = visibility_of(current.principal)
    mine = [row for row in found.mine if visibility.allows(row.owning_unit)]
    waiting = [row for row in found.waiting if visibility.allows(row.owning_unit)]
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "_inbox.html" if partial else "inbox.html", me=current, inbox=found,
                  mine=mine, waiting=waiting, notice=NOTICES.get(notice))  # fmt: skip


@router.post("/console/inbox/next")
async def take_next(request: Request, session: SessionDep) -> Response:
    """The next case for me, taken at once: the most urgent, longest waiting I may work."""
    allowed = await form_user(request, session, "cases.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, _form = allowed
    agent = my_agent(session, current)
    if agent is None:
        return RedirectResponse("/console/inbox?notice=not_agent", status_code=303)
    case = assignment.next_case(session, agent)
    if case is None:
        return RedirectResponse("/console/inbox?notice=none", status_code=303)
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)


@router.get("/console/inbox/events")
def inbox_events(request: Request, database: DatabaseDep, timeout: float | None = None
                 ) -> Response:  # fmt: skip
    """A stream telling the open inbox that cases changed."""
    return live_stream(request, database, "cases.read", worklist.TOPIC, timeout)


@router.get("/static/inbox.js")
def inbox_script() -> FileResponse:
    return FileResponse(STATIC / "inbox.js", media_type="text/javascript")
