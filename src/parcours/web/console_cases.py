"""The console's case pages: the cases to work (the team's queue, "mine"), and the case view —
the thread across channels in order, the customer beside it, notes, status, and the reply on
any channel (e-mail, SMS, WhatsApp, Messenger, chat) that lands in the thread at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.accounts import sessions
from parcours.accounts.sessions import SignedIn
from parcours.cases import assignment, callbacks, replies, services, views, workflow
from parcours.cases.models import Agent, Case, Queue
from parcours.customers import services as customers
from parcours.customers.models import Customer
from parcours.deps import SessionDep, visibility_of
from parcours.web import i18n
from parcours.web.console import form_user, page_user, render
from parcours.web.console_inbox import my_agent

router = APIRouter(include_in_schema=False)
REPLY_CHANNELS = ("email", "sms", "whatsapp", "messenger", "chat")
PAGE_SIZE = 50


def _visible_case(session: Session, current: SignedIn, key: str) -> Case | None:
    """The case, if it exists and its customer may be seen by this person."""
    try:
        case = services.find_case(session, key)
    except services.UnknownCase:
        return None
    if case.customer_id is not None:
        try:
            customers.ensure_visible(session, case.customer_id, visibility_of(current.principal))
        except customers.CustomerNotFound:
            return None
    return case


@router.get("/console/cases", response_class=HTMLResponse)
def case_list(request: Request, session: SessionDep, mine: bool = False, page: int = 1
              ) -> Response:  # fmt: skip
    """Active cases, most urgent first; ``mine``: those owned by the agent of my name."""
    current = page_user(request, session, "cases.read")
    if not isinstance(current, SignedIn):
        return current
    agent = my_agent(session, current)
    if mine and agent is None:
        found = services.CasePage(total=0, page=1, page_size=PAGE_SIZE)
    else:
        found = services.list_cases(session, active=True, owner=agent.name if mine and agent
                                    else None, page=max(page, 1), page_size=PAGE_SIZE,
                                    visibility=visibility_of(current.principal))  # fmt: skip
    language = i18n.current()
    rows = [views.case_out(case, language) for case in found.items]
    return render(request, "cases.html", me=current, cases=rows, mine=mine, found=found)


@router.get("/console/cases/{key}", response_class=HTMLResponse)
def case_view(request: Request, session: SessionDep, key: str) -> Response:
    current = page_user(request, session, "cases.read")
    if not isinstance(current, SignedIn):
        return current
    case = _visible_case(session, current, key)
    if case is None:
        return render(request, "not_found.html", 404, me=current,
                       message=f"Aucune demande {key}.")  # fmt: skip
    return render(request, "case.html", **_case_context(session, current, case))


def _case_context(session: Session, current: SignedIn, case: Case,
                  error: str | None = None) -> dict[str, Any]:  # fmt: skip
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    if customer is not None:
        sessions.audit(session, current.principal, "viewed", customer.id,
                       f"case {case.reference}")  # fmt: skip
    language = i18n.current()
    moves = [(status, workflow.label(workflow.STATUSES, status, language))
             for status in sorted(workflow.TRANSITIONS.get(case.status, ()))]  # fmt: skip
    return {"me": current, "case": views.case_detail(session, case, language),
            "customer": customer, "channels": REPLY_CHANNELS, "moves": moves, "error": error,
            "agents": session.scalars(select(Agent).order_by(Agent.name)).all(),
            "queues": session.scalars(select(Queue).order_by(Queue.name)).all(),
            "may_work": current.principal.may("cases.write")}  # fmt: skip


Action = Callable[[Session, Case, str, dict[str, str]], object]


async def _act(request: Request, session: Session, key: str, what: str, action: Action
               ) -> Response:  # fmt: skip
    """A form on the case view: signed in with ``cases.write`` and the CSRF token, the case
    visible; ``action(session, case, actor, form)`` runs, then back to the case — or the case
    again with the error (422), nothing of the failed action kept."""
    allowed = await form_user(request, session, "cases.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    case = _visible_case(session, current, key)
    if case is None:
        return render(request, "not_found.html", 404, me=current,
                       message=f"Aucune demande {key}.")  # fmt: skip
    actor = current.name
    try:
        with session.begin_nested():  # a savepoint: a failed action leaves nothing behind
            action(session, case, actor, form)
    except services.CaseError as error:
        session.expire_all()
        return render(request, "case.html", 422, **_case_context(session, current, case,
                                                                   str(error)))  # fmt: skip
    if case.customer_id is not None:
        sessions.audit(session, current.principal, "changed", case.customer_id,
                       f"{what} on {case.reference}")  # fmt: skip
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)


@router.post("/console/cases/{key}/reply", response_class=HTMLResponse)
async def reply(request: Request, session: SessionDep, key: str) -> Response:
    """Answer the customer on the chosen channel; back to the case, the reply in its thread."""

    def send(session: Session, case: Case, actor: str, form: dict[str, str]) -> object:
        return replies.reply(session, case, channel=form.get("channel", "email"),
                             body=form.get("body", ""), actor=actor)  # fmt: skip

    return await _act(request, session, key, "reply", send)


@router.post("/console/cases/{key}/note", response_class=HTMLResponse)
async def note(request: Request, session: SessionDep, key: str) -> Response:
    """An internal note in the thread (the customer never sees it)."""

    def write(session: Session, case: Case, actor: str, form: dict[str, str]) -> object:
        return services.add_note(session, case, author=actor, body=form.get("body", ""))

    return await _act(request, session, key, "note", write)


@router.post("/console/cases/{key}/status", response_class=HTMLResponse)
async def status(request: Request, session: SessionDep, key: str) -> Response:
    """Move the case along its workflow (resolved, waiting on the customer…), with a reason."""

    def move(session: Session, case: Case, actor: str, form: dict[str, str]) -> object:
        return services.change_status(session, case, form.get("status", ""), actor=actor,
                                      reason=form.get("reason", "").strip() or None)  # fmt: skip

    return await _act(request, session, key, "status", move)


@router.post("/console/cases/{key}/transfer", response_class=HTMLResponse)
async def transfer(request: Request, session: SessionDep, key: str) -> Response:
    """Hand the case to a colleague (``agent:NAME``) or a queue (``queue:NAME``)."""

    def hand_over(session: Session, case: Case, actor: str, form: dict[str, str]) -> object:
        kind, _, name = form.get("to", "").partition(":")
        reason = form.get("reason", "").strip() or None
        if kind == "agent":
            agent = session.scalar(select(Agent).where(Agent.name == name))
            if agent is None:
                raise services.CaseError(f"no agent {name!r}")
            return assignment.transfer(session, case, actor=actor, to_agent=agent, reason=reason)
        if kind == "queue":
            return assignment.transfer(session, case, actor=actor, to_queue=name, reason=reason)
        raise services.CaseError("choose a colleague or a queue to transfer to")

    return await _act(request, session, key, "transfer", hand_over)


@router.post("/console/cases/{key}/callback", response_class=HTMLResponse)
async def callback(request: Request, session: SessionDep, key: str) -> Response:
    """Promise the customer a call at a time (Paris time, as the form's clock shows)."""

    def promise(session: Session, case: Case, actor: str, form: dict[str, str]) -> object:
        try:
            local = datetime.fromisoformat(form.get("at", ""))
        except ValueError:
            raise services.CaseError("give the call-back's date and time") from None
        at = local.replace(tzinfo=local.tzinfo or i18n.PARIS).astimezone(UTC)
        return callbacks.schedule(session, case, at, actor=actor, note=form.get("note"))

    return await _act(request, session, key, "callback", promise)
