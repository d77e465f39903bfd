"""The ``parcours`` command; each context adds its own sub-commands here."""

from __future__ import annotations

from typing import Annotated

import typer

from parcours.accounts import services as accounts
from parcours.accounts.services import TokenNameTaken
from parcours.cases.channels_cli import channels_app
from parcours.cases.cli import cases_app
from parcours.cases.staff_cli import agents_app, queues_app, slas_app, teams_app
from parcours.channels.cli import consents_app, outbox_app
from parcours.cli_support import console, fail, match_settings, open_database, settings
from parcours.customers.cli import (
    customers_app,
    export_source_links_command,
    import_customers_command,
)
from parcours.customers.resolution_cli import (
    matches_app,
    merge_command,
    resolve_command,
    unmerge_command,
)
from parcours.db import Database, create_db_engine
from parcours.experience.cli import surveys_app
from parcours.interactions.cli import (
    feed_command,
    follow_command,
    import_interactions_command,
    interactions_app,
    note_command,
    notes_command,
    timeline_command,
)
from parcours.migrations.runner import upgrade

app = typer.Typer(
    help="Parcours — one customer, one thread, every channel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
import_app = typer.Typer(help="Import files (CSV or JSONL).", no_args_is_help=True)
export_app = typer.Typer(help="Export data as CSV on stdout.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
users_app = typer.Typer(help="Console users.", no_args_is_help=True)
demo_app = typer.Typer(help="The French demo data set.", no_args_is_help=True)

app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(customers_app, name="customers")
app.add_typer(tokens_app, name="tokens")
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")
app.add_typer(matches_app, name="matches")
app.command("resolve")(resolve_command)
app.command("merge")(merge_command)
app.command("unmerge")(unmerge_command)
import_app.command("customers")(import_customers_command)
import_app.command("interactions")(import_interactions_command)
customers_app.command("timeline")(timeline_command)
customers_app.command("note")(note_command)
customers_app.command("notes")(notes_command)
customers_app.command("follow")(follow_command)
app.command("feed")(feed_command)
app.add_typer(interactions_app, name="interactions")
app.add_typer(consents_app, name="consents")
app.add_typer(channels_app, name="channels")
app.add_typer(cases_app, name="cases")
app.add_typer(teams_app, name="teams")
app.add_typer(agents_app, name="agents")
app.add_typer(queues_app, name="queues")
app.add_typer(slas_app, name="slas")
app.add_typer(outbox_app, name="outbox")
app.add_typer(surveys_app, name="surveys")
export_app.command("source-links")(export_source_links_command)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the latest schema (idempotent)."""
    url = settings().resolved_database_url
    create_db_engine(url, create_dirs=True).dispose()
    try:
        upgrade(url)
    except Exception as error:
        fail(f"migration failed: {error}")
    console.print("Database is up to date.")


@tokens_app.command("create")
def tokens_create(
    name: str,
    role: Annotated[str, typer.Option(help="What it may do, as a person of that role")] = "admin",
    unit: Annotated[
        str | None, typer.Option(help="Organisation unit whose customers it sees")
    ] = None,
) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            token = accounts.create_token(session, name, role=role, unit=unit)
    except (TokenNameTaken, ValueError) as error:
        fail(str(error))
    print(token)


@tokens_app.command("revoke")
def tokens_revoke(name: str) -> None:
    """Revoke a token by name."""
    database = open_database()
    with database.transaction(write=True) as session:
        if not accounts.revoke_token(session, name):
            fail(f"no token named {name!r}", code=1)
    console.print(f"Token {name!r} revoked.")


@users_app.command("add")
def users_add(
    login: str,
    role: Annotated[str, typer.Option(help="seller, agent, back_office, manager, marketer, admin")],
    unit: Annotated[str | None, typer.Option(help="Organisation unit (a franchised store)")] = None,
    name: Annotated[str | None, typer.Option(help="Name shown in the console")] = None,
) -> None:
    """Add a console user; their random password is printed once."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            password = accounts.create_user(session, login, role=role, unit=unit,
                                            display_name=name)  # fmt: skip
    except ValueError as error:
        fail(str(error))
    console.print(
        f"User {login} ({role}{', ' + unit if unit else ''}): password [bold]{password}[/]"
    )


@users_app.command("reset-password")
def users_reset_password(login: str) -> None:
    """Give a user a new random password, printed once."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            password = accounts.reset_password(session, login)
    except LookupError as error:
        fail(str(error), code=1)
    console.print(f"New password for {login}: [bold]{password}[/]")


def print_admin_login(database: Database) -> None:
    with database.transaction(write=True) as session:
        admin = accounts.ensure_admin(session)
    if admin.password:
        console.print(
            f"Admin login: [bold]{admin.login}[/] / password: [bold]{admin.password}[/] "
            "(shown once; keep it)"
        )
    else:
        console.print(
            f"Admin login: [bold]{admin.login}[/] (password shown on first start; "
            f"reset it with: parcours users reset-password {admin.login})"
        )


@demo_app.command("load")
def demo_load() -> None:
    """Load the Sens Confort demo (idempotent: loading twice changes nothing)."""
    from parcours.customers.ingest import ingest_batch
    from parcours.demo import demo_records
    from parcours.demo_cases import load_demo_cases, load_demo_people
    from parcours.demo_interactions import DEMO_INTERACTION_SOURCE, demo_interactions
    from parcours.demo_surveys import load_demo_survey
    from parcours.interactions.ingest import record_interactions

    config = settings()
    database = open_database()
    records = demo_records()
    with database.transaction(write=True) as session:
        outcomes = ingest_batch(
            session,
            records,
            region=config.default_region,
            trust=config.trust_by_source,
            match=match_settings(),
        )
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
    console.print(f"Demo: {len(records)} records ({summary}).")
    interactions = demo_interactions()
    with database.transaction(write=True) as session:
        recorded = record_interactions(
            session,
            [(line, DEMO_INTERACTION_SOURCE, item) for line, item in enumerate(interactions, 1)],
            region=config.default_region,
        )
    statuses: dict[str, int] = {}
    for result in recorded:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    console.print(f"Demo: {len(interactions)} interactions ({summary}).")
    opened = load_demo_cases(database, region=config.default_region)
    console.print(f"Demo: {opened} cases opened" + ("." if opened else " (already loaded)."))
    answered = load_demo_survey(database)
    console.print(
        f"Demo: survey answered by {answered} customers"
        + ("." if answered else " (already loaded).")
    )
    people = load_demo_people(database)
    for login, password in people.items():
        console.print(f"Demo login: [bold]{login}[/] / password: [bold]{password}[/] "
                      "(shown once)")  # fmt: skip


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes (more than one: each opens the database)")
    ] = 1,
) -> None:
    """Serve the web console and the API."""
    import uvicorn

    from parcours.app import create_app

    database = open_database()
    print_admin_login(database)
    console.print(f"Parcours on http://{host}:{port}/ — API docs on http://{host}:{port}/docs")
    if workers > 1:
        database.engine.dispose()
        uvicorn.run(
            "parcours.app:create_app", factory=True, workers=workers, host=host, port=port,
            log_level="info",
        )  # fmt: skip
        return
    uvicorn.run(create_app(settings(), database), host=host, port=port, log_level="info")


def main() -> None:
    app()
