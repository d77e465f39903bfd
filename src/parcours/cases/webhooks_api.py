"""Webhooks the channel providers call: no API token, each request signed by the provider and
checked against the channel account's secret before anything is read
(``/api/v1/webhooks/{kind}/{channel account}``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from parcours.cases import inbox_sms, inbox_social
from parcours.cases.inbox_calls import receive_call
from parcours.channels import accounts, sms, social, telephony
from parcours.channels.models import ChannelAccount
from parcours.db import utcnow
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


@router.post("/webhooks/calls/{name}")
async def call_event(request: Request, session: SessionDep, name: str) -> dict[str, Any]:
    """A call event from the telephony: Aircall's webhook (its token in the body) or the signed
    generic format (``X-Parcours-Signature``, ``X-Parcours-Timestamp``). The call is recorded
    on the caller's timeline and case; ringing pops the caller's card on the agents' screens."""
    account = _account(session, name)
    body = await request.body()
    try:
        if account.kind == "telephony_aircall":
            try:
                payload = json.loads(body)
            except ValueError:
                raise telephony.CallPayloadError("the body is not JSON") from None
            found = telephony.parse_aircall(payload, accounts.secret(account, "token"))
        elif account.kind == "telephony_generic":
            secret = accounts.secret(account, "secret")
            found = telephony.parse_generic(body, dict(request.headers), secret, utcnow())
        else:
            raise telephony.CallWebhookRefused(f"channel {name!r} is not a telephony account")
    except (telephony.CallWebhookRefused, accounts.ChannelError) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except telephony.CallPayloadError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    if isinstance(found, telephony.Ignored):
        return {"status": "ignored", "reason": found.reason}
    receipt = receive_call(session, found)
    return vars(receipt)


@router.get("/webhooks/social/{name}")
def social_subscription(request: Request, session: SessionDep, name: str) -> Response:
    """Meta's verification request: answers ``hub.challenge`` when the verify token matches."""
    account = _account(session, name)
    try:
        found = inbox_social.challenge(account, dict(request.query_params))
    except (social.WebhookRefused, accounts.ChannelError) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    return Response(found, media_type="text/plain")


@router.post("/webhooks/social/{name}")
async def social_delivery(request: Request, session: SessionDep, name: str) -> dict[str, int]:
    """A WhatsApp or Messenger webhook delivery, signed by Meta (``X-Hub-Signature-256``)."""
    account = _account(session, name)
    body = await request.body()
    try:
        signature = request.headers.get("X-Hub-Signature-256")
        found = inbox_social.receive_delivery(session, account, body, signature)
    except (social.WebhookRefused, accounts.ChannelError) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from None
    except social.SocialPayloadError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    return vars(found)
