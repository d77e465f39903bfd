"""Who works on a case: teams, agents and queues, routing a case to an agent, taking the next
case, handing a case over. The decisions themselves are the pure rules of
:mod:`parcours.cases.routing`; this module feeds them from the database and applies them.

Two agents can never take the same case: an assignment is one conditional update
(``… SET owner_id = :agent WHERE id = :case AND owner_id IS NULL``) and whoever comes second is
told who has it. An agent's capacity is checked under a lock on the agent's row (PostgreSQL) or
SQLite's single writer, so that two cases routed at once cannot both take an agent's last place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parcours.cases import routing, slas, workflow
from parcours.cases.models import (
    Agent,
    AgentChannel,
    AgentSkill,
    Case,
    Queue,
    RoutingRule,
    Team,
)
from parcours.cases.services import (
    CaseError,
    change_status,
    now_or_utcnow,
    open_case,
    record_event,
)
from parcours.customers.models import Customer


class AlreadyTaken(CaseError):
    """Someone else has the case; the message says who."""


# -- from the database to the pure rules --------------------------------------------------------


def _queue_spec(queue: Queue) -> routing.QueueSpec:
    return routing.QueueSpec(
        queue.name, frozenset(queue.teams), frozenset(queue.skills),
        queue.overflow_after_seconds, frozenset(queue.overflow_teams),
    )  # fmt: skip


def _rules(session: Session) -> list[routing.Rule]:
    rules = []
    for rule, queue_name in session.execute(
        select(RoutingRule, Queue.name).join(Queue, Queue.id == RoutingRule.queue_id)
    ):
        c = rule.conditions
        rules.append(routing.Rule(
            rule.position, queue_name, frozenset(c.get("types", ())),
            frozenset(c.get("segments", ())), c.get("min_value"), frozenset(c.get("stages", ())),
            frozenset(c.get("channels", ())), frozenset(c.get("languages", ())), rule.priority,
        ))  # fmt: skip
    return rules


def case_facts(session: Session, case: Case, now: datetime) -> routing.CaseFacts:
    """What routing knows of a case: its own fields, the customer's segment, value and stage
    (``attributes.segment``, ``attributes.value``, ``stage``) and usual adviser (the owner of
    their latest other case that had one)."""
    segment = value = stage = usual = None
    if case.customer_id is not None:
        customer = session.get(Customer, case.customer_id)
        if customer is not None:
            segment = customer.attributes.get("segment")
            value = _number(customer.attributes.get("value"))
            stage = customer.stage
        usual = session.scalar(
            select(Case.owner_id)
            .where(Case.customer_id == case.customer_id, Case.id != case.id,
                   Case.owner_id.is_not(None))
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(1)
        )  # fmt: skip
    waiting = (now - case.queued_at).total_seconds() if case.queued_at else 0.0
    channel = workflow.working_channel(case.type, case.channel)
    return routing.CaseFacts(case.id, case.type, channel, case.priority, case.language,
                             segment, value, stage, max(waiting, 0.0), usual)  # fmt: skip


def _number(raw: object) -> float | None:
    """A customer value given as a number or a numeric text; anything else: unknown."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def agent_states(session: Session, teams: Iterable[str] | None = None) -> list[routing.AgentState]:
    """Agents (of these teams, or all) with their skills, capacities and current loads."""
    query = select(Agent, Team.name).join(Team, Team.id == Agent.team_id)
    if teams is not None:
        query = query.where(Team.name.in_(sorted(set(teams))))
    states = {
        agent.id: routing.AgentState(
            agent.id, agent.name, team, agent.presence, last_assigned_at=agent.last_assigned_at
        )
        for agent, team in session.execute(query)
    }
    ids = sorted(states)
    for agent_id, skill, level in session.execute(
        select(AgentSkill.agent_id, AgentSkill.skill, AgentSkill.level).where(
            AgentSkill.agent_id.in_(ids)
        )
    ):
        states[agent_id].skills[skill] = level
    for agent_id, channel, capacity in session.execute(
        select(AgentChannel.agent_id, AgentChannel.channel, AgentChannel.capacity).where(
            AgentChannel.agent_id.in_(ids)
        )
    ):
        states[agent_id].capacity[channel] = capacity
    for owner, channel, count in _loads(session, ids):
        states[owner].load[channel] = count
    return list(states.values())


