"""Customer routes: thin, they parse, call a service and return its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, status

from parcours.customers import services
from parcours.customers.ingest import IncomingRecord, MatchSettings, Outcome
from parcours.customers.schemas import (
    CustomerDetail,
    CustomerPage,
    DroppedValueOut,
    RecordIn,
    RecordResult,
    RecordResults,
)
from parcours.deps import ApiSessionDep, SettingsDep, VisibilityDep

MAX_BATCH = 10_000
router = APIRouter(prefix="/customers", tags=["customers"])


def _result(outcome: Outcome) -> RecordResult:
    return RecordResult(
        source=outcome.source,
        external_id=outcome.external_id,
        status=outcome.status,
        customer_id=outcome.customer_id,
        reason=outcome.reason,
        dropped=[
            DroppedValueOut(field=d.field, value=d.value, reason=d.reason) for d in outcome.dropped
        ],
    )


@router.post("/records", response_model=RecordResults)
def post_records(
    session: ApiSessionDep,
    settings: SettingsDep,
    body: Annotated[
        RecordIn | list[RecordIn],
        Body(description="One record, or a list of up to 10,000 records"),
    ],
) -> RecordResults:
    """Receive customer records from a channel system; each gets its customer and the decision."""
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_BATCH:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_BATCH} records per request"
        )
    incoming = [
        IncomingRecord(
            source=record.source,
            external_id=record.external_id,
            fields=record.canonical_fields(),
            attributes=record.attributes,
            payload=record.model_dump(exclude={"source", "external_id"}, exclude_none=True),
            line=index,
        )
        for index, record in enumerate(records, start=1)
    ]
    match = MatchSettings(
        settings.match_auto_threshold, settings.match_review_threshold, settings.conflict_rules
    )
    outcomes = services.receive_records(
        session, incoming, region=settings.default_region, trust=settings.trust_by_source,
        match=match,
    )  # fmt: skip
    return RecordResults(results=[_result(outcome) for outcome in outcomes])


@router.get("", response_model=CustomerPage)
def get_customers(
    session: ApiSessionDep,
    settings: SettingsDep,
    visibility: VisibilityDep,
    q: Annotated[str | None, Query(description="Name, phone in any format, e-mail, card")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 20,
) -> CustomerPage:
    if q and q.strip():
        return services.search_customers(session, q, region=settings.default_region, page=page,
                                         page_size=page_size, visibility=visibility)  # fmt: skip
    return services.list_customers(session, page=page, page_size=page_size, visibility=visibility)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(session: ApiSessionDep, customer_id: int) -> CustomerDetail:
    try:
        return services.get_customer(session, customer_id)
    except services.CustomerNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
