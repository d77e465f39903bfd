"""Routing as pure rules: the queue by rules, the agent by team, presence, capacity, skills,
usual adviser, load and idle time; overflow after waiting; every decision explained."""

from __future__ import annotations

from datetime import UTC, datetime

from parcours.cases.routing import (
    DECISION_LINES,
    AgentState,
    CaseFacts,
    QueueSpec,
    Rule,
    choose_agent,
    choose_queue,
    why_not,
)

RULES = [
    Rule(2, "after-sales", types=frozenset({"after_sales", "complaint"})),
    Rule(1, "vip", segments=frozenset({"vip"}), min_value=5000, priority="high"),
    Rule(3, "english", languages=frozenset({"en"})),
]
SHOWROOM = QueueSpec("showroom", frozenset({"guingamp"}), overflow_after=120,
                     overflow_teams=frozenset({"contact-centre"}))  # fmt: skip


def agent(number: int, team: str = "guingamp", **fields: object) -> AgentState:
    values: dict[str, object] = {"presence": "available", "skills": {"language:fr": 3},
                                 "capacity": {"phone": 1, "chat": 3}, **fields}  # fmt: skip
    return AgentState(number, f"agent {number}", team, **values)  # type: ignore[arg-type]


def case(**fields: object) -> CaseFacts:
    return CaseFacts(**{"id": 1, "type": "quote", "channel": "chat", **fields})  # type: ignore[arg-type]


def test_the_first_rule_that_holds_by_position_chooses_the_queue_and_may_raise_the_priority():
    vip = choose_queue(case(type="complaint", segment="vip", value=8000), RULES, "general")
    complaint = choose_queue(case(type="complaint", segment="vip", value=100), RULES, "general")
    nothing = choose_queue(case(), RULES, "general")

    assert (vip.queue, vip.priority) == ("vip", "high")
    assert vip.explanation == (
        "rule 1 → queue vip",
        "priority raised from normal to high by the rule",
    )
    assert (complaint.queue, complaint.priority) == ("after-sales", "normal")
    assert nothing.explanation == ("no rule holds → queue general",)


def test_a_rule_never_lowers_a_priority_and_says_which_condition_failed():
    urgent = choose_queue(case(segment="vip", value=9000, priority="urgent"), RULES, "general")

    assert urgent.priority == "urgent"
    assert RULES[1].failed_condition(case(segment="vip", value=100)) == "value 100 below 5000"
    assert RULES[0].failed_condition(case()) == "type quote not in after_sales, complaint"


def test_only_available_agents_of_the_queue_teams_with_room_and_skills_are_eligible():
    teams = frozenset({"guingamp"})
    required = {"language:fr"}

    assert why_not(agent(1, team="lannion"), case(), required, teams) == (
        "team lannion does not serve this queue"
    )
    assert why_not(agent(2, presence="away"), case(), required, teams) == "away"
    assert why_not(agent(3, capacity={"phone": 1}), case(), required, teams) == (
        "does not handle chat"
    )
    assert why_not(agent(4, load={"chat": 3}), case(), required, teams) == "chat full (3)"
    assert why_not(agent(5), case(language="en"), {"language:en"}, teams) == "lacks language:en"
    assert why_not(agent(6, load={"chat": 2}), case(), required, teams) is None


def test_the_usual_adviser_comes_first_then_skill_then_load_then_idle_time():
    morning, noon = datetime(2026, 5, 4, 9, tzinfo=UTC), datetime(2026, 5, 4, 12, tzinfo=UTC)
    skilled = agent(1, skills={"language:fr": 5, "type:quote": 2}, load={"chat": 2})
    light = agent(2, load={"chat": 0}, last_assigned_at=noon)
    idle = agent(3, load={"chat": 0}, last_assigned_at=morning)
    usual = agent(4, load={"chat": 2})

    by_skill = choose_agent(case(), SHOWROOM, [light, idle, skilled])
    by_idle = choose_agent(case(), SHOWROOM, [light, idle])
    by_habit = choose_agent(case(usual_agent=4), SHOWROOM, [light, idle, skilled, usual])

    assert by_skill.agent == 1
    assert by_skill.explanation == (
        "teams guingamp",
        "needs language:fr and room on chat",
        "agent 1: skill score 7, 2/3 chat in progress, among 3 eligible",
    )
    assert by_idle.agent == 3
    assert by_habit.agent == 4
    assert by_habit.explanation[-1] == "agent 4: the customer's usual adviser"


def test_a_case_overflows_to_the_wider_pool_after_waiting():
    centre = agent(7, team="contact-centre")

    early = choose_agent(case(waiting=60), SHOWROOM, [centre])
    late = choose_agent(case(waiting=120), SHOWROOM, [centre])

    assert (early.agent, early.explanation[-1]) == (
        None,
        "no agent available: the case waits in the queue",
    )
    assert late.agent == 7
    assert late.explanation[0] == "waited 120 s ≥ 120 s: overflow to contact-centre"
    # Found or not, a decision is explained in the same number of lines (kept on the case).
    assert len(early.explanation) == len(late.explanation) == DECISION_LINES


def test_waiting_cases_give_a_freed_agent_the_most_urgent_then_the_oldest_case_they_may_take():
    from parcours.cases.routing import Waiting, WaitingCases

    waiting = WaitingCases()
    old = Waiting(case(id=1, channel="chat"), SHOWROOM, since=0)
    english = Waiting(case(id=2, channel="chat", language="en", priority="urgent"), SHOWROOM, 5)
    urgent = Waiting(case(id=3, channel="chat", priority="urgent"), SHOWROOM, since=10)
    phone = Waiting(case(id=4, channel="phone", priority="urgent"), SHOWROOM, since=1)
    for item in (old, english, urgent, phone):
        waiting.add(item)
    french_chat_only = agent(1, capacity={"chat": 3})

    picks = [waiting.best_for(french_chat_only, now=20) for _ in range(3)]

    # The English case needs an English speaker; the phone case a phone line.
    assert picks == [urgent, old, None]
    assert waiting.count == 2
    centre = agent(2, team="contact-centre", skills={"language:en": 2}, capacity={"chat": 3})
    assert waiting.best_for(centre, now=20) is None  # before the overflow (120 s)
    assert waiting.best_for(centre, now=200) is english
