"""``parcours cases …``: open, show, list, move along the workflow, note, attach."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from parcours.cases import assignment, callbacks, replies, services, staff, views, workflow
from parcours.cases.models import Case
from parcours.channels import outbox
from parcours.cli_support import console, fail, open_database, parse_moment

cases_app = typer.Typer(help="Requests across channels: quotes, complaints, after-sales…",
                        no_args_is_help=True)  # fmt: skip
Output = Annotated[str, typer.Option("--format", help="table or json")]


@contextmanager
def _working_on(key: str) -> Iterator[tuple[Session, Case]]:
    """A case in a write transaction; an unknown case exits with 1, a change the rules refuse
    with 2, the message saying why. What is printed after the block is committed."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            yield session, services.find_case(session, key)
    except services.UnknownCase as error:
        fail(str(error), code=1)
    except services.CaseError as error:
        fail(str(error))


Language = Annotated[str, typer.Option(help="fr or en")]


@cases_app.command("open")
def open_command(
    type_: Annotated[str, typer.Option("--type", help=", ".join(workflow.TYPES))],
    channel: Annotated[str, typer.Option(help="The channel it came in by (web, phone, store…)")],
    subject: Annotated[str, typer.Option(help="What it is about")],
    customer: Annotated[int | None, typer.Option(help="The customer's id")] = None,
    priority: Annotated[str, typer.Option(help=", ".join(workflow.PRIORITIES))] = "normal",
    due: Annotated[str | None, typer.Option(help="Due (ISO 8601 with offset)")] = None,
    interaction: Annotated[int | None, typer.Option(help="The interaction that opened it")] = None,
    by: Annotated[str, typer.Option(help="Who opens it")] = "cli",
    language_: Annotated[str, typer.Option("--language", help="The customer's language")] = "fr",
    output: Output = "table",
) -> None:
    """Open a case and route it (when queues are set up); prints its id and reference."""
    database = open_database()
    due_at = parse_moment(due, "--due")
    try:
        with database.transaction(write=True) as session:
            case = assignment.open_and_route(
                session, customer_id=customer, case_type=type_, channel=channel,
                subject=subject, opened_by=by, priority=priority, language=language_,
                due_at=due_at, interaction_id=interaction,
            )  # fmt: skip
            shown = views.case_out(case)
    except services.CaseError as error:
        fail(str(error))
    if output == "json":
        print(shown.model_dump_json(indent=2))
    else:
        print(f"{shown.id} {shown.reference}")


@cases_app.command("show")
def show_command(
    case: Annotated[str, typer.Argument(help="Id or reference (PAR-2026-000123)")],
    output: Output = "table",
    language: Language = "fr",
) -> None:
    """A case with its thread across channels, notes and history."""
    database = open_database()
    with database.sessions() as session:
        try:
            detail = views.case_detail(session, services.find_case(session, case), language)
        except services.CaseError as error:
            fail(str(error), code=1)
    if output == "json":
        print(detail.model_dump_json(indent=2))
        return
    console.print(
        f"[bold]{detail.reference}[/] {detail.subject} — {detail.type_label}, "
        f"{detail.status_label}, {detail.priority}, customer {detail.customer_id or '—'}, "
        f"opened on {detail.channel} by {detail.opened_by}; queue {detail.queue or '—'}, "
        f"owner {detail.owner or '—'} ({detail.team or '—'})",
        highlight=False,
    )
    for reason in detail.routing:
        console.print(f"  routing: {reason}", highlight=False)
    table = Table(title="Thread")
    for column in ("when", "what", "who", "details"):
        table.add_column(column)
    for line in detail.thread:
        if line.interaction is not None:
            item = line.interaction
            what, who = f"{item.icon} {item.type_label}", item.direction
            details = json.dumps(item.payload, ensure_ascii=False)[:80]
        elif line.event is not None:
            what, who = line.event, line.author or ""
            details = json.dumps(line.details, ensure_ascii=False, default=str)[:80]
        else:
            what, who, details = "note", line.author or "", line.body or ""
        table.add_row(line.at.isoformat(" ", "minutes"), what, who, details)
    console.print(table)
    if detail.proposed_interactions:
        console.print(f"Proposed interactions: {detail.proposed_interactions}")


@cases_app.command("list")
def list_command(
    status: Annotated[list[str] | None, typer.Option(help="Only this status (repeatable)")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="Only this type")] = None,
    customer: Annotated[int | None, typer.Option(help="Only this customer's")] = None,
    queue: Annotated[str | None, typer.Option(help="Only the cases of this queue")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this agent's cases")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=services.MAX_PAGE_SIZE)] = 50,
    output: Output = "table",
    language: Language = "fr",
) -> None:
    """Cases, most urgent first, then oldest first."""
    database = open_database()
    with database.sessions() as session:
        try:
            found = services.list_cases(
                session, statuses=status or (), types=type_ or (), customer_id=customer,
                queue=queue, owner=owner, page=page, page_size=page_size,
            )  # fmt: skip
        except services.CaseError as error:
            fail(str(error))
        items = [views.case_out(case, language) for case in found.items]
    if output == "json":
        print(json.dumps({"total": found.total, "page": found.page, "page_size": found.page_size,
                          "items": [item.model_dump(mode="json") for item in items]},
                         ensure_ascii=False, indent=2))  # fmt: skip
        return
    table = Table(title=f"{found.total} case(s) — page {found.page}")
    for column in ("id", "reference", "priority", "status", "type", "customer", "subject"):
        table.add_column(column, no_wrap=column in ("id", "reference"))
    for item in items:
        table.add_row(str(item.id), item.reference, item.priority, item.status_label,
                      item.type_label, str(item.customer_id or "—"), item.subject)  # fmt: skip
    console.print(table)


