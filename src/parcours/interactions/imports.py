"""``parcours import interactions FILE --source NAME``: JSONL or CSV, streamed, in batches.

JSONL lines have the stable shape of :mod:`parcours.interactions.records`. CSV files (comma,
semicolon, tab or pipe; UTF-8 or Windows-1252, as for customers) have one column per field of
that shape; identifiers go in columns named after their kind (``email``, ``cookie``…) or
``identifiers.<kind>``, and ``payload.<name>`` columns (and any other column) go into the payload.

Each batch is one transaction: a crash loses at most the batch in flight, and running the import
again records what is missing and leaves the rest "unchanged". On a big file the next batches are
checked and normalised in a worker process while this one stores (:mod:`parcours.pipeline`).
Rejected lines go to ``FILE.rejects.csv`` (line, external id, field, reason).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from parcours.customers.reader import (
    ImportFileError,
    LineDecoder,
    csv_records,
    detect_format,
    read_csv_header,
)
from parcours.db import Database
from parcours.interactions.ingest import (
    InteractionOutcome,
    PreparedInteractions,
    prepare_interactions,
    store_interactions,
)
from parcours.interactions.records import ANONYMOUS_KINDS, KNOWN_KEYS, STRONG_KINDS
from parcours.pipeline import PreparingPipeline, worth_a_worker

BATCH_SIZE = 5000
REJECT_COLUMNS = ("line", "external_id", "field", "reason")
_IDENTIFIER_COLUMNS = frozenset(STRONG_KINDS + ANONYMOUS_KINDS) - {"customer_id"}

ProgressCallback = Callable[[int, int], None]


@dataclass
class InteractionImportSummary:
    read: int = 0
    recorded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    attributed: int = 0
    anonymous: int = 0
    windows_1252_lines: int = 0
    rejects_path: Path | None = None
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: InteractionOutcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        if outcome.status in ("recorded", "updated"):
            if outcome.customer_id is None:
                self.anonymous += 1
            else:
                self.attributed += 1


@dataclass
class _Bad:
    line: int
    reason: str
    value: str = ""


def csv_item(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as an interaction object (see the module docstring)."""
    item: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    payload: dict[str, str] = {}
    for column, value in row.items():
        if value is None or not value.strip():
            continue
        if column.startswith("identifiers."):
            identifiers[column.removeprefix("identifiers.")] = value
        elif column in _IDENTIFIER_COLUMNS or column.startswith("social_"):
            identifiers[column] = value
        elif column.startswith("payload."):
            payload[column.removeprefix("payload.")] = value
        elif column in KNOWN_KEYS and column not in ("identifiers", "payload", "source"):
            item[column] = value
        else:
            payload[column] = value
    if identifiers:
        item["identifiers"] = identifiers
    if payload:
        item["payload"] = payload
    return item


def read_items(path: Path, decoder: LineDecoder) -> Iterator[tuple[int, dict[str, Any]] | _Bad]:
    if detect_format(path) == "jsonl":
        for line, text in enumerate(decoder, start=1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as error:
                yield _Bad(line, f"invalid JSON: {error.msg}", text.strip()[:80])
                continue
            if not isinstance(item, dict):
                yield _Bad(line, "a JSONL line must be a JSON object")
                continue
            yield line, item
        return
    lines = iter(decoder)
    separator, header = read_csv_header(lines, path)
    if "external_id" not in header:
        raise ImportFileError(
            f"the column 'external_id' is not in the header (columns: {', '.join(header)})"
        )
    for start, values, problem in csv_records(lines, separator, len(header)):
        if problem is not None:
            yield _Bad(start, problem)
            continue
        yield start, csv_item(dict(zip(header, values, strict=True)))


def import_interactions(
    database: Database,
    path: Path,
    source: str,
    *,
    region: str = "FR",
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
    in_background: bool | None = None,
) -> InteractionImportSummary:
    """Import a file of interactions; see the module docstring."""
    if not source.strip():
        raise ImportFileError("--source must name the system the file comes from")
    summary = InteractionImportSummary()
    rejects = path.with_name(path.name + ".rejects.csv")
    unfinished = rejects.with_name(rejects.name + ".partial")
    with path.open("rb") as handle, unfinished.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(REJECT_COLUMNS)
        rejected_rows = 0
        pending: list[tuple[int, str, str, str]] = []
        decoder = LineDecoder(handle)
        total = path.stat().st_size
        batch: list[tuple[int, str, dict[str, Any]]] = []

        def store(prepared: PreparedInteractions, _context: object) -> None:
            nonlocal rejected_rows
            with database.transaction(write=True) as session:
                outcomes = store_interactions(session, prepared)
            for outcome in outcomes:
                summary.count(outcome)
                if outcome.status == "rejected":
                    pending.append(
                        (outcome.line, outcome.external_id, outcome.field or "",
                         outcome.reason or "")
                    )  # fmt: skip
            pending.sort()
            writer.writerows(pending)
            rejected_rows += len(pending)
            pending.clear()
            if progress:
                progress(decoder.bytes_read, total)

        pipeline: PreparingPipeline[list[tuple[int, str, dict[str, Any]]], PreparedInteractions]
        pipeline = PreparingPipeline(
            partial(prepare_interactions, region=region),
            store,
            in_background=worth_a_worker(total) if in_background is None else in_background,
        )
        try:
            for entry in read_items(path, decoder):
                summary.read += 1
                if isinstance(entry, _Bad):
                    summary.rejected += 1
                    pending.append((entry.line, "", "", entry.reason))
                    continue
                batch.append((entry[0], source, entry[1]))
                if len(batch) >= batch_size:
                    pipeline.submit(batch)
                    batch = []
            if batch:
                pipeline.submit(batch)
            pipeline.drain()
            if pending:
                store(PreparedInteractions([], []), None)
        finally:
            pipeline.close()
        summary.windows_1252_lines = decoder.fallback_lines
    if rejected_rows:
        os.replace(unfinished, rejects)
        summary.rejects_path = rejects
    else:
        unfinished.unlink()
        rejects.unlink(missing_ok=True)
    return summary
