"""``parcours channels …``: connect channel accounts, list them, read the e-mail inboxes."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from parcours.cases.inbox_email import poll_mailbox
from parcours.channels import accounts
from parcours.channels.ports import MailboxError
from parcours.cli_support import console, fail, open_database, settings

channels_app = typer.Typer(help="Channel accounts: e-mail, SMS, WhatsApp, Messenger, telephony, "
                           "web chat.", no_args_is_help=True)  # fmt: skip


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    found = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name:
            fail(f"a {what} is NAME=VALUE, not {value!r}")
        found[name.strip()] = text
    return found


@channels_app.command("set")
def set_command(
    name: str,
    kind: Annotated[str, typer.Argument(help=", ".join(accounts.KINDS))],
    setting: Annotated[list[str] | None, typer.Option(help="NAME=VALUE (repeatable)")] = None,
    secret: Annotated[list[str] | None, typer.Option(help="NAME=VALUE, never shown again")] = None,
    inactive: Annotated[bool, typer.Option("--inactive")] = False,
) -> None:
    """Connect or update a channel account (secrets not given keep their value)."""
    values: dict[str, object] = dict(_pairs(setting, "setting"))
    if "allowed_origins" in values:
        values["allowed_origins"] = [o.strip() for o in str(values["allowed_origins"]).split(",")]
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            saved = accounts.save(session, name, kind, values, _pairs(secret, "secret"),
                                  is_active=not inactive)  # fmt: skip
            view = accounts.view(saved)
    except accounts.ChannelError as error:
        fail(str(error))
    secrets = ", ".join(f"{k} {'set' if v else 'missing'}" for k, v in view["secrets"].items())
    console.print(f"{name}: {view['label']} saved ({secrets or 'no secrets'})")


@channels_app.command("list")
def list_command() -> None:
    """Every channel account, its settings and which secrets are set (never their values)."""
    database = open_database()
    with database.sessions() as session:
        views = [accounts.view(account) for account in accounts.all_accounts(session)]
    table = Table(title=f"{len(views)} channel account(s)")
    for column in ("name", "kind", "active", "settings", "secrets"):
        table.add_column(column)
    for view in views:
        table.add_row(view["name"], view["kind"], "yes" if view["is_active"] else "no",
                      ", ".join(f"{k}={v}" for k, v in view["settings"].items()),
                      ", ".join(k for k, v in view["secrets"].items() if v))  # fmt: skip
    console.print(table)


@channels_app.command("poll")
def poll_command(
    watch: Annotated[bool, typer.Option(help="Keep reading every --every seconds")] = False,
    every: Annotated[float, typer.Option(min=1)] = 60,
) -> None:
    """Read the new mail of every active e-mail account with an IMAP inbox."""
    database = open_database()
    while True:
        with database.sessions() as session:
            inboxes = [a for a in accounts.active_of_kind(session, "email")
                       if a.settings.get("imap_url")]  # fmt: skip
            for account in inboxes:
                session.expunge(account)
        for account in inboxes:
            try:
                report = poll_mailbox(database, account, settings())
            except (MailboxError, accounts.ChannelError) as error:
                console.print(f"[red]{account.name}: {error}[/]")
                continue
            refused = f", {len(report.malformed)} not e-mails" if report.malformed else ""
            console.print(f"{account.name}: {report.received} received{refused}")
        if not watch:
            return
        time.sleep(every)
