"""What every command needs: settings, an open database with a clear error, a console."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from parcours.config import Settings, get_settings
from parcours.customers.ingest import MatchSettings
from parcours.db import Database, DatabaseMissingError, ensure_database_ready

console = Console()
errors = Console(stderr=True)


def import_progress(file: Path) -> Progress:
    """The progress bar of a file import: bytes read, time left (hidden when not a terminal)."""
    return Progress(
        TextColumn(f"Importing {file.name}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def parse_moment(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 date and time with its offset, from a command-line option."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} expects an ISO 8601 date and time with offset, got {text!r}")
    if moment.tzinfo is None:
        fail(f"{option} needs an offset (e.g. 2026-05-04T18:00:00+02:00), got {text!r}")
    return moment


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
