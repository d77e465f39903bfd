"""``parcours outbox …``: the messages Parcours sends, and sending again those that wait."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from parcours.channels import outbox
from parcours.cli_support import console, open_database, settings

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
