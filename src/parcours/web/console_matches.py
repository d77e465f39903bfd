"""The duplicates review in the console: each probable match with the two customers side by side
and the evidence of every field (in bits, for or against), to accept (one customer: merged,
reversibly) or reject (different people: never joined again). Both customers must be visible to
the reviewer; deciding needs ``customers.write`` and the session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from parcours.accounts import sessions
from parcours.accounts.sessions import SignedIn
from parcours.customers.models import Customer, MatchReview
from parcours.customers.resolution import ReviewError, accept_review, list_reviews, reject_review
from parcours.deps import SessionDep, visibility_of
from parcours.web.console import SettingsDep, form_user, page_user, render

router = APIRouter(include_in_schema=False)


def _pairs(session: Session, current: SignedIn) -> list[tuple[MatchReview, Customer, Customer]]:
    visibility = visibility_of(current.principal)
    found = []
    for review in list_reviews(session, status="pending", limit=50):
        a = session.get(Customer, review.customer_a_id)
        b = session.get(Customer, review.customer_b_id)
        if a and b and visibility.allows(a.owning_unit) and visibility.allows(b.owning_unit):
            found.append((review, a, b))
    return found


@router.get("/console/matches", response_class=HTMLResponse)
def matches(request: Request, session: SessionDep, done: str = "") -> Response:
    current = page_user(request, session, "customers.read")
    if not isinstance(current, SignedIn):
        return current
    return render(request, "matches.html", me=current, pairs=_pairs(session, current),
                  done=done, may_decide=current.principal.may("customers.write"))  # fmt: skip


@router.post("/console/matches/{review_id}/{decision}")
async def decide(request: Request, session: SessionDep, settings: SettingsDep, review_id: int,
                 decision: str) -> Response:  # fmt: skip
    allowed = await form_user(request, session, "customers.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, _form = allowed
    if decision not in ("accept", "reject"):
        return Response("Décision inconnue.", 404)
    pair = next((p for p in _pairs(session, current) if p[0].id == review_id), None)
    if pair is None:
        return render(request, "not_found.html", 404, me=current,
                      message=f"Aucune fusion en attente n° {review_id}.")  # fmt: skip
    who = f"user {current.user.login}"
    try:
        if decision == "accept":
            accept_review(session, review_id, decided_by=who, trust=settings.trust_by_source)
        else:
            reject_review(session, review_id, decided_by=who)
    except ReviewError as error:
        return Response(str(error), 409)
    for customer in pair[1:]:
        sessions.audit(session, current.principal, "changed", customer.id,
                       f"match {review_id} {decision}ed")  # fmt: skip
    return RedirectResponse(f"/console/matches?done={decision}", status_code=303)
