"""Case routes: thin, they parse, call a service and return its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from parcours.cases import services
from parcours.cases.models import Case
from parcours.cases.schemas import (
    AttachIn,
    CaseDetailOut,
    CaseIn,
    CaseNoteIn,
    CaseOut,
    CasePageOut,
    PriorityIn,
    StatusIn,
)
from parcours.deps import ApiSessionDep, TokenDep

router = APIRouter(tags=["cases"])
Language = Annotated[str, Query(pattern="^(fr|en)$")]


def _error(error: services.CaseError) -> HTTPException:
    """An unknown case is a 404; anything else the rules refuse, a 422 saying why."""
    code = (
        status.HTTP_404_NOT_FOUND
        if isinstance(error, services.UnknownCase)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    return HTTPException(code, str(error))


def _case(session: ApiSessionDep, key: str) -> Case:
    try:
        return services.find_case(session, key)
    except services.CaseError as error:
        raise _error(error) from None


@router.post("/cases", response_model=CaseOut, status_code=201)
def post_case(session: ApiSessionDep, token: TokenDep, body: CaseIn) -> CaseOut:
    """Open a case (a request, a quote, a complaint…) on any channel."""
    try:
        case = services.open_case(
            session, customer_id=body.customer_id, case_type=body.type, channel=body.channel,
            subject=body.subject, opened_by=body.opened_by or token.name, priority=body.priority,
            due_at=body.due_at, interaction_id=body.interaction_id,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return services.case_out(case)


@router.get("/cases", response_model=CasePageOut)
def get_cases(
    session: ApiSessionDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    type: Annotated[list[str] | None, Query()] = None,
    customer_id: int | None = None,
    active: Annotated[bool | None, Query(description="Only active (or only done) cases")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
    language: Language = "fr",
) -> CasePageOut:
    """Cases, most urgent first, then oldest first."""
    try:
        found = services.list_cases(
            session, statuses=status_ or (), types=type or (), customer_id=customer_id,
            active=active, page=page, page_size=page_size,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return CasePageOut(
        total=found.total, page=found.page, page_size=found.page_size,
        items=[services.case_out(case, language) for case in found.items],
    )  # fmt: skip


@router.get("/cases/{key}", response_model=CaseDetailOut)
def get_case(session: ApiSessionDep, key: str, language: Language = "fr") -> CaseDetailOut:
    """A case by id or reference, with its thread across channels, notes and history."""
    return services.case_detail(session, _case(session, key), language)


@router.post("/cases/{key}/status", response_model=CaseOut)
def post_status(session: ApiSessionDep, token: TokenDep, key: str, body: StatusIn) -> CaseOut:
    """Move the case along its workflow (new, open, waiting_customer, waiting_internal,
    resolved, closed)."""
    case = _case(session, key)
    try:
        services.change_status(session, case, body.status, actor=token.name, reason=body.reason)
    except services.CaseError as error:
        raise _error(error) from None
    return services.case_out(case)


@router.post("/cases/{key}/priority", response_model=CaseOut)
def post_priority(session: ApiSessionDep, token: TokenDep, key: str, body: PriorityIn) -> CaseOut:
    """Raise or lower the case's priority (low, normal, high, urgent)."""
    case = _case(session, key)
    try:
        services.change_priority(session, case, body.priority, actor=token.name)
    except services.CaseError as error:
        raise _error(error) from None
    return services.case_out(case)


@router.post("/cases/{key}/notes", response_model=CaseDetailOut, status_code=201)
def post_case_note(
    session: ApiSessionDep, token: TokenDep, key: str, body: CaseNoteIn
) -> CaseDetailOut:
    """Add an internal note (never sent to the customer)."""
    case = _case(session, key)
    try:
        services.add_note(session, case, author=body.author or token.name, body=body.body)
    except services.CaseError as error:
        raise _error(error) from None
    return services.case_detail(session, case)


@router.post("/cases/{key}/interactions", response_model=CaseDetailOut)
def post_attachment(
    session: ApiSessionDep, token: TokenDep, key: str, body: AttachIn
) -> CaseDetailOut:
    """Put an interaction (from any channel) in the case's thread."""
    case = _case(session, key)
    try:
        services.attach_interaction(session, case, body.interaction_id, actor=token.name)
    except services.CaseError as error:
        raise _error(error) from None
    return services.case_detail(session, case)
