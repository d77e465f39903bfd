"""The customer 360 in the console (gathered by :mod:`parcours.customer360`): one page, and the
HTMX partials its forms and links ask for — a page of the timeline, the client book notes, the
follow button, the consents. Each route serves the full page, or the partial to an HTMX request
(``HX-Request``).

A customer the reader may not see is a "not found" page, for reading and for every POST, and is
logged as refused; every change is logged as "changed" (:func:`parcours.accounts.sessions.audit`).
Writing a note or undoing a merge needs ``customers.write``, a consent ``consents.write``;
following a customer is for anyone who may read it. An HTMX form's error comes back as its
partial with the message (status 200: htmx swaps nothing on a 4xx answer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from parcours import customer360
from parcours.accounts import sessions
from parcours.accounts.sessions import SignedIn
from parcours.channels.consents import ConsentError
from parcours.customers.merging import MergeError
from parcours.customers.services import CustomerNotFound
from parcours.deps import SessionDep, visibility_of
from parcours.interactions.clientbook import ClientBookError
from parcours.web.console import SettingsDep, form_user, language_of, page_user, render

router = APIRouter(include_in_schema=False)
T = TypeVar("T")


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _not_found(request: Request, session: Session, current: SignedIn,
               customer_id: int) -> Response:  # fmt: skip
    sessions.audit(session, current.principal, "refused", customer_id,
                   f"{request.method} {request.url.path}")  # fmt: skip
    return render(request, "not_found.html", 404, me=current,
                  message=f"Aucun client n° {customer_id}.")  # fmt: skip


def _to_360(customer_id: int, done: str = "") -> RedirectResponse:
    suffix = f"?done={done}" if done else ""
    return RedirectResponse(f"/console/customers/{customer_id}{suffix}", status_code=303)


def _page(request: Request, session: Session, current: SignedIn, customer_id: int,
          status: int = 200, page: int = 1, **extra: Any) -> Response:  # fmt: skip
    """The full 360 page (``extra``: a form's error, a message)."""
    seen = customer360.gather(session, customer_id, visibility_of(current.principal),
                              follower=current.user.login, page=page,
                              language=language_of(request, current))  # fmt: skip
    may = current.principal.may
    return render(request, "customer.html", status, me=current, seen=seen,
                  customer=seen.customer, customer_id=customer_id, timeline=seen.timeline,
                  notes=seen.notes, is_followed=seen.is_followed, consents=seen.consents,
                  may_write=may("customers.write"), may_consent=may("consents.write"),
                  **extra)  # fmt: skip


@router.get("/console/customers/{customer_id}", response_class=HTMLResponse)
def customer_360(request: Request, session: SessionDep, customer_id: int, page: int = 1,
                 done: str = "") -> Response:  # fmt: skip
    """The 360 (audited as viewed); to HTMX, the timeline's ``page``. A merged customer's
    address leads to the customer it was merged into."""
    current = page_user(request, session, "customers.read")
    if not isinstance(current, SignedIn):
        return current
    visibility = visibility_of(current.principal)
    try:
        live = customer360.live_id(session, customer_id, visibility)
    except CustomerNotFound:
        return _not_found(request, session, current, customer_id)
    if live != customer_id:
        return _to_360(live)
    sessions.audit(session, current.principal, "viewed", customer_id, f"GET {request.url.path}")
    if _is_htmx(request):
        timeline = customer360.timeline(session, customer_id, page=page,
                                        language=language_of(request, current))  # fmt: skip
        return render(request, "_customer_timeline.html", me=current, customer_id=customer_id,
                      timeline=timeline)  # fmt: skip
    return _page(request, session, current, customer_id, page=page, done=done)


async def _change(request: Request, session: Session, customer_id: int, permission: str,
                  change: Callable[[SignedIn, dict[str, str]], T]
                  ) -> tuple[SignedIn, T] | Response:  # fmt: skip
    """Sign-in, permission and CSRF checked, then ``change`` made: the person and its result,
    or the answer to give (the customer not visible: a "not found" page, audited)."""
    allowed = await form_user(request, session, permission)
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    try:
        return current, change(current, form)
    except CustomerNotFound:
        return _not_found(request, session, current, customer_id)


@router.post("/console/customers/{customer_id}/notes", response_class=HTMLResponse)
async def add_note(request: Request, session: SessionDep, customer_id: int) -> Response:
    """A client book note; to HTMX the notes again, with the new one on top."""

    def write(current: SignedIn, form: dict[str, str]) -> str | None:
        try:
            customer360.add_note(session, customer_id, visibility_of(current.principal),
                                 author=current.name,
                                 body=form.get("body", ""))  # fmt: skip
        except ClientBookError as error:
            return str(error)
        sessions.audit(session, current.principal, "changed", customer_id, "client book note")
        return None

    done = await _change(request, session, customer_id, "customers.write", write)
    if not isinstance(done, tuple):
        return done
    current, error = done
    if _is_htmx(request):
        return render(request, "_customer_notes.html", me=current, customer_id=customer_id,
                      notes=customer360.notes_of(session, customer_id), may_write=True,
                      note_error=error)  # fmt: skip
    if error is not None:
        return _page(request, session, current, customer_id, 422, note_error=error)
    return _to_360(customer_id)


async def _follow(request: Request, session: Session, customer_id: int,
                  follows: bool) -> Response:  # fmt: skip
    def toggle(current: SignedIn, _form: dict[str, str]) -> bool:
        visibility, login = visibility_of(current.principal), current.user.login
        if follows:
            customer360.follow(session, customer_id, visibility, login)
        else:
            customer360.unfollow(session, customer_id, visibility, login)
        sessions.audit(session, current.principal, "changed", customer_id,
                       "followed" if follows else "unfollowed")  # fmt: skip
        return follows

    done = await _change(request, session, customer_id, "customers.read", toggle)
    if not isinstance(done, tuple):
        return done
    if _is_htmx(request):
        return render(request, "_customer_follow.html", me=done[0], customer_id=customer_id,
                      is_followed=done[1])  # fmt: skip
    return _to_360(customer_id)


@router.post("/console/customers/{customer_id}/follow", response_class=HTMLResponse)
async def follow(request: Request, session: SessionDep, customer_id: int) -> Response:
    """Follow a customer (told of their new interactions and cases); to HTMX, the button."""
    return await _follow(request, session, customer_id, follows=True)


@router.post("/console/customers/{customer_id}/unfollow", response_class=HTMLResponse)
async def unfollow(request: Request, session: SessionDep, customer_id: int) -> Response:
    return await _follow(request, session, customer_id, follows=False)


@router.post("/console/customers/{customer_id}/consents", response_class=HTMLResponse)
async def record_consent(request: Request, session: SessionDep, customer_id: int) -> Response:
    """A consent given or withdrawn on one of the customer's addresses (``consents.write``);
    to HTMX, the consents again."""

    def record(current: SignedIn, form: dict[str, str]) -> str | None:
        channel, _, address = form.get("address", "").partition("|")
        is_granted = form.get("decision") == "grant"
        try:
            customer360.record_consent(
                session, customer_id, visibility_of(current.principal), channel=channel,
                address=address, purpose=form.get("purpose", ""), is_granted=is_granted,
                source=f"console {current.user.login}",
            )  # fmt: skip
        except ConsentError as error:
            return str(error)
        sessions.audit(session, current.principal, "changed", customer_id,
                       f"consent {channel} {form.get('purpose')} "
                       f"{'given' if is_granted else 'withdrawn'}")  # fmt: skip
        return None

    done = await _change(request, session, customer_id, "consents.write", record)
    if not isinstance(done, tuple):
        return done
    current, error = done
    if _is_htmx(request):
        lines = customer360.consents_for(session, customer_id, visibility_of(current.principal))
        return render(request, "_customer_consents.html", me=current, customer_id=customer_id,
                      consents=lines, may_consent=True, consent_error=error,
                      consent_saved=error is None)  # fmt: skip
    if error is not None:
        return _page(request, session, current, customer_id, 422, consent_error=error)
    return _to_360(customer_id, "consent")


@router.post("/console/customers/{customer_id}/merges/{merge_id}/undo")
async def unmerge(request: Request, session: SessionDep, settings: SettingsDep, customer_id: int,
                  merge_id: int) -> Response:  # fmt: skip
    """Undo a merge of the 360's history: the customers it joined come back apart."""

    def undo(current: SignedIn, _form: dict[str, str]) -> list[int] | str:
        try:
            concerned = customer360.unmerge(
                session, customer_id, merge_id, visibility_of(current.principal),
                decided_by=f"user {current.user.login}", trust=settings.trust_by_source,
            )  # fmt: skip
        except MergeError as error:
            return str(error)
        for concerned_id in concerned:
            sessions.audit(session, current.principal, "changed", concerned_id,
                           f"merge {merge_id} undone")  # fmt: skip
        return concerned

    try:
        done = await _change(request, session, customer_id, "customers.write", undo)
    except customer360.MergeNotOnCustomer:
        return Response(f"Aucune fusion n° {merge_id} pour ce client.", 404)
    if not isinstance(done, tuple):
        return done
    if isinstance(done[1], str):
        return Response(done[1], 409)
    return _to_360(customer_id, "unmerge")
