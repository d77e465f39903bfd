"""The journey phase of a touchpoint (pure): before, during or after the purchase.

A survey answer tells its touchpoint in the words of whoever sent it ("livraison", "visite
showroom", "case_resolved", "purchase"), so the phase is read from it when the answer does not
give one: a registered interaction type gives its own phase (``store_visit`` → before,
``delivery`` → after), the moments of truth theirs, and otherwise the first keyword found in the
touchpoint, in French or English. Nothing found: no phase (the answer still counts everywhere
else). An explicit phase always wins.
"""

from __future__ import annotations

import re
import unicodedata

from parcours.interactions.vocabulary import PHASES, TYPES

#: The moments of truth that trigger surveys, and their phase.
MOMENT_PHASES = {
    "case_resolved": "after",
    "purchase": "during",
    "delivery": "after",
    "click_collect": "during",
    "store_visit": "before",
}
#: Whole words (or their plural) in a touchpoint's name, accents and case ignored, checked in
#: this order ("livré" is a delivery, "livret" a savings account).
KEYWORDS = (
    ("after", ("livraison", "livre", "installation", "sav", "apres-vente", "apres vente",
               "reparation", "retour", "reclamation", "garantie", "delivery", "after-sales",
               "after sales", "repair", "return", "complaint", "warranty", "resolved")),
    ("during", ("achat", "commande", "caisse", "paiement", "retrait", "click", "purchase",
                "order", "checkout", "payment", "pick-up", "pickup", "collect")),
    ("before", ("visite", "showroom", "devis", "conseil", "essai", "site web", "catalogue",
                "visit", "quote", "advice", "trial", "website", "browsing")),
)  # fmt: skip


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def phase_of(touchpoint: str | None) -> str | None:
    if not touchpoint:
        return None
    name = touchpoint.strip()
    if name in MOMENT_PHASES:
        return MOMENT_PHASES[name]
    kind = TYPES.get(name)
    if kind is not None and kind.phase is not None:
        return kind.phase
    plain = _plain(name)
    for phase, words in KEYWORDS:
        if any(re.search(rf"\b{re.escape(word)}s?\b", plain) for word in words):
            return phase
    return None


def checked_phase(phase: str | None) -> str | None:
    if phase is None or not phase.strip():
        return None
    if phase.strip() not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; known: {', '.join(PHASES)}")
    return phase.strip()
