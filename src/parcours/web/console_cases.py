"""The console's case pages: the cases to work (the team's queue, "mine"), and the case view —
the thread across channels in order, the customer beside it, notes, status, and the reply on
any channel (e-mail, SMS, WhatsApp, Messenger, chat) that lands in the thread at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.accounts import sessions
from parcours.accounts.sessions import SignedIn
from parcours.cases import replies, services, views, workflow
from parcours.cases.models import Case
from parcours.customers import services as customers
from parcours.customers.models import Customer
from parcours.deps import SessionDep, visibility_of
from parcours.web.console import form_user, page_user, render

router = APIRouter(include_in_schema=False)
REPLY_CHANNELS = ("email", "sms", "whatsapp", "messenger", "chat")


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
    owner = (current.user.display_name or current.user.login) if mine else None
    found = services.list_cases(session, active=True, owner=owner, page=max(page, 1),
                                page_size=50)  # fmt: skip
    visibility = visibility_of(current.principal)
    wanted = [c.customer_id for c in found.items if c.customer_id]
    owners = {customer_id: unit for customer_id, unit in session.execute(
        select(Customer.id, Customer.owning_unit).where(Customer.id.in_(wanted))
    )}  # fmt: skip
    items = [c for c in found.items
             if c.customer_id is None or visibility.allows(owners.get(c.customer_id))]  # fmt: skip
    return render(request, "cases.html", me=current, cases=items, mine=mine)


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
    allowed = sorted(workflow.TRANSITIONS.get(case.status, ()))
    return {"me": current, "case": views.case_detail(session, case), "customer": customer,
            "channels": REPLY_CHANNELS, "moves": allowed, "error": error}  # fmt: skip


@router.post("/console/cases/{key}/reply", response_class=HTMLResponse)
async def reply(request: Request, session: SessionDep, key: str) -> Response:
    """Answer the customer on the chosen channel; back to the case, the reply in its thread."""
    allowed = await form_user(request, session, "cases.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    case = _visible_case(session, current, key)
    if case is None:
        return render(request, "not_found.html", 404, me=current,
                       message=f"Aucune demande {key}.")  # fmt: skip
    actor = current.user.display_name or current.user.login
    try:
        replies.reply(session, case, channel=form.get("channel", "email"),
                      body=form.get("body", ""), actor=actor)  # fmt: skip
    except services.CaseError as error:
        session.rollback()
        case = services.find_case(session, key)
        return render(request, "case.html", 422, **_case_context(session, current, case,
                                                                   str(error)))  # fmt: skip
    if case.customer_id is not None:
        sessions.audit(session, current.principal, "changed", case.customer_id,
                       f"reply on {case.reference}")  # fmt: skip
    return RedirectResponse(f"/console/cases/{case.reference}", status_code=303)
