"""The console's administration of who works on cases (managers and admins, ``staff.write``):
teams, agents with their channel capacities and skills, routing rules and SLA policies.

The forms take what ``parcours teams/agents/queues/slas`` take, in text fields: capacities and
skills as ``NAME:NUMBER`` separated by commas (``chat:3, email:5``; ``language:fr:4``), lists
as comma-separated values. The rules are the services' own (:mod:`parcours.cases.staff`,
:mod:`parcours.cases.slas`): a refused form comes back with their message and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from parcours.accounts.sessions import SignedIn
from parcours.cases import routing, slas, staff, workflow
from parcours.cases.services import CaseError
from parcours.deps import SessionDep
from parcours.interactions.vocabulary import CHANNELS
from parcours.web.console import form_user, page_user, render
from parcours.web.console_admin import paginate

router = APIRouter(include_in_schema=False)
PERMISSION = "staff.write"


def pairs(text: str, what: str) -> dict[str, int]:
    """``chat:3, email:5`` as ``{"chat": 3, "email": 5}`` (the name may hold colons)."""
    found: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, number = item.rpartition(":")
        if not name.strip() or not number.strip().isdigit():
            raise CaseError(f"{what}: expected NAME:NUMBER, got {item!r}")
        found[name.strip()] = int(number)
    return found


def values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def number(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CaseError(f"{what} must be a whole number, not {text!r}") from None


def conditions(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {name: values(form.get(name, "")) for name in names}
    return {name: listed for name, listed in found.items() if listed}


async def _create(request: Request, session: Session, page: Callable[..., HTMLResponse],
                  action: Callable[[dict[str, str]], object], back: str) -> Response:  # fmt: skip
    """The POST of a creation form: the service called, or the page again with its message."""
    allowed = await form_user(request, session, PERMISSION)
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    try:
        with session.begin_nested():  # a refused form leaves nothing behind
            action(form)
    except CaseError as error:
        return page(request, session, current, status=422, form=form, error=str(error))
    return RedirectResponse(back, status_code=303)


def _shown(request: Request, session: Session, page: Callable[..., HTMLResponse],
           number_of_page: int = 1) -> Response:  # fmt: skip
    current = page_user(request, session, PERMISSION)
    if not isinstance(current, SignedIn):
        return current
    return page(request, session, current, number_of_page=number_of_page)


# -- teams -------------------------------------------------------------------------------------


def _teams(request: Request, session: Session, current: SignedIn, *, status: int = 200,
           form: dict[str, str] | None = None, error: str | None = None,
           number_of_page: int = 1) -> HTMLResponse:  # fmt: skip
    return render(request, "admin_teams.html", status, me=current, error=error,
                  teams=paginate(staff.teams(session), number_of_page),
                  kinds=staff.TEAM_KINDS, form=form or {"kind": "store"})  # fmt: skip


@router.get("/console/admin/teams", response_class=HTMLResponse)
def team_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    return _shown(request, session, _teams, page)


@router.post("/console/admin/teams", response_class=HTMLResponse)
async def team_create(request: Request, session: SessionDep) -> Response:
    def add(form: dict[str, str]) -> object:
        name = form.get("name", "").strip()
        if not name:
            raise CaseError("a team needs a name")
        return staff.add_team(session, name, form.get("kind", ""),
                              location=form.get("location", "").strip() or None,
                              manager=form.get("manager", "").strip() or None)  # fmt: skip

    return await _create(request, session, _teams, add, "/console/admin/teams")


# -- agents and their skills ---------------------------------------------------------------------


def _agents(request: Request, session: Session, current: SignedIn, *, status: int = 200,
            form: dict[str, str] | None = None, error: str | None = None,
            number_of_page: int = 1) -> HTMLResponse:  # fmt: skip
    return render(request, "admin_agents.html", status, me=current, error=error,
                  agents=paginate(staff.agents(session), number_of_page),
                  teams=staff.teams(session), presences=routing.PRESENCES,
                  channels=sorted(CHANNELS), form=form or {"presence": "offline"})  # fmt: skip


@router.get("/console/admin/agents", response_class=HTMLResponse)
def agent_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    return _shown(request, session, _agents, page)


@router.post("/console/admin/agents", response_class=HTMLResponse)
async def agent_create(request: Request, session: SessionDep) -> Response:
    def add(form: dict[str, str]) -> object:
        name = form.get("name", "").strip()
        if not name:
            raise CaseError("an agent needs a name")
        channels = pairs(form.get("channels", ""), "channels")
        if not channels:
            raise CaseError("an agent needs at least one channel with a capacity")
        return staff.add_agent(session, name, form.get("team", ""), channels=channels,
                               skills=pairs(form.get("skills", ""), "skills"),
                               presence=form.get("presence", "offline"))  # fmt: skip

    return await _create(request, session, _agents, add, "/console/admin/agents")


def _skills_page(request: Request, session: Session, current: SignedIn, agent_id: int,
                 status: int = 200, form: dict[str, str] | None = None,
                 error: str | None = None) -> HTMLResponse:  # fmt: skip
    [view] = [view for view in staff.agents(session) if view.id == agent_id]
    if form is None:
        form = {"skills": ", ".join(f"{k}:{v}" for k, v in sorted(view.skills.items()))}
    return render(request, "admin_agent.html", status, me=current, agent=view, form=form,
                  error=error)  # fmt: skip


@router.get("/console/admin/agents/{agent_id}", response_class=HTMLResponse)
def agent_skills(request: Request, session: SessionDep, agent_id: int) -> Response:
    current = page_user(request, session, PERMISSION)
    if not isinstance(current, SignedIn):
        return current
    try:
        staff.agent_named(session, agent_id)
    except CaseError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    return _skills_page(request, session, current, agent_id)


@router.post("/console/admin/agents/{agent_id}", response_class=HTMLResponse)
async def agent_skills_save(request: Request, session: SessionDep, agent_id: int) -> Response:
    """Replace the agent's skills by those of the form."""
    allowed = await form_user(request, session, PERMISSION)
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    try:
        agent = staff.agent_named(session, agent_id)
    except CaseError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    try:
        with session.begin_nested():
            staff.set_skills(session, agent, pairs(form.get("skills", ""), "skills"))
    except CaseError as error:
        return _skills_page(request, session, current, agent_id, 422, form, str(error))
    return RedirectResponse("/console/admin/agents", status_code=303)


