"""``parcours teams …``, ``parcours agents …``, ``parcours queues …``: who works on cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from parcours.cases import services, slas, staff
from parcours.cli_support import console, fail, open_database, parse_moment

teams_app = typer.Typer(help="Teams: stores, the contact centre, the back office, the field.",
                        no_args_is_help=True)  # fmt: skip
agents_app = typer.Typer(help="Agents: channels and capacities, skills, presence.",
                         no_args_is_help=True)  # fmt: skip
queues_app = typer.Typer(help="Queues and routing rules.", no_args_is_help=True)
slas_app = typer.Typer(help="Service levels: policies, reminders and escalation, attainment.",
                       no_args_is_help=True)  # fmt: skip


def _pairs(values: list[str] | None, option: str) -> dict[str, int]:
    """``name:number`` options (``phone:1``, ``language:fr:4``) as a mapping."""
    found: dict[str, int] = {}
    for value in values or ():
        name, _, number = value.rpartition(":")
        if not name or not number.isdigit():
            fail(f"{option} expects NAME:NUMBER, got {value!r}")
        found[name] = int(number)
    return found


def _write(action: Callable[[Session], str]) -> None:
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            message = action(session)
    except services.CaseError as error:
        fail(str(error))
    console.print(message)


@teams_app.command("add")
def add_team_command(
    name: str,
    kind: Annotated[str, typer.Option(help=", ".join(staff.TEAM_KINDS))],
    location: Annotated[str | None, typer.Option()] = None,
    manager: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a team."""
    _write(
        lambda s: f"team {staff.add_team(s, name, kind, location=location, manager=manager).name}"
    )


@agents_app.command("add")
def add_agent_command(
    name: str,
    team: Annotated[str, typer.Option()],
    channel: Annotated[list[str], typer.Option(help="CHANNEL:CAPACITY, e.g. chat:3 (repeatable)")],
    skill: Annotated[list[str] | None, typer.Option(help="SKILL:LEVEL, e.g. language:fr:4")] = None,
    presence: Annotated[str, typer.Option(help="available, busy, away, offline")] = "offline",
) -> None:
    """Add an agent with a capacity per channel and skills with levels (1 to 5)."""
    channels, skills = _pairs(channel, "--channel"), _pairs(skill, "--skill")

    def add(session: Session) -> str:
        agent = staff.add_agent(session, name, team, channels=channels, skills=skills,
                                presence=presence)  # fmt: skip
        return f"agent {agent.name}"

    _write(add)


@agents_app.command("presence")
def presence_command(
    name: str, presence: Annotated[str, typer.Argument(help="available, busy, away, offline")]
) -> None:
    """Set an agent's presence."""
    _write(
        lambda s: f"{name}: {staff.set_presence(s, staff.agent_named(s, name), presence).presence}"
    )


@agents_app.command("list")
def list_agents_command() -> None:
    """Agents with their team, presence, capacities, skills and current load."""
    database = open_database()
    with database.sessions() as session:
        views = staff.agents(session)
    table = Table(title=f"{len(views)} agent(s)")
    for column in ("name", "team", "presence", "load / capacity", "skills"):
        table.add_column(column)
    for view in views:
        load = ", ".join(f"{c} {view.load.get(c, 0)}/{n}" for c, n in sorted(view.channels.items()))
        skills = ", ".join(f"{k} {v}" for k, v in sorted(view.skills.items()))
        table.add_row(view.name, view.team, view.presence, load, skills)
    console.print(table)


@queues_app.command("add")
def add_queue_command(
    name: str,
    team: Annotated[list[str], typer.Option(help="A team serving it (repeatable)")],
    skill: Annotated[list[str] | None, typer.Option(help="A skill it requires")] = None,
    overflow_after: Annotated[int | None, typer.Option(help="Seconds before overflowing")] = None,
    overflow_team: Annotated[list[str] | None, typer.Option(help="Overflow team")] = None,
    default: Annotated[bool, typer.Option(help="Where cases go when no rule holds")] = False,
) -> None:
    """Add a queue served by teams, with an overflow to a wider pool after a wait."""

    def add(session: Session) -> str:
        queue = staff.add_queue(
            session, name, team, skills=skill or (), overflow_after_seconds=overflow_after,
            overflow_teams=overflow_team or (), default=default,
        )  # fmt: skip
        return f"queue {queue.name}"

    _write(add)


