"""``parcours outbox …``: the messages Parcours sends, and sending again those that wait;
``parcours consents …``: what recipients allow."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from parcours.channels import consents, outbox
from parcours.cli_support import console, fail, open_database, settings

outbox_app = typer.Typer(help="Messages sent or waiting to leave.", no_args_is_help=True)


@outbox_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="queued, sent or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """The latest messages, newest first."""
    database = open_database()
    with database.sessions() as session:
        found = outbox.messages(session, status=status, limit=limit)
    table = Table(title=f"{len(found)} message(s)")
    for column in ("id", "when", "channel", "to", "subject", "status", "error"):
        table.add_column(column)
    for message in found:
        table.add_row(str(message.id), message.created_at.isoformat(" ", "minutes"),
                      message.channel, message.recipient, message.subject or "", message.status,
                      message.error or "")  # fmt: skip
    console.print(table)


@outbox_app.command("send")
def send_command() -> None:
    """Send the queued and failed messages again (after setting PARCOURS_SMTP_URL, say)."""
    database = open_database()
    with database.transaction(write=True) as session:
        counts = outbox.send_pending(session, settings())
    console.print(
        ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "nothing to send"
    )


consents_app = typer.Typer(help="What recipients allow: surveys, marketing, all.",
                           no_args_is_help=True)  # fmt: skip


@consents_app.command("set")
def set_command(
    channel: str,
    address: str,
    purpose: Annotated[str, typer.Argument(help="service, surveys, marketing or all")],
    grant: Annotated[bool, typer.Option("--grant/--withdraw")],
    source: Annotated[str, typer.Option(help="Where the decision was taken")] = "cli",
) -> None:
    """Record a recipient's decision for an address (the latest counts)."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            consent = consents.record(session, channel=channel, address=address, purpose=purpose,
                                      is_granted=grant, source=source)  # fmt: skip
            shown = f"{consent.channel} {consent.address}: {purpose} "
    except consents.ConsentError as error:
        fail(str(error))
    console.print(shown + ("given" if grant else "withdrawn"))


@consents_app.command("show")
def show_command(channel: str, address: str) -> None:
    """What the address allows now, and the decisions behind it."""
    database = open_database()
    try:
        with database.sessions() as session:
            decisions = {purpose: consents.decide(session, channel, address, purpose)
                         for purpose in consents.ALLOWED_WITHOUT_ANSWER}  # fmt: skip
            found = consents.history(session, channel, address)
    except consents.ConsentError as error:
        fail(str(error))
    for purpose, decision in decisions.items():
        console.print(f"{purpose}: {'allowed' if decision.is_allowed else 'refused'} "
                      f"({decision.reason})")  # fmt: skip
    table = Table(title="history")
    for column in ("when", "purpose", "decision", "source"):
        table.add_column(column)
    for consent in found:
        table.add_row(consent.recorded_at.isoformat(" ", "minutes"), consent.purpose,
                      "given" if consent.is_granted else "withdrawn", consent.source)  # fmt: skip
    console.print(table)
