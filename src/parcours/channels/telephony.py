"""Call events from a telephony platform (PBX, CTI) as one :class:`CallEvent`, so that a call
lands in the customer's thread the same way whichever switch carried it. Pure: standard library
only, no database, no network. The route passes the body, headers and configured secret in.

**Aircall** (https://developer.aircall.io, "Call" webhooks) posts JSON::

    {"resource": "call", "event": "call.ended", "timestamp": 1741946520, "token": "<token>",
     "data": {"id": 1843260917, "direction": "inbound", "status": "done", "started_at": …,
              "answered_at": 1741946410, "ended_at": 1741946520, "duration": 120,
              "raw_digits": "+33 6 12 34 56 78", "missed_call_reason": null, "recording": "https://…",
              "voicemail": null, "user": {"id": 1, "name": "…", "email": "…"},
              "number": {"id": 2, "digits": "+33 1 84 80 12 34", "name": "Accueil"}, …}}

It signs nothing: the webhook's token travels in the body and is compared in constant time with
the one Aircall gave when the webhook was created. Times are unix seconds; ``raw_digits`` is the
customer's number in both directions, or ``anonymous``; ``recording`` and ``voicemail`` links
expire after about an hour, so whoever keeps the audio must copy it soon.

==============================  ===================================================
Aircall event                   ``CallEvent.event``
==============================  ===================================================
call.created                    ringing
call.ringing_on_agent           ringing
call.answered                   answered
call.hungup, call.ended         missed if ``answered_at`` is null or a
                                ``missed_call_reason`` is given, else ended
call.voicemail_left             voicemail
call.comm_assets_generated      recording
any other event                 :class:`Ignored` (transfers, tags, contacts, …)
==============================  ===================================================

``call.hungup`` comes at once, ``call.ended`` about 30 seconds later with the final data: both
follow the same rule so that the call's state does not depend on which arrives last. On an
outbound call, ``missed`` means the customer did not pick up.

**Generic format**, ours, for any other PBX (an Asterisk AMI bridge, 3CX, Ringover…)::

    {"call_id": "1741946400.5821", "event": "missed", "occurred_at": "2025-03-14T10:02:00+01:00",
     "direction": "inbound", "from": "06 12 34 56 78", "to": "01 84 80 12 34",
     "agent": "claire.martin@example.fr", "duration": 35, "reason": "no_available_agent"}

``event`` is ringing, answered, ended, missed, recording (``recording_url`` then required) or
voicemail. The customer is ``from`` on an inbound call and ``to`` on an outbound one. ``agent``
(name or e-mail), ``duration`` (whole seconds), ``recording_url``, ``voicemail_url`` and
``reason`` (why a call was missed) are optional.

It is authenticated as Stripe's webhooks are: ``X-Parcours-Timestamp`` holds the unix time of
sending and ``X-Parcours-Signature`` holds ``sha256=`` and the hex HMAC-SHA256, keyed with the
shared secret, of ``<timestamp>.<raw body>`` (:func:`sign_generic`). As the time is signed with
the body, an old request cannot be replayed with a fresh time; one more than five minutes old,
or as far ahead of our clock, is refused. Within those minutes a replay is a mere duplicate,
which :attr:`CallEvent.event_key` makes harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, get_args

Provider = Literal["aircall", "generic"]
Direction = Literal["inbound", "outbound"]
CallEventName = Literal["ringing", "answered", "ended", "missed", "recording", "voicemail"]

DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
EVENTS: tuple[CallEventName, ...] = get_args(CallEventName)
#: How far the generic format's timestamp may be from our clock, either way.
TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Parcours-Signature"
TIMESTAMP_HEADER = "X-Parcours-Timestamp"

AIRCALL_EVENTS: dict[str, CallEventName] = {
    "call.created": "ringing",
    "call.ringing_on_agent": "ringing",
    "call.answered": "answered",
    "call.hungup": "ended",
    "call.ended": "ended",
    "call.voicemail_left": "voicemail",
    "call.comm_assets_generated": "recording",
}

AIRCALL = "Aircall webhook"
GENERIC = "call webhook"


class CallPayloadError(ValueError):
    """The webhook was authentic but its content is not a call event; the text names the field."""


class CallWebhookRefused(ValueError):
    """The webhook could not be shown to come from the telephony platform: bad or missing token
    or signature, or a timestamp outside the tolerance. The text says which, never the secret."""


@dataclass(frozen=True)
class Ignored:
    """An authentic event that does not change the call's course (a tag, a transfer, a contact
    update): the route acknowledges it so that the provider does not retry or disable the hook."""

    reason: str


@dataclass(frozen=True)
class CallEvent:
    provider: Provider
    #: The provider's own name for the event (``call.hungup``, ``ended``).
    provider_event: str
    call_id: str
    event: CallEventName
    #: When the provider says the event happened, in UTC.
    occurred_at: datetime
    direction: Direction
    #: The customer's number, caller or called, in E.164 when it reads as one (see
    #: :func:`to_e164`); None when withheld.
    caller_e164: str | None
    customer_number_raw: str
    #: Our number that the customer called or was called from.
    line_number: str | None
    #: The agent's e-mail address when given (it identifies a user), else the agent's name.
    agent: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    #: From the start of ringing to the end; only once the call is over.
    duration_seconds: int | None = None
    recording_url: str | None = None
    voicemail_url: str | None = None
    missed_reason: str | None = None

    @property
    def external_id(self) -> str:
        """The same for every event of one call: each event is a new version of one interaction."""
        return f"{self.provider}-call-{self.call_id}"

    @property
    def event_key(self) -> str:
        """The same for every delivery of one event, so that a retry or a replay is applied once.

        Built on the provider's event name rather than ours: Aircall's ``call.hungup`` and
        ``call.ended`` both mean "ended", and keyed on that, the later and fuller ``call.ended``
        would be thrown away as a duplicate.
        """
        return f"{self.provider}-{self.call_id}-{self.provider_event.removeprefix('call.')}"


#: French overseas departments dial 10-digit national numbers like the mainland but have their
#: own country codes: 0690 12 34 56 is +590 690 12 34 56, and +33 690 12 34 56 is no number.
OVERSEAS_COUNTRY_CODES = {
    **dict.fromkeys(["0590", "0690", "0691"], "590"),  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    **dict.fromkeys(["0596", "0696", "0697"], "596"),  # Martinique
    **dict.fromkeys(["0594", "0694"], "594"),  # Guyane
    **dict.fromkeys(["0262", "0263", "0692", "0693", "0269", "0639"], "262"),  # Réunion, Mayotte
}
_SEPARATORS = re.compile(r"[\s.\-()/]")


def to_e164(number: str) -> str | None:
    """The number in E.164 (``+33612345678``) when it can be told without a numbering plan.

    Matching a call to a customer compares numbers, and PBXs write them every way
    (``06.12.34.56.78``, ``0033 6 12…``, ``+33 (0)6 12…``). Separators go, ``00`` becomes ``+``,
    a trunk ``0`` after ``+33`` goes, and a 10-digit French national number gets its country
    code. Anything else without ``+`` (a short number such as 3631, a foreign national number)
    stays bare digits, as guessing its country would be worse; a withheld number (``anonymous``,
    empty) gives None. Full validation (``phonenumbers``) stays with customer records.
    """
    text = number.strip()
    if text.startswith(("+", "00")):
        text = text.replace("(0)", "", 1)
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        return None
    if compact.startswith("+"):
        return "+33" + digits[3:] if len(digits) == 12 and digits.startswith("330") else compact
    if len(digits) == 10 and digits[0] == "0":
        return f"+{OVERSEAS_COUNTRY_CODES.get(digits[:4], '33')}{digits[1:]}"
    return digits


def _line(number: str | None) -> str | None:
    return (to_e164(number) or number) if number else None


def parse_aircall(payload: Mapping[str, Any], token: str) -> CallEvent | Ignored:
    """The call event in an Aircall webhook's JSON, once its token has been checked."""
    if not isinstance(payload, Mapping):
        raise CallPayloadError(f"{AIRCALL}: the body must be a JSON object")
    _check_token(payload.get("token"), token)
    envelope = _Fields(payload, AIRCALL)
    name = envelope.text("event")
    if not name.startswith("call."):
        return Ignored(f"Aircall event {name!r} is not about a call")
    event = AIRCALL_EVENTS.get(name)
    if event is None:
        return Ignored(f"Aircall event {name!r} does not change the call's course")
    data = envelope.mapping("data")
    answered_at = data.optional_unix("answered_at")
    ended_at = data.optional_unix("ended_at")
    missed_reason = data.optional_text("missed_call_reason")
    if event == "ended" and (answered_at is None or missed_reason):
        event = "missed"
    raw_digits = data.text("raw_digits", allow_empty=True)
    user = data.optional_mapping("user")
    number = data.optional_mapping("number")
    return CallEvent(
        provider="aircall",
        provider_event=name,
        call_id=data.identifier("id"),
        event=event,
        occurred_at=envelope.unix("timestamp"),
        direction=data.choice("direction", DIRECTIONS),
        caller_e164=to_e164(raw_digits),
        customer_number_raw=raw_digits,
        line_number=_line(number.optional_text("digits") if number else None),
        agent=(user.optional_text("email") or user.optional_text("name")) if user else None,
        answered_at=answered_at,
        ended_at=ended_at,
        duration_seconds=data.optional_seconds("duration") if ended_at else None,
        recording_url=data.optional_text("recording"),
        voicemail_url=data.optional_text("voicemail"),
        missed_reason=missed_reason,
    )


