"""Setting up who works on cases: teams (a store, the contact centre, the back office, the
field), agents with a capacity per channel and skills with levels, presence, queues with their
overflow, and the ordered routing rules (see :mod:`parcours.cases.routing`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parcours.cases import routing, workflow
from parcours.cases.assignment import agent_states
from parcours.cases.models import Agent, AgentChannel, AgentSkill, Queue, RoutingRule, Team
from parcours.cases.services import CaseError, now_or_utcnow
from parcours.interactions.vocabulary import CHANNELS

TEAM_KINDS = ("store", "contact_centre", "back_office", "field")


def add_team(session: Session, name: str, kind: str, *, location: str | None = None,
             manager: str | None = None) -> Team:  # fmt: skip
    if kind not in TEAM_KINDS:
        raise CaseError(f"unknown team kind {kind!r}; known: {', '.join(TEAM_KINDS)}")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise CaseError(f"a team named {name!r} exists already")
    team = Team(name=name, kind=kind, location=location, manager=manager)
    session.add(team)
    session.flush()
    return team


def team_named(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise CaseError(f"no team named {name!r}")
    return team


def add_agent(
    session: Session,
    name: str,
    team: str,
    *,
    channels: Mapping[str, int],
    skills: Mapping[str, int] | None = None,
    presence: str = "offline",
) -> Agent:
    """An agent of a team, with a capacity per channel and skills with levels (1 to 5)."""
    if session.scalar(select(Agent.id).where(Agent.name == name)) is not None:
        raise CaseError(f"an agent named {name!r} exists already")
    for channel, capacity in channels.items():
        if channel not in CHANNELS:
            raise CaseError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
        if not 1 <= capacity <= 100:
            raise CaseError(f"capacity on {channel} must be 1 to 100, not {capacity}")
    _check_skills(skills or {})
    if presence not in routing.PRESENCES:
        raise CaseError(f"unknown presence {presence!r}; known: {', '.join(routing.PRESENCES)}")
    agent = Agent(name=name, team_id=team_named(session, team).id, presence=presence)
    session.add(agent)
    session.flush()
    session.add_all(
        AgentChannel(agent_id=agent.id, channel=c, capacity=n) for c, n in channels.items()
    )
    session.add_all(
        AgentSkill(agent_id=agent.id, skill=s, level=n) for s, n in (skills or {}).items()
    )
    session.flush()
    return agent


def _check_skills(skills: Mapping[str, int]) -> None:
    for skill, level in skills.items():
        if not skill.strip():
            raise CaseError("a skill needs a name")
        if not 1 <= level <= 5:
            raise CaseError(f"level of {skill} must be 1 to 5, not {level}")


def set_skills(session: Session, agent: Agent, skills: Mapping[str, int]) -> Agent:
    """Replace an agent's skills (and levels, 1 to 5) by ``skills``."""
    _check_skills(skills)
    session.execute(delete(AgentSkill).where(AgentSkill.agent_id == agent.id))
    session.add_all(AgentSkill(agent_id=agent.id, skill=s, level=n) for s, n in skills.items())
    session.flush()
    return agent


def agent_named(session: Session, key: str | int) -> Agent:
    text = str(key)
    agent = (session.get(Agent, int(text)) if text.isdigit()
             else session.scalar(select(Agent).where(Agent.name == text)))  # fmt: skip
    if agent is None:
        raise CaseError(f"no agent {text!r}")
    return agent


def set_presence(
    session: Session, agent: Agent, presence: str, *, now: datetime | None = None
) -> Agent:
    if presence not in routing.PRESENCES:
        raise CaseError(f"unknown presence {presence!r}; known: {', '.join(routing.PRESENCES)}")
    agent.presence, agent.presence_since = presence, now_or_utcnow(now)
    return agent


def add_queue(
    session: Session,
    name: str,
    teams: Sequence[str],
    *,
    skills: Sequence[str] = (),
    overflow_after_seconds: int | None = None,
    overflow_teams: Sequence[str] = (),
    default: bool = False,
) -> Queue:
    for team in (*teams, *overflow_teams):
        team_named(session, team)
    if not teams:
        raise CaseError("a queue needs at least one team")
    if session.scalar(select(Queue.id).where(Queue.name == name)) is not None:
        raise CaseError(f"a queue named {name!r} exists already")
    if default:
        session.execute(update(Queue).values(is_default=False))
    queue = Queue(name=name, teams=list(teams), skills=list(skills),
                  overflow_after_seconds=overflow_after_seconds,
                  overflow_teams=list(overflow_teams), is_default=default)  # fmt: skip
    session.add(queue)
    session.flush()
    return queue


RULE_CONDITIONS = ("types", "segments", "min_value", "stages", "channels", "languages")


def add_rule(session: Session, position: int, queue: str, conditions: Mapping[str, Any],
             *, priority: str | None = None) -> RoutingRule:  # fmt: skip
    unknown = sorted(set(conditions) - set(RULE_CONDITIONS))
    if unknown:
        raise CaseError(f"unknown condition {unknown[0]!r}; known: {', '.join(RULE_CONDITIONS)}")
    if priority is not None:
        try:
            workflow.check_priority(priority)
        except workflow.WorkflowError as error:
            raise CaseError(str(error)) from error
    target = session.scalar(select(Queue).where(Queue.name == queue))
    if target is None:
        raise CaseError(f"no queue named {queue!r}")
    if session.scalar(select(RoutingRule.id).where(RoutingRule.position == position)):
        raise CaseError(f"a rule holds position {position} already")
    rule = RoutingRule(position=position, queue_id=target.id, conditions=dict(conditions),
                       priority=priority)  # fmt: skip
    session.add(rule)
    session.flush()
    return rule


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def queues(session: Session) -> list[Queue]:
    return list(session.scalars(select(Queue).order_by(Queue.name)))


def rules(session: Session) -> list[tuple[RoutingRule, str]]:
    rows = session.execute(
        select(RoutingRule, Queue.name)
        .join(Queue, Queue.id == RoutingRule.queue_id)
        .order_by(RoutingRule.position)
    )
    return [(rule, name) for rule, name in rows]


@dataclass
class AgentView:
    id: int
    name: str
    team: str
    presence: str
    channels: dict[str, int]
    skills: dict[str, int]
    load: dict[str, int]


def agents(session: Session) -> list[AgentView]:
    """Every agent with their team, capacities, skills, presence and current load."""
    return sorted(
        (AgentView(s.id, s.name, s.team, s.presence, s.capacity, s.skills, s.load)
         for s in agent_states(session)),
        key=lambda view: (view.team, view.name),
    )  # fmt: skip
