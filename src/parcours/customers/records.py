"""From a raw record (canonical field → text) to the normalised fields and identifiers (pure).

Invalid values are dropped with a reason and never stored as if valid; the raw payload keeps them.
A record is rejected as a whole only when it cannot describe a customer at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from parcours.customers import normalise as n

#: The canonical fields of an import (stable interface, documented in the README).
CANONICAL_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "birth_date",
    "email",
    "phone",
    "street_number",
    "street",
    "address_extra",
    "postcode",
    "city",
    "region",
    "country",
    "company_name",
    "siret",
    "national_id",
    "loyalty_card",
    "web_account",
)
#: Profile fields accepted beside the canonical ones.
PROFILE_FIELDS = ("title", "preferred_language", "preferred_channel", "stage", "owning_unit")
#: Identifiers that are evidence but never enough to attach a record alone: a till's own customer
#: number, a device or cookie id (shared devices), a social account (``social_<network>``).
WEAK_IDENTIFIER_FIELDS = ("pos_customer_id", "device_id", "cookie")
SOCIAL_PREFIX = "social_"
KNOWN_FIELDS = frozenset(CANONICAL_FIELDS + PROFILE_FIELDS + WEAK_IDENTIFIER_FIELDS)
_SOCIAL_FIELD = re.compile(r"^social_[a-z][a-z0-9]{1,30}$")


def is_known_field(name: str) -> bool:
    """A canonical, profile or identifier field; ``social_facebook``-style names included."""
    return name in KNOWN_FIELDS or bool(_SOCIAL_FIELD.match(name))


def known_fields_help() -> str:
    return ", ".join(sorted(KNOWN_FIELDS)) + ", social_<network>"


#: Identifier kinds strong enough to attach a record to an existing customer.
STRONG_IDENTIFIERS = ("email", "phone", "loyalty_card", "web_account", "national_id")
LIFECYCLE_STAGES = ("visitor", "lead", "prospect", "customer", "lost")
CHANNELS = (
    "store",
    "web",
    "app",
    "phone",
    "email",
    "sms",
    "chat",
    "social",
    "marketplace",
    "kiosk",
    "mail",
    "field",
)
LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "br")


class RecordRejected(ValueError):
    """The record cannot be a customer; ``field`` names the culprit when there is one."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class DroppedValue:
    field: str
    value: str
    reason: str


@dataclass
class NormalisedRecord:
    fields: dict[str, Any]
    identifiers: list[tuple[str, str]]
    dropped: list[DroppedValue] = field(default_factory=list)


RawValue = str | list[str] | None


def content_hash(payload: Mapping[str, Any]) -> str:
    """A stable digest of a payload, to tell a re-sent record from a changed one."""
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _values(raw: RawValue) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    folded = n.fold(value).replace(" ", "_")
    if folded not in allowed:
        raise n.InvalidValue(f"unknown {name} {value!r} (one of: {', '.join(allowed)})")
    return folded


