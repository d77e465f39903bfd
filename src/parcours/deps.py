"""FastAPI dependencies shared by every context's routes (``Annotated`` style)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from parcours.accounts.models import ApiToken
from parcours.accounts.services import USAGE_RESOLUTION, authenticate_token, record_token_use
from parcours.config import Settings
from parcours.db import Database, utcnow


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with database.transaction(write=request.method not in READ_METHODS) as session:
        yield session


_bearer = HTTPBearer(auto_error=False, description="An API token from `parcours tokens create`")


def require_token(
    database: Annotated[Database, Depends(get_database)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    """The caller's token; its last use is recorded in a short transaction of its own."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API token: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with database.sessions() as session:
        token = authenticate_token(session, credentials.credentials)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked API token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if token.last_used_at is None or token.last_used_at < utcnow() - USAGE_RESOLUTION:
        with database.transaction(write=True) as session:
            record_token_use(session, token.id)
    return token


def get_api_session(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    _token: Annotated[ApiToken, Depends(require_token)],
) -> Iterator[Session]:
    """The request's transaction, opened only once the token is checked.

    The token check records the token's use in a short write of its own; on SQLite that write
    must not wait for a write lock this very request already holds.
    """
    with database.transaction(write=request.method not in READ_METHODS) as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
ApiSessionDep = Annotated[Session, Depends(get_api_session)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
TokenDep = Annotated[ApiToken, Depends(require_token)]
