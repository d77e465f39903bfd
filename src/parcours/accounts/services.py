"""Use cases for users and API tokens.

Tokens are shown once, at creation, and only their SHA-256 is stored. The admin password is random,
generated on the first start and stored as an argon2 hash: no default password exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from parcours.accounts.access import check_role
from parcours.accounts.models import ApiToken, User
from parcours.db import utcnow

TOKEN_PREFIX = "prc_"
ADMIN_LOGIN = "admin"
_hasher = PasswordHasher()


class TokenNameTaken(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, *, role: str = "admin",
                 unit: str | None = None) -> str:  # fmt: skip
    """A new token for an integration, acting with ``role`` and ``unit`` (an integration of the
    whole brand is an admin; a franchise's tool gets that franchise's unit); the plain value is
    returned once and never stored."""
    check_role(role)
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenNameTaken(f"a token named {name!r} exists already")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token), role=role,
                         unit=(unit or "").strip() or None))  # fmt: skip
    return token


USAGE_RESOLUTION = timedelta(minutes=1)


def authenticate_token(session: Session, token: str) -> ApiToken | None:
    """The active token with this value, or None. Reads only: see :func:`record_token_use`."""
    return session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.is_active)
    )


def record_token_use(session: Session, token_id: int) -> None:
    """Note when a token was last used, to the minute (one write a minute, not one a request)."""
    now = utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - USAGE_RESOLUTION),
        )
        .values(last_used_at=now)
    )


def revoke_token(session: Session, name: str) -> bool:
    found = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if found is None:
        return False
    found.is_active = False
    return True


@dataclass(frozen=True)
class AdminLogin:
    login: str
    password: str | None  # None when the admin existed already: its password is not recoverable


def ensure_admin(session: Session) -> AdminLogin:
    """Create the admin with a random password on the first start."""
    if session.scalar(select(User.id).where(User.login == ADMIN_LOGIN)) is not None:
        return AdminLogin(ADMIN_LOGIN, None)
    password = secrets.token_urlsafe(12)
    session.add(User(login=ADMIN_LOGIN, password_hash=_hasher.hash(password), role="admin"))
    return AdminLogin(ADMIN_LOGIN, password)


def reset_password(session: Session, login: str) -> str:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise LookupError(f"no user {login!r}")
    password = secrets.token_urlsafe(12)
    user.password_hash = _hasher.hash(password)
    return password


def verify_password(session: Session, login: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.login == login, User.is_active))
    if user is None:
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except VerificationError:
        return None
    return user


def create_user(session: Session, login: str, *, role: str, unit: str | None = None,
                display_name: str | None = None, language: str = "fr") -> str:  # fmt: skip
    """A console user with a random password, returned once (stored as an argon2 hash)."""
    check_role(role)
    login = login.strip()
    if not login:
        raise ValueError("a user needs a login")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise ValueError(f"a user {login!r} exists already")
    password = secrets.token_urlsafe(12)
    session.add(User(login=login, password_hash=_hasher.hash(password), role=role,
                     unit=(unit or "").strip() or None, display_name=display_name,
                     language="en" if language == "en" else "fr"))  # fmt: skip
    session.flush()
    return password
