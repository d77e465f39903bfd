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
    due_at: datetime | None
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


class CaseDetailOut(CaseOut):
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