def normalise_record(
    raw: Mapping[str, RawValue],
    attributes: Mapping[str, Any] | None = None,
    *,
    region: str = "FR",
    today: date | None = None,
) -> NormalisedRecord:
    """Normalise one record; raises :class:`RecordRejected` when nothing describes a person."""
    dropped: list[DroppedValue] = []
    fields: dict[str, Any] = {}

    def first(name: str) -> str | None:
        values = _values(raw.get(name))
        return values[0] if values else None

    def keep(name: str, normaliser: Callable[[str], Any], target: str | None = None) -> None:
        value = first(name)
        if value is None:
            return
        try:
            fields[target or name] = normaliser(value)
        except n.InvalidValue as error:
            dropped.append(DroppedValue(name, value, error.reason))

    def keep_all(name: str, normaliser: Callable[[str], str], target: str) -> None:
        seen: list[str] = []
        for value in _values(raw.get(name)):
            try:
                normalised = normaliser(value)
            except n.InvalidValue as error:
                dropped.append(DroppedValue(name, value, error.reason))
                continue
            if normalised not in seen:
                seen.append(normalised)
        if seen:
            fields[target] = seen

    _names(raw, first, fields)
    keep("birth_date", lambda v: n.normalise_birth_date(v, today).isoformat())
    keep_all("email", n.normalise_email, "emails")
    keep_all("phone", lambda v: n.normalise_phone(v, region), "phones")
    keep("country", n.normalise_country)
    country = fields.get("country", region.upper())
    _address(first, fields, dropped, country)
    keep("company_name", lambda v: n.clean_text(v) or "")
    keep("siret", n.normalise_siret)
    keep("national_id", lambda v: n.normalise_national_id(v, region))
    keep_all("loyalty_card", n.normalise_loyalty_card, "loyalty_cards")
    keep_all("web_account", n.normalise_web_account, "web_accounts")
    other: dict[str, list[str]] = {}
    for name in sorted(raw):
        if name in WEAK_IDENTIFIER_FIELDS or _SOCIAL_FIELD.match(name):
            values = [n.normalise_account(value) for value in _values(raw.get(name))]
            if values:
                other[name] = list(dict.fromkeys(values))
    if other:
        fields["other_identifiers"] = other
    keep("preferred_language", lambda v: _choice(v, LANGUAGES, "language"))
    keep("preferred_channel", lambda v: _choice(v, CHANNELS, "channel"))
    keep("stage", lambda v: _choice(v, LIFECYCLE_STAGES, "lifecycle stage"))
    keep("owning_unit", lambda v: n.clean_text(v) or "")
    fields = {key: value for key, value in fields.items() if value not in ("", None, [])}
    fields["kind"] = (
        "organisation"
        if fields.get("company_name") and not (fields.get("first_name") or fields.get("last_name"))
        else "person"
    )
    if attributes:
        fields["attributes"] = dict(attributes)

    identifiers = _identifiers(fields)
    describes_someone = any(fields.get(k) for k in ("last_name", "first_name", "company_name"))
    if not identifiers and not describes_someone:
        reasons = "; ".join(f"{d.field}: {d.reason}" for d in dropped)
        raise RecordRejected(
            "nothing identifies or describes a customer (no name, company or valid identifier)"
            + (f" — {reasons}" if reasons else "")
        )
    return NormalisedRecord(fields=fields, identifiers=identifiers, dropped=dropped)


def _names(
    raw: Mapping[str, RawValue], first: Callable[[str], str | None], fields: dict[str, Any]
) -> None:
    first_name = n.clean_text(first("first_name"))
    last_name = n.clean_text(first("last_name"))
    full_name = n.clean_text(first("full_name"))
    title = n.clean_text(first("title"))
    if full_name and not (first_name or last_name):
        found_title, full_name = n.split_title(full_name)
        title = title or found_title
        first_name, last_name = n.split_full_name(full_name)
    if first_name:
        found_title, first_name = n.split_title(first_name)
        title = title or found_title
    if title:
        fields["title"] = n.normalise_title(title)
    fields["first_name"] = n.display_name(first_name)
    fields["last_name"] = n.display_name(last_name)


def _address(
    first: Callable[[str], str | None],
    fields: dict[str, Any],
    dropped: list[DroppedValue],
    country: str,
) -> None:
    street = n.clean_text(first("street"))
    number = n.clean_text(first("street_number"))
    if street:
        if not number:
            number, street = n.split_street_number(street)
        fields["street"] = n.normalise_street(street)
    if number:
        fields["street_number"] = number
    fields["address_extra"] = n.clean_text(first("address_extra"))
    postcode = first("postcode")
    if postcode:
        try:
            fields["postcode"] = n.normalise_postcode(postcode, country)
        except n.InvalidValue as error:
            dropped.append(DroppedValue("postcode", postcode, error.reason))
    city = n.clean_text(first("city"))
    if city:
        fields["city"] = n.normalise_city(city)
    fields["region"] = n.clean_text(first("region"))
    if any(fields.get(name) for name in ("street", "postcode", "city")):
        fields["country"] = country


def _identifiers(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    identifiers: list[tuple[str, str]] = []
    identifiers += [("email", value) for value in fields.get("emails", [])]
    identifiers += [("phone", value) for value in fields.get("phones", [])]
    identifiers += [("loyalty_card", value) for value in fields.get("loyalty_cards", [])]
    identifiers += [("web_account", value) for value in fields.get("web_accounts", [])]
    for kind in ("national_id", "siret"):
        if fields.get(kind):
            identifiers.append((kind, fields[kind]))
    for kind, values in fields.get("other_identifiers", {}).items():
        identifiers += [(kind, value) for value in values]
    return identifiers
