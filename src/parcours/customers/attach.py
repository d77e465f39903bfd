"""Deterministic attachment of an incoming record to an existing customer (pure).

A record that shares a normalised strong identifier (e-mail, phone, loyalty card, web account,
national id) with a customer joins that customer, unless the two clearly describe different people:
a household shares a landline and sometimes an e-mail, so a different first name, a different birth
date or a different national id keeps them apart. When several customers qualify, the one sharing
the most identifiers wins, then the oldest. Probabilistic matching comes with identity resolution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parcours.customers.normalise import first_names_compatible


@dataclass
class CandidateProfile:
    """What the attach rule compares: the customer's first name, birth date and national id."""

    first_name: str | None = None
    birth_date: str | None = None
    national_id: str | None = None

    def absorb(self, fields: Mapping[str, Any]) -> None:
        """Fill what is still unknown from a record that joined this customer."""
        self.first_name = self.first_name or fields.get("first_name")
        self.birth_date = self.birth_date or fields.get("birth_date")
        self.national_id = self.national_id or fields.get("national_id")


@dataclass(frozen=True)
class AttachDecision:
    customer_ref: int | None
    reason: str


def conflict(fields: Mapping[str, Any], profile: CandidateProfile) -> str | None:
    """Why the record cannot be this customer's, or None when nothing contradicts."""
    national_id = fields.get("national_id")
    if national_id and profile.national_id and national_id != profile.national_id:
        return "different national ids"
    birth_date = fields.get("birth_date")
    if birth_date and profile.birth_date and birth_date != profile.birth_date:
        return f"different birth dates ({birth_date} / {profile.birth_date})"
    first_name = fields.get("first_name")
    if (
        first_name
        and profile.first_name
        and not first_names_compatible(first_name, profile.first_name)
    ):
        return f"different first names ({first_name} / {profile.first_name})"
    return None


def decide(
    fields: Mapping[str, Any],
    shared: Mapping[int, Sequence[tuple[str, str]]],
    profiles: Mapping[int, CandidateProfile],
) -> AttachDecision:
    """Attach to one of the customers in ``shared`` (ref → identifiers in common), or to none.

    Refs of customers that exist are positive; customers created earlier in the same batch have
    negative refs and come after existing ones.
    """
    if not shared:
        return AttachDecision(None, "no strong identifier in common with a customer")
    refused: list[str] = []
    eligible: list[int] = []
    for ref, identifiers in shared.items():
        why = conflict(fields, profiles.get(ref, CandidateProfile()))
        if why:
            kinds = ", ".join(sorted({kind for kind, _ in identifiers}))
            who = f"customer {ref}" if ref > 0 else "a customer of this batch"
            refused.append(f"shares {kinds} with {who} but {why}")
        else:
            eligible.append(ref)
    if not eligible:
        return AttachDecision(None, "; ".join(refused))
    best = min(eligible, key=lambda ref: (-len(shared[ref]), ref < 0, abs(ref)))
    kinds = ", ".join(f"{kind} {value}" for kind, value in shared[best])
    return AttachDecision(best, f"same {kinds}")
