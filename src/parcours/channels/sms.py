"""The SMS channel's logic, with no network and no database: how many segments a text costs,
which replies are opt-out keywords, whether a webhook really comes from Twilio, and what its form
fields say. Twilio's Programmable Messaging is the provider whose payloads we follow; the adapter
that calls its API is :mod:`parcours.channels.twilio`. Standard library only.

**Length.** One SMS carries 140 bytes: 160 characters of the GSM 03.38 7-bit alphabet, or 70
UTF-16 code units (UCS-2) as soon as a single character is outside that alphabet. A longer text
is sent as concatenated segments of 153 septets or 67 units (the rest of each segment holds the
header that joins them), and every segment is billed. French is the trap: é è ù à É Ç are in the
GSM alphabet, but ê â î ô û ë ï, the lower-case ç, œ, the typographic apostrophe ’, the guillemets
« » and the non-breaking space that French typography puts before ``!`` or ``:`` are not. So
"Votre commande est prête" goes out in UCS-2, and a French text of 71 characters costs two
segments where 160 would have fitted. Twilio's optional "smart encoding" may replace some of those
characters on its side; we count what we hand over.

**Keywords.** Twilio blocks a number that replied STOP (its later sends fail with error 21610),
and French rules on commercial SMS require a free and simple opt-out: the reply must be honoured
at once, before any other reading of it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

Encoding = Literal["GSM-7", "UCS-2"]
Keyword = Literal["stop", "start", "help"]
MessageStatus = Literal[
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "accepted",
    "scheduled",
    "canceled",
]

#: GSM 03.38 default alphabet, in table order (0x00 to 0x7F) without the escape code 0x1B.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each of these is sent as the escape code plus one septet.
GSM_EXTENSION = frozenset("\f^{}\\[]~|€")

#: Capacity (septets or UTF-16 units) of a lone message, then of each concatenated segment.
CAPACITY: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    #: Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
    units: int
    #: Segments billed: 0 for an empty text.
    segments: int
    #: Units still free in the last segment before the text costs one more.
    remaining: int


def segments(text: str) -> SmsLength:
    """How the text will be encoded and billed, so that an agent sees the cost while typing.

    In GSM-7 an extension character (``€ [ ] { } ^ ~ | \\`` and form feed) takes two septets;
    in UCS-2 a character beyond the Basic Multilingual Plane (most emoji) takes two UTF-16 units.
    Neither pair is ever cut between two segments, as phones would show a broken character:
    a segment that cannot hold the whole pair ends one unit short, which can cost a segment more
    than ``ceil(units / 153)`` or ``ceil(units / 67)`` says.
    """
    if all(character in GSM_BASIC or character in GSM_EXTENSION for character in text):
        encoding: Encoding = "GSM-7"
        sizes = [1 if character in GSM_BASIC else 2 for character in text]
    else:
        encoding = "UCS-2"
        sizes = [2 if ord(character) > 0xFFFF else 1 for character in text]
    single, per_segment = CAPACITY[encoding]
    units = sum(sizes)
    if units <= single:
        return SmsLength(encoding, units, 1 if units else 0, single - units)
    count, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            count, used = count + 1, 0
        used += size
    return SmsLength(encoding, units, count, per_segment - used)


KEYWORDS: dict[str, Keyword] = {
    **dict.fromkeys(["stop", "stopall", "unsubscribe", "cancel", "end", "quit"], "stop"),
    **dict.fromkeys(["arret", "stop sms", "stop pub"], "stop"),
    **dict.fromkeys(["start", "unstop"], "start"),
    **dict.fromkeys(["help", "info", "aide"], "help"),
}


def keyword(text: str) -> Keyword | None:
    """``"stop"``, ``"start"`` or ``"help"`` if the whole reply is one of those keywords.

    Twilio's own opt-out (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT), opt-in (START, UNSTOP)
    and help (HELP, INFO) words, plus the French ARRÊT, AIDE, "STOP SMS" and "STOP PUB" that
    French senders print under their messages. Case, accents, spaces and punctuation do not
    matter ("  Arrêt ! ", "stop-pub"), but the reply must be the keyword and nothing else: STOP
    alone or followed only by SMS or PUB. "Stop calling me late" or "Merci, stop" is a message
    for an agent, not an opt-out. YES, which Twilio also takes as an opt-in, is left out on
    purpose: customers answer "yes" to appointment reminders, and that answer belongs to the case.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in folded if not unicodedata.combining(c))
    return KEYWORDS.get(re.sub(r"[\W_]+", " ", without_accents).strip())


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a webhook to ``url`` carrying ``params``.

    Twilio's published algorithm (https://www.twilio.com/docs/usage/security#validating-requests):
    take the full URL Twilio called, query string included; append each POST parameter's name
    then value, with no separator, parameters sorted by name (case-sensitive, code-point order);
    compute the HMAC-SHA1 of that string keyed with the account's auth token; encode it in
    Base64. A name given several values contributes each of them, the values sorted as Twilio's
    Python helper library (``RequestValidator``) sorts them, so that the order in which a web
    framework lists them does not matter.
    """
    data = url + "".join(name + value for name in sorted(params) for value in _values(params[name]))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str | Sequence[str]], signature: str
) -> bool:
    """Whether ``signature`` proves the request came from Twilio, compared in constant time.

    Twilio signs some requests with the URL's default port written out (``https://host:443/``)
    and others without it, so both spellings of ``url`` are accepted, as Twilio's helper
    libraries do. The URL must otherwise be the one configured in Twilio: behind a proxy, rebuild
    the public ``https`` URL rather than the one the application server saw.
    """
    expected = signature.encode("utf-8", errors="replace")
    return any(
        hmac.compare_digest(twilio_signature(auth_token, spelling, params).encode(), expected)
        for spelling in _port_spellings(url)
    )


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else sorted(value)


def _port_spellings(url: str) -> Iterator[str]:
    yield url
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return
    if default is None or not parts.netloc:
        return
    if port is None:
        yield parts._replace(netloc=f"{parts.netloc}:{default}").geturl()
    elif port == default:
        yield parts._replace(netloc=parts.netloc[: parts.netloc.rfind(":")]).geturl()


class SmsPayloadError(ValueError):
    """A webhook's form fields are not what Twilio sends; the text names the field."""


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    account_sid: str | None
    from_number: str
    to_number: str
    #: Empty for a picture sent without text.
    body: str
    media: tuple[Media, ...] = ()


