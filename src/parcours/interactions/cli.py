"""Interaction commands: ``import interactions``, ``customers timeline``, ``interactions
reattribute``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from parcours.cli_support import (
    console,
    fail,
    import_progress,
    open_database,
    parse_moment,
    settings,
)
from parcours.customers.reader import ImportFileError
from parcours.interactions import clientbook, services
from parcours.interactions.attribution import reattribute
from parcours.interactions.imports import InteractionImportSummary, import_interactions
from parcours.interactions.models import Interaction
from parcours.interactions.schemas import NoteOut, NotePage

interactions_app = typer.Typer(help="Interactions on every channel.", no_args_is_help=True)


def import_interactions_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="Name of the system the file comes from")],
) -> None:
    """Import interactions from a JSONL or CSV file (idempotent: re-running changes nothing)."""
    database = open_database()
    progress = import_progress(file)
    with progress:
        task = progress.add_task("import", total=file.stat().st_size)
        try:
            summary = import_interactions(
                database,
                file,
                source,
                region=settings().default_region,
                batch_size=settings().interaction_batch_size,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except ImportFileError as error:
            fail(f"{file}: {error}")
    _print_summary(summary)


def _print_summary(summary: InteractionImportSummary) -> None:
    table = Table(title="Import summary", show_header=False)
    for label, value in (
        ("lines read", summary.read),
        ("recorded", summary.recorded),
        ("updated", summary.updated),
        ("unchanged (already imported)", summary.unchanged),
        ("rejected", summary.rejected),
        ("attributed to a customer", summary.attributed),
        ("anonymous for now", summary.anonymous),
    ):
        table.add_row(label, f"{value:,}".replace(",", " "))
    console.print(table)
    if summary.windows_1252_lines:
        console.print(
            f"{summary.windows_1252_lines} lines were not UTF-8 and read as Windows-1252."
        )
    if summary.rejects_path:
        console.print(f"Rejected lines: {summary.rejects_path}")


def timeline_command(
    customer_id: int,
    channel: Annotated[
        list[str] | None, typer.Option(help="Only this channel (repeatable)")
    ] = None,
    phase: Annotated[list[str] | None, typer.Option(help="before, during or after")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="Only this type")] = None,
    since: Annotated[str | None, typer.Option(help="From (ISO 8601 with offset)")] = None,
    until: Annotated[str | None, typer.Option(help="Up to (ISO 8601 with offset)")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=services.MAX_PAGE_SIZE)] = 50,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    language: Annotated[str, typer.Option(help="fr or en")] = "fr",
) -> None:
    """A customer's interactions on every channel, newest first."""
    filters = services.TimelineFilter(
        tuple(channel or ()),
        tuple(phase or ()),
        tuple(type_ or ()),
        parse_moment(since, "--since"),
        parse_moment(until, "--until"),
    )
    database = open_database()
    with database.sessions() as session:
        try:
            result = services.timeline(
                session, customer_id, filters=filters, page=page, page_size=page_size,
                language=language,
            )  # fmt: skip
        except services.UnknownCustomer as error:
            fail(str(error), code=1)
        except services.TimelineError as error:
            fail(str(error))
    if output == "json":
        print(result.model_dump_json(indent=2))
        return
    table = Table(
        title=f"Customer {customer_id}: {result.total} interaction(s) — page {result.page}"
    )
    for column in ("when", "channel", "type", "phase", "direction", "amount", "source"):
        table.add_column(column)
    for item in result.items:
        table.add_row(
            item.occurred_at.isoformat(" ", "minutes"),
            f"{item.icon} {item.channel_label}",
            item.type_label,
            item.phase,
            item.direction,
            f"{item.amount} {item.currency}" if item.amount is not None else "",
            item.source,
        )
    console.print(table)


@interactions_app.command("reattribute")
def reattribute_command() -> None:
    """Recompute the customer of every interaction from its identifiers (after a failure)."""
    database = open_database()
    with database.transaction(write=True) as session:
        changed = reattribute(session, session.scalars(select(Interaction.id)))
    console.print(f"{changed} interaction(s) changed hands.")


