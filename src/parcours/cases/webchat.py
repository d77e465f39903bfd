"""The web chat: a widget on the merchant's site talks to Parcours (:mod:`parcours.web.chat`).

* A visitor starts anonymous — a random id the widget keeps in the browser, recorded as a
  ``cookie`` identifier so that their messages join their timeline as soon as they are known —
  and may give an e-mail (and a name): a source record ``chat`` joins them to the customer who
  holds that address, and every message already sent follows (retroactive attribution).
* The conversation is a case: the first message joins the customer's recently active case (the
  same request, whatever channel it started on) or opens a request on the ``chat`` channel,
  routed to agents with chat capacity. Each message is an interaction in the case's thread.
* When no agent is available on chat (nobody present with room, or outside business hours), the
  widget offers a call-back (now or at a slot: a ``callback_request`` that opens a call-back
  case) or an answer by e-mail (the visitor leaves their address and message) — never a dead
  end.
* Messages reach the other side at once (after commit, on the live topic ``conversation:ID``;
  agents also get ``chats`` for every new message).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parcours import events, live
from parcours.cases import workflow
from parcours.cases.assignment import open_and_route
from parcours.cases.continuity import recent_case
from parcours.cases.inbox import InboundMessage, name_fields, receive
from parcours.cases.models import Agent, AgentChannel, Case, ChatConversation
from parcours.cases.services import CaseError, attach_interaction
from parcours.cases.sla import BusinessHours
from parcours.channels.models import ChannelAccount
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.models import Customer
from parcours.customers.normalise import InvalidValue, normalise_email, normalise_phone
from parcours.customers.services import EVERYONE, CustomerNotFound, Visibility, ensure_visible
from parcours.db import utcnow
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction

_VISITOR = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT = 4000
SOURCE = "webchat"


class ChatError(ValueError):
    """A chat request that cannot be taken; the message says why."""


@dataclass(frozen=True)
class Availability:
    is_available: bool
    #: Why not, in words (empty when available).
    reason: str
    #: What the widget offers instead: "callback", "email".
    offers: tuple[str, ...]


def availability(session: Session, account: ChannelAccount, now: datetime | None = None
                 ) -> Availability:  # fmt: skip
    """Whether a chat started now would reach an agent."""
    now = now or utcnow()
    if account.settings.get("hours", "business") != "always" and not BusinessHours().is_open(now):
        return Availability(False, "closed", ("callback", "email"))
    loads = {owner: count for owner, count in session.execute(
        select(Case.owner_id, func.count())
        .where(Case.channel == "chat", Case.status.in_(sorted(workflow.ACTIVE)),
               Case.owner_id.is_not(None))
        .group_by(Case.owner_id)
    )}  # fmt: skip
    for agent_id, capacity in session.execute(
        select(Agent.id, AgentChannel.capacity)
        .join(AgentChannel, AgentChannel.agent_id == Agent.id)
        .where(AgentChannel.channel == "chat", Agent.presence == "available")
    ):  # fmt: skip
        if loads.get(agent_id, 0) < capacity:
            return Availability(True, "", ())
    return Availability(False, "no agent available", ("callback", "email"))


def start(session: Session, account: ChannelAccount, *, visitor: str | None = None,
          language: str = "fr", page_url: str | None = None) -> ChatConversation:  # fmt: skip
    if account.kind != "webchat" or not account.is_active:
        raise ChatError(f"{account.name!r} is not an active web chat")
    if visitor is not None and not _VISITOR.match(visitor):
        raise ChatError("the visitor id is 8 to 64 letters, digits, - or _")
    conversation = ChatConversation(
        channel_account_id=account.id, token=secrets.token_urlsafe(24),
        visitor=visitor or uuid.uuid4().hex, language="en" if language == "en" else "fr",
        page_url=(page_url or "")[:500] or None, status="open",
    )  # fmt: skip
    session.add(conversation)
    session.flush()
    return conversation


def conversation_by_token(session: Session, token: str) -> ChatConversation:
    found = session.scalar(select(ChatConversation).where(ChatConversation.token == token))
    if found is None:
        raise ChatError("unknown conversation")
    return found


def identify(session: Session, conversation: ChatConversation, *, email: str | None = None,
             name: str | None = None, phone: str | None = None) -> int | None:  # fmt: skip
    """The visitor says who they are: joined to the customer holding that address (or a new
    one); their case gets its customer. The customer's id."""
    fields: dict[str, str] = {"cookie": conversation.visitor}
    try:
        if email:
            fields["email"] = conversation.email = normalise_email(email)
        if phone:
            fields["phone"] = normalise_phone(phone)
    except InvalidValue as error:
        raise ChatError(str(error)) from None
    if len(fields) == 1:
        raise ChatError("give an e-mail address or a phone number")
    fields.update(name_fields(name))
    [outcome] = ingest_batch(session, [IncomingRecord("chat", conversation.visitor, fields)])
    conversation.customer_id = outcome.customer_id
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    if case is not None and case.customer_id is None:
        case.customer_id = outcome.customer_id
    return outcome.customer_id


