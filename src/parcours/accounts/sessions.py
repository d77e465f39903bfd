"""Console sessions: signing in gives the browser a new random session id (HttpOnly cookie; only
its SHA-256 is stored) and a CSRF token that every form and HTMX request sends back. A new id at
each sign-in (nothing chosen by the browser is ever kept: no session fixation); signing out or
expiry ends it. Who did what on a customer goes to the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parcours.accounts.access import Principal
from parcours.accounts.models import AuditEvent, User, UserSession
from parcours.accounts.services import verify_password
from parcours.db import utcnow

COOKIE = "parcours_session"
LIFETIME = timedelta(hours=12)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_id: str
    csrf_token: str

    @property
    def principal(self) -> Principal:
        return Principal(f"user:{self.user.login}", self.user.role, self.user.unit)

    @property
    def name(self) -> str:
        """The name the person signs with (a note, a reply, a chat answer): their display name,
        else their login — and the name of their agent record, if they have one."""
        return self.user.display_name or self.user.login


def sign_in(session: Session, login: str, password: str,
            now: datetime | None = None) -> SignedIn | None:  # fmt: skip
    """A new session for the right password; None otherwise (same answer for an unknown login
    and a wrong password)."""
    user = verify_password(session, login.strip(), password)
    if user is None:
        return None
    now = now or utcnow()
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.execute(delete(UserSession).where(UserSession.expires_at < now))
    session.add(UserSession(token_hash=_digest(session_id), user_id=user.id, csrf_token=csrf,
                            created_at=now, expires_at=now + LIFETIME))  # fmt: skip
    session.flush()
    return SignedIn(user, session_id, csrf)


def signed_in(session: Session, session_id: str | None,
              now: datetime | None = None) -> SignedIn | None:  # fmt: skip
    if not session_id:
        return None
    found = session.scalar(
        select(UserSession).where(UserSession.token_hash == _digest(session_id),
                                  UserSession.expires_at > (now or utcnow()))
    )  # fmt: skip
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.is_active:
        return None
    return SignedIn(user, session_id, found.csrf_token)


def sign_out(session: Session, session_id: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _digest(session_id)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")


def audit(session: Session, principal: Principal, action: str, customer_id: int | None,
          what: str) -> None:  # fmt: skip
    session.add(AuditEvent(actor=principal.actor, action=action, customer_id=customer_id,
                           what=what[:300]))  # fmt: skip
