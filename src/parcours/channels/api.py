"""Channel routes: connect channel accounts (secrets written, never read back); record a
recipient's consent, read an address's decisions and what they allow (the outbox enforces
them; see :mod:`parcours.channels.consents`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from parcours.channels import accounts, consents
from parcours.deps import ApiSessionDep, requires

router = APIRouter(tags=["channels"])


class ChannelIn(BaseModel):
    kind: str = Field(description=", ".join(accounts.KINDS))
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(
        default_factory=dict, description="write-only: never returned; omitted ones are kept"
    )
    is_active: bool = True


@router.put("/channels/{name}", dependencies=[requires("channels.write")])
def put_channel(session: ApiSessionDep, name: str, body: ChannelIn) -> dict[str, Any]:
    """Connect or update a channel account; the answer shows which secrets are set, not them."""
    try:
        account = accounts.save(session, name, body.kind, body.settings, body.secrets,
                                is_active=body.is_active)  # fmt: skip
    except accounts.ChannelError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return accounts.view(account)


@router.get("/channels", dependencies=[requires("channels.write")])
def get_channels(session: ApiSessionDep) -> list[dict[str, Any]]:
    """Every channel account, its settings and which of its secrets are set."""
    return [accounts.view(account) for account in accounts.all_accounts(session)]


@router.get("/channels/{name}", dependencies=[requires("channels.write")])
def get_channel(session: ApiSessionDep, name: str) -> dict[str, Any]:
    try:
        return accounts.view(accounts.account_named(session, name))
    except accounts.ChannelError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


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


@router.post(
    "/consents",
    status_code=201,
    response_model=ConsentOut,
    dependencies=[requires("consents.write")],
)
def post_consent(session: ApiSessionDep, body: ConsentIn) -> ConsentOut:
    """Record a decision (the latest one counts; the history is kept)."""
    try:
        consent = consents.record(session, **body.model_dump())
    except consents.ConsentError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return ConsentOut.model_validate(consent, from_attributes=True)


@router.get("/consents", response_model=ConsentsOut, dependencies=[requires("customers.read")])
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
