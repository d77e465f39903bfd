"""Commands of identity resolution: resolve, merge, unmerge, matches list|accept|reject."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from parcours.cli_support import console, fail, open_database, settings
from parcours.customers.merging import MergeError, merge_customers, unmerge
from parcours.customers.resolution import (
    ReviewError,
    accept_review,
    list_reviews,
    reject_review,
    resolve,
)

matches_app = typer.Typer(help="Probable matches waiting for a person.", no_args_is_help=True)
CLI_USER = "cli"


def resolve_command() -> None:
    """Re-estimate the matching model and re-resolve the whole base (after a big import)."""
    config = settings()
    database = open_database()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
        transient=True, disable=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("resolving", total=None)
        report = resolve(
            database,
            auto=config.match_auto_threshold,
            review=config.match_review_threshold,
            trust=config.trust_by_source,
            conflicts=config.conflict_rules,
            progress=lambda step: progress.update(task, description=step),
        )
    console.print(
        f"{report.records} source records, {report.candidate_pairs} candidate pairs; "
        f"{report.merges} merges joining {report.customers_merged} customers; "
        f"{report.reviews} pairs to review (model {report.model_version or '-'})."
    )


def merge_command(
    customer_ids: Annotated[list[int], typer.Argument(help="Two customer ids or more")],
) -> None:
    """Merge customers into the oldest of them (undo with parcours unmerge MERGE_ID)."""
    config = settings()
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            merge = merge_customers(
                session, customer_ids, decided_by=CLI_USER, trust=config.trust_by_source
            )
            merge_id, target = merge.id, merge.target_customer_id
    except MergeError as error:
        fail(str(error))
    console.print(f"Merge {merge_id}: customers {', '.join(map(str, customer_ids))} → {target}.")


def unmerge_command(merge_id: Annotated[str, typer.Argument(help="The id of a merge")]) -> None:
    """Undo a merge: its records go back to the customers they came from."""
    if not merge_id.isdigit():
        fail(f"a merge id is a positive whole number, got {merge_id!r}")
    config = settings()
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            merge = unmerge(
                session, int(merge_id), decided_by=CLI_USER, trust=config.trust_by_source
            )
            moved = len(merge.moves)
    except MergeError as error:
        fail(str(error))
    console.print(f"Merge {merge_id} undone: {moved} source records moved back.")


@matches_app.command("list")
def matches_list(
    status: Annotated[str, typer.Option(help="pending, accepted or rejected")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Probable matches, most probable first, with the evidence behind each."""
    database = open_database()
    with database.sessions() as session:
        reviews = list_reviews(session, status=status, limit=limit)
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "customers": [r.customer_a_id, r.customer_b_id],
                "probability": round(r.probability, 4),
                "status": r.status,
                "evidence": r.evidence,
            }
            for r in reviews
        ]
    if output == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} {status} match(es)")
    for column in ("id", "customers", "match rate", "strongest evidence"):
        table.add_column(column)
    for row in rows:
        evidence = sorted(row["evidence"], key=lambda item: -abs(item["weight"]))[:3]
        why = ", ".join(f"{e['field']} {e['level']} ({e['weight']:+.1f})" for e in evidence)
        customers = f"{row['customers'][0]} ~ {row['customers'][1]}"
        table.add_row(str(row["id"]), customers, f"{row['probability']:.1%}", why)
    console.print(table)


@matches_app.command("accept")
def matches_accept(review_id: int) -> None:
    """These two are the same person: merge them."""
    config = settings()
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            merge_id = accept_review(
                session, review_id, decided_by=CLI_USER, trust=config.trust_by_source
            )
    except ReviewError as error:
        fail(str(error))
    console.print(f"Match {review_id} accepted: merge {merge_id}.")


@matches_app.command("reject")
def matches_reject(review_id: int) -> None:
    """These two are different people: they will not be matched again."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            reject_review(session, review_id, decided_by=CLI_USER)
    except ReviewError as error:
        fail(str(error))
    console.print(f"Match {review_id} rejected: marked as different people.")
