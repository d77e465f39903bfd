"""Inbound messages over HTTP: the inbound-mail webhook (raw MIME, as a mail server's pipe or a
relay posts it, with an API token); the live stream agents' screens listen to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from parcours import live
from parcours.cases import webchat
from parcours.cases.inbox_email import receive_email
from parcours.cases.models import ChatConversation
from parcours.channels.mime import MalformedEmail
from parcours.config import Settings
from parcours.deps import (
    ApiSessionDep,
    DatabaseDep,
    VisibilityDep,
    get_settings_from_app,
    require_token,
)

router = APIRouter(tags=["inbound messages"])


@router.post(
    "/inbound/email",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"message/rfc822": {}}, "required": True}},
)
async def post_email(
    request: Request,
    session: ApiSessionDep,
    settings: Annotated[Settings, Depends(get_settings_from_app)],
) -> dict[str, Any]:
    """One e-mail as raw MIME bytes (``Content-Type: message/rfc822``): recorded on the sender's
    timeline (a new customer if unknown), threaded to its case; sending it again changes
    nothing. 422 for what is not an e-mail, 413 beyond 40 MB."""
    raw = await request.body()
    try:
        receipt = receive_email(session, raw, home=settings.home,
                                max_attachment_mb=settings.max_attachment_mb)  # fmt: skip
    except MalformedEmail as error:
        code = 413 if str(error).startswith("message too large") else 422
        raise HTTPException(code, str(error)) from None
    if receipt.status == "rejected":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, receipt.reason)
    return {
        "status": receipt.status,
        "interaction_id": receipt.interaction_id,
        "customer_id": receipt.customer_id,
        "case_reference": receipt.case_reference,
    }


@router.get("/live", dependencies=[Depends(require_token)])
async def live_events(
    database: DatabaseDep,
    visibility: VisibilityDep,
    topic: Annotated[list[str], Query(description="calls, agent:NAME, conversation:ID")],
    timeout: Annotated[float | None, Query(gt=0, le=3600)] = None,
) -> StreamingResponse:
    """Server-sent events: calls ringing with the caller's card (``calls``, ``agent:NAME``),
    chat messages (``conversation:ID``, 404 for a chat of a customer the caller may not see);
    a comment every 15 s keeps the stream open."""
    with database.sessions() as session:  # closed before the stream starts
        for name in topic:
            conversation_id = name.removeprefix("conversation:")
            if name.startswith("conversation:") and conversation_id.isdigit():
                found = session.get(ChatConversation, int(conversation_id))
                if found is not None and not webchat.may_see(session, found, visibility):
                    raise HTTPException(status.HTTP_404_NOT_FOUND,
                                        f"no conversation {conversation_id}")  # fmt: skip
    return live.stream_response(*topic, timeout=timeout)
