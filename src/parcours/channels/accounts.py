"""Channel accounts: what an admin connects (an inbox, an SMS number, a WhatsApp line, a
Messenger page, a telephony account, a web chat), checked against what each kind needs.

Secrets (passwords, tokens, app secrets) are kept apart from the settings: the API accepts them,
the adapters read them, nothing ever returns them — a view shows only which ones are set.
They are stored as given; protecting the database and its backups protects them (2026-11-25:
no key management in the embedded mode yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.channels.models import ChannelAccount


@dataclass(frozen=True)
class Kind:
    label: str
    #: Settings that must be given, and those that may be.
    required: tuple[str, ...]
    optional: tuple[str, ...]
    secrets: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "email": Kind("E-mail inbox (IMAP in, SMTP out)", ("address",),
                  ("imap_url", "folder", "processed_folder"), ("imap_password",)),
    "sms_twilio": Kind("SMS through Twilio", ("account_sid", "webhook_url"),
                       ("from_number", "messaging_service_sid", "status_callback_url",
                        "base_url"), ("auth_token",)),
    "whatsapp": Kind("WhatsApp Business Cloud API", ("phone_number_id",),
                     ("base_url", "api_version"), ("access_token", "app_secret", "verify_token")),
    "messenger": Kind("Facebook Messenger", ("page_id",), ("base_url", "api_version"),
                      ("page_access_token", "app_secret", "verify_token")),
    "telephony_aircall": Kind("Aircall call events", (), ("line_numbers",), ("token",)),
    "telephony_generic": Kind("Call events from any PBX (signed)", (), ("line_numbers",),
                              ("secret",)),
    "webchat": Kind("Web chat widget", ("allowed_origins",),
                    ("welcome_fr", "welcome_en", "hours"), ()),
}  # fmt: skip


class ChannelError(ValueError):
    """A channel account that cannot be saved or found; the message says why."""


def _checked(kind: Kind, settings: Mapping[str, Any], secrets: Mapping[str, Any]) -> None:
    missing = [name for name in kind.required if settings.get(name) in (None, "", [])]
    if missing:
        raise ChannelError(f"{kind.label}: missing setting {', '.join(missing)}")
    unknown = [name for name in settings if name not in kind.required + kind.optional]
    if unknown:
        raise ChannelError(f"{kind.label}: unknown setting {', '.join(sorted(unknown))}; "
                           f"known: {', '.join(kind.required + kind.optional)}")  # fmt: skip
    wrong = [name for name in secrets if name not in kind.secrets]
    if wrong:
        raise ChannelError(f"{kind.label}: unknown secret {', '.join(sorted(wrong))}; "
                           f"known: {', '.join(kind.secrets) or 'none'}")  # fmt: skip


def save(session: Session, name: str, kind: str, settings: Mapping[str, Any],
         secrets: Mapping[str, Any] | None = None, *,
         is_active: bool = True) -> ChannelAccount:  # fmt: skip
    """Create or update a channel account; secrets not given keep their value."""
    if kind not in KINDS:
        raise ChannelError(f"unknown channel kind {kind!r}; known: {', '.join(KINDS)}")
    if not name.strip():
        raise ChannelError("a channel account needs a name")
    secrets = dict(secrets or {})
    _checked(KINDS[kind], settings, secrets)
    account = session.scalar(select(ChannelAccount).where(ChannelAccount.name == name))
    if account is None:
        account = ChannelAccount(name=name, kind=kind, settings={}, secrets={})
        session.add(account)
    elif account.kind != kind:
        raise ChannelError(f"channel {name!r} is a {account.kind} account, not {kind}")
    account.settings = dict(settings)
    account.secrets = {**account.secrets, **{k: v for k, v in secrets.items() if v}}
    account.is_active = is_active
    session.flush()
    return account


def account_named(session: Session, name: str) -> ChannelAccount:
    account = session.scalar(select(ChannelAccount).where(ChannelAccount.name == name))
    if account is None:
        raise ChannelError(f"no channel account named {name!r}")
    return account


def all_accounts(session: Session) -> list[ChannelAccount]:
    return list(session.scalars(select(ChannelAccount).order_by(ChannelAccount.name)))


def active_of_kind(session: Session, kind: str) -> list[ChannelAccount]:
    return list(session.scalars(
        select(ChannelAccount)
        .where(ChannelAccount.kind == kind, ChannelAccount.is_active.is_(True))
        .order_by(ChannelAccount.id)
    ))  # fmt: skip


def secret(account: ChannelAccount, name: str) -> str:
    value = account.secrets.get(name)
    if not value:
        raise ChannelError(f"channel {account.name!r}: secret {name} is not set")
    return str(value)


def view(account: ChannelAccount) -> dict[str, Any]:
    """What the API shows: settings, and for each secret only whether it is set."""
    return {
        "name": account.name, "kind": account.kind, "label": KINDS[account.kind].label,
        "settings": account.settings, "is_active": account.is_active,
        "secrets": {name: bool(account.secrets.get(name)) for name in KINDS[account.kind].secrets},
        "updated_at": account.updated_at,
    }  # fmt: skip
