"""Domain events, dispatched after the transaction that raised them has committed.

A lower context never imports a higher one (``customers ← interactions ← cases ← …``); when
something happens that a higher one cares about, the lower one *emits* an event into its session
(``customers.changed``), and once that transaction commits each subscriber runs in a transaction
of its own. Nothing runs for a transaction that rolled back. Subscriptions are listed in one
explicit place, :mod:`parcours.wiring`, loaded on the first dispatch.

A subscriber that fails does not undo what was committed before it: the error is logged with the
event, and every subscriber's work can be redone from the stored data (for the timeline:
``parcours interactions reattribute``).
"""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from parcours.db import Database

logger = logging.getLogger(__name__)

_PENDING = "parcours.events"


@dataclass(frozen=True)
class Event:
    name: str
    payload: Mapping[str, Any] = field(default_factory=dict)


Handler = Callable[[Session, Event], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)
_wired = False


def subscribe(name: str, handler: Handler) -> None:
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


#: Events delivered once per transaction, their lists joined: ten thousand merges in one
#: ``parcours resolve`` make one ``customers.changed``, not ten thousand transactions.
COALESCED = {"customers.changed": "customer_ids", "cases.touched": "case_ids"}


def emit(session: Session, name: str, **payload: Any) -> None:
    """Raise an event in this session's transaction; it is delivered only if that commits."""
    session.info.setdefault(_PENDING, []).append(Event(name, payload))


def take_pending(session: Session) -> list[Event]:
    pending: list[Event] = session.info.pop(_PENDING, [])
    events: list[Event] = []
    joined: dict[str, list[Any]] = {}
    for event in pending:
        key = COALESCED.get(event.name)
        if key is None:
            events.append(event)
        elif event.name in joined:
            joined[event.name].extend(event.payload.get(key, ()))
        else:
            joined[event.name] = list(event.payload.get(key, ()))
            events.append(Event(event.name, {key: joined[event.name]}))
    return events


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _wire() -> None:
    global _wired
    if not _wired:
        importlib.import_module("parcours.wiring")
        _wired = True


def dispatch(database: Database, events: list[Event]) -> None:
    """Deliver committed events, each subscriber in its own write transaction (events those
    subscribers emit are delivered in turn when their transaction commits)."""
    if not events:
        return
    _wire()
    for event in events:
        for handler in list(_subscribers.get(event.name, ())):
            try:
                with database.transaction(write=True) as session:
                    handler(session, event)
            except Exception:
                logger.exception("subscriber %s failed on event %s", handler.__qualname__, event)
                if database.raise_subscriber_errors:
                    raise
