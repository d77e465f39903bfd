"""Benchmark: a day of an omnichannel contact centre, simulated with the real routing code.

A discrete-event simulation (arrivals, answers, ends of handling, abandonments) drives
``parcours.cases.routing`` — the same ``choose_agent``, ``why_not`` and ``WaitingCases`` as the
product — and compares it with first-come, first-served round-robin (agents in turn, cases in
arrival order, skills ignored). Three parts:

1. **Validation against Erlang C**: one skill, one channel, 100 calls per 30 minutes, handling
   time 180 s (exponential), 14 agents, nobody hangs up: the share answered within 20 s must
   match Erlang C (0.888) within ±0.01.
2. **A day** (8 h, medians over ``--days`` seeds): phone (120/h, 5 min, callers hang up after
   2 min on average), chat (60/h, 10 min, three at once, visitors leave after 5 min) and e-mail
   (40/h, 8 min, ten at once, nobody leaves); 15 % of customers speak English; the contact
   centre (12 agents, four speak English) takes them first, the showroom sellers (6, one speaks
   English; phone and chat only) once a contact has waited 60 s. An agent who does not speak the
   customer's language needs twice the time (a colleague, a transfer). Service level: phone
   within 20 s, chat within 60 s, e-mail within 1 h. Three policies: Parcours with the team
   queue and its overflow after 30 s, Parcours with one pool of both teams, round-robin.
3. **Decision latency**: ``choose_agent`` among 1,000 agents and ``WaitingCases.best_for`` with
   10,000 waiting cases, p50 and p99 over 2,000 decisions each (target p99 ≤ 2 ms).

    .venv/bin/python bench/contact_centre.py [--days 5]
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import platform
import random
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from parcours.cases.routing import (  # noqa: E402
    AgentState,
    CaseFacts,
    QueueSpec,
    Waiting,
    WaitingCases,
    choose_agent,
)


def erlang_c_service_level(arrivals_per_second: float, handling: float, agents: int,
                           threshold: float) -> float:  # fmt: skip
    """Share of calls answered within ``threshold`` seconds (Erlang C, M/M/N)."""
    load = arrivals_per_second * handling
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    bottom = sum(load**k / math.factorial(k) for k in range(agents)) + top
    waits = top / bottom
    return 1 - waits * math.exp(-(agents - load) * threshold / handling)


@dataclass(frozen=True)
class Channel:
    name: str
    per_hour: float
    handling: float
    #: Mean patience in seconds (None: nobody leaves).
    patience: float | None
    target: float


@dataclass
class Outcome:
    channel: str
    arrived: float
    answered: float | None = None
    abandoned: bool = False
    in_their_language: bool = True


@dataclass(order=True)
class _Event:
    at: float
    order: int
    kind: str = field(compare=False)
    payload: object = field(compare=False)


class Simulation:
    """One run: ``policy`` is "parcours" (the routing module) or "round-robin" (FCFS)."""

    def __init__(self, agents: list[AgentState], queue: QueueSpec, policy: str,
                 seed: int) -> None:  # fmt: skip
        self.agents, self.queue, self.policy = agents, queue, policy
        self.random = random.Random(seed)
        self.events: list[_Event] = []
        self.order = itertools.count()
        self.waiting = WaitingCases()
        self.fifo: deque[Waiting] = deque()
        self.outcomes: dict[int, Outcome] = {}
        self.turn = 0

    def schedule(self, at: float, kind: str, payload: object) -> None:
        heapq.heappush(self.events, _Event(at, next(self.order), kind, payload))

    def run(self, channels: list[Channel], duration: float, languages: Callable[[], str]) -> None:
        number = itertools.count()
        for channel in channels:
            moment = 0.0
            while True:
                moment += self.random.expovariate(channel.per_hour / 3600)
                if moment >= duration:
                    break
                case = CaseFacts(next(number), "request", channel.name, language=languages())
                self.schedule(moment, "arrival", (case, channel))
        handling = {channel.name: channel for channel in channels}
        while self.events:
            event = heapq.heappop(self.events)
            if event.kind == "arrival":
                case, channel = event.payload  # type: ignore[misc]
                self.outcomes[case.id] = Outcome(channel.name, event.at)
                self.arrive(case, channel, event.at)
            elif event.kind == "done":
                agent, case = event.payload  # type: ignore[misc]
                agent.load[case.channel] -= 1
                self.free(agent, event.at, handling)
            elif event.kind == "overflow":
                waiting = event.payload
                outcome = self.outcomes[waiting.case.id]  # type: ignore[attr-defined]
                if outcome.answered is None and not outcome.abandoned:
                    self.overflow(waiting, event.at, handling)  # type: ignore[arg-type]
            elif event.kind == "abandon":
                waiting = event.payload
                outcome = self.outcomes[waiting.case.id]  # type: ignore[attr-defined]
                if outcome.answered is None and not outcome.abandoned:
                    outcome.abandoned = True
                    if self.policy == "parcours":
                        self.waiting.remove(waiting)  # type: ignore[arg-type]
                    else:
                        self.fifo.remove(waiting)  # type: ignore[arg-type]

    def arrive(self, case: CaseFacts, channel: Channel, now: float) -> None:
        agent = self.pick_agent(case)
        if agent is not None:
            self.start(agent, case, channel, now)
            return
        waiting = Waiting(case, self.queue, now)
        if self.policy == "parcours":
            self.waiting.add(waiting)
        else:
            self.fifo.append(waiting)
        if channel.patience is not None:
            self.schedule(now + self.random.expovariate(1 / channel.patience), "abandon", waiting)
        if self.policy == "parcours" and self.queue.overflow_after is not None:
            self.schedule(now + self.queue.overflow_after, "overflow", waiting)

    def overflow(self, waiting: Waiting, now: float, channels: dict[str, Channel]) -> None:
        """The case has waited long enough for the overflow teams: route it again (as
        ``parcours cases dispatch`` does)."""
        case = replace(waiting.case, waiting=now - waiting.since)
        decision = choose_agent(case, self.queue, self.agents)
        if decision.agent is not None:
            self.waiting.remove(waiting)
            self.start(self.agents[decision.agent], waiting.case, channels[case.channel], now)

    def pick_agent(self, case: CaseFacts) -> AgentState | None:
        if self.policy == "parcours":
            decision = choose_agent(case, self.queue, self.agents)
            return None if decision.agent is None else self.agents[decision.agent]
        for step in range(len(self.agents)):
            agent = self.agents[(self.turn + step) % len(self.agents)]
            if agent.presence == "available" and agent.load.get(case.channel, 0) < (
                agent.capacity.get(case.channel, 0)
            ):
                self.turn = (self.turn + step + 1) % len(self.agents)
                return agent
        return None

    def start(self, agent: AgentState, case: CaseFacts, channel: Channel, now: float) -> None:
        agent.load[case.channel] = agent.load.get(case.channel, 0) + 1
        self.outcomes[case.id].answered = now
        duration = self.random.expovariate(1 / channel.handling)
        if agent.skills.get(f"language:{case.language}", 0) < 1:
            duration *= 2
            self.outcomes[case.id].in_their_language = False
        self.schedule(now + duration, "done", (agent, case))

    def free(self, agent: AgentState, now: float, channels: dict[str, Channel]) -> None:
        while True:
            if self.policy == "parcours":
                waiting = self.waiting.best_for(agent, now)
            else:
                waiting = next(
                    (w for w in self.fifo
                     if agent.load.get(w.case.channel, 0) < agent.capacity.get(w.case.channel, 0)),
                    None,
                )  # fmt: skip
                if waiting is not None:
                    self.fifo.remove(waiting)
            if waiting is None:
                return
            self.start(agent, waiting.case, channels[waiting.case.channel], now)


def figures(outcomes: list[Outcome], channels: list[Channel]) -> dict[str, tuple[float, ...]]:
    """Per channel: service level, mean wait of those answered (s), abandonment, share answered
    by someone who does not speak the customer's language."""
    found = {}
    for channel in channels:
        mine = [o for o in outcomes if o.channel == channel.name]
        waits = [o.answered - o.arrived for o in mine if o.answered is not None]
        within = sum(1 for wait in waits if wait <= channel.target)
        found[channel.name] = (
            within / len(mine), statistics.fmean(waits) if waits else 0.0,
            sum(o.abandoned for o in mine) / len(mine),
            sum(not o.in_their_language for o in mine) / len(mine),
        )  # fmt: skip
    return found


