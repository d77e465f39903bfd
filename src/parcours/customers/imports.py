"""The customer import use case: a file in, batches ingested, a summary and a rejects file out."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from parcours.customers.ingest import (
    IncomingRecord,
    MatchSettings,
    Outcome,
    PreparedBatch,
    prepare_batch,
    store_batch,
)
from parcours.customers.reader import ColumnMapping, FileFormat, FileReader, Row, RowError
from parcours.db import Database
from parcours.pipeline import PreparingPipeline, worth_a_worker

REJECT_COLUMNS = ("line", "external_id", "outcome", "field", "value", "reason")


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    attached: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dropped_values: int = 0
    windows_1252_lines: int = 0
    rejects_path: Path | None = None
    by_status: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.dropped_values += len(outcome.dropped)


def rejects_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


class RejectsWriter:
    """Writes ``FILE.rejects.csv`` beside the file; replaced atomically when the import ends."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        self._handle = self.partial.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)
        self.rows = 0
        self._pending: list[tuple[int, list[object]]] = []

    def row_error(self, error: RowError) -> None:
        self._write(
            error.line, error.external_id, "rejected", error.field, error.value, error.reason
        )

    def outcome(self, outcome: Outcome) -> None:
        if outcome.status == "rejected":
            self._write(
                outcome.line,
                outcome.external_id,
                "rejected",
                outcome.rejected_field,
                "",
                outcome.reason,
            )
        for dropped in outcome.dropped:
            self._write(
                outcome.line,
                outcome.external_id,
                "value dropped",
                dropped.field,
                dropped.value,
                dropped.reason,
            )

    def _write(self, line: int | None, *values: object) -> None:
        row = ["" if value is None else value for value in (line, *values)]
        self._pending.append((line or 0, row))
        self.rows += 1

    def flush(self) -> None:
        """Write what the last batch rejected, in line order."""
        self._pending.sort(key=lambda item: item[0])
        self._writer.writerows(row for _, row in self._pending)
        self._pending.clear()
        self._handle.flush()

    def finish(self) -> Path | None:
        """Keep the file when something was rejected or dropped; remove a stale one otherwise."""
        self.flush()
        self._handle.close()
        if self.rows:
            os.replace(self.partial, self.target)
            return self.target
        self.partial.unlink()
        self.target.unlink(missing_ok=True)
        return None


ProgressCallback = Callable[[int, int], None]


def import_customers(
    database: Database,
    path: Path,
    *,
    source: str,
    mapping: ColumnMapping,
    file_format: FileFormat,
    region: str = "FR",
    trust: Mapping[str, int] | None = None,
    batch_size: int = 1000,
    on_progress: ProgressCallback | None = None,
    prepare_in_background: bool | None = None,
    match: MatchSettings | None = None,
) -> ImportSummary:
    """Import a customer file; each batch is committed on its own, so a crash loses at most the
    batch in flight and running the same file again completes it without duplicating anything.

    Normalising a record costs about as much as storing it, so on a big file the next batches are
    normalised in a worker process while this one stores (:mod:`parcours.pipeline`): batches are
    still stored one after the other, in file order, and the result is the same as without it.
    """
    summary = ImportSummary()
    first_line_of: dict[str, int] = {}
    if prepare_in_background is None:
        prepare_in_background = worth_a_worker(path.stat().st_size)
    with FileReader(path, mapping, file_format) as reader:
        rows = iter(reader)
        first = next(
            rows, None
        )  # reads the header: a bad file fails before the rejects file exists
        rejects = RejectsWriter(rejects_path_for(path))
        pipeline = _Pipeline(
            database, summary, rejects, region, trust, prepare_in_background, match
        )
        try:
            batch: list[IncomingRecord] = []
            for item in _chain(first, rows):
                summary.read += 1
                if isinstance(item, RowError):
                    pipeline.row_error(item)
                    continue
                earlier = first_line_of.setdefault(item.external_id, item.line)
                if earlier != item.line:
                    pipeline.row_error(
                        RowError(
                            item.line,
                            item.external_id,
                            mapping.id_column,
                            item.external_id,
                            f"duplicate id: the same id was first given on line {earlier}",
                        )
                    )
                    continue
                batch.append(_incoming(source, item))
                if len(batch) >= batch_size:
                    pipeline.submit(batch)
                    batch = []
                    if on_progress:
                        on_progress(reader.decoder.bytes_read, reader.total_bytes)
            if batch:
                pipeline.submit(batch)
            pipeline.drain()
        finally:
            pipeline.close()
            summary.rejects_path = rejects.finish()
        summary.windows_1252_lines = reader.decoder.fallback_lines
        if on_progress:
            on_progress(reader.total_bytes, reader.total_bytes)
    return summary


class _Pipeline:
    """Prepares batches (here or in a worker process) and stores them in order."""

    def __init__(
        self,
        database: Database,
        summary: ImportSummary,
        rejects: RejectsWriter,
        region: str,
        trust: Mapping[str, int] | None,
        in_background: bool,
        match: MatchSettings | None,
    ) -> None:
        self.match = match
        self.database = database
        self.summary = summary
        self.rejects = rejects
        self.trust = trust
        self.batches: PreparingPipeline[list[IncomingRecord], PreparedBatch] = PreparingPipeline(
            partial(prepare_batch, region=region), self._store, in_background=in_background
        )
        self.errors: list[RowError] = []

    def row_error(self, error: RowError) -> None:
        self.summary.rejected += 1
        self.errors.append(error)

    def submit(self, batch: list[IncomingRecord]) -> None:
        errors, self.errors = self.errors, []
        self.batches.submit(batch, errors)

    def drain(self) -> None:
        self.batches.drain()
        for error in self.errors:
            self.rejects.row_error(error)
        self.errors = []
        self.rejects.flush()

    def close(self) -> None:
        self.batches.close()

    def _store(self, prepared: PreparedBatch, errors: list[RowError]) -> None:
        with self.database.transaction(write=True) as session:
            outcomes = store_batch(session, prepared, trust=self.trust, match=self.match)
        stored_before = self.summary.created + self.summary.attached
        for error in errors:
            self.rejects.row_error(error)
        for outcome in outcomes:
            self.summary.count(outcome)
            self.rejects.outcome(outcome)
        self.rejects.flush()
        stored = self.summary.created + self.summary.attached
        # Statistics are refreshed each time the import has doubled what it stored (1k, 2k, 4k…).
        if stored >= 1000 and stored.bit_length() > stored_before.bit_length():
            self.database.refresh_statistics(("customers", "source_records", "identifiers"))


def _chain(
    first: Row | RowError | None, rest: Iterable[Row | RowError]
) -> Iterable[Row | RowError]:
    if first is not None:
        yield first
        yield from rest


def _incoming(source: str, row: Row) -> IncomingRecord:
    return IncomingRecord(
        source=source,
        external_id=row.external_id,
        fields=row.fields,
        attributes=row.attributes,
        payload=row.payload,
        line=row.line,
    )
