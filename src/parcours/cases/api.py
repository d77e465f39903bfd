"""Case routes: thin, they parse, call a service and return its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from parcours.cases import assignment, callbacks, replies, services, slas, staff, views
from parcours.cases.models import Case
from parcours.cases.schemas import (
    AgentIn,
    AgentOut,
    AssignIn,
    AttachIn,
    AttainmentOut,
    AttemptIn,
    AttemptOut,
    CaseDetailOut,
    CaseIn,
    CaseNoteIn,
    CaseOut,
    CasePageOut,
    NextIn,
    PresenceIn,
    PriorityIn,
    QueueIn,
    QueueOut,
    ReplyIn,
    ReplyOut,
    RuleIn,
    RuleOut,
    SlaCheckOut,
    SlaPolicyIn,
    SlaPolicyOut,
    StatusIn,
    TeamIn,
    TeamOut,
    TransferIn,
)
from parcours.customers.services import CustomerNotFound, ensure_visible
from parcours.deps import ApiSessionDep, TokenDep, VisibilityDep, requires
from parcours.interactions.models import Interaction

router = APIRouter(tags=["cases"])
#: Who works on cases and how cases reach them: managers and admins.
STAFF = requires("staff.write")
Language = Annotated[str, Query(pattern="^(fr|en)$")]


def _error(error: services.CaseError) -> HTTPException:
    """An unknown case is a 404; anything else the rules refuse, a 422 saying why."""
    code = (
        status.HTTP_404_NOT_FOUND
        if isinstance(error, services.UnknownCase)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    return HTTPException(code, str(error))


def _case(session: ApiSessionDep, key: str) -> Case:
    try:
        return services.find_case(session, key)
    except services.CaseError as error:
        raise _error(error) from None


@router.post("/cases", response_model=CaseOut, status_code=201)
def post_case(
    session: ApiSessionDep, token: TokenDep, visibility: VisibilityDep, body: CaseIn
) -> CaseOut:
    """Open a case (a request, a quote, a complaint…) on any channel."""
    try:
        if body.customer_id is not None:
            ensure_visible(session, body.customer_id, visibility)
    except CustomerNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    try:
        case = assignment.open_and_route(
            session, customer_id=body.customer_id, case_type=body.type, channel=body.channel,
            subject=body.subject, opened_by=body.opened_by or token.name, priority=body.priority,
            language=body.language, due_at=body.due_at, interaction_id=body.interaction_id,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_out(case)


@router.get("/cases", response_model=CasePageOut)
def get_cases(
    session: ApiSessionDep,
    visibility: VisibilityDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    queue: Annotated[str | None, Query(description="Only the cases of this queue")] = None,
    owner: Annotated[str | None, Query(description="Only this agent's cases")] = None,
    type: Annotated[list[str] | None, Query()] = None,
    customer_id: int | None = None,
    active: Annotated[bool | None, Query(description="Only active (or only done) cases")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
    language: Language = "fr",
) -> CasePageOut:
    """Cases, most urgent first, then oldest first (those of customers the caller may not see
    left out)."""
    try:
        found = services.list_cases(
            session, statuses=status_ or (), types=type or (), customer_id=customer_id,
            active=active, queue=queue, owner=owner, page=page, page_size=page_size,
            visibility=visibility,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return CasePageOut(
        total=found.total, page=found.page, page_size=found.page_size,
        items=[views.case_out(case, language) for case in found.items],
    )  # fmt: skip


@router.get("/cases/{key}", response_model=CaseDetailOut)
def get_case(session: ApiSessionDep, key: str, language: Language = "fr") -> CaseDetailOut:
    """A case by id or reference, with its thread across channels, notes and history."""
    return views.case_detail(session, _case(session, key), language)


@router.post("/cases/{key}/status", response_model=CaseOut)
def post_status(session: ApiSessionDep, token: TokenDep, key: str, body: StatusIn) -> CaseOut:
    """Move the case along its workflow (new, open, waiting_customer, waiting_internal,
    resolved, closed)."""
    case = _case(session, key)
    try:
        services.change_status(session, case, body.status, actor=token.name, reason=body.reason)
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_out(case)


@router.post("/cases/{key}/priority", response_model=CaseOut)
def post_priority(session: ApiSessionDep, token: TokenDep, key: str, body: PriorityIn) -> CaseOut:
    """Raise or lower the case's priority (low, normal, high, urgent)."""
    case = _case(session, key)
    try:
        services.change_priority(session, case, body.priority, actor=token.name)
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_out(case)


@router.post("/cases/{key}/notes", response_model=CaseDetailOut, status_code=201)
def post_case_note(
    session: ApiSessionDep, token: TokenDep, key: str, body: CaseNoteIn
) -> CaseDetailOut:
    """Add an internal note (never sent to the customer)."""
    case = _case(session, key)
    try:
        services.add_note(session, case, author=body.author or token.name, body=body.body)
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_detail(session, case)


