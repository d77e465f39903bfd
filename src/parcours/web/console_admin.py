"""The console's administration: its home page, users and channel accounts (admins only; teams,
agents and skills, routing rules and SLA policies are in :mod:`parcours.web.console_admin_staff`).

Routes parse the form, call the owning context's service and render; a refused form comes back
with the service's message and everything typed, status 422, nothing written. A new password
(user created, password reset) is shown once, in the answer to the POST itself, never stored
or put in an address (see docs/administration.md). Channel secrets are write-only: a page shows
only whether each is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.accounts import access, sessions
from parcours.accounts import services as accounts
from parcours.accounts.models import User
from parcours.accounts.sessions import SignedIn
from parcours.channels import accounts as channels
from parcours.channels.models import ChannelAccount
from parcours.deps import SessionDep
from parcours.paging import page_count
from parcours.web.console import form_user, page_user, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
T = TypeVar("T")


@dataclass(frozen=True)
class Pager(Generic[T]):
    """One page of a list, with what the template needs for its links."""

    items: Sequence[T]
    page: int
    pages: int


def paginate(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> Pager[T]:
    pages = page_count(len(items), size)
    page = min(max(page, 1), pages)
    return Pager(items[(page - 1) * size : page * size], page, pages)


def no_store(page: HTMLResponse) -> HTMLResponse:
    """A page holding a password just made: kept by no cache, not even the browser's."""
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/console/admin", response_class=HTMLResponse)
def admin_home(request: Request, session: SessionDep) -> Response:
    current = page_user(request, session, "staff.write")
    if not isinstance(current, SignedIn):
        return current
    return render(request, "admin.html", me=current)


# -- users ----------------------------------------------------------------------------------


def _users_page(request: Request, session: Session, current: SignedIn, page: int = 1,
                status: int = 200, **context: Any) -> HTMLResponse:  # fmt: skip
    found = accounts.users(session, page=page, page_size=PAGE_SIZE)
    context.setdefault("form", {"role": "agent", "language": "fr"})
    return render(request, "admin_users.html", status, me=current, users=found,
                  roles=access.ROLES, error=context.pop("error", None), **context)  # fmt: skip


@router.get("/console/admin/users", response_class=HTMLResponse)
def user_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    current = page_user(request, session, "users.write")
    if not isinstance(current, SignedIn):
        return current
    return _users_page(request, session, current, page)


