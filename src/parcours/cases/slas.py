"""Service levels on cases: policies, due times set at opening, the first response recorded
when a message leaves for the customer, reminders before a breach and escalation on breach,
and attainment per team and channel. The clock arithmetic is :mod:`parcours.cases.sla`.

* Due times are set when the case opens (after routing, which may raise the priority), from the
  first policy that holds, in business time (:data:`HOURS`).
* The first response is the first outbound interaction attached to the case, on any channel.
* :func:`check` (``parcours slas check``, run every few minutes by the scheduler or cron) writes a
  reminder once a clock is at risk and, once it is breached, escalates once: the priority goes up
  a step, the team's manager is named in the history and, when the team gives the manager's
  e-mail address, told by e-mail (through the outbox); ``case.sla_at_risk`` and
  ``case.sla_breached`` are emitted for the console's notifications.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours import events
from parcours.cases import sla, workflow
from parcours.cases.models import Case, SlaPolicy, Team
from parcours.cases.services import CaseError, change_priority, now_or_utcnow, record_event
from parcours.channels.outbox import queue_message
from parcours.customers.models import Customer

#: Business hours of the clocks: Monday to Friday 9:00–12:30, 13:30–18:00, Paris, closed on
#: French public holidays.
HOURS = sla.BusinessHours()
CONDITIONS = ("priorities", "segments", "channels", "types")


def add_policy(
    session: Session,
    name: str,
    position: int,
    *,
    first_response_minutes: int,
    resolution_minutes: int,
    reminder_minutes: int = 30,
    conditions: Mapping[str, Any] | None = None,
) -> SlaPolicy:
    conditions = dict(conditions or {})
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        raise CaseError(f"unknown condition {unknown[0]!r}; known: {', '.join(CONDITIONS)}")
    if not 0 < first_response_minutes <= resolution_minutes:
        raise CaseError("the first response must be due after 0 and no later than the resolution")
    if reminder_minutes < 0:
        raise CaseError("the reminder comes 0 or more minutes before the due time")
    if session.scalar(select(SlaPolicy.id).where(SlaPolicy.name == name)) is not None:
        raise CaseError(f"an SLA policy named {name!r} exists already")
    if session.scalar(select(SlaPolicy.id).where(SlaPolicy.position == position)) is not None:
        raise CaseError(f"an SLA policy holds position {position} already")
    policy = SlaPolicy(name=name, position=position, first_response_minutes=first_response_minutes,
                       resolution_minutes=resolution_minutes, reminder_minutes=reminder_minutes,
                       conditions=conditions)  # fmt: skip
    session.add(policy)
    session.flush()
    return policy


def policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.position)))


def _pure(policy: SlaPolicy) -> sla.Policy:
    c = policy.conditions
    return sla.Policy(
        policy.name, policy.position, policy.first_response_minutes, policy.resolution_minutes,
        policy.reminder_minutes, frozenset(c.get("priorities", ())),
        frozenset(c.get("segments", ())), frozenset(c.get("channels", ())),
        frozenset(c.get("types", ())),
    )  # fmt: skip


def start_clocks(session: Session, case: Case) -> None:
    """Set the case's due times from the first policy that holds (none: no clock)."""
    policies = {policy.name: policy for policy in session.scalars(select(SlaPolicy))}
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    segment = customer.attributes.get("segment") if customer else None
    chosen = sla.choose_policy([_pure(p) for p in policies.values()], case.priority, segment,
                               case.channel, case.type)  # fmt: skip
    if chosen is None:
        return
    due = sla.due_times(chosen, case.created_at, HOURS)
    case.sla_policy_id = policies[chosen.name].id
    case.first_response_due_at, case.resolution_due_at = due.first_response, due.resolution


@dataclass(frozen=True)
class Clocks:
    policy: str | None
    first_response: str | None
    resolution: str | None


def clocks(session: Session, case: Case, now: datetime | None = None) -> Clocks:
    """Where the case stands against its policy now."""
    now = now_or_utcnow(now)
    policy = session.get(SlaPolicy, case.sla_policy_id) if case.sla_policy_id else None
    if policy is None:
        return Clocks(None, None, None)
    reminder = timedelta(minutes=policy.reminder_minutes)
    return Clocks(
        policy.name,
        sla.state(case.first_response_due_at, case.first_responded_at, now, reminder),
        sla.state(case.resolution_due_at, case.resolved_at, now, reminder),
    )


