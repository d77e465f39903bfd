"""The life of a case, as pure rules: statuses, the moves between them, types and priorities.

    new → open → waiting on the customer / waiting internally → resolved → closed
                 ↑____________________________________________|  (reopen)

* an agent may move a case along any arrow of :data:`TRANSITIONS`; anything else is refused with
  the moves that are allowed;
* a message from the customer wakes a case waiting on them or resolved (it goes back to *open*);
  on a closed case it opens a follow-up case instead (:func:`after_customer_message`): a closed
  case stays closed, as its resolution may already have been surveyed;
* *resolved* and *closed* are the "done" statuses; the others are "open" for lists and routing.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW, OPEN, WAITING_CUSTOMER, WAITING_INTERNAL = (
    "new",
    "open",
    "waiting_customer",
    "waiting_internal",
)
RESOLVED, CLOSED = "resolved", "closed"

STATUSES: dict[str, tuple[str, str]] = {
    NEW: ("Nouveau", "New"),
    OPEN: ("En cours", "Open"),
    WAITING_CUSTOMER: ("En attente du client", "Waiting on customer"),
    WAITING_INTERNAL: ("En attente interne", "Waiting internally"),
    RESOLVED: ("Résolu", "Resolved"),
    CLOSED: ("Clos", "Closed"),
}
DONE = frozenset({RESOLVED, CLOSED})
ACTIVE = frozenset(STATUSES) - DONE

TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({OPEN, WAITING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED}),
    OPEN: frozenset({WAITING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED}),
    WAITING_CUSTOMER: frozenset({OPEN, WAITING_INTERNAL, RESOLVED, CLOSED}),
    WAITING_INTERNAL: frozenset({OPEN, WAITING_CUSTOMER, RESOLVED, CLOSED}),
    RESOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset({OPEN}),
}

TYPES: dict[str, tuple[str, str]] = {
    "quote": ("Devis", "Quote"),
    "complaint": ("Réclamation", "Complaint"),
    "after_sales": ("SAV", "After-sales"),
    "order_problem": ("Problème de commande", "Order problem"),
    "information": ("Demande d'information", "Information request"),
    "callback": ("Rappel", "Call-back"),
    "request": ("Demande", "Request"),
}

#: Related types: an inbound message from a customer with an open case of a related type is
#: proposed to the agent for that case (a quote followed by an order problem, an after-sales
#: request followed by a complaint…).
RELATED_TYPES: dict[str, frozenset[str]] = {
    "quote": frozenset({"quote", "order_problem", "information", "callback"}),
    "complaint": frozenset({"complaint", "after_sales", "order_problem"}),
    "after_sales": frozenset({"after_sales", "complaint", "order_problem"}),
    "order_problem": frozenset({"order_problem", "complaint", "after_sales", "quote"}),
    "information": frozenset({"information", "quote", "callback"}),
    "callback": frozenset({"callback", "information", "quote"}),
    "request": frozenset({"request"}),
}

PRIORITIES: dict[str, tuple[str, str]] = {
    "low": ("Basse", "Low"),
    "normal": ("Normale", "Normal"),
    "high": ("Haute", "High"),
    "urgent": ("Urgente", "Urgent"),
}
PRIORITY_ORDER = {name: rank for rank, name in enumerate(PRIORITIES)}


class WorkflowError(ValueError):
    """A move, type or priority the rules do not allow; the message says what is allowed."""


def label(names: dict[str, tuple[str, str]], key: str, language: str = "fr") -> str:
    french, english = names.get(key, (key, key))
    return english if language == "en" else french


def check_type(case_type: str) -> str:
    if case_type not in TYPES:
        raise WorkflowError(f"unknown case type {case_type!r}; known: {', '.join(TYPES)}")
    return case_type


def check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise WorkflowError(f"unknown priority {priority!r}; known: {', '.join(PRIORITIES)}")
    return priority


def check_move(current: str, wanted: str) -> None:
    """Refuse a move the workflow does not allow, naming the allowed ones."""
    if wanted not in STATUSES:
        raise WorkflowError(f"unknown status {wanted!r}; known: {', '.join(STATUSES)}")
    if wanted == current:
        raise WorkflowError(f"the case is already {current}")
    allowed = TRANSITIONS[current]
    if wanted not in allowed:
        choices = ", ".join(name for name in STATUSES if name in allowed)
        raise WorkflowError(f"from {current}, a case can go to: {choices} (not {wanted})")


@dataclass(frozen=True)
class AfterMessage:
    """What a customer's message does to a case: its new status (or None: unchanged), or a
    follow-up case to open."""

    status: str | None = None
    follow_up: bool = False


def after_customer_message(current: str) -> AfterMessage:
    if current in (WAITING_CUSTOMER, RESOLVED):
        return AfterMessage(status=OPEN)
    if current == CLOSED:
        return AfterMessage(follow_up=True)
    return AfterMessage()


#: Inbound interactions that are the customer writing or calling: what they may be about. None:
#: the type does not say (a call, a message), so any of the customer's active cases may be it.
CUSTOMER_MESSAGES: dict[str, str | None] = {
    "message": None,
    "call": None,
    "complaint": "complaint",
    "after_sales": "after_sales",
    "return": "after_sales",
    "quote": "quote",
    "callback_request": "callback",
}


def may_concern(message_type: str, case_type: str) -> bool:
    """Whether a customer's message of this type may be about an active case of that type."""
    about = CUSTOMER_MESSAGES.get(message_type)
    return about is None or case_type in RELATED_TYPES.get(about, frozenset({about}))


#: Types whose work happens on another channel than the one they came in by: a call-back asked
#: for on the website is work for the phone agents.
WORKED_ON: dict[str, str] = {"callback": "phone"}


def working_channel(case_type: str, channel: str) -> str:
    """The channel the case is worked on (routing and agents' capacities count it there)."""
    return WORKED_ON.get(case_type, channel)