def _check_token(received: object, token: str) -> None:
    if not token:
        raise CallWebhookRefused(f"{AIRCALL}: no token is configured, so none can be trusted")
    if not isinstance(received, str) or not received:
        raise CallWebhookRefused(f"{AIRCALL}: the token field is missing")
    if not hmac.compare_digest(received.encode(errors="replace"), token.encode()):
        raise CallWebhookRefused(f"{AIRCALL}: the token is not the one configured")


def sign_generic(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Parcours-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds).

    For our tests and for PBX integrators, who can check their own code against it.
    """
    return _signature(body, secret, str(timestamp))


def _signature(body: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def parse_generic(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> CallEvent:
    """The call event in a generic-format webhook, once its signature and age have been checked.

    ``body`` must be the raw bytes received: the signature covers them, not a re-encoding.
    """
    _verify_generic(body, headers, secret, now)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise CallPayloadError(f"{GENERIC}: the body is not UTF-8 JSON ({error})") from None
    if not isinstance(payload, dict):
        raise CallPayloadError(f"{GENERIC}: the body must be a JSON object")
    fields = _Fields(payload, GENERIC)
    event = fields.choice("event", EVENTS)
    direction = fields.choice("direction", DIRECTIONS)
    occurred_at = fields.instant("occurred_at")
    caller = fields.text("from", allow_empty=True)
    called = fields.text("to", allow_empty=True)
    customer, line = (caller, called) if direction == "inbound" else (called, caller)
    recording_url = fields.optional_text("recording_url")
    if event == "recording" and recording_url is None:
        raise fields.error("recording_url", "is required for a recording event")
    return CallEvent(
        provider="generic",
        provider_event=event,
        call_id=fields.text("call_id"),
        event=event,
        occurred_at=occurred_at,
        direction=direction,
        caller_e164=to_e164(customer),
        customer_number_raw=customer,
        line_number=_line(line),
        agent=fields.optional_text("agent"),
        answered_at=occurred_at if event == "answered" else None,
        ended_at=occurred_at if event in ("ended", "missed") else None,
        duration_seconds=fields.optional_seconds("duration"),
        recording_url=recording_url,
        voicemail_url=fields.optional_text("voicemail_url"),
        missed_reason=fields.optional_text("reason"),
    )


def _verify_generic(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not secret:
        raise CallWebhookRefused(f"{GENERIC}: no secret is configured, so no signature is valid")
    by_name = {name.lower(): value for name, value in headers.items()}
    timestamp = by_name.get(TIMESTAMP_HEADER.lower(), "").strip()
    signature = by_name.get(SIGNATURE_HEADER.lower(), "").strip()
    for header, value in ((TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)):
        if not value:
            raise CallWebhookRefused(f"{GENERIC}: the {header} header is missing")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise CallWebhookRefused(f"{GENERIC}: {TIMESTAMP_HEADER} must be unix seconds")
    expected = _signature(body, secret, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.lower().encode(errors="replace")):
        raise CallWebhookRefused(f"{GENERIC}: the {SIGNATURE_HEADER} does not match the body")
    age = int(now.timestamp()) - int(timestamp)
    if age > TOLERANCE_SECONDS:
        raise CallWebhookRefused(f"{GENERIC}: signed {age} s ago, refused as a possible replay")
    if -age > TOLERANCE_SECONDS:
        raise CallWebhookRefused(f"{GENERIC}: dated {-age} s ahead of our clock, refused")


_Choice = TypeVar("_Choice", bound=str)


@dataclass(frozen=True)
class _Fields:
    """Typed reads of one JSON object whose errors name the field by its path (``data.id``)."""

    source: Mapping[str, Any]
    kind: str
    path: str = ""

    def error(self, name: str, problem: str) -> CallPayloadError:
        return CallPayloadError(f"{self.kind}: {self.path}{name} {problem}")

    def text(self, name: str, *, allow_empty: bool = False) -> str:
        value = self.source.get(name)
        if not isinstance(value, str):
            raise self.error(name, "is missing" if value is None else "must be a string")
        if not (value or allow_empty):
            raise self.error(name, "is empty")
        try:
            value.encode()
        except UnicodeEncodeError:
            raise self.error(name, "holds an unpaired surrogate") from None
        if "\x00" in value:
            raise self.error(name, "holds a NUL character")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if self.source.get(name) not in (None, "") else None

    def choice(self, name: str, options: tuple[_Choice, ...]) -> _Choice:
        value = self.source.get(name)
        for option in options:
            if value == option:
                return option
        raise self.error(name, f"must be one of {', '.join(options)}, not {_shown(value)}")

    def identifier(self, name: str) -> str:
        value = self.source.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(name)

    def unix(self, name: str) -> datetime:
        value = self.source.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.error(name, "is missing" if value is None else "must be unix seconds")
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise self.error(name, f"is out of range ({_shown(value)})") from None

    def optional_unix(self, name: str) -> datetime | None:
        return None if self.source.get(name) is None else self.unix(name)

    def instant(self, name: str) -> datetime:
        value = self.text(name)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.error(name, f"is not an ISO 8601 date and time: {_shown(value)}") from None
        if moment.utcoffset() is None:
            raise self.error(name, f"has no UTC offset: {_shown(value)}")
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.error(name, f"is out of range: {_shown(value)}") from None

    def optional_seconds(self, name: str) -> int | None:
        value = self.source.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.error(name, f"must be a whole number of seconds, not {_shown(value)}")
        return value

    def mapping(self, name: str) -> _Fields:
        value = self.source.get(name)
        if not isinstance(value, Mapping):
            raise self.error(name, "is missing" if value is None else "must be an object")
        return _Fields(value, self.kind, f"{self.path}{name}.")

    def optional_mapping(self, name: str) -> _Fields | None:
        return None if self.source.get(name) is None else self.mapping(name)


def _shown(value: object) -> str:
    """A short view of a rejected value, which may be any JSON value, however large."""
    if isinstance(value, str | bool | int | float) or value is None:
        return repr(value[:40] if isinstance(value, str) else value)[:40]
    return f"a JSON {'array' if isinstance(value, list) else 'object'}"
