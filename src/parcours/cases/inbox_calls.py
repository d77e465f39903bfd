"""Calls reported by the telephony (Aircall's webhooks, or any PBX in the signed generic format:
:mod:`parcours.channels.telephony`) become one ``call`` interaction per call on the caller's
timeline, updated as the call goes on (ringing → answered → ended, then its recording).

* The caller is found by number (identity resolution's phone identifier); an unknown number
  stays an anonymous call on that number, attributed as soon as a customer gets it.
* A call joins the customer's recently active case (the conversation goes on by phone); a
  **missed** inbound call with no call-back already pending opens a call-back case for the phone
  agents (due within the quarter of an hour, business hours).
* Ringing pops the caller's card on the agents' screens: after commit, a ``call`` event on the
  live topics ``calls`` and ``agent:NAME`` (:mod:`parcours.live`).
* Each provider event is applied once: the same webhook sent again changes nothing, and an event
  arriving late (ringing after ended) never moves the call backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours import events, live
from parcours.cases import workflow
from parcours.cases.continuity import open_callback, recent_case
from parcours.cases.models import Case
from parcours.channels.telephony import CallEvent
from parcours.customers.models import Customer
from parcours.customers.normalise import InvalidValue, normalise_phone
from parcours.db import utcnow
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction

#: How far along a call is: a later event never brings a call back to an earlier state.
PROGRESS = {"ringing": 0, "answered": 1, "voicemail": 2, "missed": 2, "ended": 2, "recording": 3}
SOURCE = "telephony"


@dataclass(frozen=True)
class CallReceipt:
    status: str
    interaction_id: int | None
    customer_id: int | None
    case_reference: str | None


def receive_call(session: Session, call: CallEvent, now: datetime | None = None) -> CallReceipt:
    now = now or utcnow()
    existing = session.scalar(
        select(Interaction).where(Interaction.source == SOURCE,
                                  Interaction.external_id == call.external_id)
    )  # fmt: skip
    previous: dict[str, Any] = dict(existing.payload) if existing is not None else {}
    seen = set(previous.get("events", []))
    if call.event_key in seen:
        return CallReceipt("unchanged", existing.id if existing else None,
                           existing.customer_id if existing else None,
                           existing.case_ref if existing else None)  # fmt: skip
    state = previous.get("state")
    if state is None or PROGRESS[call.event] >= PROGRESS.get(state, 0):
        state = "ended" if call.event == "recording" and state else call.event
    payload = {
        **previous, "state": state, "events": sorted(seen | {call.event_key}),
        "provider": call.provider, "line": call.line_number or previous.get("line"),
        "number": call.customer_number_raw or previous.get("number"),
    }  # fmt: skip
    for name in ("recording_url", "voicemail_url", "missed_reason"):
        if getattr(call, name):
            payload[name] = getattr(call, name)
    started = existing.occurred_at if existing is not None else call.occurred_at
    number = _as_customers_store_it(call)
    identifiers = {"phone": number} if number else {}
    reference = existing.case_ref if existing is not None else None
    item = {
        "external_id": call.external_id, "occurred_at": started.isoformat(), "channel": "phone",
        "type": "call", "direction": call.direction, "identifiers": identifiers,
        "agent": call.agent or (existing.agent if existing else None),
        "duration_seconds": call.duration_seconds if call.duration_seconds is not None
        else (existing.duration_seconds if existing else None),
        "case_ref": reference, "payload": payload,
    }  # fmt: skip
    if not identifiers:
        item["identifiers"] = {"session": f"call-{call.external_id}"}  # a withheld number
    [outcome] = record_interactions(session, [(1, SOURCE, item)])
    interaction = session.get(Interaction, outcome.interaction_id)
    assert interaction is not None
    if interaction.case_ref is None and interaction.customer_id is not None:
        case = _case_for(session, interaction, state, now)
        interaction.case_ref = case.reference if case is not None else None
    events.emit(session, "call.event", interaction_id=interaction.id, event=call.event,
                agent=call.agent, number=call.caller_e164 or call.customer_number_raw)  # fmt: skip
    return CallReceipt(outcome.status, interaction.id, interaction.customer_id,
                       interaction.case_ref)  # fmt: skip


def _as_customers_store_it(call: CallEvent) -> str | None:
    """The caller's number as customer records normalise it (phonenumbers), so that the call
    meets the customer holding it; the telephony's own E.164 reading otherwise."""
    for raw in (call.customer_number_raw, call.caller_e164):
        if raw:
            try:
                return normalise_phone(raw)
            except InvalidValue:
                continue
    return call.caller_e164 if (call.caller_e164 or "").startswith("+") else None


def _case_for(session: Session, interaction: Interaction, state: str, now: datetime) -> Case | None:
    """The customer's recently active case, or a call-back case for a missed inbound call."""
    assert interaction.customer_id is not None
    recent = recent_case(session, interaction.customer_id, now)
    if recent is not None:
        return recent
    if state == "missed" and interaction.direction == "inbound":
        interaction.payload = {**interaction.payload, "subject": "Appel manqué : rappeler"}
        return open_callback(session, interaction, now)
    return None


def on_call_event(session: Session, event: events.Event) -> None:
    """After commit: pop the caller's card on the agents' screens (and the agent's own)."""
    interaction = session.get(Interaction, int(event.payload["interaction_id"]))
    if interaction is None:
        return
    card: dict[str, Any] = {"call": event.payload["event"], "number": event.payload["number"],
                            "interaction_id": interaction.id, "case": interaction.case_ref,
                            "customer": None}  # fmt: skip
    if interaction.customer_id is not None:
        customer = session.get(Customer, interaction.customer_id)
        if customer is not None:
            active = session.scalars(
                select(Case.reference).where(Case.customer_id == customer.id,
                                             Case.status.in_(sorted(workflow.ACTIVE)))
            ).all()  # fmt: skip
            card["customer"] = {
                "id": customer.id, "name": " ".join(filter(None, (customer.first_name,
                                                                  customer.last_name))),
                "email": customer.email, "phone": customer.phone, "active_cases": list(active),
            }  # fmt: skip
    live.HUB.publish("calls", "call", **card)
    if event.payload.get("agent"):
        live.HUB.publish(f"agent:{event.payload['agent']}", "call", **card)
