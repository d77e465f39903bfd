"""WhatsApp and Messenger through Meta's webhooks: each customer message becomes an interaction
(channel ``social``, its network kept) and joins or opens a case (:mod:`parcours.cases.inbox`);
a status of one of our messages (delivered, read, failed) updates the outbox; our own messages
echoed back by Messenger are already recorded and are skipped.

Meta signs each delivery (``X-Hub-Signature-256``, HMAC-SHA256 of the raw body with the app
secret), checked before anything is read; the subscription is confirmed by answering Meta's
challenge when the verify token matches. A delivery sent again carries the same message ids:
recording is idempotent, so a replay adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from parcours.cases.inbox import InboundMessage, receive
from parcours.channels import accounts, outbox, social
from parcours.channels.models import ChannelAccount

KINDS = ("whatsapp", "messenger")


@dataclass(frozen=True)
class Delivery:
    messages: int
    statuses: int
    skipped: int


def challenge(account: ChannelAccount, params: Mapping[str, str]) -> str:
    if account.kind not in KINDS:
        raise social.WebhookRefused(f"channel {account.name!r} is not a WhatsApp or Messenger one")
    return social.verify_subscription(params, accounts.secret(account, "verify_token"))


def receive_delivery(session: Session, account: ChannelAccount, body: bytes,
                     signature: str | None) -> Delivery:  # fmt: skip
    """Check, read and record one webhook delivery (several messages and statuses)."""
    if account.kind not in KINDS or not account.is_active:
        raise social.WebhookRefused(f"channel {account.name!r} is not an active social account")
    social.verify_signature(accounts.secret(account, "app_secret"), body, signature)
    try:
        payload = json.loads(body)
    except ValueError:
        raise social.SocialPayloadError("the body is not JSON") from None
    found = (social.parse_whatsapp(payload) if account.kind == "whatsapp"
             else social.parse_messenger(payload))  # fmt: skip
    messages = statuses = skipped = 0
    for event in found:
        if event.kind in ("message", "postback"):
            receive(session, _message(event))
            messages += 1
        elif event.kind == "status" and event.reply_to:
            error = event.error.title if event.error else None
            statuses += outbox.record_receipt(session, event.reply_to, event.status or "",
                                              error) is not None  # fmt: skip
        else:
            skipped += 1
    return Delivery(messages, statuses, skipped)


def _message(event: social.SocialEvent) -> InboundMessage:
    if event.network == "whatsapp":
        identifiers = {"phone": event.sender, "social_whatsapp": event.sender.lstrip("+")}
    else:
        identifiers = {"social_messenger": event.sender}
    return InboundMessage(
        channel="social", network=event.network, source=event.network,
        external_id=event.external_id, occurred_at=event.occurred_at, identifiers=identifiers,
        text=event.text, sender_name=event.sender_name,
        attachments=[{"type": one.type, "reference": one.reference, "content_type": one.mime_type}
                     for one in event.attachments],
        details={"reply_to": event.reply_to, "message_type": event.message_type,
                 "button": event.payload, "to": event.recipient},
    )  # fmt: skip
