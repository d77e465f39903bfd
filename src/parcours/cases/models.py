"""Tables of the cases: a request that lives across channels, its thread and its history.

A case's thread is the interactions linked to it (``CaseInteraction``, from any channel), its
internal notes and its history (``CaseEvent``: opened, status changes, priority, attachments…),
read together in time order by :func:`parcours.cases.services.thread`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parcours.customers.models import BigId
from parcours.db import Base, JSONType, UTCDateTime, utcnow


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_priority", "status", "priority"),
        Index("ix_cases_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: ``PAR-2026-000123``: what the customer quotes back, on any channel.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: The channel the request came in by; the case itself is not tied to it.
    channel: Mapped[str] = mapped_column(String(32))
    #: The closed case this one follows up (a customer writing again after closing).
    follows_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The customer's language for this request (routing needs an agent who speaks it).
    language: Mapped[str] = mapped_column(String(8), default="fr")
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    #: When the case entered its queue (waiting time, overflow).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the case is where it is: the routing decision in words.
    routing: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The first message sent to the customer on the case (any channel).
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseSequence(Base):
    """The last case number given in a year (one row a year, incremented atomically)."""

    __tablename__ = "case_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column()


class CaseInteraction(Base):
    """An interaction in a case's thread, and how it got there."""

    __tablename__ = "case_interactions"
    __table_args__ = (UniqueConstraint("case_id", "interaction_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    #: "opening", "reference" (quoted by the customer), "agent" (attached by hand).
    attached_by: Mapped[str] = mapped_column(String(20))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseNote(Base):
    """An internal note: never sent to the customer; stays with the case when it changes hands."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(Base):
    """One line of a case's history: who did what, when (status, priority, attachment…)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Team(Base):
    """People who work together in one place: a store, the contact centre, the back office, the
    field."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: store, contact_centre, back_office, field.
    kind: Mapped[str] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(120))
    manager: Mapped[str | None] = mapped_column(String(120))


class Agent(Base):
    """Someone who handles cases: a seller, a contact-centre agent, a technician."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    #: available, busy, away, offline.
    presence: Mapped[str] = mapped_column(String(10), default="offline")
    presence_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgentSkill(Base):
    __tablename__ = "agent_skills"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    #: "language:fr", "product:heat_pump", "type:after_sales"…
    skill: Mapped[str] = mapped_column(String(80), primary_key=True)
    level: Mapped[int] = mapped_column()


class AgentChannel(Base):
    """A channel an agent handles, and how many cases on it at once."""

    __tablename__ = "agent_channels"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    capacity: Mapped[int] = mapped_column()


class Queue(Base):
    """Where routed cases wait, served by teams, with an overflow to a wider pool."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    teams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    overflow_after_seconds: Mapped[int | None] = mapped_column()
    overflow_teams: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(default=False)


class RoutingRule(Base):
    """Conditions on a case (empty: any) that send it to a queue, in order of position."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    #: {"types": [...], "segments": [...], "min_value": 5000, "stages": [...],
    #: "channels": [...], "languages": [...]}
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    priority: Mapped[str | None] = mapped_column(String(10))


class SlaPolicy(Base):
    """Due times for the first response and the resolution, in business minutes, for the cases
    meeting its conditions (the first policy by position applies)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(unique=True)
    first_response_minutes: Mapped[int] = mapped_column()
    resolution_minutes: Mapped[int] = mapped_column()
    reminder_minutes: Mapped[int] = mapped_column(default=30)
    #: {"priorities": [...], "segments": [...], "channels": [...], "types": [...]}
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ChatConversation(Base):
    """A web chat opened from the widget: the visitor (a cookie id until they give an e-mail),
    the customer once known, the case it is, and its secret token (the visitor's only key)."""

    __tablename__ = "chat_conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    visitor: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    email: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: open, closed.
    status: Mapped[str] = mapped_column(String(10), default="open")
    page_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