def _loads(session: Session, agent_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    channel = sql_case(
        *((Case.type == kind, worked) for kind, worked in workflow.WORKED_ON.items()),
        else_=Case.channel,
    )
    rows = session.execute(
        select(Case.owner_id, channel, func.count())
        .where(Case.owner_id.in_(agent_ids), Case.status.in_(sorted(workflow.ACTIVE)))
        .group_by(Case.owner_id, channel)
    )
    return [(owner, channel, int(count)) for owner, channel, count in rows if owner is not None]


# -- routing, taking, handing over --------------------------------------------------------------


def route(
    session: Session, case: Case, *, actor: str, now: datetime | None = None
) -> routing.Decision | None:
    """Put the case in its queue (if not yet) and give it to the best available agent (if any
    and if it has no owner). None when no queue is set up."""
    now = now_or_utcnow(now)
    lines: list[str] = []
    if case.queue_id is None:
        default = session.scalar(select(Queue).where(Queue.is_default.is_(True)))
        if default is None:
            return None
        choice = routing.choose_queue(case_facts(session, case, now), _rules(session), default.name)
        queue = session.scalar(select(Queue).where(Queue.name == choice.queue))
        assert queue is not None
        case.queue_id, case.queued_at = queue.id, now
        if choice.priority != case.priority:
            record_event(session, case, actor, "priority", now, before=case.priority,
                         after=choice.priority, reason="routing rule")  # fmt: skip
            case.priority = choice.priority
        lines += choice.explanation
    queue = session.get(Queue, case.queue_id)
    assert queue is not None
    if case.owner_id is not None or (case.queued_at is not None and case.queued_at > now):
        return None  # taken, or not to be worked before a later time (a call-back's retry)
    spec = _queue_spec(queue)
    facts = case_facts(session, case, now)
    teams, _ = routing.teams_for(spec, facts.waiting)
    decision = routing.choose_agent(facts, spec, agent_states(session, teams))
    if (
        not lines
        and decision.agent is None
        and case.routing[-len(decision.explanation) :] == list(decision.explanation)
    ):
        return decision  # still waiting, for the same reasons: nothing new to write
    lines = lines or [line for line in case.routing if "→ queue" in line or "priority" in line]
    lines += decision.explanation
    case.routing = lines
    record_event(session, case, actor, "routed", now, queue=queue.name, explanation=lines)
    if decision.agent is not None:
        assign(session, case, session.get(Agent, decision.agent), actor=actor, now=now)  # type: ignore[arg-type]
    return decision


def assign(session: Session, case: Case, agent: Agent, *, actor: str,
           now: datetime | None = None) -> Case:  # fmt: skip
    """Give the case to the agent if nobody has it and the agent has room on its channel."""
    now = now_or_utcnow(now)
    session.scalar(select(Agent.id).where(Agent.id == agent.id).with_for_update())
    worked_on = workflow.working_channel(case.type, case.channel)
    capacity = session.scalar(
        select(AgentChannel.capacity).where(
            AgentChannel.agent_id == agent.id, AgentChannel.channel == worked_on
        )
    )
    load = sum(count for _, channel, count in _loads(session, [agent.id]) if channel == worked_on)
    if not capacity:
        raise CaseError(f"{agent.name} does not handle {worked_on}")
    if load >= capacity:
        raise CaseError(f"{agent.name} has no room on {worked_on} ({load}/{capacity})")
    taken = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.owner_id.is_(None))
        .values(owner_id=agent.id, team_id=agent.team_id, assigned_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        holder = session.get(Agent, case.owner_id) if case.owner_id else None
        raise AlreadyTaken(f"{case.reference} is already {holder.name if holder else 'taken'}'s")
    session.refresh(case)
    agent.last_assigned_at = now
    record_event(session, case, actor, "assigned", now, agent=agent.name)
    if case.status == workflow.NEW:
        change_status(session, case, workflow.OPEN, actor=actor, now=now)
    return case


def waiting_cases(session: Session, now: datetime) -> list[Case]:
    """Unassigned active cases in a queue that may be worked now (a call-back's retry time
    passed), most urgent first, then longest waiting."""
    urgency = {name: -rank for name, rank in workflow.PRIORITY_ORDER.items()}
    waiting = session.scalars(
        select(Case)
        .where(Case.owner_id.is_(None), Case.queue_id.is_not(None),
               Case.status.in_(sorted(workflow.ACTIVE)), Case.queued_at <= now)
        .order_by(Case.queued_at, Case.id)
    ).all()  # fmt: skip
    return sorted(waiting, key=lambda case: urgency.get(case.priority, 0))


def next_case(session: Session, agent: Agent, *, now: datetime | None = None) -> Case | None:
    """The "next case" button: the most urgent, longest-waiting unassigned case the agent may
    take (queue teams with overflow, channel with room, skills), taken at once."""
    now = now_or_utcnow(now)
    team = session.get(Team, agent.team_id)
    assert team is not None
    state = next(s for s in agent_states(session, [team.name]) if s.id == agent.id)
    queues = {queue.id: _queue_spec(queue) for queue in session.scalars(select(Queue))}
    for case in waiting_cases(session, now):
        facts = case_facts(session, case, now)
        spec = queues[case.queue_id]  # type: ignore[index]
        teams, _ = routing.teams_for(spec, facts.waiting)
        if routing.why_not(state, facts, routing.required_skills(facts, spec), teams):
            continue
        try:
            return assign(session, case, agent, actor=agent.name, now=now)
        except AlreadyTaken:
            continue
    return None


def transfer(
    session: Session,
    case: Case,
    *,
    actor: str,
    to_agent: Agent | None = None,
    to_queue: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Hand a case to another agent or queue; its thread, notes and history go with it."""
    now = now_or_utcnow(now)
    if (to_agent is None) == (to_queue is None):
        raise CaseError("transfer to an agent or to a queue (one of them)")
    before = session.get(Agent, case.owner_id).name if case.owner_id else None  # type: ignore[union-attr]
    case.owner_id = case.team_id = case.assigned_at = None
    session.flush()
    if to_agent is not None:
        record_event(session, case, actor, "transferred", now, before=before, after=to_agent.name,
                     reason=reason)  # fmt: skip
        return assign(session, case, to_agent, actor=actor, now=now)
    queue = session.scalar(select(Queue).where(Queue.name == to_queue))
    if queue is None:
        raise CaseError(f"no queue named {to_queue!r}")
    case.queue_id, case.queued_at = queue.id, now
    after = f"queue {queue.name}"
    record_event(
        session, case, actor, "transferred", now, before=before, after=after, reason=reason
    )
    route(session, case, actor=actor, now=now)
    return case


def dispatch(
    session: Session, *, now: datetime | None = None, actor: str = "parcours"
) -> list[str]:
    """Route again every waiting case (run every minute or so): those that have waited past their
    queue's overflow now reach the wider pool, and agents freed since get work without asking.
    Most urgent first, then longest waiting; the references of the cases given out."""
    now = now_or_utcnow(now)
    given = []
    for case in waiting_cases(session, now):
        decision = route(session, case, actor=actor, now=now)
        if decision is not None and decision.agent is not None:
            given.append(case.reference)
    return given


def open_and_route(session: Session, **fields: Any) -> Case:
    """Open a case (see :func:`parcours.cases.services.open_case`), route it at once and start
    its service-level clocks (after routing, which may raise its priority)."""
    case = open_case(session, **fields)
    route(session, case, actor=case.opened_by, now=fields.get("now"))
    slas.start_clocks(session, case)
    return case


def loads(session: Session) -> dict[str, dict[str, int]]:
    """Agent name → channel → active cases (for the console and the CLI)."""
    names = dict(session.execute(select(Agent.id, Agent.name)).all())
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for owner, channel, count in _loads(session, sorted(names)):
        found[names[owner]][channel] = count
    return dict(found)
