"""Shapes of the interactions API (the ingestion body is the stable JSONL object, checked by
``records.normalise_interaction`` so that each item gets its own result)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict


class InteractionResult(BaseModel):
    line: int
    source: str
    external_id: str
    status: str
    interaction_id: int | None = None
    customer_id: int | None = None
    field: str | None = None
    reason: str | None = None


class InteractionResults(BaseModel):
    recorded: int
    updated: int
    unchanged: int
    rejected: int
    results: list[InteractionResult]


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    channel: str
    channel_label: str
    icon: str
    network: str | None
    type: str
    type_label: str
    direction: str
    initiative: str
    nature: str
    phase: str
    source: str
    external_id: str
    case_ref: str | None
    agent: str | None
    duration_seconds: int | None
    cost: Decimal | None
    amount: Decimal | None
    currency: str | None
    location: str | None
    payload: dict[str, Any]


class TimelinePage(BaseModel):
    customer_id: int
    total: int
    page: int
    page_size: int
    items: list[TimelineEntry]


class ChannelFiguresOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    contacts: int
    informative: int
    transactional: int
    inbound: int
    outbound: int
    cost: Decimal
    amount: Decimal


class ContactStatisticsOut(BaseModel):
    """Contacts by channel and nature, cost, first and last contact, channel preference; overall
    also contacts per identified customer and the anonymous ones."""

    model_config = ConfigDict(from_attributes=True)

    contacts: int
    by_channel: list[ChannelFiguresOut]
    cost: Decimal
    first_contact: datetime | None
    last_contact: datetime | None
    preferred_channel: str | None
    customers: int | None = None
    contacts_per_customer_mean: float | None = None
    contacts_per_customer_median: float | None = None
    anonymous_contacts: int | None = None


class NoteIn(BaseModel):
    body: str
    author: str | None = None


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    author: str
    body: str
    created_at: datetime


class NotePage(BaseModel):
    customer_id: int
    total: int
    items: list[NoteOut]


class FollowOut(BaseModel):
    follower: str
    customer_id: int
    following: bool