@router.post("/console/admin/users", response_class=HTMLResponse)
async def user_create(request: Request, session: SessionDep) -> Response:
    allowed = await form_user(request, session, "users.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    login = form.get("login", "").strip()
    try:
        with session.begin_nested():  # a refused form leaves nothing behind
            password = accounts.create_user(
                session, login, role=form.get("role", ""), unit=form.get("unit"),
                display_name=form.get("display_name", "").strip() or None,
                language=form.get("language", "fr"),
            )  # fmt: skip
    except ValueError as error:
        return _users_page(request, session, current, status=422, form=form, error=str(error))
    sessions.audit(session, current.principal, "changed", None,
                   f"user {login}: created, role {form.get('role')}")  # fmt: skip
    return no_store(render(request, "admin_password.html", 201, me=current, login=login,
                           password=password, created=True))  # fmt: skip


def _user_form(user: User) -> dict[str, str]:
    return {"role": user.role, "unit": user.unit or "", "display_name": user.display_name or "",
            "language": user.language, "is_active": "on" if user.is_active else ""}  # fmt: skip


@router.get("/console/admin/users/{login}", response_class=HTMLResponse)
def user_edit(request: Request, session: SessionDep, login: str) -> Response:
    current = page_user(request, session, "users.write")
    if not isinstance(current, SignedIn):
        return current
    try:
        user = accounts.user_named(session, login)
    except accounts.UserError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    return render(request, "admin_user.html", me=current, login=login, form=_user_form(user),
                  roles=access.ROLES, error=None)  # fmt: skip


@router.post("/console/admin/users/{login}", response_class=HTMLResponse)
async def user_update(request: Request, session: SessionDep, login: str) -> Response:
    allowed = await form_user(request, session, "users.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    try:
        with session.begin_nested():
            changes = accounts.update_user(
                session, login, role=form.get("role", ""), unit=form.get("unit"),
                display_name=form.get("display_name"), language=form.get("language", "fr"),
                is_active=form.get("is_active") == "on", acting_login=current.user.login,
            )  # fmt: skip
    except ValueError as error:
        return render(request, "admin_user.html", 422, me=current, login=login, form=form,
                      roles=access.ROLES, error=str(error))  # fmt: skip
    if changes:
        sessions.audit(session, current.principal, "changed", None,
                       f"user {login}: {'; '.join(changes)}")  # fmt: skip
    return RedirectResponse("/console/admin/users", status_code=303)


@router.post("/console/admin/users/{login}/password", response_class=HTMLResponse)
async def user_password(request: Request, session: SessionDep, login: str) -> Response:
    allowed = await form_user(request, session, "users.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, _form = allowed
    try:
        password = accounts.reset_password(session, login)
    except LookupError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    sessions.audit(session, current.principal, "changed", None, f"user {login}: password reset")
    return no_store(render(request, "admin_password.html", me=current, login=login,
                           password=password, created=False))  # fmt: skip


# -- channel accounts -------------------------------------------------------------------------

#: Settings holding a list, typed as comma-separated values (as ``parcours channels set``).
LIST_SETTINGS = ("allowed_origins", "line_numbers")


def _channel_form(account: ChannelAccount) -> dict[str, str]:
    form = {"name": account.name, "kind": account.kind,
            "is_active": "on" if account.is_active else ""}  # fmt: skip
    for key, value in account.settings.items():
        form[f"setting.{key}"] = ", ".join(value) if isinstance(value, list) else str(value)
    return form


def _channel_page(request: Request, current: SignedIn, form: dict[str, str],
                  secrets_set: dict[str, bool], *, is_new: bool, status: int = 200,
                  error: str | None = None) -> HTMLResponse:  # fmt: skip
    kind = channels.KINDS[form["kind"]]
    return render(request, "admin_channel.html", status, me=current, form=form, kind=kind,
                  secrets_set=secrets_set, is_new=is_new, error=error)  # fmt: skip


@router.get("/console/admin/channels", response_class=HTMLResponse)
def channel_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    current = page_user(request, session, "channels.write")
    if not isinstance(current, SignedIn):
        return current
    views = [channels.view(account) for account in channels.all_accounts(session)]
    return render(request, "admin_channels.html", me=current, channels=paginate(views, page),
                  kinds=channels.KINDS)  # fmt: skip


@router.get("/console/admin/channels/new", response_class=HTMLResponse)
def channel_new(request: Request, session: SessionDep, kind: str = "email") -> Response:
    current = page_user(request, session, "channels.write")
    if not isinstance(current, SignedIn):
        return current
    if kind not in channels.KINDS:
        return render(request, "not_found.html", 404, me=current, message=kind)
    secrets_set = dict.fromkeys(channels.KINDS[kind].secrets, False)
    return _channel_page(request, current, {"kind": kind, "is_active": "on"}, secrets_set,
                         is_new=True)  # fmt: skip


@router.get("/console/admin/channels/{name}", response_class=HTMLResponse)
def channel_edit(request: Request, session: SessionDep, name: str) -> Response:
    current = page_user(request, session, "channels.write")
    if not isinstance(current, SignedIn):
        return current
    try:
        account = channels.account_named(session, name)
    except channels.ChannelError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    return _channel_page(request, current, _channel_form(account),
                         channels.view(account)["secrets"], is_new=False)  # fmt: skip


@router.post("/console/admin/channels", response_class=HTMLResponse)
async def channel_save(request: Request, session: SessionDep) -> Response:
    """Create or update a channel account; a secret left empty keeps its value."""
    allowed = await form_user(request, session, "channels.write")
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    name, kind = form.get("name", "").strip(), form.get("kind", "")
    if kind not in channels.KINDS:
        return render(request, "not_found.html", 404, me=current, message=kind)
    settings: dict[str, Any] = {}
    for key in channels.KINDS[kind].required + channels.KINDS[kind].optional:
        value = form.get(f"setting.{key}", "").strip()
        if value:
            settings[key] = ([v.strip() for v in value.split(",") if v.strip()]
                             if key in LIST_SETTINGS else value)  # fmt: skip
    given = {key: form.get(f"secret.{key}", "") for key in channels.KINDS[kind].secrets}
    is_new = form.get("is_new") == "1"
    try:
        with session.begin_nested():
            if is_new and name and name in {a.name for a in channels.all_accounts(session)}:
                raise channels.ChannelError(f"a channel account named {name!r} exists already")
            channels.save(session, name, kind, settings, given,
                          is_active=form.get("is_active") == "on")  # fmt: skip
    except channels.ChannelError as error:
        saved = None if is_new else session.scalar(
            select(ChannelAccount).where(ChannelAccount.name == name))  # fmt: skip
        kept = (channels.view(saved)["secrets"] if saved is not None
                else dict.fromkeys(channels.KINDS[kind].secrets, False))  # fmt: skip
        safe = {k: v for k, v in form.items() if not k.startswith("secret.")}
        return _channel_page(request, current, safe, kept, is_new=is_new, status=422,
                             error=str(error))  # fmt: skip
    replaced = sorted(key for key, value in given.items() if value)
    sessions.audit(session, current.principal, "changed", None,
                   f"channel {name}: saved ({kind}), secrets replaced: "
                   f"{', '.join(replaced) or 'none'}")  # fmt: skip
    return RedirectResponse("/console/admin/channels", status_code=303)