@interactions_app.command("stats")
def stats_command(
    customer: Annotated[int | None, typer.Option(help="One customer (default: everyone)")] = None,
    since: Annotated[str | None, typer.Option(help="From (ISO 8601 with offset)")] = None,
    until: Annotated[str | None, typer.Option(help="Up to (ISO 8601 with offset)")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Contacts by channel and nature, cost per channel, contacts per customer."""
    start, end = parse_moment(since, "--since"), parse_moment(until, "--until")
    database = open_database()
    with database.sessions() as session:
        try:
            result = (
                services.contact_statistics(session, since=start, until=end)
                if customer is None
                else services.customer_contact_statistics(session, customer, since=start, until=end)
            )
        except services.UnknownCustomer as error:
            fail(str(error), code=1)
        except services.TimelineError as error:
            fail(str(error))
    if output == "json":
        print(result.model_dump_json(indent=2))
        return
    who = f"customer {customer}" if customer is not None else "all customers"
    table = Table(title=f"Contacts of {who}: {result.contacts:,}".replace(",", " "))
    for column in ("channel", "contacts", "informative", "transactional", "in", "out", "cost"):
        table.add_column(column, justify="left" if column == "channel" else "right")
    for row in result.by_channel:
        table.add_row(
            row.channel, str(row.contacts), str(row.informative), str(row.transactional),
            str(row.inbound), str(row.outbound), f"{row.cost:.2f} €",
        )  # fmt: skip
    console.print(table)
    if result.first_contact and result.last_contact:
        console.print(
            f"first contact {result.first_contact:%Y-%m-%d}, last {result.last_contact:%Y-%m-%d}"
        )
    if result.preferred_channel:
        console.print(f"preferred channel (by behaviour): {result.preferred_channel}")
    if result.customers is not None:
        console.print(
            f"{result.customers} customers with contacts; per customer: mean "
            f"{result.contacts_per_customer_mean or 0:.1f}, median "
            f"{result.contacts_per_customer_median or 0:.1f}; anonymous contacts: "
            f"{result.anonymous_contacts}"
        )


def note_command(
    customer_id: int,
    body: Annotated[str, typer.Argument(help="The note, in quotes")],
    author: Annotated[str, typer.Option(help="Who writes it")],
) -> None:
    """Add a note to a customer's client book."""
    database = open_database()
    with database.transaction(write=True) as session:
        try:
            services.live_customer(session, customer_id)
            note = clientbook.add_note(session, customer_id, author, body)
        except services.UnknownCustomer as error:
            fail(str(error), code=1)
        except clientbook.ClientBookError as error:
            fail(str(error))
    console.print(f"Note {note.id} added to customer {customer_id}.")


def notes_command(
    customer_id: int,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """A customer's client book, newest first."""
    database = open_database()
    with database.sessions() as session:
        try:
            services.live_customer(session, customer_id)
        except services.UnknownCustomer as error:
            fail(str(error), code=1)
        total, rows = clientbook.notes(session, customer_id)
        items = [NoteOut.model_validate(row) for row in rows]
    if output == "json":
        print(NotePage(customer_id=customer_id, total=total, items=items).model_dump_json(indent=2))
        return
    for item in items:
        console.print(f"[bold]{item.created_at:%Y-%m-%d %H:%M}[/] {item.author}: {item.body}")
    if not items:
        console.print("No note yet.")


def follow_command(
    customer_id: int,
    user: Annotated[str, typer.Option(help="Who follows")],
    stop: Annotated[bool, typer.Option("--stop", help="Stop following")] = False,
) -> None:
    """Follow a customer's activity (or stop with --stop)."""
    database = open_database()
    with database.transaction(write=True) as session:
        try:
            services.live_customer(session, customer_id)
        except services.UnknownCustomer as error:
            fail(str(error), code=1)
        if stop:
            clientbook.unfollow(session, user, customer_id)
        else:
            clientbook.follow(session, user, customer_id)
    console.print(f"{user} {'no longer follows' if stop else 'follows'} customer {customer_id}.")


def feed_command(
    user: Annotated[str, typer.Option(help="Whose feed")],
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
) -> None:
    """The latest interactions of the customers USER follows."""
    database = open_database()
    with database.sessions() as session:
        rows = clientbook.feed(session, user, limit=limit)
        table = Table(title=f"Feed of {user}")
        for column in ("when", "customer", "channel", "type"):
            table.add_column(column)
        for row in rows:
            item = services.entry(row)
            table.add_row(
                item.occurred_at.isoformat(" ", "minutes"), str(row.customer_id),
                f"{item.icon} {item.channel_label}", item.type_label,
            )  # fmt: skip
    console.print(table)
