"""WhatsApp Business (Cloud API) and Facebook Messenger, both reached through Meta's Graph API:
whether a webhook call really comes from Meta, and what it says. Pure: standard library only, no
network, no database; the adapter that sends is :mod:`parcours.channels.graph`.

**Webhooks.** Meta calls one URL per app. When the URL is registered, a GET asks us to echo
``hub.challenge`` if ``hub.verify_token`` is the token we chose (:func:`verify_subscription`).
Every event then comes as a POST whose ``X-Hub-Signature-256`` header is the HMAC-SHA256 of the
body keyed with the app secret (:func:`verify_signature`). Meta delivers again a call that was not
answered 200, so the same event can arrive twice: each one carries an ``external_id`` to upsert on.

**The 24-hour window.** A business may write freely to a customer only within 24 hours of the
customer's last message: WhatsApp's customer-service window, Messenger's standard messaging
window. After that WhatsApp takes only message templates approved by Meta, and Messenger only
messages sent with a tag; a free text is refused (WhatsApp error 131047, Messenger error 10 with
subcode 2018278). The customer's next message opens a new window, so the ``occurred_at`` of the
last ``message`` event is the date that decides whether an agent can answer in free text.

**Reading.** Each parser turns one webhook call into :class:`SocialEvent` objects, in Meta's
order. What we cannot read is kept, not lost: a WhatsApp message of a type we do not know (an
order, a poll, whatever Meta adds next) is a ``message`` with no ``text`` whose ``message_type``
names it, so that an agent still sees that the customer wrote. Webhook topics that carry no
conversation (WhatsApp template and account updates; Messenger opt-ins, referrals, reactions,
handovers) are skipped. A payload without the shape Meta documents raises
:class:`SocialPayloadError` naming the field: ``entry[0].changes[0].value.messages[0].from is
missing``. Retrying cannot make such a call readable, so keep its body for a look and answer 200
rather than have Meta deliver it again and again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from parcours.channels.ports import SocialNetwork
from parcours.channels.social_fields import EPOCH, Fields, SocialPayloadError, milliseconds

__all__ = [
    "EventKind",
    "SocialAttachment",
    "SocialError",
    "SocialEvent",
    "SocialPayloadError",
    "WebhookRefused",
    "parse_messenger",
    "parse_whatsapp",
    "verify_signature",
    "verify_subscription",
]

EventKind = Literal["message", "status", "echo", "postback"]
#: WhatsApp types whose content is a media object that Meta keeps for us to download by its id.
MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})


class WebhookRefused(ValueError):
    """The call is not one Meta made for us: answer 403 and read nothing from it."""


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """The ``hub.challenge`` to answer (as the plain body of a 200) to Meta's verification GET.

    The token is compared in constant time. An empty configured token refuses every call: an
    unconfigured server must not accept whoever leaves the token out.
    """
    if not verify_token:
        raise WebhookRefused("no verify token is configured")
    mode = params.get("hub.mode")
    if mode is None:
        raise WebhookRefused("hub.mode is missing")
    if mode != "subscribe":
        raise WebhookRefused(f"hub.mode must be 'subscribe', not {mode!r}")
    given = params.get("hub.verify_token", "").encode()
    if not hmac.compare_digest(given, verify_token.encode()):
        raise WebhookRefused("hub.verify_token does not match")
    challenge = params.get("hub.challenge")
    if not challenge:
        raise WebhookRefused("hub.challenge is missing")
    return challenge


def verify_signature(app_secret: str, body: bytes, header: str | None) -> None:
    """Refuse a webhook POST whose ``X-Hub-Signature-256`` header is not ``sha256=`` followed by
    the hexadecimal HMAC-SHA256 of the body keyed with the app secret, as Meta documents
    (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).

    ``body`` must be the bytes received, before any JSON decoding: Meta signs its own encoding
    (non-ASCII escaped as ``\\u00e9``), which a decoded and re-encoded payload no longer matches.
    The older ``X-Hub-Signature`` (SHA-1) is not accepted.
    """
    if not app_secret:
        raise WebhookRefused("no app secret is configured")
    if not header:
        raise WebhookRefused("missing signature")
    algorithm, separator, signature = header.strip().partition("=")
    if not separator or algorithm.lower() != "sha256":
        raise WebhookRefused("unsupported signature format")
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(signature.lower().encode("utf-8", errors="replace"), expected):
        raise WebhookRefused("bad signature")


class SocialAttachment(NamedTuple):
    #: The network's word: ``image``, ``document``, ``audio``… (Messenger: ``file``, ``fallback``).
    type: str
    #: WhatsApp: the media id, to download through the Graph API (``location``: a ``geo:`` URI).
    #: Messenger: the file's URL, which expires. None when Meta gave neither.
    reference: str | None
    mime_type: str | None


@dataclass(frozen=True)
class SocialError:
    #: Meta's error code: 131047 (outside the 24-hour window), 131026 (not delivered)…
    code: int
    title: str | None
    details: str | None


@dataclass(frozen=True, kw_only=True)
class SocialEvent:
    """One thing that happened in a conversation.

    ``sender`` is the customer and ``recipient`` our number or page, for messages, postbacks and
    statuses alike: Messenger writes its receipts that way, and WhatsApp's statuses are read the
    same way although they name the customer ``recipient_id``. Only an ``echo``, our own page's
    message, goes the other way; :attr:`customer` names the customer whichever way it went.
    """

    network: SocialNetwork
    kind: EventKind
    #: The message's id (``wamid.…``, ``m_…``); for a status, ``"{message id}:{status}"``.
    external_id: str
    #: WhatsApp: the customer's number, ``+`` and the digits of the ``wa_id``. Messenger: the
    #: page-scoped id (PSID), or the page's id for an echo.
    sender: str
    #: The WhatsApp profile name; Messenger does not send names.
    sender_name: str | None = None
    #: WhatsApp: our ``phone_number_id``. Messenger: the page id, or the PSID for an echo.
    recipient: str
    occurred_at: datetime
    #: The text, a caption, the title of a button, list item or postback, a reaction's emoji.
    text: str | None = None
    attachments: tuple[SocialAttachment, ...] = ()
    #: The message this one refers to: the one quoted by a reply, reacted to by a reaction,
    #: or, for a status, the message of ours whose status it is.
    reply_to: str | None = None
    #: WhatsApp's ``type`` (``text``, ``image``, ``interactive``, ``unsupported``…); None for
    #: Messenger, whose messages have none.
    message_type: str | None = None
    #: The developer-defined value behind a button, list item, quick reply or postback.
    payload: str | None = None
    #: For a status: ``sent``, ``delivered``, ``read``, ``failed`` (kept as Meta writes it).
    status: str | None = None
    error: SocialError | None = None
    #: Messenger receipts: every message we sent to this customer up to then is delivered or read.
    watermark: datetime | None = None

    @property
    def customer(self) -> str:
        return self.recipient if self.kind == "echo" else self.sender


def parse_whatsapp(payload: Mapping[str, object]) -> list[SocialEvent]:
    """The messages and statuses of a WhatsApp Cloud API webhook call.

    Errors that Meta reports for the phone number as a whole (``value.errors``, a throughput limit
    for instance) name no message and are not events; a message's own ``errors`` are kept.
    """
    events: list[SocialEvent] = []
    for entry in _root(payload, "whatsapp_business_account").children("entry"):
        for change in entry.children("changes"):
            if change.text("field") != "messages":
                continue
            value = change.child("value")
            business = value.child("metadata").text("phone_number_id")
            names: dict[str, str | None] = {}
            for contact in value.children("contacts", required=False):
                profile = contact.optional_child("profile")
                names[contact.text("wa_id")] = profile.optional_text("name") if profile else None
            for message in value.children("messages", required=False):
                events.append(_whatsapp_message(message, business, names))
            for status in value.children("statuses", required=False):
                events.append(_whatsapp_status(status, business))
    return events


def parse_messenger(payload: Mapping[str, object]) -> list[SocialEvent]:
    """The messages, echoes, postbacks, deliveries and reads of a Messenger webhook call."""
    events: list[SocialEvent] = []
    for entry in _root(payload, "page").children("entry"):
        entry_time = entry.optional_date("time", unit=milliseconds)
        for item in entry.children("messaging"):
            events.extend(_messenger_events(item, entry_time))
    return events


def _root(payload: Mapping[str, object], expected: str) -> Fields:
    root = Fields(payload, "")
    found = root.text("object")
    if found != expected:
        raise SocialPayloadError(f"object must be {expected!r}, not {found!r}")
    return root


class _Content(NamedTuple):
    text: str | None = None
    attachments: tuple[SocialAttachment, ...] = ()
    payload: str | None = None
    reply_to: str | None = None


def _whatsapp_message(
    message: Fields, business: str, names: Mapping[str, str | None]
) -> SocialEvent:
    wa_id = _wa_id(message, "from")
    message_type = message.text("type")
    content = _whatsapp_content(message, message_type)
    context = message.optional_child("context")
    quoted = context.optional_text("id") if context else None
    return SocialEvent(
        network="whatsapp",
        kind="message",
        external_id=message.text("id"),
        sender=f"+{wa_id}",
        sender_name=names.get(wa_id),
        recipient=business,
        occurred_at=message.date("timestamp"),
        text=content.text,
        attachments=content.attachments,
        reply_to=content.reply_to or quoted,
        message_type=message_type,
        payload=content.payload,
        error=_first_error(message),
    )


def _whatsapp_content(message: Fields, message_type: str) -> _Content:
    if message_type == "text":
        return _Content(text=message.child("text").text("body"))
    if message_type in MEDIA_TYPES:
        media = message.child(message_type)
        attachment = SocialAttachment(
            message_type, media.text("id"), media.optional_text("mime_type")
        )
        return _Content(text=media.optional_text("caption"), attachments=(attachment,))
    if message_type == "location":
        place = message.child("location")
        geo = f"geo:{place.number('latitude')},{place.number('longitude')}"
        return _Content(attachments=(SocialAttachment("location", geo, None),))
    if message_type == "button":
        button = message.child("button")
        return _Content(text=button.text("text"), payload=button.optional_text("payload"))
    if message_type == "interactive":
        interactive = message.child("interactive")
        reply_type = interactive.text("type")
        reply = interactive.child(reply_type)
        if reply_type == "nfm_reply":  # the answers to a WhatsApp Flow, as a JSON string
            body, answers = reply.optional_text("body"), reply.optional_text("response_json")
            return _Content(text=body, payload=answers)
        return _Content(text=reply.optional_text("title"), payload=reply.optional_text("id"))
    if message_type == "reaction":
        reaction = message.child("reaction")
        emoji = reaction.optional_text("emoji")  # None: the customer took the reaction back
        return _Content(text=emoji, reply_to=reaction.text("message_id"))
    return _Content()


def _whatsapp_status(status: Fields, business: str) -> SocialEvent:
    message_id, state = status.text("id"), status.text("status")
    return SocialEvent(
        network="whatsapp",
        kind="status",
        external_id=f"{message_id}:{state}",
        sender=f"+{_wa_id(status, 'recipient_id')}",
        recipient=business,
        occurred_at=status.date("timestamp"),
        reply_to=message_id,
        status=state,
        error=_first_error(status),
    )


def _wa_id(fields: Fields, key: str) -> str:
    value = fields.text(key)
    if not (value.isascii() and value.isdigit()):
        raise SocialPayloadError(f"{fields.at(key)} must be digits, not {value!r}")
    return value


def _first_error(fields: Fields) -> SocialError | None:
    errors = fields.children("errors", required=False)
    if not errors:
        return None
    data = errors[0].optional_child("error_data")
    return SocialError(
        code=errors[0].integer("code"),
        title=errors[0].optional_text("title"),
        details=data.optional_text("details") if data else None,
    )


class _Origin(NamedTuple):
    sender: str
    recipient: str
    occurred_at: datetime


def _messenger_events(item: Fields, entry_time: datetime | None) -> list[SocialEvent]:
    occurred_at = item.optional_date("timestamp", unit=milliseconds) or entry_time
    if occurred_at is None:
        raise SocialPayloadError(f"{item.at('timestamp')} is missing")
    origin = _Origin(
        item.child("sender").text("id"), item.child("recipient").text("id"), occurred_at
    )
    if item.has("message"):
        return [_messenger_message(item.child("message"), origin)]
    if item.has("postback"):
        return [_messenger_postback(item.child("postback"), origin)]
    if item.has("delivery"):
        return _messenger_receipts(item.child("delivery"), "delivered", origin)
    if item.has("read"):
        return _messenger_receipts(item.child("read"), "read", origin)
    return []


def _messenger_message(message: Fields, origin: _Origin) -> SocialEvent:
    reply = message.optional_child("reply_to")
    quick_reply = message.optional_child("quick_reply")
    attachments = message.children("attachments", required=False)
    return SocialEvent(
        network="messenger",
        kind="echo" if message.is_true("is_echo") else "message",
        external_id=message.text("mid"),
        sender=origin.sender,
        recipient=origin.recipient,
        occurred_at=origin.occurred_at,
        text=message.optional_text("text"),
        attachments=tuple(_messenger_attachment(each) for each in attachments),
        reply_to=reply.optional_text("mid") if reply else None,
        payload=quick_reply.optional_text("payload") if quick_reply else None,
    )


def _messenger_attachment(attachment: Fields) -> SocialAttachment:
    """A shared link comes as a ``fallback`` whose URL may sit beside an empty payload."""
    payload = attachment.optional_child("payload")
    url = payload.optional_text("url") if payload else None
    return SocialAttachment(attachment.text("type"), url or attachment.optional_text("url"), None)


def _messenger_postback(postback: Fields, origin: _Origin) -> SocialEvent:
    """A tap on a button, the Get Started button or a menu item; older postbacks have no mid, and
    the customer with the instant identifies them."""
    fallback_id = f"{origin.sender}:{_stamp(origin.occurred_at)}:postback"
    return SocialEvent(
        network="messenger",
        kind="postback",
        external_id=postback.optional_text("mid") or fallback_id,
        sender=origin.sender,
        recipient=origin.recipient,
        occurred_at=origin.occurred_at,
        text=postback.optional_text("title"),
        payload=postback.optional_text("payload"),
    )


def _messenger_receipts(receipt: Fields, status: str, origin: _Origin) -> list[SocialEvent]:
    """One status per message id the receipt lists; a read receipt, and a delivery receipt
    without ids, has only its watermark, which identifies it with the customer."""
    watermark = receipt.date("watermark", unit=milliseconds)
    mids: list[str | None] = [*receipt.strings("mids")] if receipt.has("mids") else []
    by_watermark = f"{origin.sender}:{_stamp(watermark)}"
    return [
        SocialEvent(
            network="messenger",
            kind="status",
            external_id=f"{mid or by_watermark}:{status}",
            sender=origin.sender,
            recipient=origin.recipient,
            occurred_at=origin.occurred_at,
            reply_to=mid,
            status=status,
            watermark=watermark,
        )
        for mid in mids or [None]
    ]


def _stamp(moment: datetime) -> int:
    return (moment - EPOCH) // milliseconds