@dataclass
class CheckReport:
    reminded: list[str]
    escalated: list[str]


def check(session: Session, *, now: datetime | None = None, actor: str = "parcours") -> CheckReport:
    """Reminders for the clocks at risk, escalation for the breached ones (each once a case)."""
    now = now_or_utcnow(now)
    report = CheckReport([], [])
    active = session.scalars(
        select(Case).where(Case.sla_policy_id.is_not(None),
                           Case.status.in_(sorted(workflow.ACTIVE)))
    ).all()  # fmt: skip
    for case in active:
        state = clocks(session, case, now)
        worst = {state.first_response, state.resolution}
        if sla.BREACHED in worst and case.sla_escalated_at is None:
            team = session.get(Team, case.team_id) if case.team_id else None
            manager = team.manager if team else None
            case.sla_escalated_at = now
            record_event(
                session,
                case,
                actor,
                "escalated",
                now,
                manager=manager,
                first_response=state.first_response,
                resolution=state.resolution,
            )
            order = list(workflow.PRIORITIES)
            raised = order[min(order.index(case.priority) + 1, len(order) - 1)]
            change_priority(session, case, raised, actor=actor, now=now)
            if manager and "@" in manager:
                _tell_manager(session, case, manager, state)
            events.emit(session, "case.sla_breached", case_id=case.id, manager=manager)
            report.escalated.append(case.reference)
        elif sla.AT_RISK in worst and case.sla_reminded_at is None:
            case.sla_reminded_at = now
            record_event(
                session,
                case,
                actor,
                "sla_reminder",
                now,
                first_response=state.first_response,
                resolution=state.resolution,
            )
            events.emit(session, "case.sla_at_risk", case_id=case.id)
            report.reminded.append(case.reference)
    return report


def _tell_manager(session: Session, case: Case, manager: str, state: Clocks) -> None:
    """An e-mail to the team's manager (when the team names one by address) through the outbox:
    it leaves after commit like any message."""
    clocks_now = (("première réponse", state.first_response), ("résolution", state.resolution))
    late = [name for name, clock in clocks_now if clock == sla.BREACHED]
    queue_message(
        session, channel="email", recipient=manager, case_ref=case.reference,
        subject=f"[{case.reference}] Délai dépassé : {case.subject}",
        body=(f"Le dossier {case.reference} ({case.subject}) a dépassé son délai "
              f"({', '.join(late)}). Sa priorité passe à "
              f"{workflow.label(workflow.PRIORITIES, case.priority).lower()}."),
    )  # fmt: skip


@dataclass
class Attainment:
    team: str
    channel: str
    cases: int
    first_response_met: int
    resolution_met: int
    resolution_due: int

    @property
    def first_response_rate(self) -> float | None:
        return self.first_response_met / self.cases if self.cases else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolution_met / self.resolution_due if self.resolution_due else None


def attainment(session: Session, *, since: datetime, until: datetime,
               now: datetime | None = None) -> list[Attainment]:  # fmt: skip
    """Per team and channel, for the cases opened in ``[since, until)`` that had a policy: how
    many got their first response in time, and how many of those due or resolved by now were
    resolved in time (a clock still running and not yet due counts for neither)."""
    now = now_or_utcnow(now)
    teams = dict(session.execute(select(Team.id, Team.name)).all())
    figures: dict[tuple[str, str], Attainment] = {}
    for case in session.scalars(
        select(Case).where(Case.sla_policy_id.is_not(None), Case.created_at >= since,
                           Case.created_at < until)
    ):  # fmt: skip
        key = (teams.get(case.team_id, "—") if case.team_id else "—", case.channel)
        row = figures.setdefault(key, Attainment(*key, 0, 0, 0, 0))
        state = clocks(session, case, now)
        row.cases += 1
        row.first_response_met += state.first_response == sla.MET
        if state.resolution in (sla.MET, sla.BREACHED):
            row.resolution_due += 1
            row.resolution_met += state.resolution == sla.MET
    return [figures[key] for key in sorted(figures)]
