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
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from parcours.accounts.access import check_role
from parcours.accounts.models import ApiToken, User
from parcours.db import utcnow
from parcours.paging import page_count

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
    """A new random password for ``login``, returned once (stored as an argon2 hash)."""
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


class UserError(ValueError):
    """A change to a user that cannot be made; the message says why."""


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def users(session: Session, *, page: int = 1, page_size: int = 25) -> UserPage:
    """Users by login, one page at a time."""
    page = max(page, 1)
    total = session.scalar(select(func.count()).select_from(User)) or 0
    items = session.scalars(
        select(User).order_by(User.login).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return UserPage(list(items), total, page, page_size)


def user_named(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise UserError(f"no user {login!r}")
    return user


def update_user(session: Session, login: str, *, role: str, unit: str | None,
                display_name: str | None, language: str, is_active: bool,
                acting_login: str) -> list[str]:  # fmt: skip
    """Change a user's role, unit, name, language or whether they may sign in; the changes are
    returned in words (for the audit log). Nobody demotes or deactivates themselves: an admin
    cannot lock the last door behind them by mistake."""
    check_role(role)
    user = user_named(session, login)
    if login == acting_login and (not is_active or role != user.role):
        raise UserError("you cannot change your own role or deactivate yourself")
    wanted = {"role": role, "unit": (unit or "").strip() or None,
              "display_name": (display_name or "").strip() or None,
              "language": "en" if language == "en" else "fr", "is_active": is_active}  # fmt: skip
    changes = []
    for field, value in wanted.items():
        if getattr(user, field) != value:
            changes.append(f"{field} {getattr(user, field)!r} → {value!r}")
            setattr(user, field, value)
    session.flush()
    return changes