@router.post("/cases/{key}/interactions", response_model=CaseDetailOut)
def post_attachment(
    session: ApiSessionDep, token: TokenDep, visibility: VisibilityDep, key: str, body: AttachIn
) -> CaseDetailOut:
    """Put an interaction (from any channel) in the case's thread — not one of a customer the
    caller may not see (the answer for an unknown interaction: 422 "no interaction with id")."""
    case = _case(session, key)
    interaction = session.get(Interaction, body.interaction_id)
    if interaction is not None and interaction.customer_id is not None:
        try:
            ensure_visible(session, interaction.customer_id, visibility)
        except CustomerNotFound:
            unknown = f"no interaction with id {body.interaction_id}"
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, unknown) from None
    try:
        services.attach_interaction(session, case, body.interaction_id, actor=token.name)
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_detail(session, case)


@router.post("/cases/{key}/assign", response_model=CaseDetailOut)
def post_assign(session: ApiSessionDep, token: TokenDep, key: str, body: AssignIn) -> CaseDetailOut:
    """Give the case to an agent (who must have room on its channel), or route it."""
    case = _case(session, key)
    try:
        if body.agent is None:
            assignment.route(session, case, actor=token.name)
        else:
            assignment.assign(
                session, case, staff.agent_named(session, body.agent), actor=token.name
            )
    except assignment.AlreadyTaken as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_detail(session, case)


@router.post("/cases/dispatch", response_model=list[str])
def post_dispatch(session: ApiSessionDep, token: TokenDep) -> list[str]:
    """Route the waiting cases again (overflow, agents freed since): the references given out."""
    return assignment.dispatch(session, actor=token.name)


@router.post("/cases/next", response_model=CaseDetailOut | None)
def post_next(session: ApiSessionDep, body: NextIn) -> CaseDetailOut | None:
    """The "next case" button: the agent takes the most urgent case waiting for them (null if
    none)."""
    try:
        case = assignment.next_case(session, staff.agent_named(session, body.agent))
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_detail(session, case) if case else None


@router.post("/cases/{key}/transfer", response_model=CaseDetailOut)
def post_transfer(
    session: ApiSessionDep, token: TokenDep, key: str, body: TransferIn
) -> CaseDetailOut:
    """Hand the case to another agent or queue; its thread, notes and history go with it."""
    case = _case(session, key)
    try:
        agent = staff.agent_named(session, body.agent) if body.agent else None
        assignment.transfer(session, case, actor=token.name, to_agent=agent, to_queue=body.queue,
                            reason=body.reason)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return views.case_detail(session, case)


@router.post("/teams", dependencies=[STAFF], response_model=TeamOut, status_code=201)
def post_team(session: ApiSessionDep, body: TeamIn) -> TeamOut:
    try:
        team = staff.add_team(session, body.name, body.kind, location=body.location,
                              manager=body.manager)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return TeamOut(id=team.id, name=team.name, kind=team.kind, location=team.location,
                   manager=team.manager)  # fmt: skip


@router.get("/teams", response_model=list[TeamOut])
def get_teams(session: ApiSessionDep) -> list[TeamOut]:
    return [TeamOut(id=t.id, name=t.name, kind=t.kind, location=t.location, manager=t.manager)
            for t in staff.teams(session)]  # fmt: skip


@router.post("/agents", dependencies=[STAFF], response_model=AgentOut, status_code=201)
def post_agent(session: ApiSessionDep, body: AgentIn) -> AgentOut:
    """An agent of a team, with a capacity per channel and skills (levels 1 to 5)."""
    try:
        agent = staff.add_agent(session, body.name, body.team, channels=body.channels,
                                skills=body.skills, presence=body.presence)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return _agent_out(session, agent.name)


def _agent_out(session: ApiSessionDep, name: str) -> AgentOut:
    [view] = [view for view in staff.agents(session) if view.name == name]
    return AgentOut(**vars(view))


@router.get("/agents", response_model=list[AgentOut])
def get_agents(session: ApiSessionDep) -> list[AgentOut]:
    """Agents with their team, channels and capacities, skills, presence and current load."""
    return [AgentOut(**vars(view)) for view in staff.agents(session)]


@router.put("/agents/{name}/presence", response_model=AgentOut)
def put_presence(session: ApiSessionDep, name: str, body: PresenceIn) -> AgentOut:
    try:
        staff.set_presence(session, staff.agent_named(session, name), body.presence)
    except services.CaseError as error:
        raise _error(error) from None
    return _agent_out(session, name)