def visitor_message(
    session: Session,
    conversation: ChatConversation,
    text: str,
    now: datetime | None = None,
    *,
    answer_by: str = "chat",
) -> Interaction:
    """A message from the visitor: on their timeline and in the conversation's case (a case
    on the e-mail channel when they asked to be answered by e-mail, nobody being there)."""
    if answer_by not in ("chat", "email"):
        raise ChatError("a chat is answered by chat or by email")
    if answer_by == "email" and not conversation.email:
        raise ChatError("give your e-mail address to be answered by e-mail")
    now = now or utcnow()
    text = _checked(text, conversation)
    identifiers = {"cookie": conversation.visitor}
    if conversation.email:
        identifiers["email"] = conversation.email
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    if case is None and conversation.customer_id is not None:
        case = recent_case(session, conversation.customer_id, now)
    receipt = receive(session, InboundMessage(
        channel="chat", source=SOURCE, external_id=f"chat-{conversation.id}-{uuid.uuid4().hex}",
        occurred_at=now, identifiers=identifiers, text=text, creates_customer=False,
        case_reference=case.reference if case else None,
        details={"conversation": conversation.id},
    ))  # fmt: skip
    interaction = session.get(Interaction, receipt.interaction_id)
    assert interaction is not None
    if case is None:
        case = open_and_route(session, customer_id=conversation.customer_id, case_type="request",
                              channel=answer_by, subject=" ".join(text.split())[:120],
                              opened_by="chat", interaction_id=interaction.id, now=now)  # fmt: skip
        interaction.case_ref = case.reference
    conversation.case_id, conversation.last_message_at = case.id, now
    _announce(session, conversation, interaction, "visitor")
    return interaction


def agent_message(session: Session, conversation: ChatConversation, agent: str, text: str,
                  now: datetime | None = None) -> Interaction:  # fmt: skip
    """An agent's answer in the conversation, in its case's thread."""
    now = now or utcnow()
    text = _checked(text, conversation)
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    item = {
        "external_id": f"chat-{conversation.id}-{uuid.uuid4().hex}",
        "occurred_at": now.isoformat(), "channel": "chat", "type": "message",
        "direction": "outbound", "agent": agent, "case_ref": case.reference if case else None,
        "identifiers": {"cookie": conversation.visitor},
        "payload": {"text": text, "conversation": conversation.id},
    }  # fmt: skip
    [outcome] = record_interactions(session, [(1, SOURCE, item)])
    interaction = session.get(Interaction, outcome.interaction_id)
    assert interaction is not None
    if case is not None:
        attach_interaction(session, case, interaction.id, actor=agent, how="reply", now=now)
    conversation.last_message_at = now
    _announce(session, conversation, interaction, "agent")
    return interaction


def _checked(text: str, conversation: ChatConversation) -> str:
    text = text.strip()
    if conversation.status != "open":
        raise ChatError("this conversation is closed")
    if not text:
        raise ChatError("a message needs some text")
    if len(text) > MAX_TEXT:
        raise ChatError(f"a message is at most {MAX_TEXT} characters")
    return text


def _announce(session: Session, conversation: ChatConversation, interaction: Interaction,
              author: str) -> None:  # fmt: skip
    events.emit(session, "chat.message", conversation_id=conversation.id,
                message=message_view(interaction, author))  # fmt: skip


def message_view(interaction: Interaction, author: str | None = None) -> dict[str, Any]:
    return {
        "id": interaction.id, "text": interaction.payload.get("text"),
        "author": author or ("visitor" if interaction.direction == "inbound" else "agent"),
        "agent": interaction.agent, "at": interaction.occurred_at.isoformat(),
    }  # fmt: skip


