"""Customer commands: import, export of source links, search and show."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from parcours.cli_support import (
    console,
    fail,
    import_progress,
    match_settings,
    open_database,
    settings,
)
from parcours.customers import services
from parcours.customers.imports import ImportSummary, import_customers
from parcours.customers.reader import ColumnMapping, ImportFileError, detect_format

customers_app = typer.Typer(help="Search and show customers.", no_args_is_help=True)
OutputFormat = Literal["table", "json"]


def import_customers_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="Name of the system the file comes from")],
    id_column: Annotated[str, typer.Option(help="Column holding the record id in that system")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD, repeatable; columns named like a field map"),
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the extension)")
    ] = None,
) -> None:
    """Import customer records from a CSV or JSONL file (idempotent: re-running changes nothing)."""
    if file_format not in (None, "csv", "jsonl"):
        fail(f"--format must be csv or jsonl, got {file_format!r}")
    try:
        mapping = ColumnMapping.parse(id_column, map_ or [])
    except ImportFileError as error:
        fail(str(error))
    config = settings()
    database = open_database()
    chosen = detect_format(file) if file_format is None else file_format
    progress = import_progress(file)
    with progress:
        task = progress.add_task("import", total=file.stat().st_size)
        try:
            summary = import_customers(
                database,
                file,
                source=source,
                mapping=mapping,
                file_format="jsonl" if chosen == "jsonl" else "csv",
                region=config.default_region,
                trust=config.trust_by_source,
                batch_size=config.import_batch_size,
                match=match_settings(),
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except ImportFileError as error:
            fail(f"{file}: {error}")
    _print_summary(summary)


def _print_summary(summary: ImportSummary) -> None:
    table = Table(title="Import summary", show_header=False)
    for label, value in (
        ("rows read", summary.read),
        ("new customers", summary.created),
        ("attached to existing customers", summary.attached),
        ("updated records", summary.updated),
        ("unchanged (already imported)", summary.unchanged),
        ("rejected", summary.rejected),
        ("values dropped", summary.dropped_values),
    ):
        table.add_row(label, f"{value:,}".replace(",", " "))
    console.print(table)
    if summary.windows_1252_lines:
        console.print(
            f"{summary.windows_1252_lines} lines were not UTF-8 and read as Windows-1252."
        )
    if summary.rejects_path:
        console.print(f"Rejected rows and dropped values: {summary.rejects_path}")


def export_source_links_command(
    source: Annotated[str, typer.Option(help="The source whose records are listed")],
) -> None:
    """CSV on stdout: external_id,customer_id for every record of SOURCE."""
    database = open_database()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("external_id", "customer_id"))
    with database.sessions() as session:
        for external_id, customer_id in services.source_links(session, source):
            writer.writerow((external_id, customer_id))


@customers_app.command("search")
def search(
    query: str,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=services.MAX_PAGE_SIZE)] = 20,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Find customers by name, phone (any format), e-mail or loyalty card."""
    database = open_database()
    with database.sessions() as session:
        result = services.search_customers(
            session, query, region=settings().default_region, page=page, page_size=page_size
        )
    if output == "json":
        print(result.model_dump_json(indent=2))
        return
    table = Table(title=f"{result.total} customer(s) for {query!r} — page {result.page}")
    for column in ("id", "name", "e-mail", "phone", "city"):
        table.add_column(column)
    for item in result.items:
        table.add_row(
            str(item.id), item.display_name, item.email or "", item.phone or "", item.city or ""
        )
    console.print(table)


@customers_app.command("show")
def show(
    customer_id: int,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """A customer's profile, identifiers and source records."""
    database = open_database()
    with database.sessions() as session:
        try:
            detail = services.get_customer(session, customer_id)
        except services.CustomerNotFound as error:
            fail(str(error), code=1)
    if output == "json":
        print(detail.model_dump_json(indent=2))
        return
    console.print(f"[bold]#{detail.id} {detail.display_name}[/] ({detail.kind}, {detail.stage})")
    address = " ".join(
        filter(None, (detail.street_number, detail.street, detail.postcode, detail.city))
    )
    for label, value in (
        ("birth date", detail.birth_date.isoformat() if detail.birth_date else None),
        ("e-mail", detail.email),
        ("phone", detail.phone),
        ("address", address or None),
        ("company", detail.company_name),
        (
            "attributes",
            json.dumps(detail.attributes, ensure_ascii=False) if detail.attributes else None,
        ),
    ):
        if value:
            console.print(f"  {label}: {value}", highlight=False)
    identifiers = Table(title="Identifiers")
    for column in ("kind", "value", "records", "first seen", "last seen"):
        identifiers.add_column(column)
    for identifier in detail.identifiers:
        identifiers.add_row(
            identifier.kind,
            identifier.value,
            str(identifier.records),
            identifier.first_seen.date().isoformat(),
            identifier.last_seen.date().isoformat(),
        )
    console.print(identifiers)
    records = Table(title="Source records")
    for column in ("source", "external id", "received"):
        records.add_column(column)
    for record in detail.source_records:
        records.add_row(
            record.source, record.external_id, record.received_at.isoformat(" ", "seconds")
        )
    console.print(records)
    if detail.merged_into_id:
        console.print(f"Merged into customer {detail.merged_into_id}.")
    if detail.merges:
        history = Table(title="Merge history")
        for column in ("merge", "when", "kind", "decided by", "score", "moves", "undone"):
            history.add_column(column)
        for merge in detail.merges:
            history.add_row(
                str(merge.id),
                merge.created_at.isoformat(" ", "minutes"),
                merge.kind,
                merge.decided_by,
                f"{merge.score:.1%}" if merge.score is not None else "",
                ", ".join(f"{m.from_customer_id}→{m.to_customer_id}" for m in merge.moves[:4]),
                merge.undone_at.isoformat(" ", "minutes") if merge.undone_at else "",
            )
        console.print(history)