@queues_app.command("rule")
def add_rule_command(
    position: int,
    queue: str,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
    segment: Annotated[list[str] | None, typer.Option()] = None,
    min_value: Annotated[float | None, typer.Option()] = None,
    stage: Annotated[list[str] | None, typer.Option()] = None,
    channel: Annotated[list[str] | None, typer.Option()] = None,
    language: Annotated[list[str] | None, typer.Option()] = None,
    priority: Annotated[
        str | None, typer.Option(help="Raise matching cases to this priority")
    ] = None,
) -> None:
    """Add a routing rule: cases meeting every condition given go to QUEUE (first rule wins)."""
    conditions: dict[str, object] = {
        key: value for key, value in (("types", type_), ("segments", segment), ("stages", stage),
                                      ("channels", channel), ("languages", language)) if value
    }  # fmt: skip
    if min_value is not None:
        conditions["min_value"] = min_value

    def add(session: Session) -> str:
        rule = staff.add_rule(session, position, queue, conditions, priority=priority)
        return f"rule {rule.position} → {queue}"

    _write(add)


@slas_app.command("add")
def add_policy_command(
    name: str,
    position: Annotated[int, typer.Option(help="The first policy that holds applies")],
    first_response: Annotated[int, typer.Option(help="Business minutes to the first response")],
    resolution: Annotated[int, typer.Option(help="Business minutes to the resolution")],
    reminder: Annotated[int, typer.Option(help="Minutes before a due time to remind")] = 30,
    priority: Annotated[list[str] | None, typer.Option()] = None,
    segment: Annotated[list[str] | None, typer.Option()] = None,
    channel: Annotated[list[str] | None, typer.Option()] = None,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
) -> None:
    """Add an SLA policy (business hours: Monday–Friday 9:00–12:30, 13:30–18:00, Paris)."""
    given = (("priorities", priority), ("segments", segment), ("channels", channel),
             ("types", type_))  # fmt: skip
    conditions = {key: value for key, value in given if value}

    def add(session: Session) -> str:
        policy = slas.add_policy(session, name, position, first_response_minutes=first_response,
                                 resolution_minutes=resolution, reminder_minutes=reminder,
                                 conditions=conditions)  # fmt: skip
        return f"SLA policy {policy.name} (position {policy.position})"

    _write(add)


@slas_app.command("check")
def check_command() -> None:
    """Remind the cases at risk and escalate the breached ones (run it every few minutes)."""

    def run(session: Session) -> str:
        report = slas.check(session)
        return (f"reminded: {', '.join(report.reminded) or 'none'}; "
                f"escalated: {', '.join(report.escalated) or 'none'}")  # fmt: skip

    _write(run)


@slas_app.command("report")
def report_command(
    since: Annotated[str, typer.Option(help="Cases opened from (ISO 8601 with offset)")],
    until: Annotated[str, typer.Option(help="Up to (exclusive)")],
) -> None:
    """SLA attainment per team and channel."""
    start, end = parse_moment(since, "--since"), parse_moment(until, "--until")
    assert start is not None and end is not None
    database = open_database()
    with database.sessions() as session:
        rows = slas.attainment(session, since=start, until=end)
    table = Table(title="SLA attainment")
    for column in ("team", "channel", "cases", "first response in time", "resolved in time"):
        table.add_column(column)
    for row in rows:
        first = f"{row.first_response_met}/{row.cases}"
        resolved = f"{row.resolution_met}/{row.resolution_due}"
        if row.first_response_rate is not None:
            first += f" ({row.first_response_rate:.0%})"
        if row.resolution_rate is not None:
            resolved += f" ({row.resolution_rate:.0%})"
        table.add_row(row.team, row.channel, str(row.cases), first, resolved)
    console.print(table)