def parse_inbound(params: Mapping[str, str]) -> InboundSms:
    """The message a customer sent, from the fields of Twilio's incoming-message webhook."""
    kind = "Twilio incoming message"
    count = _integer(params, "NumMedia", kind) or 0
    media = tuple(
        Media(
            _required(params, f"MediaUrl{i}", kind), _required(params, f"MediaContentType{i}", kind)
        )
        for i in range(count)
    )
    return InboundSms(
        message_sid=_required(params, "MessageSid", kind),
        account_sid=params.get("AccountSid") or None,
        from_number=_required(params, "From", kind),
        to_number=_required(params, "To", kind),
        body=params.get("Body", ""),
        media=media,
    )


STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)
#: After these, Twilio sends no further status for the message (WhatsApp may still add ``read``
#: after ``delivered``; an SMS never does).
FINAL_STATUSES: frozenset[MessageStatus] = frozenset(
    {"delivered", "undelivered", "failed", "read", "canceled"}
)


@dataclass(frozen=True)
class DeliveryReceipt:
    message_sid: str
    status: MessageStatus
    #: Twilio's error number for ``undelivered`` and ``failed`` (30003: handset unreachable).
    error_code: int | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def parse_status(params: Mapping[str, str]) -> DeliveryReceipt:
    """Where a message we sent stands, from the fields of Twilio's status callback."""
    kind = "Twilio status callback"
    message_sid = _required(params, "MessageSid", kind)
    status = _required(params, "MessageStatus", kind)
    if status not in STATUSES:
        raise SmsPayloadError(
            f"{kind}: MessageStatus {status!r} is not one of {', '.join(STATUSES)}"
        )
    return DeliveryReceipt(message_sid, status, _integer(params, "ErrorCode", kind))


def _required(params: Mapping[str, str], name: str, kind: str) -> str:
    value = params.get(name, "")
    if not value:
        received = ", ".join(sorted(params)) or "none"
        raise SmsPayloadError(f"{kind}: {name} is missing or empty (fields received: {received})")
    return value


def _integer(params: Mapping[str, str], name: str, kind: str) -> int | None:
    value = params.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise SmsPayloadError(f"{kind}: {name} must be a whole number, not {value!r}")
    return int(value)
