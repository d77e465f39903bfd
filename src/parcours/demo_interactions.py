"""The demo's interactions: a few thousand touchpoints of the Sens Confort customers.

Each person of the demo (``demo.demo_truth``) gets journeys made of the identifiers their records
carry, drawn from a seeded generator (the same seed gives the same interactions):

* web then store ("ROPO"): anonymous product views with a cookie, a login that ties the cookie to
  the person, a store visit, a purchase at the till with the loyalty card;
* store then web (showrooming): a store visit, product views in the app, an order on the site;
* anonymous browsing identified later: cookie-only views, then a Wi-Fi sign-up in the showroom
  with the e-mail and the same cookie;
* after the purchase: delivery, calls to the after-sales line, a complaint or a return;
* what the company sends: newsletters (sent, opened, clicked), SMS, coupons.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from parcours.customers.normalise import (
    InvalidValue,
    normalise_email,
    normalise_loyalty_card,
    normalise_phone,
    normalise_web_account,
)
from parcours.demo import DEFAULT_SEED, demo_records, demo_truth

DEMO_INTERACTION_SOURCE = "demo-events"
_PRODUCTS = (
    "pompe à chaleur air/eau",
    "poêle à granulés",
    "climatisation multisplit",
    "chaudière à condensation",
    "chauffe-eau thermodynamique",
    "VMC double flux",
)
_STORES = ("Saint-Brieuc", "Guingamp", "Lannion")
_AGENTS = ("Nolwenn", "Kévin", "Aurélie", "Loïc")
_NORMALISERS: dict[str, Callable[[str], str]] = {
    "email": normalise_email,
    "phone": normalise_phone,
    "loyalty_card": normalise_loyalty_card,
    "web_account": normalise_web_account,
}


def _identifiers_by_person(seed: int) -> dict[int, dict[str, str]]:
    """The first valid e-mail, phone, card and web account each person's records carry."""
    truth = demo_truth(seed)
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for record in demo_records(seed):
        person = truth[(record.source, record.external_id)]
        for kind, normalise in _NORMALISERS.items():
            raw = record.fields.get(kind)
            if not raw or kind in found[person]:
                continue
            try:
                found[person][kind] = normalise(str(raw))
            except InvalidValue:
                continue
    return found


class _Journeys:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.items: list[dict[str, Any]] = []

    def add(self, when: datetime, channel: str, type_name: str, identifiers: dict[str, str],
            **extra: Any) -> None:  # fmt: skip
        self.items.append(
            {
                "external_id": f"EV-{len(self.items) + 1:06d}",
                "occurred_at": when.isoformat(),
                "channel": channel,
                "type": type_name,
                "identifiers": dict(identifiers),
                **extra,
            }
        )

    def moment(self, start: datetime, days: float) -> datetime:
        return start + timedelta(
            days=self.random.uniform(0, days), hours=self.random.randint(9, 18)
        )

    def person(self, number: int, ids: dict[str, str], start: datetime) -> None:
        pick = self.random
        cookie = {"cookie": f"ck-{number:04d}-{pick.randrange(16**6):06x}"}
        strong = {k: v for k, v in ids.items() if k in ("email", "web_account")}
        product = pick.choice(_PRODUCTS)
        store = pick.choice(_STORES)
        when = self.moment(start, 30)
        journey = pick.choice(("ropo", "showrooming", "identified_later", "phone_first"))
        for _ in range(pick.randint(2, 6)):
            when += timedelta(hours=pick.randint(1, 60))
            self.add(when, "web", pick.choice(("page_view", "product_view")), cookie,
                     payload={"product": product})  # fmt: skip
        if journey == "ropo" and strong:
            when += timedelta(days=pick.randint(1, 5))
            self.add(when, "web", "login", {**strong, **cookie})
        elif journey == "identified_later" and "email" in ids:
            when += timedelta(days=pick.randint(3, 20))
            self.add(when, "store", "wifi_signup", {"email": ids["email"], **cookie},
                     location=store)  # fmt: skip
        elif journey == "phone_first" and "phone" in ids:
            when += timedelta(days=1)
            self.add(when, "phone", "callback_request", {"phone": ids["phone"]},
                     payload={"motif": f"devis {product}"})  # fmt: skip
            when += timedelta(hours=3)
            self.add(when, "phone", "call", {"phone": ids["phone"]}, direction="outbound",
                     initiative="push", agent=pick.choice(_AGENTS),
                     duration_seconds=pick.randint(120, 900), cost="2.40")  # fmt: skip
        if not ids:
            return
        when += timedelta(days=pick.randint(1, 10))
        self.add(when, "store", "store_visit", ids, location=store)
        if journey == "showrooming":
            when += timedelta(days=pick.randint(1, 4))
            self.add(when, "app", "product_view", ids, payload={"product": product})
        if pick.random() < 0.7:
            when += timedelta(days=pick.randint(1, 15))
            self.add(when, "web" if journey == "showrooming" else "store",
                     "order" if journey == "showrooming" else "purchase", ids,
                     amount=str(pick.choice((890, 1490, 2990, 4590, 8900, 12500))),
                     currency="EUR", location=None if journey == "showrooming" else store,
                     payload={"product": product})  # fmt: skip
            when += timedelta(days=pick.randint(5, 20))
            self.add(when, "field", "delivery", ids, direction="outbound",
                     payload={"product": product})  # fmt: skip
            for _ in range(pick.choice((0, 0, 1, 2))):
                when += timedelta(days=pick.randint(1, 25))
                channel = pick.choice(("phone", "email", "chat"))
                kind = {"phone": "call", "email": "message", "chat": "message"}[channel]
                self.add(
                    when,
                    channel,
                    kind,
                    ids,
                    agent=pick.choice(_AGENTS),
                    duration_seconds=pick.randint(60, 900) if channel == "phone" else None,
                    cost={"phone": "3.10", "email": "1.20", "chat": "1.60"}[channel],
                )
            if pick.random() < 0.12:
                when += timedelta(days=pick.randint(1, 20))
                self.add(when, "phone", pick.choice(("complaint", "return")), ids,
                         agent=pick.choice(_AGENTS))  # fmt: skip
        if "email" in ids:
            for _ in range(pick.randint(0, 4)):
                sent = self.moment(start, 400)
                email = {"email": ids["email"]}
                self.add(sent, "email", "email_sent", email, direction="outbound", cost="0.002",
                         payload={"campaign": f"lettre-{sent:%Y-%m}"})  # fmt: skip
                if pick.random() < 0.4:
                    self.add(sent + timedelta(hours=pick.randint(1, 48)), "email", "email_open",
                             email, payload={"campaign": f"lettre-{sent:%Y-%m}"})  # fmt: skip
        if "phone" in ids and pick.random() < 0.3:
            self.add(self.moment(start, 300), "sms", "coupon", {"phone": ids["phone"]},
                     direction="outbound", cost="0.045", payload={"code": "CONFORT10"})  # fmt: skip


def demo_interactions(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The demo interactions (a few thousand), oldest person first; deterministic per seed."""
    journeys = _Journeys(seed)
    first = datetime(2024, 1, 8, tzinfo=UTC)
    for number, ids in sorted(_identifiers_by_person(seed).items()):
        journeys.person(number, ids, first + timedelta(days=(number * 7) % 600))
    return journeys.items
