"""Shapes of the cases API and of ``parcours cases … --format json``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from parcours.interactions.schemas import TimelineEntry


class CaseIn(BaseModel):
    customer_id: int | None = Field(None, description="The customer (none: not known yet)")
    type: str = Field(description="quote, complaint, after_sales, order_problem, information, "
                      "callback, request")  # fmt: skip
    channel: str = Field(description="The channel the request came in by (web, phone, store…)")
    subject: str
    priority: str = "normal"
    language: str = Field("fr", description="The customer's language (routing needs it)")
    due_at: datetime | None = None
    interaction_id: int | None = Field(None, description="The interaction that opened it")
    opened_by: str | None = Field(None, description="Default: the API token's name")


class CaseOut(BaseModel):
    id: int
    reference: str
    subject: str
    type: str
    type_label: str
    status: str
    status_label: str
    priority: str
    customer_id: int | None
    channel: str
    follows_case_id: int | None
    language: str
    queue_id: int | None
    owner_id: int | None
    team_id: int | None
    assigned_at: datetime | None
    routing: list[str]
    due_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_responded_at: datetime | None
    opened_by: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class CasePageOut(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[CaseOut]


class ThreadEntryOut(BaseModel):
    at: datetime
    kind: str
    interaction: TimelineEntry | None = None
    author: str | None = None
    body: str | None = None
    event: str | None = None
    details: dict[str, Any] | None = None


class SlaOut(BaseModel):
    policy: str | None
    #: on_time, at_risk, breached, met (None: no clock).
    first_response: str | None
    resolution: str | None


class CaseDetailOut(CaseOut):
    sla: SlaOut
    queue: str | None
    owner: str | None
    team: str | None
    thread: list[ThreadEntryOut]
    proposed_interactions: list[int]


class StatusIn(BaseModel):
    status: str
    reason: str | None = None


class PriorityIn(BaseModel):
    priority: str


class CaseNoteIn(BaseModel):
    body: str
    author: str | None = None


class AttachIn(BaseModel):
    interaction_id: int


class AssignIn(BaseModel):
    agent: str | None = Field(None, description="Give it to this agent; none: route it")


class NextIn(BaseModel):
    agent: str


class TransferIn(BaseModel):
    agent: str | None = None
    queue: str | None = None
    reason: str | None = None


class TeamIn(BaseModel):
    name: str
    kind: str = Field(description="store, contact_centre, back_office, field")
    location: str | None = None
    manager: str | None = None


class TeamOut(TeamIn):
    id: int


class AgentIn(BaseModel):
    name: str
    team: str
    channels: dict[str, int] = Field(
        description='Capacity per channel, e.g. {"phone": 1, "chat": 3}'
    )
    skills: dict[str, int] = Field(default_factory=dict, description='e.g. {"language:fr": 4}')
    presence: str = "offline"


class AgentOut(AgentIn):
    id: int
    load: dict[str, int]


class PresenceIn(BaseModel):
    presence: str = Field(description="available, busy, away, offline")


class QueueIn(BaseModel):
    name: str
    teams: list[str]
    skills: list[str] = Field(default_factory=list)
    overflow_after_seconds: int | None = None
    overflow_teams: list[str] = Field(default_factory=list)
    is_default: bool = False


class QueueOut(QueueIn):
    id: int


class RuleIn(BaseModel):
    position: int
    queue: str
    conditions: dict[str, Any] = Field(
        default_factory=dict,
        description="types, segments, min_value, stages, channels, languages (empty: any)",
    )
    priority: str | None = None


class RuleOut(RuleIn):
    id: int


class SlaPolicyIn(BaseModel):
    name: str
    position: int
    first_response_minutes: int = Field(description="Business minutes to the first response")
    resolution_minutes: int = Field(description="Business minutes to the resolution")
    reminder_minutes: int = 30
    conditions: dict[str, Any] = Field(
        default_factory=dict, description="priorities, segments, channels, types (empty: any)"
    )


class SlaPolicyOut(SlaPolicyIn):
    id: int


class SlaCheckOut(BaseModel):
    reminded: list[str]
    escalated: list[str]


class AttainmentOut(BaseModel):
    team: str
    channel: str
    cases: int
    first_response_met: int
    first_response_rate: float | None
    resolution_due: int
    resolution_met: int
    resolution_rate: float | None


class ReplyIn(BaseModel):
    channel: str = Field(description="email or sms")
    body: str
    author: str | None = None


class ReplyOut(BaseModel):
    interaction_id: int
    outbox_id: int
    recipient: str
    subject: str | None


class AttemptIn(BaseModel):
    outcome: str = Field(description="reached, no_answer, busy, wrong_number")
    agent: str | None = None
    duration_seconds: int | None = None


class AttemptOut(BaseModel):
    status: str
    retry_at: datetime | None
    reason: str
