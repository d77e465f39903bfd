"""Routing, as pure rules: which queue a case goes to, and which agent takes it.

1. **Queue** — the first rule (by position) whose conditions all hold: case type, customer
   segment, customer value at least, lifecycle stage, channel, language; each condition left empty
   holds for any case. No rule: the default queue. A rule may raise the case's priority.
2. **Teams** — a queue is served by its teams; once a case has waited ``overflow_after`` seconds,
   the overflow teams join (a store's queue overflowing to the contact centre, the contact centre
   to the back office).
3. **Agent** — among the agents of those teams who are *available*, have room on the case's
   channel (capacity per channel: one call, three chats, ten e-mails…) and hold every skill the
   queue requires plus the case's language: the customer's usual adviser first when eligible, then
   the best skill match (sum of the levels of the required skills, the language and the case's
   type), then the lightest load (share of the channel's capacity in use), then the longest idle.

Every decision carries a readable explanation (``Decision.explanation``), kept on the case.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

PRESENCES = ("available", "busy", "away", "offline")
#: An agent decision is explained in three lines: the teams, what is needed, the outcome.
DECISION_LINES = 3
PRIORITY_RAISE = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class CaseFacts:
    id: int
    type: str
    channel: str
    priority: str = "normal"
    language: str = "fr"
    segment: str | None = None
    value: float | None = None
    stage: str | None = None
    #: Seconds the case has waited in its queue.
    waiting: float = 0.0
    #: The agent who handled the customer's latest case, if any.
    usual_agent: int | None = None


@dataclass(frozen=True)
class Rule:
    position: int
    queue: str
    types: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    min_value: float | None = None
    stages: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    #: Raise the case to this priority (never lowers it).
    priority: str | None = None

    def failed_condition(self, case: CaseFacts) -> str | None:
        """The first condition the case does not meet, said in words; None if all hold."""
        checks = (
            (self.types, case.type, "type"),
            (self.segments, case.segment, "segment"),
            (self.stages, case.stage, "stage"),
            (self.channels, case.channel, "channel"),
            (self.languages, case.language, "language"),
        )
        for wanted, actual, name in checks:
            if wanted and actual not in wanted:
                return f"{name} {actual or '(none)'} not in {', '.join(sorted(wanted))}"
        if self.min_value is not None and (case.value or 0) < self.min_value:
            return f"value {case.value or 0:g} below {self.min_value:g}"
        return None


@dataclass(frozen=True)
class QueueSpec:
    name: str
    teams: frozenset[str]
    skills: frozenset[str] = frozenset()
    overflow_after: float | None = None
    overflow_teams: frozenset[str] = frozenset()


@dataclass
class AgentState:
    id: int
    name: str
    team: str
    presence: str
    #: skill → level (1 to 5): "language:fr", "product:heat_pump", "type:after_sales"…
    skills: dict[str, int] = field(default_factory=dict)
    #: channel → how many cases at once.
    capacity: dict[str, int] = field(default_factory=dict)
    #: channel → active cases assigned now.
    load: dict[str, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class QueueChoice:
    queue: str
    priority: str
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    agent: int | None
    teams: frozenset[str]
    explanation: tuple[str, ...]


def choose_queue(case: CaseFacts, rules: Sequence[Rule], default_queue: str) -> QueueChoice:
    """The queue of the first rule that holds (by position), else the default."""
    for rule in sorted(rules, key=lambda r: r.position):
        if rule.failed_condition(case) is not None:
            continue
        priority = case.priority
        lines = [f"rule {rule.position} → queue {rule.queue}"]
        if rule.priority and PRIORITY_RAISE.index(rule.priority) > PRIORITY_RAISE.index(priority):
            lines.append(f"priority raised from {priority} to {rule.priority} by the rule")
            priority = rule.priority
        return QueueChoice(rule.queue, priority, tuple(lines))
    return QueueChoice(default_queue, case.priority, (f"no rule holds → queue {default_queue}",))


def teams_for(queue: QueueSpec, waiting: float) -> tuple[frozenset[str], str]:
    """The teams that may take a case of this queue after ``waiting`` seconds, and why."""
    if (
        queue.overflow_after is not None
        and queue.overflow_teams
        and waiting >= queue.overflow_after
    ):
        return queue.teams | queue.overflow_teams, (
            f"waited {waiting:.0f} s ≥ {queue.overflow_after:.0f} s: overflow to "
            f"{', '.join(sorted(queue.overflow_teams))}"
        )
    return queue.teams, f"teams {', '.join(sorted(queue.teams))}"


def required_skills(case: CaseFacts, queue: QueueSpec) -> frozenset[str]:
    """What an agent must hold for the case: the queue's skills and the customer's language."""
    return queue.skills | {f"language:{case.language}"}


def why_not(agent: AgentState, case: CaseFacts, required: Iterable[str],
            teams: frozenset[str]) -> str | None:  # fmt: skip
    """Why an agent cannot take the case, in words; None if they can."""
    if agent.team not in teams:
        return f"team {agent.team} does not serve this queue"
    if agent.presence != "available":
        return agent.presence
    capacity = agent.capacity.get(case.channel, 0)
    if capacity == 0:
        return f"does not handle {case.channel}"
    if agent.load.get(case.channel, 0) >= capacity:
        return f"{case.channel} full ({capacity})"
    missing = sorted(skill for skill in required if agent.skills.get(skill, 0) < 1)
    if missing:
        return f"lacks {', '.join(missing)}"
    return None


def _rank(agent: AgentState, case: CaseFacts, required: frozenset[str]) -> tuple[float, ...]:
    skill = sum(agent.skills.get(name, 0) for name in required)
    skill += agent.skills.get(f"type:{case.type}", 0)
    load = agent.load.get(case.channel, 0) / agent.capacity[case.channel]
    idle = agent.last_assigned_at.timestamp() if agent.last_assigned_at else float("-inf")
    return (0 if agent.id == case.usual_agent else 1, -skill, load, idle, agent.id)


def choose_agent(case: CaseFacts, queue: QueueSpec, agents: Iterable[AgentState]) -> Decision:
    """The agent who should take the case now, or None (it waits), with the reasons."""
    teams, team_reason = teams_for(queue, case.waiting)
    required = required_skills(case, queue)
    eligible = [agent for agent in agents if why_not(agent, case, required, teams) is None]
    lines = [team_reason, f"needs {', '.join(sorted(required))} and room on {case.channel}"]
    if not eligible:
        lines.append("no agent available: the case waits in the queue")
        return Decision(None, teams, tuple(lines))
    best = min(eligible, key=lambda agent: _rank(agent, case, required))
    if best.id == case.usual_agent:
        lines.append(f"{best.name}: the customer's usual adviser")
    else:
        skill = _rank(best, case, required)[1]
        load = best.load.get(case.channel, 0)
        lines.append(
            f"{best.name}: skill score {-skill:g}, {load}/{best.capacity[case.channel]} "
            f"{case.channel} in progress, among {len(eligible)} eligible"
        )
    return Decision(best.id, teams, tuple(lines))


@dataclass
class Waiting:
    """A case waiting in its queue, for :class:`WaitingCases`."""

    case: CaseFacts
    queue: QueueSpec
    since: float


class WaitingCases:
    """Cases waiting for an agent, grouped by queue, channel, language and priority, each group in
    arrival order: the next case for a freed agent is found by looking at the head of each group
    only (a few dozen), not at every waiting case."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str, str], deque[Waiting]] = {}
        self.count = 0

    def add(self, waiting: Waiting) -> None:
        case = waiting.case
        key = (waiting.queue.name, case.channel, case.language, case.priority)
        self.groups.setdefault(key, deque()).append(waiting)
        self.count += 1

    def remove(self, waiting: Waiting) -> None:
        case = waiting.case
        group = self.groups[(waiting.queue.name, case.channel, case.language, case.priority)]
        if group and group[0] is waiting:
            group.popleft()
        else:
            group.remove(waiting)
        self.count -= 1

    def best_for(self, agent: AgentState, now: float) -> Waiting | None:
        """The most urgent, then longest-waiting, case this agent may take now."""
        best: Waiting | None = None
        for (_, _, _, priority), group in self.groups.items():
            if not group:
                continue
            head = group[0]
            facts = head.case
            teams, _ = teams_for(head.queue, now - head.since)
            if why_not(agent, facts, required_skills(facts, head.queue), teams) is not None:
                continue
            rank = (-PRIORITY_RAISE.index(priority), head.since)
            if best is None or rank < (-PRIORITY_RAISE.index(best.case.priority), best.since):
                best = head
        if best is not None:
            self.remove(best)
        return best