@router.post("/queues", dependencies=[STAFF], response_model=QueueOut, status_code=201)
def post_queue(session: ApiSessionDep, body: QueueIn) -> QueueOut:
    try:
        queue = staff.add_queue(
            session, body.name, body.teams, skills=body.skills,
            overflow_after_seconds=body.overflow_after_seconds, overflow_teams=body.overflow_teams,
            default=body.is_default,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return QueueOut.model_validate(queue, from_attributes=True)


@router.get("/queues", response_model=list[QueueOut])
def get_queues(session: ApiSessionDep) -> list[QueueOut]:
    return [QueueOut.model_validate(q, from_attributes=True) for q in staff.queues(session)]


@router.post("/routing-rules", dependencies=[STAFF], response_model=RuleOut, status_code=201)
def post_rule(session: ApiSessionDep, body: RuleIn) -> RuleOut:
    """A routing rule: conditions on a case (empty: any) that send it to a queue, by position."""
    try:
        rule = staff.add_rule(session, body.position, body.queue, body.conditions,
                              priority=body.priority)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return RuleOut(id=rule.id, position=rule.position, queue=body.queue,
                   conditions=rule.conditions, priority=rule.priority)  # fmt: skip


@router.get("/routing-rules", response_model=list[RuleOut])
def get_rules(session: ApiSessionDep) -> list[RuleOut]:
    return [RuleOut(id=rule.id, position=rule.position, queue=queue,
                    conditions=rule.conditions, priority=rule.priority)
            for rule, queue in staff.rules(session)]  # fmt: skip


@router.post("/sla-policies", dependencies=[STAFF], response_model=SlaPolicyOut, status_code=201)
def post_sla_policy(session: ApiSessionDep, body: SlaPolicyIn) -> SlaPolicyOut:
    """Due times in business minutes (Monday–Friday 9:00–12:30, 13:30–18:00, Paris, closed on
    French public holidays) for the cases meeting the conditions; the first policy by position
    applies."""
    try:
        policy = slas.add_policy(
            session, body.name, body.position, first_response_minutes=body.first_response_minutes,
            resolution_minutes=body.resolution_minutes, reminder_minutes=body.reminder_minutes,
            conditions=body.conditions,
        )  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return SlaPolicyOut.model_validate(policy, from_attributes=True)


@router.get("/sla-policies", response_model=list[SlaPolicyOut])
def get_sla_policies(session: ApiSessionDep) -> list[SlaPolicyOut]:
    return [SlaPolicyOut.model_validate(p, from_attributes=True) for p in slas.policies(session)]


@router.post("/slas/check", response_model=SlaCheckOut)
def post_sla_check(session: ApiSessionDep) -> SlaCheckOut:
    """Remind the cases at risk and escalate the breached ones (each once)."""
    report = slas.check(session)
    return SlaCheckOut(reminded=report.reminded, escalated=report.escalated)


#: SLA attainment per team and channel steers the case work: managers (and admins).
@router.get(
    "/slas/attainment", response_model=list[AttainmentOut], dependencies=[requires("reports.read")]
)
def get_attainment(
    session: ApiSessionDep,
    since: Annotated[datetime, Query(description="Cases opened from (with offset)")],
    until: Annotated[datetime, Query(description="Up to (exclusive, with offset)")],
) -> list[AttainmentOut]:
    """Per team and channel: first responses and resolutions in time."""
    return [
        AttainmentOut(**vars(row), first_response_rate=row.first_response_rate,
                      resolution_rate=row.resolution_rate)
        for row in slas.attainment(session, since=since, until=until)
    ]  # fmt: skip


@router.post("/cases/{key}/reply", response_model=ReplyOut, status_code=201)
def post_reply(session: ApiSessionDep, token: TokenDep, key: str, body: ReplyIn) -> ReplyOut:
    """Answer the customer by e-mail (reference in the subject) or SMS; the message joins the
    thread and leaves after commit (or waits in the outbox without an adapter)."""
    case = _case(session, key)
    try:
        sent = replies.reply(session, case, channel=body.channel, body=body.body,
                             actor=body.author or token.name)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return ReplyOut(interaction_id=sent.interaction_id, outbox_id=sent.outbox_id,
                    recipient=sent.recipient, subject=sent.subject)  # fmt: skip


@router.post("/cases/{key}/callback-attempts", response_model=AttemptOut, status_code=201)
def post_attempt(session: ApiSessionDep, token: TokenDep, key: str, body: AttemptIn) -> AttemptOut:
    """Record a call-back attempt (reached, no_answer, busy, wrong_number) and apply the retry
    rule: no answer is tried again 30 business minutes later, three attempts at most."""
    case = _case(session, key)
    try:
        following = callbacks.record_attempt(session, case, body.outcome,
                                             agent=body.agent or token.name,
                                             duration_seconds=body.duration_seconds)  # fmt: skip
    except services.CaseError as error:
        raise _error(error) from None
    return AttemptOut(status=following.status, retry_at=following.retry_at, reason=following.reason)
