"""Webhooks the channel providers call: no API token, each request signed by the provider and
checked against the channel account's secret before anything is read
(``/api/v1/webhooks/{kind}/{channel account}``)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from parcours.cases import inbox_sms
from parcours.channels import accounts, sms
from parcours.channels.models import ChannelAccount
from parcours.deps import SessionDep

router = APIRouter(tags=["webhooks"])
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _account(session: SessionDep, name: str) -> ChannelAccount:
    try:
        return accounts.account_named(session, name)
    except accounts.ChannelError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


async def _twilio_params(request: Request, session: SessionDep, name: str, *,
                         is_status: bool = False) -> dict[str, str]:  # fmt: skip
    """The form Twilio posted, once its signature is checked (403 otherwise)."""
    account = _account(session, name)
    params = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"),
                            keep_blank_values=True))  # fmt: skip
    try:
        inbox_sms.verified(account, params, request.headers.get("X-Twilio-Signature"),
                           is_status=is_status)  # fmt: skip
    except (inbox_sms.WebhookRefused, accounts.ChannelError) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    return params


@router.post("/webhooks/sms/{name}")
async def sms_received(request: Request, session: SessionDep, name: str) -> Response:
    """Twilio's "A message comes in" webhook: the SMS joins the sender's timeline and case;
    STOP / START change consent at once. Answers empty TwiML (no automatic reply)."""
    params = await _twilio_params(request, session, name)
    try:
        inbox_sms.receive_sms(session, params)
    except sms.SmsPayloadError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/webhooks/sms/{name}/status", status_code=204)
async def sms_status(request: Request, session: SessionDep, name: str) -> Response:
    """Twilio's status callback: a message of ours delivered, or not."""
    params = await _twilio_params(request, session, name, is_status=True)
    try:
        inbox_sms.receive_status(session, params)
    except sms.SmsPayloadError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    return Response(status_code=204)
