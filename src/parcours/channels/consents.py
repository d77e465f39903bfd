"""Consent is enforced where messages leave (DESIGN.md, principle 5): the outbox asks
:func:`is_allowed` before it queues a message and again before it sends it, so a "STOP" that
arrives in between still stops it.

Purposes, and what holds when the recipient never said anything:

* ``service`` — answers to the customer's own requests, confirmations: allowed.
* ``surveys`` — satisfaction surveys after a purchase or a request: allowed until withdrawn
  (legitimate interest with the right to object, as the CNIL admits for surveys of one's own
  customers); every invitation offers the way out.
* ``marketing`` — offers and campaigns: only after an explicit opt-in (French law, article
  L34-5 of the Code des postes et des communications électroniques, for e-mail and SMS).
* ``all`` — a withdrawal of everything on that address (an SMS "STOP"): nothing leaves on that
  channel to that address, whatever the purpose, until it is given again.

The latest decision for a purpose counts; a later "all" decision overrides earlier ones.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.channels.models import Consent
from parcours.customers.normalise import InvalidValue, normalise_email, normalise_phone
from parcours.db import utcnow

PURPOSES = ("service", "surveys", "marketing", "all")
ALLOWED_WITHOUT_ANSWER = {"service": True, "surveys": True, "marketing": False}


class ConsentError(ValueError):
    """A consent that cannot be recorded; the message says why."""


def normalised_address(channel: str, address: str) -> str:
    """The form addresses are compared in: e-mail in lower case, phone numbers in E.164 (SMS,
    WhatsApp, phone); others as given, trimmed."""
    try:
        if channel == "email":
            return normalise_email(address)
        if channel in ("sms", "phone", "whatsapp"):
            return normalise_phone(address)
    except InvalidValue as error:
        raise ConsentError(f"{channel} address {address!r}: {error}") from None
    return address.strip()


def record(session: Session, *, channel: str, address: str, purpose: str, is_granted: bool,
           source: str, now: datetime | None = None) -> Consent:  # fmt: skip
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown purpose {purpose!r}; known: {', '.join(PURPOSES)}")
    consent = Consent(channel=channel, address=normalised_address(channel, address),
                      purpose=purpose, is_granted=is_granted, source=source,
                      recorded_at=now or utcnow())  # fmt: skip
    session.add(consent)
    session.flush()
    return consent


@dataclass(frozen=True)
class Decision:
    is_allowed: bool
    #: Why, in words: "withdrawn (sms STOP, 2026-11-25)", "no opt-in for marketing".
    reason: str


def decide(session: Session, channel: str, address: str, purpose: str) -> Decision:
    if purpose not in ALLOWED_WITHOUT_ANSWER:
        raise ConsentError("a message's purpose is one of service, surveys, marketing")
    with contextlib.suppress(ConsentError):  # an unreadable address has no decision
        address = normalised_address(channel, address)
    latest: dict[str, Consent] = {}
    for consent in session.scalars(
        select(Consent)
        .where(Consent.channel == channel, Consent.address == address,
               Consent.purpose.in_((purpose, "all")))
        .order_by(Consent.recorded_at, Consent.id)
    ):  # fmt: skip
        latest[consent.purpose] = consent
    everything, own = latest.get("all"), latest.get(purpose)
    if (
        everything is not None
        and not everything.is_granted
        and (own is None or own.recorded_at <= everything.recorded_at)
    ):
        return Decision(False, f"withdrawn on {channel} ({everything.source}, "
                               f"{everything.recorded_at:%Y-%m-%d})")  # fmt: skip
    if own is not None:
        if own.is_granted:
            return Decision(True, f"given ({own.source}, {own.recorded_at:%Y-%m-%d})")
        return Decision(False, f"{purpose} withdrawn on {channel} ({own.source}, "
                               f"{own.recorded_at:%Y-%m-%d})")  # fmt: skip
    if ALLOWED_WITHOUT_ANSWER[purpose]:
        return Decision(True, f"{purpose}: allowed unless withdrawn")
    return Decision(False, f"no opt-in for {purpose} on {channel}")


def is_allowed(session: Session, channel: str, address: str, purpose: str) -> bool:
    return decide(session, channel, address, purpose).is_allowed


def history(session: Session, channel: str, address: str) -> list[Consent]:
    return list(session.scalars(
        select(Consent)
        .where(Consent.channel == channel,
               Consent.address == normalised_address(channel, address))
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
    ))  # fmt: skip
