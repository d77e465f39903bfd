"""What every command needs: settings, an open database with a clear error, a console."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from parcours.config import Settings, get_settings
from parcours.customers.ingest import MatchSettings
from parcours.db import Database, DatabaseMissingError, ensure_database_ready

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:
        fail(f"invalid settings: {error}")


def match_settings() -> MatchSettings:
    config = settings()
    return MatchSettings(
        config.match_auto_threshold, config.match_review_threshold, config.conflict_rules
    )


def open_database() -> Database:
    try:
        return Database(
            ensure_database_ready(settings().resolved_database_url),
            raise_subscriber_errors=settings().environment != "production",
        )
    except DatabaseMissingError as error:
        fail(str(error))
