"""The client book: notes on a customer, following customers, and the feed of followed ones.

Notes and follows stay on the customer id they were made on. A merged customer shows the notes
of every customer merged into it (and is followed through them); an unmerge takes them back with
nothing to move.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parcours.customers.merging import current_customer
from parcours.customers.models import Customer
from parcours.interactions.models import CustomerNote, Follow, Interaction

MAX_NOTE_LENGTH = 4000


class ClientBookError(ValueError):
    """A note or follow that cannot be made; the message says why."""


def merged_family(session: Session, customer_id: int) -> list[int]:
    """The customer and every customer merged into it, directly or not."""
    family, frontier = {customer_id}, [customer_id]
    while frontier:
        frontier = [
            merged
            for merged in session.scalars(
                select(Customer.id).where(Customer.merged_into_id.in_(frontier))
            )
            if merged not in family
        ]
        family.update(frontier)
    return sorted(family)


def add_note(session: Session, customer_id: int, author: str, body: str) -> CustomerNote:
    text = body.strip()
    if not text:
        raise ClientBookError("a note needs some text")
    if len(text) > MAX_NOTE_LENGTH:
        raise ClientBookError(f"a note is at most {MAX_NOTE_LENGTH} characters")
    if not author.strip():
        raise ClientBookError("a note needs its author")
    note = CustomerNote(customer_id=customer_id, author=author.strip(), body=text)
    session.add(note)
    session.flush()
    return note


def notes(
    session: Session, customer_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[CustomerNote]]:
    """The notes of the customer and of those merged into it, newest first."""
    family = merged_family(session, customer_id)
    query = select(CustomerNote).where(CustomerNote.customer_id.in_(family))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return total, list(rows)


def follow(session: Session, follower: str, customer_id: int) -> bool:
    """Follow a customer; False when already followed."""
    if not follower.strip():
        raise ClientBookError("who follows? give a user name")
    exists = session.scalar(
        select(Follow.id).where(Follow.follower == follower, Follow.customer_id == customer_id)
    )
    if exists is not None:
        return False
    session.add(Follow(follower=follower, customer_id=customer_id))
    session.flush()
    return True


def unfollow(session: Session, follower: str, customer_id: int) -> bool:
    result = session.execute(
        delete(Follow).where(Follow.follower == follower, Follow.customer_id == customer_id)
    )
    return bool(getattr(result, "rowcount", 0))


def followed(session: Session, follower: str) -> list[int]:
    """The live customers the user follows (a followed customer since merged: its new one)."""
    ids = session.scalars(select(Follow.customer_id).where(Follow.follower == follower))
    return sorted({current_customer(session, customer_id) for customer_id in ids})


def feed(session: Session, follower: str, *, limit: int = 50, offset: int = 0) -> list[Interaction]:
    """The latest interactions of the customers the user follows, newest first."""
    customers = followed(session, follower)
    if not customers:
        return []
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.customer_id.in_(customers))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
