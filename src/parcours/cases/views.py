"""A case as the API and the CLI show it: its fields with French or English labels, and in
detail its thread across channels, its queue, owner and team, and its service-level clocks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from parcours.cases import workflow
from parcours.cases.models import Agent, Case, Queue, Team
from parcours.cases.schemas import CaseDetailOut, CaseOut, SlaOut, ThreadEntryOut
from parcours.cases.services import proposals, thread
from parcours.cases.slas import clocks
from parcours.interactions.services import entry


def case_out(case: Case, language: str = "fr") -> CaseOut:
    return CaseOut(
        id=case.id, reference=case.reference, subject=case.subject, type=case.type,
        type_label=workflow.label(workflow.TYPES, case.type, language), status=case.status,
        status_label=workflow.label(workflow.STATUSES, case.status, language),
        priority=case.priority, customer_id=case.customer_id, channel=case.channel,
        follows_case_id=case.follows_case_id, language=case.language, queue_id=case.queue_id,
        owner_id=case.owner_id, team_id=case.team_id, assigned_at=case.assigned_at,
        routing=list(case.routing or []), due_at=case.due_at, opened_by=case.opened_by,
        first_response_due_at=case.first_response_due_at,
        resolution_due_at=case.resolution_due_at, first_responded_at=case.first_responded_at,
        created_at=case.created_at, updated_at=case.updated_at, resolved_at=case.resolved_at,
        closed_at=case.closed_at,
    )  # fmt: skip


def case_detail(session: Session, case: Case, language: str = "fr") -> CaseDetailOut:
    """The case with its whole thread, as the API and ``parcours cases show`` give it."""
    lines = []
    for item in thread(session, case):
        if item.interaction is not None:
            lines.append(ThreadEntryOut(at=item.at, kind=item.kind,
                                        interaction=entry(item.interaction, language)))  # fmt: skip
        elif item.note is not None:
            lines.append(ThreadEntryOut(at=item.at, kind=item.kind, author=item.note.author,
                                        body=item.note.body))  # fmt: skip
        elif item.event is not None:
            lines.append(
                ThreadEntryOut(
                    at=item.at,
                    kind=item.kind,
                    author=item.event.actor,
                    event=item.event.kind,
                    details=item.event.details,
                )
            )
    clock = clocks(session, case)
    owner = session.get(Agent, case.owner_id) if case.owner_id else None
    queue = session.get(Queue, case.queue_id) if case.queue_id else None
    team = session.get(Team, case.team_id) if case.team_id else None
    return CaseDetailOut(
        **case_out(case, language).model_dump(),
        queue=queue.name if queue else None,
        owner=owner.name if owner else None,
        team=team.name if team else None,
        sla=SlaOut(
            policy=clock.policy, first_response=clock.first_response, resolution=clock.resolution
        ),
        thread=lines,
        proposed_interactions=proposals(session, case),
    )
