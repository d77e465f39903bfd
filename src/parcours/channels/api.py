"""Consent routes: record a recipient's decision, read an address's decisions and what they
allow (the outbox enforces them; see :mod:`parcours.channels.consents`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from parcours.channels import consents
from parcours.deps import ApiSessionDep

router = APIRouter(tags=["consents"])


class ConsentIn(BaseModel):
    channel: str = Field(description="email, sms, whatsapp, …")
    address: str = Field(description="the e-mail address or phone number, any spelling")
    purpose: str = Field(description=", ".join(consents.PURPOSES))
    is_granted: bool
    source: str = Field("api", max_length=80, description="where the decision was taken")


class ConsentOut(BaseModel):
    channel: str
    address: str
    purpose: str
    is_granted: bool
    source: str
    recorded_at: datetime


class ConsentsOut(BaseModel):
    channel: str
    address: str
    #: purpose → allowed now, and why.
    allowed: dict[str, bool]
    reasons: dict[str, str]
    history: list[ConsentOut]


@router.post("/consents", status_code=201, response_model=ConsentOut)
def post_consent(session: ApiSessionDep, body: ConsentIn) -> ConsentOut:
    """Record a decision (the latest one counts; the history is kept)."""
    try:
        consent = consents.record(session, **body.model_dump())
    except consents.ConsentError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return ConsentOut.model_validate(consent, from_attributes=True)


@router.get("/consents", response_model=ConsentsOut)
def get_consents(
    session: ApiSessionDep,
    channel: Annotated[str, Query()],
    address: Annotated[str, Query()],
) -> ConsentsOut:
    """What this address allows on this channel now, and the decisions behind it."""
    try:
        normalised = consents.normalised_address(channel, address)
        decisions = {purpose: consents.decide(session, channel, normalised, purpose)
                     for purpose in consents.ALLOWED_WITHOUT_ANSWER}  # fmt: skip
    except consents.ConsentError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return ConsentsOut(
        channel=channel, address=normalised,
        allowed={purpose: d.is_allowed for purpose, d in decisions.items()},
        reasons={purpose: d.reason for purpose, d in decisions.items()},
        history=[ConsentOut.model_validate(c, from_attributes=True)
                 for c in consents.history(session, channel, normalised)],
    )  # fmt: skip