def on_chat_message(session: Session, event: events.Event) -> None:
    """After commit: the message reaches the open widget and the agents' screens."""
    conversation_id = int(event.payload["conversation_id"])
    live.HUB.publish(f"conversation:{conversation_id}", "message", **event.payload["message"])
    live.HUB.publish("chats", "message", conversation_id=conversation_id,
                     **event.payload["message"])  # fmt: skip


def messages(session: Session, conversation: ChatConversation) -> list[dict[str, Any]]:
    """The conversation so far, oldest first."""
    found = session.scalars(
        select(Interaction)
        .where(Interaction.source == SOURCE,
               Interaction.external_id.like(f"chat-{conversation.id}-%"))
        .order_by(Interaction.occurred_at, Interaction.id)
    )  # fmt: skip
    return [message_view(interaction) for interaction in found]


def request_callback(session: Session, conversation: ChatConversation, *, phone: str,
                     slot: str = "now", name: str | None = None,
                     now: datetime | None = None) -> Interaction:  # fmt: skip
    """ "Be called back now / at a slot": a call-back request that opens a call-back case for
    the phone agents (:mod:`parcours.cases.continuity`)."""
    now = now or utcnow()
    identify(session, conversation, phone=phone, name=name)
    if slot != "now":
        try:
            when = datetime.fromisoformat(slot.replace("Z", "+00:00"))
        except ValueError:
            raise ChatError(f"slot {slot!r} is not 'now' nor an ISO 8601 time") from None
        if when.tzinfo is None or when < now:
            raise ChatError("a slot is a future time with its offset")
    item = {
        "external_id": f"callback-{conversation.id}-{uuid.uuid4().hex}",
        "occurred_at": now.isoformat(), "channel": "web", "type": "callback_request",
        "direction": "inbound", "identifiers": {"cookie": conversation.visitor,
                                                "phone": normalise_phone(phone)},
        "payload": {"slot": slot, "subject": "Rappel demandé depuis le chat",
                    "conversation": conversation.id},
    }  # fmt: skip
    [outcome] = record_interactions(session, [(1, SOURCE, item)])
    interaction = session.get(Interaction, outcome.interaction_id)
    assert interaction is not None
    return interaction


def close(session: Session, conversation: ChatConversation) -> None:
    conversation.status = "closed"


def conversation_view(session: Session, conversation: ChatConversation) -> dict[str, Any]:
    """A conversation as the chat desks show it (the API's and the console's)."""
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    return {
        "id": conversation.id, "status": conversation.status, "language": conversation.language,
        "email": conversation.email, "customer_id": conversation.customer_id,
        "case": case.reference if case else None, "case_id": conversation.case_id,
        "page_url": conversation.page_url, "last_message_at": conversation.last_message_at,
    }  # fmt: skip


def may_see(session: Session, conversation: ChatConversation, visibility: Visibility) -> bool:
    """Whether someone of this visibility may see the chat: a visitor not known yet's, or a
    customer's they may see (another franchise's customer's chat does not exist for them)."""
    if conversation.customer_id is None:
        return True
    try:
        ensure_visible(session, conversation.customer_id, visibility)
    except CustomerNotFound:
        return False
    return True


def open_conversations(session: Session, limit: int = 50,
                       visibility: Visibility = EVERYONE) -> list[ChatConversation]:  # fmt: skip
    """Open chats with a message, most recent first: those of visitors not known yet, and of
    customers ``visibility`` allows."""
    query = (
        select(ChatConversation)
        .where(ChatConversation.status == "open", ChatConversation.last_message_at.is_not(None))
        .order_by(ChatConversation.last_message_at.desc())
        .limit(limit)
    )
    visible = visibility.condition()
    if visible is not None:
        query = query.outerjoin(Customer, Customer.id == ChatConversation.customer_id).where(
            or_(ChatConversation.customer_id.is_(None), visible)
        )
    return list(session.scalars(query))


def conversation_for_case(session: Session, case: Case) -> ChatConversation:
    found = session.scalar(
        select(ChatConversation)
        .where(ChatConversation.case_id == case.id, ChatConversation.status == "open")
        .order_by(ChatConversation.last_message_at.desc())
        .limit(1)
    )  # fmt: skip
    if found is None:
        raise CaseError(f"{case.reference} has no open chat conversation")
    return found