# -- routing rules ---------------------------------------------------------------------------------


def _rules(request: Request, session: Session, current: SignedIn, *, status: int = 200,
           form: dict[str, str] | None = None, error: str | None = None,
           number_of_page: int = 1, queue_form: dict[str, str] | None = None,
           queue_error: str | None = None) -> HTMLResponse:  # fmt: skip
    return render(request, "admin_rules.html", status, me=current, error=error,
                  rules=paginate(staff.rules(session), number_of_page),
                  queues=staff.queues(session), priorities=list(workflow.PRIORITIES),
                  form=form or {}, queue_form=queue_form or {},
                  queue_error=queue_error)  # fmt: skip


@router.get("/console/admin/routing", response_class=HTMLResponse)
def rule_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    return _shown(request, session, _rules, page)


@router.post("/console/admin/routing", response_class=HTMLResponse)
async def rule_create(request: Request, session: SessionDep) -> Response:
    def add(form: dict[str, str]) -> object:
        position = number(form.get("position", ""), "the position")
        found = conditions(form, ("types", "segments", "stages", "channels", "languages"))
        if form.get("min_value", "").strip():
            try:
                found["min_value"] = float(form["min_value"].replace(",", "."))
            except ValueError:
                raise CaseError(f"the minimum value must be a number, not "
                                f"{form['min_value']!r}") from None  # fmt: skip
        return staff.add_rule(session, position, form.get("queue", ""), found,
                              priority=form.get("priority") or None)  # fmt: skip

    return await _create(request, session, _rules, add, "/console/admin/routing")


@router.post("/console/admin/queues", response_class=HTMLResponse)
async def queue_create(request: Request, session: SessionDep) -> Response:
    """A queue served by teams, with an overflow to other teams after a wait (seconds)."""
    allowed = await form_user(request, session, PERMISSION)
    if not isinstance(allowed, tuple):
        return allowed
    current, form = allowed
    try:
        with session.begin_nested():
            name = form.get("name", "").strip()
            if not name:
                raise CaseError("a queue needs a name")
            wait = form.get("overflow_after_seconds", "").strip()
            staff.add_queue(
                session, name, values(form.get("teams", "")),
                skills=values(form.get("skills", "")),
                overflow_after_seconds=number(wait, "the overflow wait") if wait else None,
                overflow_teams=values(form.get("overflow_teams", "")),
                default=form.get("is_default") == "on",
            )  # fmt: skip
    except CaseError as error:
        return _rules(request, session, current, status=422, queue_form=form,
                      queue_error=str(error))  # fmt: skip
    return RedirectResponse("/console/admin/routing", status_code=303)


# -- SLA policies ----------------------------------------------------------------------------------


def _slas(request: Request, session: Session, current: SignedIn, *, status: int = 200,
          form: dict[str, str] | None = None, error: str | None = None,
          number_of_page: int = 1) -> HTMLResponse:  # fmt: skip
    return render(request, "admin_slas.html", status, me=current, error=error,
                  policies=paginate(slas.policies(session), number_of_page),
                  form=form or {"reminder_minutes": "30"})  # fmt: skip


@router.get("/console/admin/slas", response_class=HTMLResponse)
def sla_list(request: Request, session: SessionDep, page: int = 1) -> Response:
    return _shown(request, session, _slas, page)


@router.post("/console/admin/slas", response_class=HTMLResponse)
async def sla_create(request: Request, session: SessionDep) -> Response:
    def add(form: dict[str, str]) -> object:
        name = form.get("name", "").strip()
        if not name:
            raise CaseError("an SLA policy needs a name")
        return slas.add_policy(
            session, name, number(form.get("position", ""), "the position"),
            first_response_minutes=number(form.get("first_response_minutes", ""),
                                          "the first response"),
            resolution_minutes=number(form.get("resolution_minutes", ""), "the resolution"),
            reminder_minutes=number(form.get("reminder_minutes", "30") or "30", "the reminder"),
            conditions=conditions(form, slas.CONDITIONS),
        )  # fmt: skip

    return await _create(request, session, _slas, add, "/console/admin/slas")
