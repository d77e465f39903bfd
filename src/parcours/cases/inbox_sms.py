"""SMS received through Twilio's webhooks: a message becomes an interaction (and joins or opens
a case, :mod:`parcours.cases.inbox`); "STOP" withdraws every SMS to that number at once (and
"START" gives it back) before anything else reads it; a delivery receipt updates the outbox.

The webhook is signed (``X-Twilio-Signature``, checked against the account's auth token and the
webhook URL configured on the channel account, as Twilio signs the URL it calls). Twilio's
requests carry no timestamp: a captured request sent again is the same ``MessageSid``, which
changes nothing (idempotent recording), so a replay can neither add nor change a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from parcours.cases.inbox import InboundMessage, Receipt, receive
from parcours.channels import accounts, consents, outbox, sms
from parcours.channels.models import ChannelAccount
from parcours.db import utcnow


class WebhookRefused(ValueError):
    """A request that does not come from the provider; the message says why."""


def verified(account: ChannelAccount, params: Mapping[str, str], signature: str | None, *,
             is_status: bool = False) -> None:  # fmt: skip
    """Twilio signs the URL it calls: the account's ``webhook_url`` for messages, its
    ``status_callback_url`` for delivery receipts."""
    if account.kind != "sms_twilio" or not account.is_active:
        raise WebhookRefused(f"channel {account.name!r} is not an active Twilio SMS account")
    if not signature:
        raise WebhookRefused("missing X-Twilio-Signature")
    token = accounts.secret(account, "auth_token")
    url = account.settings.get("status_callback_url") if is_status else None
    if not sms.verify_twilio_signature(token, url or account.settings["webhook_url"], params,
                                       signature):  # fmt: skip
        raise WebhookRefused("bad X-Twilio-Signature")


def receive_sms(session: Session, params: Mapping[str, str],
                now: datetime | None = None) -> Receipt:  # fmt: skip
    """Record one inbound SMS; a keyword changes consent first."""
    now = now or utcnow()
    message = sms.parse_inbound(params)
    word = sms.keyword(message.body)
    if word in ("stop", "start"):
        consents.record(session, channel="sms", address=message.from_number, purpose="all",
                        is_granted=word == "start", source=f"sms {word.upper()}",
                        now=now)  # fmt: skip
    length = sms.segments(message.body)
    return receive(session, InboundMessage(
        channel="sms", source="sms", external_id=message.message_sid, occurred_at=now,
        identifiers={"phone": message.from_number}, text=message.body, keyword=word,
        attachments=[{"url": media.url, "content_type": media.content_type}
                     for media in message.media],
        details={"to": message.to_number, "segments": length.segments,
                 "encoding": length.encoding},
    ))  # fmt: skip


def receive_status(session: Session, params: Mapping[str, str]) -> bool:
    """A delivery receipt; False when the message is not one of ours."""
    receipt = sms.parse_status(params)
    error = f"Twilio error {receipt.error_code}" if receipt.error_code else None
    return outbox.record_receipt(session, receipt.message_sid, receipt.status, error) is not None