def validate_erlang_c(calls: int, seed: int) -> tuple[float, float]:
    agents = [AgentState(i, f"a{i}", "centre", "available", {"language:fr": 3}, {"phone": 1})
              for i in range(14)]  # fmt: skip
    queue = QueueSpec("phone", frozenset({"centre"}))
    phone = Channel("phone", 200, 180, None, 20)
    simulation = Simulation(agents, queue, "parcours", seed)
    simulation.run([phone], calls / 200 * 3600, lambda: "fr")
    outcomes = list(simulation.outcomes.values())
    warm = outcomes[len(outcomes) // 50 :]
    simulated = figures(warm, [phone])["phone"][0]
    return simulated, erlang_c_service_level(200 / 3600, 180, 14, 20)


def a_day(policy: str, seed: int) -> dict[str, tuple[float, ...]]:
    generator = random.Random(seed + 1000)
    agents = []
    for number in range(18):
        store = number < 6
        english = (number == 0) if store else (number - 6) < 4
        skills = {"language:fr": 4, **({"language:en": 3} if english else {})}
        capacity = {"phone": 1, "chat": 2} if store else {"phone": 1, "chat": 3, "email": 10}
        agents.append(AgentState(number, f"agent {number}", "showroom" if store else "centre",
                                 "available", skills, capacity))  # fmt: skip
    queue = QueueSpec("contacts", frozenset({"centre"}), overflow_after=30,
                      overflow_teams=frozenset({"showroom"}))  # fmt: skip
    if policy == "parcours, one pool":
        queue = QueueSpec("contacts", frozenset({"centre", "showroom"}))
    channels = [Channel("phone", 150, 300, 120, 20), Channel("chat", 90, 600, 300, 60),
                Channel("email", 60, 480, None, 3600)]  # fmt: skip
    simulation = Simulation(agents, queue, "round-robin" if policy == "round-robin" else "parcours",
                            seed)  # fmt: skip
    simulation.run(channels, 8 * 3600, lambda: "en" if generator.random() < 0.15 else "fr")
    return figures(list(simulation.outcomes.values()), channels)


def latencies(seed: int = 7) -> dict[str, tuple[float, float]]:
    generator = random.Random(seed)
    teams = [f"team {n}" for n in range(10)]
    agents = [
        AgentState(n, f"agent {n}", generator.choice(teams),
                   generator.choice(("available",) * 3 + ("busy", "away")),
                   {"language:fr": generator.randint(1, 5),
                    **({"language:en": 3} if generator.random() < 0.3 else {}),
                    "type:quote": generator.randint(0, 5)},
                   {"phone": 1, "chat": 3, "email": 10},
                   {"phone": generator.randint(0, 1), "chat": generator.randint(0, 3)})
        for n in range(1000)
    ]  # fmt: skip
    queues = [QueueSpec(f"queue {n}", frozenset(teams[n:n + 3]), overflow_after=60,
                        overflow_teams=frozenset(teams)) for n in range(5)]  # fmt: skip
    waiting = WaitingCases()
    for n in range(10_000):
        case = CaseFacts(n, "quote", generator.choice(("phone", "chat", "email")),
                         generator.choice(("low", "normal", "high", "urgent")),
                         generator.choice(("fr", "fr", "en")))  # fmt: skip
        waiting.add(Waiting(case, generator.choice(queues), generator.uniform(0, 600)))
    timings: dict[str, list[float]] = {"choose_agent, 1,000 agents": [],
                                       "best_for, 10,000 waiting": []}  # fmt: skip
    for n in range(2000):
        channel = generator.choice(("phone", "chat", "email"))
        language, waited = generator.choice(("fr", "en")), generator.choice((0, 90))
        case = CaseFacts(10_000 + n, "quote", channel, language=language, waiting=waited)
        started = time.perf_counter()
        choose_agent(case, generator.choice(queues), agents)
        timings["choose_agent, 1,000 agents"].append(time.perf_counter() - started)
        agent = generator.choice(agents)
        started = time.perf_counter()
        taken = waiting.best_for(agent, 700.0)
        timings["best_for, 10,000 waiting"].append(time.perf_counter() - started)
        if taken is not None:
            waiting.add(taken)
    return {
        name: (statistics.median(values) * 1000, sorted(values)[int(len(values) * 0.99)] * 1000)
        for name, values in timings.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400_000)
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}")
    started = time.perf_counter()
    simulated, theory = validate_erlang_c(args.calls, seed=1)
    print(f"\nErlang C validation ({args.calls:,} calls, {time.perf_counter() - started:.0f} s): "
          f"simulated {simulated:.4f}, Erlang C {theory:.4f}, difference {simulated - theory:+.4f} "
          f"({'within' if abs(simulated - theory) <= 0.01 else 'OUTSIDE'} ±0.01)")  # fmt: skip
    print(f"\nA day, medians over {args.days} seeds:")
    print(
        "| policy | channel | service level | mean wait (s) | abandoned | not in their language |"
    )
    print("|---|---|---|---|---|---|")
    for policy in ("parcours", "parcours, one pool", "round-robin"):
        runs = [a_day(policy, seed) for seed in range(args.days)]
        for channel in ("phone", "chat", "email"):
            level, wait, gone, foreign = (statistics.median(run[channel][i] for run in runs)
                                          for i in range(4))  # fmt: skip
            print(f"| {policy} | {channel} | {level:.1%} | {wait:.0f} | {gone:.1%} | "
                  f"{foreign:.1%} |")  # fmt: skip
    print("\n| decision | p50 ms | p99 ms |")
    print("|---|---|---|")
    for name, (median, p99) in latencies().items():
        print(f"| {name} | {median:.3f} | {p99:.3f} |")


if __name__ == "__main__":
    main()