@cases_app.command("status")
def status_command(
    case: str,
    status: Annotated[str, typer.Argument(help=", ".join(workflow.STATUSES))],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
    by: Annotated[str, typer.Option(help="Who moves it")] = "cli",
) -> None:
    """Move a case along its workflow."""
    with _working_on(case) as (session, found):
        services.change_status(session, found, status, actor=by, reason=reason)
    console.print(f"{found.reference}: {found.status}")


@cases_app.command("note")
def note_command(
    case: str,
    body: Annotated[str, typer.Argument(help="The note (internal, never sent)")],
    author: Annotated[str, typer.Option(help="Who writes it")] = "cli",
) -> None:
    """Add an internal note to a case."""
    with _working_on(case) as (session, found):
        services.add_note(session, found, author=author, body=body)
    console.print(f"{found.reference}: note added")


@cases_app.command("attach")
def attach_command(
    case: str,
    interaction: Annotated[int, typer.Argument(help="The interaction's id")],
    by: Annotated[str, typer.Option(help="Who attaches it")] = "cli",
) -> None:
    """Put an interaction (from any channel) in a case's thread."""
    with _working_on(case) as (session, found):
        added = services.attach_interaction(session, found, interaction, actor=by)
    console.print(f"{found.reference}: " + ("attached" if added else "already there"))


@cases_app.command("assign")
def assign_command(
    case: str,
    agent: Annotated[
        str | None, typer.Option(help="Give it to this agent (else: route it)")
    ] = None,
    by: Annotated[str, typer.Option(help="Who assigns it")] = "cli",
) -> None:
    """Give a case to an agent, or route it to the best available one; says why."""
    with _working_on(case) as (session, found):
        if agent is None:
            assignment.route(session, found, actor=by)
        else:
            assignment.assign(session, found, staff.agent_named(session, agent), actor=by)
        detail = views.case_detail(session, found)
    console.print(f"{detail.reference}: {detail.owner or 'waiting'} ({detail.queue or 'no queue'})")
    for line in detail.routing:
        console.print(f"  {line}")


@cases_app.command("next")
def next_command(agent: Annotated[str, typer.Option(help="The agent asking for work")]) -> None:
    """The next case for an agent: the most urgent one waiting that they may take."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            found = assignment.next_case(session, staff.agent_named(session, agent))
            shown = views.case_out(found) if found else None
    except services.CaseError as error:
        fail(str(error))
    if shown is None:
        console.print(f"No case waiting for {agent}.")
    else:
        print(f"{shown.id} {shown.reference}")


@cases_app.command("transfer")
def transfer_command(
    case: str,
    agent: Annotated[str | None, typer.Option(help="To this agent")] = None,
    queue: Annotated[str | None, typer.Option(help="To this queue (routed again)")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
    by: Annotated[str, typer.Option(help="Who hands it over")] = "cli",
) -> None:
    """Hand a case to another agent or queue; its thread and notes go with it."""
    with _working_on(case) as (session, found):
        target = staff.agent_named(session, agent) if agent else None
        assignment.transfer(session, found, actor=by, to_agent=target, to_queue=queue,
                            reason=reason)  # fmt: skip
        detail = views.case_detail(session, found)
    console.print(f"{detail.reference}: {detail.owner or 'waiting'} ({detail.queue or 'no queue'})")


@cases_app.command("dispatch")
def dispatch_command() -> None:
    """Route the waiting cases again (overflow after waiting, agents freed since); run it every
    minute or so."""
    database = open_database()
    with database.transaction(write=True) as session:
        given = assignment.dispatch(session)
    console.print(f"given out: {', '.join(given) or 'none'}")


@cases_app.command("reply")
def reply_command(
    case: str,
    channel: Annotated[str, typer.Option(help="email or sms")],
    body: Annotated[str, typer.Option(help="The message to the customer")],
    by: Annotated[str, typer.Option(help="Who answers")] = "cli",
) -> None:
    """Answer the customer from the case (e-mail through PARCOURS_SMTP_URL, with the reference in
    the subject); the message joins the case's thread."""
    with _working_on(case) as (session, found):
        sent = replies.reply(session, found, channel=channel, body=body, actor=by)
        reference = found.reference
    with open_database().sessions() as session:
        status = outbox.status_of(session, sent.outbox_id)
    console.print(f"{reference}: reply to {sent.recipient} {status}", highlight=False)


@cases_app.command("callback")
def callback_command(
    case: str,
    outcome: Annotated[str, typer.Option(help="reached, no_answer, busy, wrong_number")],
    agent: Annotated[str, typer.Option(help="Who called")] = "cli",
    duration: Annotated[int | None, typer.Option(help="Seconds on the phone")] = None,
) -> None:
    """Record a call-back attempt; no answer is tried again 30 business minutes later (three
    attempts at most)."""
    with _working_on(case) as (session, found):
        following = callbacks.record_attempt(session, found, outcome, agent=agent,
                                             duration_seconds=duration)  # fmt: skip
        reference = found.reference
    console.print(f"{reference}: {following.status} — {following.reason}", highlight=False)
