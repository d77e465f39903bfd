"""Interaction routes: thin, they parse, call a service and return its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status

from parcours.deps import ApiSessionDep, SettingsDep, TokenDep, requires
from parcours.interactions import clientbook, services
from parcours.interactions.schemas import (
    ContactStatisticsOut,
    FollowOut,
    InteractionResult,
    InteractionResults,
    NoteIn,
    NoteOut,
    NotePage,
    TimelineEntry,
    TimelinePage,
)

MAX_BATCH = 10_000
router = APIRouter(tags=["interactions"])

_EXAMPLE = {
    "external_id": "web-8812",
    "occurred_at": "2026-05-04T10:12:00+02:00",
    "channel": "web",
    "type": "product_view",
    "direction": "inbound",
    "identifiers": {"cookie": "c-5f2a", "email": "claire.moreau@example.fr"},
    "payload": {"product": "Canapé Oslo 3 places"},
}


@router.post("/interactions", response_model=InteractionResults)
def post_interactions(
    session: ApiSessionDep,
    settings: SettingsDep,
    body: Annotated[
        dict[str, Any] | list[Any],
        Body(
            description="One interaction, or a list of up to 10,000 (the JSONL shape; each item "
            'may name its own "source")',
            examples=[_EXAMPLE],
        ),
    ],
    source: Annotated[
        str | None, Query(description="The sending system, for items that do not name one")
    ] = None,
) -> InteractionResults:
    """Record interactions from any channel; each item gets its own result."""
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_BATCH:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_BATCH} interactions per request"
        )
    triples = [
        (
            index,
            str(item.get("source") or source or "") if isinstance(item, dict) else source or "",
            item,
        )
        for index, item in enumerate(items, start=1)
    ]
    outcomes = services.receive_interactions(session, triples, region=settings.default_region)
    results = [InteractionResult(**vars(outcome)) for outcome in outcomes]
    counts = {s: sum(1 for r in results if r.status == s) for s in ("recorded", "updated")}
    return InteractionResults(
        recorded=counts["recorded"],
        updated=counts["updated"],
        unchanged=sum(1 for r in results if r.status == "unchanged"),
        rejected=sum(1 for r in results if r.status == "rejected"),
        results=results,
    )


@router.get("/customers/{customer_id}/timeline", response_model=TimelinePage)
def get_timeline(
    session: ApiSessionDep,
    customer_id: int,
    channel: Annotated[list[str] | None, Query(description="Only these channels")] = None,
    phase: Annotated[list[str] | None, Query(description="before, during, after")] = None,
    type: Annotated[list[str] | None, Query(description="Only these types")] = None,
    since: Annotated[datetime | None, Query(description="From this moment (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Up to this moment (exclusive)")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
    language: Annotated[str, Query(pattern="^(fr|en)$")] = "fr",
) -> TimelinePage:
    """The customer's interactions on every channel, newest first."""
    filters = services.TimelineFilter(
        tuple(channel or ()), tuple(phase or ()), tuple(type or ()), since, until
    )
    try:
        return services.timeline(
            session, customer_id, filters=filters, page=page, page_size=page_size,
            language=language,
        )  # fmt: skip
    except services.TimelineError as error:
        raise _http_error(error) from None


def _http_error(error: services.TimelineError) -> HTTPException:
    """An unknown (or merged) customer is a 404; a bad filter or period a 422."""
    code = (
        status.HTTP_404_NOT_FOUND
        if isinstance(error, services.UnknownCustomer)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    return HTTPException(code, str(error))


@router.get("/customers/{customer_id}/contact-statistics", response_model=ContactStatisticsOut)
def get_customer_contact_statistics(
    session: ApiSessionDep,
    customer_id: int,
    since: Annotated[datetime | None, Query(description="From (inclusive, with offset)")] = None,
    until: Annotated[datetime | None, Query(description="Up to (exclusive, with offset)")] = None,
) -> ContactStatisticsOut:
    """Contacts by channel and nature, cost per channel, first/last contact, preferred channel."""
    try:
        return services.customer_contact_statistics(session, customer_id, since=since, until=until)
    except services.TimelineError as error:
        raise _http_error(error) from None


#: Every customer's contacts, their cost per channel: a steering figure, not a customer's file.
@router.get(
    "/interactions/statistics",
    response_model=ContactStatisticsOut,
    dependencies=[requires("reports.read")],
)
def get_contact_statistics(
    session: ApiSessionDep,
    since: Annotated[datetime | None, Query(description="From (inclusive, with offset)")] = None,
    until: Annotated[datetime | None, Query(description="Up to (exclusive, with offset)")] = None,
) -> ContactStatisticsOut:
    """Every contact: by channel and nature, cost, contacts per customer, anonymous share."""
    try:
        return services.contact_statistics(session, since=since, until=until)
    except services.TimelineError as error:
        raise _http_error(error) from None


def _known(session: ApiSessionDep, customer_id: int) -> int:
    try:
        return services.live_customer(session, customer_id)
    except services.UnknownCustomer as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.post("/customers/{customer_id}/notes", response_model=NoteOut, status_code=201)
def post_note(session: ApiSessionDep, token: TokenDep, customer_id: int, note: NoteIn) -> NoteOut:
    """Add a note to the client book (author: the one given, else the token's name)."""
    _known(session, customer_id)
    try:
        created = clientbook.add_note(session, customer_id, note.author or token.name, note.body)
    except clientbook.ClientBookError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return NoteOut.model_validate(created)


@router.get("/customers/{customer_id}/notes", response_model=NotePage)
def get_notes(
    session: ApiSessionDep,
    customer_id: int,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotePage:
    """The client book of the customer (and of those merged into it), newest first."""
    _known(session, customer_id)
    total, rows = clientbook.notes(
        session, customer_id, limit=page_size, offset=(page - 1) * page_size
    )
    return NotePage(
        customer_id=customer_id, total=total, items=[NoteOut.model_validate(r) for r in rows]
    )


@router.put("/customers/{customer_id}/follow", response_model=FollowOut)
def put_follow(session: ApiSessionDep, token: TokenDep, customer_id: int) -> FollowOut:
    """The token's holder follows the customer (idempotent)."""
    _known(session, customer_id)
    clientbook.follow(session, token.name, customer_id)
    return FollowOut(follower=token.name, customer_id=customer_id, following=True)


@router.delete("/customers/{customer_id}/follow", response_model=FollowOut)
def delete_follow(session: ApiSessionDep, token: TokenDep, customer_id: int) -> FollowOut:
    clientbook.unfollow(session, token.name, customer_id)
    return FollowOut(follower=token.name, customer_id=customer_id, following=False)


@router.get("/feed", response_model=list[TimelineEntry])
def get_feed(
    session: ApiSessionDep,
    token: TokenDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    language: Annotated[str, Query(pattern="^(fr|en)$")] = "fr",
) -> list[TimelineEntry]:
    """The latest interactions of the customers the token's holder follows."""
    rows = clientbook.feed(session, token.name, limit=page_size, offset=(page - 1) * page_size)
    return [services.entry(row, language) for row in rows]
