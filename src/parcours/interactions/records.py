"""One incoming interaction checked and normalised, or rejected with the field and the reason.

Pure: no database. The shape is stable (JSONL lines and the API take the same objects)::

    {"external_id": "...", "occurred_at": "2026-05-04T10:12:00+02:00", "channel": "web",
     "type": "product_view", "direction": "inbound",
     "identifiers": {"email": "...", "cookie": "..."},
     "amount": 129.0, "currency": "EUR", "payload": {...}}

Optional: ``initiative``, ``nature``, ``phase`` (else the type's defaults and the phase rule),
``network`` (for ``social``), ``case_ref``, ``agent``, ``duration_seconds``, ``cost``,
``location``, ``customer_id`` (a Parcours customer id, when the sender already knows it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from parcours.customers.normalise import (
    InvalidValue,
    normalise_account,
    normalise_email,
    normalise_loyalty_card,
    normalise_national_id,
    normalise_phone,
    normalise_web_account,
)
from parcours.interactions.vocabulary import (
    CHANNELS,
    DIRECTIONS,
    INITIATIVES,
    NATURES,
    PHASES,
    TYPES,
)

#: Identifier kinds in the order that decides whose interaction it is (see ``attribution``).
STRONG_KINDS = ("customer_id", "web_account", "loyalty_card", "email", "national_id", "phone")
ANONYMOUS_KINDS = ("pos_customer_id", "device_id", "wifi_login", "cookie", "session")
_SOCIAL = re.compile(r"^social_[a-z][a-z0-9]{1,30}$")
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
KNOWN_KEYS = frozenset(
    {
        "external_id", "occurred_at", "channel", "type", "direction", "identifiers", "amount",
        "currency", "payload", "initiative", "nature", "phase", "network", "case_ref", "agent",
        "duration_seconds", "cost", "location", "customer_id", "source",
    }
)  # fmt: skip


class InteractionRejected(ValueError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class NormalisedInteraction:
    external_id: str
    occurred_at: datetime
    channel: str
    network: str | None
    type: str
    direction: str
    initiative: str
    nature: str
    #: Given by the sender, or None: derived when stored (it may depend on past purchases).
    phase: str | None
    identifiers: list[tuple[str, str]]
    amount: Decimal | None = None
    currency: str | None = None
    cost: Decimal | None = None
    duration_seconds: int | None = None
    case_ref: str | None = None
    agent: str | None = None
    location: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""


def _text(item: Mapping[str, Any], name: str, *, required: bool = False, limit: int = 200) -> str:
    value = item.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InteractionRejected(name, "missing")
        return ""
    if not isinstance(value, str | int):
        raise InteractionRejected(name, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > limit:
        raise InteractionRejected(name, f"longer than {limit} characters")
    return text


def _choice(item: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _text(item, name).lower() or default
    if value not in allowed:
        raise InteractionRejected(name, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _timestamp(item: Mapping[str, Any]) -> datetime:
    text = _text(item, "occurred_at", required=True, limit=40)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InteractionRejected(
            "occurred_at", f"{text!r} is not an ISO 8601 date and time"
        ) from None
    if moment.tzinfo is None:
        raise InteractionRejected(
            "occurred_at", f"{text!r} has no time zone offset (write +02:00 or Z)"
        )
    return moment


def _decimal(item: Mapping[str, Any], name: str) -> Decimal | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InteractionRejected(name, "expected a number")
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise InteractionRejected(name, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InteractionRejected(name, f"{value!r} is not a number")
    return number


@lru_cache(maxsize=1 << 16)
def _identifier(kind: str, raw: str, region: str) -> str:
    """One identifier normalised (kept: the same e-mail arrives on thousands of events)."""
    if kind == "email":
        return normalise_email(raw)
    if kind == "phone":
        return normalise_phone(raw, region)
    if kind == "loyalty_card":
        return normalise_loyalty_card(raw)
    if kind == "web_account":
        return normalise_web_account(raw)
    if kind == "national_id":
        return normalise_national_id(raw, region)
    if kind == "customer_id":
        if not raw.strip().isdigit():
            raise InvalidValue(f"a customer id is a number, got {raw!r}")
        return str(int(raw))
    value = normalise_account(raw)
    if not value:
        raise InvalidValue("empty identifier")
    return value


def _identifiers(item: Mapping[str, Any], region: str) -> list[tuple[str, str]]:
    given = item.get("identifiers") or {}
    if not isinstance(given, Mapping):
        raise InteractionRejected("identifiers", "expected an object of kind: value")
    pairs: list[tuple[str, str]] = []
    if item.get("customer_id") not in (None, ""):
        pairs.append(("customer_id", str(item["customer_id"])))
    for kind, raw_values in given.items():
        if kind not in STRONG_KINDS and kind not in ANONYMOUS_KINDS and not _SOCIAL.match(kind):
            raise InteractionRejected(
                f"identifiers.{kind}",
                f"unknown kind; use {', '.join(STRONG_KINDS + ANONYMOUS_KINDS)} "
                "or social_<network>",
            )
        values = raw_values if isinstance(raw_values, list) else [raw_values]
        for raw in values:
            if raw is None or raw == "":
                continue
            pairs.append((kind, str(raw)))
    normalised: list[tuple[str, str]] = []
    for kind, raw in pairs:
        try:
            value = _identifier(kind, raw, region)
        except InvalidValue as error:
            raise InteractionRejected(f"identifiers.{kind}", str(error)) from None
        if (kind, value) not in normalised:
            normalised.append((kind, value))
    return normalised


def content_hash(item: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(item, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def normalise_interaction(item: Mapping[str, Any], *, region: str = "FR") -> NormalisedInteraction:
    """Check and normalise one interaction; raises ``InteractionRejected`` naming the field."""
    if not isinstance(item, Mapping):
        raise InteractionRejected("(line)", "expected a JSON object")
    unknown = sorted(set(item) - KNOWN_KEYS)
    if unknown:
        raise InteractionRejected(unknown[0], 'unknown field; put extra data under "payload"')
    external_id = _text(item, "external_id", required=True)
    occurred_at = _timestamp(item)
    channel = _text(item, "channel", required=True, limit=32).lower()
    if channel not in CHANNELS:
        raise InteractionRejected(
            "channel", f"{channel!r} is not one of {', '.join(sorted(CHANNELS))}"
        )
    network = _text(item, "network", limit=32).lower() or None
    type_name = _text(item, "type", required=True, limit=40).lower()
    if not _TYPE_NAME.match(type_name):
        raise InteractionRejected("type", f"{type_name!r}: lower-case letters, digits and _ only")
    direction = _choice(item, "direction", DIRECTIONS, "inbound")
    kind = TYPES.get(type_name)
    default_initiative = (kind.initiative if kind else None) or (
        "pull" if direction == "inbound" else "push"
    )
    initiative = _choice(item, "initiative", INITIATIVES, default_initiative)
    nature = _choice(item, "nature", NATURES, kind.nature if kind else "informative")
    phase = _text(item, "phase").lower() or None
    if phase is not None and phase not in PHASES:
        raise InteractionRejected("phase", f"{phase!r} is not one of {', '.join(PHASES)}")
    amount = _decimal(item, "amount")
    currency = _text(item, "currency", limit=40).upper() or None
    if currency is not None and not _CURRENCY.match(currency):
        raise InteractionRejected("currency", f"{currency!r} is not an ISO 4217 code like EUR")
    if amount is not None and currency is None:
        currency = "EUR"
    cost = _decimal(item, "cost")
    duration = item.get("duration_seconds")
    if duration not in (None, ""):
        if isinstance(duration, bool) or not str(duration).isdigit():
            raise InteractionRejected("duration_seconds", f"{duration!r} is not a whole number")
        duration = int(str(duration))
    else:
        duration = None
    payload = item.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise InteractionRejected("payload", "expected an object")
    return NormalisedInteraction(
        external_id=external_id,
        occurred_at=occurred_at,
        channel=channel,
        network=network,
        type=type_name,
        direction=direction,
        initiative=initiative,
        nature=nature,
        phase=phase,
        identifiers=_identifiers(item, region),
        amount=amount,
        currency=currency,
        cost=cost,
        duration_seconds=duration,
        case_ref=_text(item, "case_ref", limit=40) or None,
        agent=_text(item, "agent", limit=120) or None,
        location=_text(item, "location", limit=120) or None,
        payload=dict(payload),
        content_hash=content_hash({k: v for k, v in item.items() if k != "source"}),
    )
