"""FastAPI dependencies shared by every context's routes (``Annotated`` style)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from parcours.accounts.access import Principal
from parcours.accounts.models import ApiToken
from parcours.accounts.services import USAGE_RESOLUTION, authenticate_token, record_token_use
from parcours.accounts.sessions import audit
from parcours.cases.models import ChatConversation
from parcours.cases.services import UnknownCase, find_case
from parcours.config import Settings
from parcours.customers.services import CustomerNotFound, Visibility, ensure_visible
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


def api_principal(token: TokenDep) -> Principal:
    """The program behind the token, with the token's role and unit."""
    return Principal(f"token:{token.name}", token.role, token.unit)


PrincipalDep = Annotated[Principal, Depends(api_principal)]


def visibility_of(principal: Principal) -> Visibility:
    return Visibility(sees_all=principal.role == "admin", unit=principal.unit)


def api_visibility(principal: PrincipalDep) -> Visibility:
    return visibility_of(principal)


VisibilityDep = Annotated[Visibility, Depends(api_visibility)]


def requires(read: str, write: str | None = None) -> Any:
    """A router dependency: ``read`` for GET/HEAD, ``write`` (default: the same) otherwise;
    403 naming the permission the token's role lacks."""
    wanted_write = write or read

    def check(request: Request, principal: PrincipalDep) -> None:
        wanted = read if request.method in READ_METHODS else wanted_write
        if not principal.may(wanted):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"the {principal.role} role may not {wanted}"
            )

    return Depends(check)


def check_customer(database: Database, principal: Principal, customer_id: int, what: str) -> None:
    """404 when the caller may not see this customer — as if it did not exist; the view, change
    or refusal is written to the audit log (in a transaction of its own: kept even on refusal)."""
    with database.transaction(write=True) as session:
        try:
            ensure_visible(session, customer_id, visibility_of(principal))
        except CustomerNotFound as error:
            refused: CustomerNotFound | None = error
            audit(session, principal, "refused", customer_id, what)
        else:
            refused = None
            action = "viewed" if what.split(" ", 1)[0] in READ_METHODS else "changed"
            audit(session, principal, action, customer_id, what)
    if refused is not None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(refused))


def customer_scope(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    principal: PrincipalDep,
) -> None:
    """For every route about one customer (``{customer_id}`` in its path): 404 when the caller
    may not see that customer — as if it did not exist; a view is written to the audit log."""
    raw = request.path_params.get("customer_id")
    if raw is None:
        return
    try:
        customer_id = int(raw)
    except ValueError:
        return  # the route's own validation answers
    check_customer(database, principal, customer_id, f"{request.method} {request.url.path}")


def case_scope(
    request: Request,
    database: Annotated[Database, Depends(get_database)],
    principal: PrincipalDep,
) -> None:
    """For every route about one case (``{key}``) or web chat (``{conversation_id}``): 404 when
    the caller may not see its customer — the answer for one that does not exist."""
    key: str | None = request.path_params.get("key")
    conversation: str = request.path_params.get("conversation_id", "")
    if principal.role == "admin" or (key is None and not conversation.isdigit()):
        return  # a conversation id that is not a number: the route's own validation answers
    customer_id: int | None = None
    with database.sessions() as session:
        if key is not None:
            refusal = f"no case {key.strip()}"
            with contextlib.suppress(UnknownCase):  # the route answers 404 itself
                customer_id = find_case(session, key).customer_id
        else:
            refusal = f"no conversation {conversation}"
            found = session.get(ChatConversation, int(conversation))
            customer_id = found.customer_id if found is not None else None
        if customer_id is None:
            return
        try:
            ensure_visible(session, customer_id, visibility_of(principal))
        except CustomerNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, refusal) from None
