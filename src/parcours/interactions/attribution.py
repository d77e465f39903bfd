"""Whose interaction is it: from the identifiers it came with to the customer holding them.

The rule (documented in ``docs/interactions.md``): identifiers are tried in order — a Parcours
customer id, web account, loyalty card, e-mail, national id, phone, then the anonymous ones (till
customer number, device, hashed Wi-Fi login, cookie, session) and social handles — and the first
one held by exactly one customer decides. An identifier held by several customers (a household's
landline, a family e-mail) decides nothing; an interaction whose identifiers are held by nobody
stays anonymous, kept against those identifiers, and is attributed as soon as one of them is
linked to a customer (a login, a Wi-Fi sign-up, a card scanned at the till) — retroactively.

Customers change hands of identifiers through ingestion, merges and unmerges; each of those emits
``customers.changed`` and :func:`on_customers_changed` recomputes the interactions concerned, so
the timeline of a merged customer shows every merged record's interactions and an unmerge sends
them back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from parcours.customers.models import Customer, Identifier
from parcours.customers.profiles import chunks
from parcours.events import Event
from parcours.interactions import summaries
from parcours.interactions.models import INTERACTIONS, Interaction, InteractionIdentifier
from parcours.interactions.records import ANONYMOUS_KINDS, STRONG_KINDS

_ORDER = {kind: rank for rank, kind in enumerate(STRONG_KINDS + ANONYMOUS_KINDS)}

Owners = Mapping[tuple[str, str], set[int]]


def _rank(kind: str) -> int:
    return _ORDER.get(kind, len(_ORDER))


def choose_customer(identifiers: Sequence[tuple[str, str]], owners: Owners) -> int | None:
    """The customer an interaction belongs to, by the rule above (pure)."""
    for kind, value in sorted(identifiers, key=lambda pair: _rank(pair[0])):
        held_by = owners.get((kind, value), set())
        if len(held_by) == 1:
            return next(iter(held_by))
    return None


def owners_of(
    session: Session, identifiers: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], set[int]]:
    """(kind, value) → the live customers holding it (a customer id: the customer it was merged
    into, if it was)."""
    wanted = set(identifiers)
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in wanted:
        by_kind[kind].append(value)
    customer_ids = [int(value) for value in by_kind.pop("customer_id", [])]
    for kind, values in by_kind.items():
        for chunk in chunks(sorted(values)):
            for value, customer_id in session.execute(
                select(Identifier.value, Identifier.customer_id).where(
                    Identifier.kind == kind, Identifier.value.in_(chunk)
                )
            ):
                owners[(kind, value)].add(customer_id)
    for customer_id, live in _live_customers(session, customer_ids).items():
        owners[("customer_id", str(customer_id))].add(live)
    unlinked = [(k, v) for k, v in wanted if k in ANONYMOUS_KINDS and (k, v) not in owners]
    for (kind, value), customer_id in linked_by_interactions(session, unlinked):
        owners[(kind, value)].add(customer_id)
    return owners


def linked_by_interactions(
    session: Session, identifiers: Sequence[tuple[str, str]]
) -> list[tuple[tuple[str, str], int]]:
    """Anonymous identifiers that an interaction tied to a customer: one carrying both it and a
    strong identifier (a web login with the visitor's cookie, a Wi-Fi sign-up with an e-mail, a
    card scanned at the till with the device id)."""
    anonymous = aliased(InteractionIdentifier)
    strong = aliased(InteractionIdentifier)
    links: list[tuple[tuple[str, str], int]] = []
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in identifiers:
        by_kind[kind].append(value)
    for kind, values in by_kind.items():
        for chunk in chunks(sorted(values)):
            rows = session.execute(
                select(anonymous.value, Interaction.customer_id)
                .join(Interaction, Interaction.id == anonymous.interaction_id)
                .join(
                    strong,
                    (strong.interaction_id == anonymous.interaction_id)
                    & strong.kind.in_(STRONG_KINDS),
                )
                .where(
                    anonymous.kind == kind,
                    anonymous.value.in_(chunk),
                    Interaction.customer_id.is_not(None),
                )
                .distinct()
            )
            links.extend(((kind, value), customer) for value, customer in rows if customer)
    return links


def _live_customers(session: Session, customer_ids: Iterable[int]) -> dict[int, int]:
    """Each existing customer id → the live customer holding its records now."""
    merged_into: dict[int, int | None] = {}
    pending = set(customer_ids)
    while pending:
        found: dict[int, int | None] = {}
        for chunk in chunks(sorted(pending)):
            found.update(
                session.execute(
                    select(Customer.id, Customer.merged_into_id).where(Customer.id.in_(chunk))
                ).all()
            )
        merged_into.update(found)
        pending = {target for target in found.values() if target and target not in merged_into}
    live: dict[int, int] = {}
    for customer_id in customer_ids:
        current, seen = customer_id, set()
        while current in merged_into and merged_into[current] is not None and current not in seen:
            seen.add(current)
            current = merged_into[current]  # type: ignore[assignment]
        if current in merged_into:
            live[customer_id] = current
    return live


def reattribute(session: Session, interaction_ids: Iterable[int]) -> int:
    """Recompute the customer of these interactions; returns how many changed hands."""
    ids = sorted(set(interaction_ids))
    if not ids:
        return 0
    identifiers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    current: dict[int, int | None] = {}
    moments: dict[int, datetime] = {}
    for chunk in chunks(ids):
        for interaction_id, customer_id, occurred_at in session.execute(
            select(Interaction.id, Interaction.customer_id, Interaction.occurred_at).where(
                Interaction.id.in_(chunk)
            )
        ):
            current[interaction_id] = customer_id
            moments[interaction_id] = occurred_at
        for interaction_id, kind, value in session.execute(
            select(
                InteractionIdentifier.interaction_id,
                InteractionIdentifier.kind,
                InteractionIdentifier.value,
            ).where(InteractionIdentifier.interaction_id.in_(chunk))
        ):
            identifiers[interaction_id].append((kind, value))
    # Interactions with a strong identifier first: they are what ties an anonymous identifier
    # to a customer for the others.
    changed = 0
    tally = summaries.Tally()
    for strong in (True, False):
        group = [
            interaction_id
            for interaction_id in current
            if any(kind in STRONG_KINDS for kind, _ in identifiers.get(interaction_id, ()))
            == strong
        ]
        owners = owners_of(session, (pair for i in group for pair in identifiers.get(i, ())))
        changes = [
            {"interaction": interaction_id, "customer": customer}
            for interaction_id in group
            if (customer := choose_customer(identifiers.get(interaction_id, []), owners))
            != current[interaction_id]
        ]
        if changes:
            # One statement for the whole group (a stitched cookie can carry thousands).
            session.execute(_REATTRIBUTE, changes)
            for change in changes:
                moved = change["interaction"]
                assert moved is not None
                tally.move(moments[moved], current[moved], change["customer"])
        changed += len(changes)
    summaries.apply(session, tally)
    return changed


_REATTRIBUTE = (
    update(INTERACTIONS)
    .where(INTERACTIONS.c.id == bindparam("interaction"))
    .values(customer_id=bindparam("customer"))
)


def carrying(session: Session, identifiers: Iterable[tuple[str, str]]) -> set[int]:
    """Interactions that carry any of these identifiers."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(identifiers))):
        found.update(
            session.scalars(
                select(InteractionIdentifier.interaction_id).where(
                    tuple_(InteractionIdentifier.kind, InteractionIdentifier.value).in_(list(chunk))
                )
            )
        )
    return found


def interactions_of_customers(session: Session, customer_ids: Sequence[int]) -> set[int]:
    """Interactions that are, or could become, these customers': attributed to them, or carrying
    an identifier they hold."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(customer_ids))):
        found.update(
            session.scalars(select(Interaction.id).where(Interaction.customer_id.in_(chunk)))
        )
        held = select(Identifier.kind, Identifier.value).where(Identifier.customer_id.in_(chunk))
        found.update(
            session.scalars(
                select(InteractionIdentifier.interaction_id).where(
                    tuple_(InteractionIdentifier.kind, InteractionIdentifier.value).in_(held)
                )
            )
        )
        found.update(
            session.scalars(
                select(InteractionIdentifier.interaction_id).where(
                    InteractionIdentifier.kind == "customer_id",
                    InteractionIdentifier.value.in_([str(c) for c in chunk]),
                )
            )
        )
    return found


def on_customers_changed(session: Session, event: Event) -> None:
    """Subscriber of ``customers.changed``: the interactions concerned change hands if needed."""
    if session.scalar(select(Interaction.id).limit(1)) is None:
        return
    customer_ids = [int(c) for c in event.payload.get("customer_ids", ())]
    reattribute(session, interactions_of_customers(session, customer_ids))
