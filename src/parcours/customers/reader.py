"""Streaming readers for customer files (CSV or JSONL), one row at a time.

Files come from tills, spreadsheets and old CRMs: UTF-8 with or without a byte-order mark, or
Windows-1252 (the French "Latin-1" of Excel); comma, semicolon or tab separated. Each physical line
is decoded on its own (UTF-8 first, then Windows-1252), so a mixed file still reads, and nothing is
loaded whole: a million-row file streams in constant memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from parcours.customers.records import is_known_field, known_fields_help

FileFormat = Literal["csv", "jsonl"]


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (no id column, unreadable header…)."""


@dataclass
class Row:
    line: int
    external_id: str
    fields: dict[str, str | list[str]]
    attributes: dict[str, Any]
    payload: dict[str, Any]


@dataclass
class RowError:
    line: int
    external_id: str
    field: str
    value: str
    reason: str


@dataclass
class ColumnMapping:
    """Which column feeds which canonical field; columns named like a field map to it."""

    id_column: str
    explicit: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, id_column: str, pairs: list[str]) -> ColumnMapping:
        explicit: dict[str, str] = {}
        for pair in pairs:
            column, separator, target = pair.partition("=")
            if not separator or not column.strip() or not target.strip():
                raise ImportFileError(f"--map expects COLUMN=FIELD, got {pair!r}")
            target = target.strip()
            if not is_known_field(target):
                known = known_fields_help()
                raise ImportFileError(f"--map {pair!r}: unknown field {target!r} (fields: {known})")
            explicit[column.strip()] = target
        return cls(id_column=id_column, explicit=explicit)

    def target(self, column: str) -> str | None:
        if column in self.explicit:
            return self.explicit[column]
        lowered = column.strip().lower()
        return lowered if is_known_field(lowered) else None


def detect_format(path: Path) -> FileFormat:
    return "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson", ".json"} else "csv"


class LineDecoder:
    """Decodes the lines of a binary file, counting bytes read and Windows-1252 fallbacks."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.bytes_read = 0
        self.fallback_lines = 0
        self._first = True

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.bytes_read += len(raw)
            if self._first:
                self._first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
                self.fallback_lines += 1
            yield text.replace("\x00", "")


def _delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_csv_header(lines: Iterator[str], path: Path) -> tuple[str, list[str]]:
    """The delimiter and the column names of a CSV file's first line."""
    header_line = next(lines, None)
    if header_line is None or not header_line.strip():
        raise ImportFileError(f"{path} is empty: a CSV file starts with a header line")
    delimiter = _delimiter(header_line)
    return delimiter, [
        name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))
    ]


def csv_records(
    lines: Iterator[str], delimiter: str, width: int
) -> Iterator[tuple[int, list[str], str | None]]:
    """Each record after the header: the line it starts on, its values, and why it cannot be
    read (``None`` when it can). Blank records are skipped; a record spanning several lines
    (a quoted line break) is numbered by its first line."""
    reader = csv.reader(lines, delimiter=delimiter)
    previous_end = 1
    while True:
        start = previous_end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            previous_end = reader.line_num + 1
            yield start, [], f"unreadable CSV line: {error}"
            continue
        previous_end = reader.line_num + 1
        if not values or all(not value.strip() for value in values):
            continue
        if len(values) != width:
            yield start, values, f"expected {width} fields, found {len(values)}"
            continue
        yield start, values, None


class FileReader:
    """Iterates over a customer file, yielding a :class:`Row` or a :class:`RowError` per record."""

    def __init__(self, path: Path, mapping: ColumnMapping, file_format: FileFormat) -> None:
        self.path = path
        self.mapping = mapping
        self.format = file_format
        self.total_bytes = path.stat().st_size
        self._handle = path.open("rb")
        self.decoder = LineDecoder(self._handle)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> FileReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Row | RowError]:
        if self.format == "jsonl":
            yield from self._jsonl()
        else:
            yield from self._csv()

    def _split(self, line: int, record: Mapping[str, Any]) -> Row | RowError:
        raw_id = record.get(self.mapping.id_column)
        external_id = "" if raw_id is None else str(raw_id).strip()
        if not external_id:
            return RowError(line, "", self.mapping.id_column, "", "missing external id")
        fields: dict[str, str | list[str]] = {}
        attributes: dict[str, Any] = {}
        for column, value in record.items():
            if column == self.mapping.id_column or value is None or value == "":
                continue
            target = self.mapping.target(column)
            if target is None:
                attributes[column] = value
                continue
            values = value if isinstance(value, list) else [value]
            texts = [str(item) for item in values if item is not None and str(item).strip()]
            if not texts:
                continue
            current = fields.get(target)
            if current is None:
                fields[target] = texts[0] if len(texts) == 1 else texts
            else:
                fields[target] = [*([current] if isinstance(current, str) else current), *texts]
        payload = {k: v for k, v in record.items() if v not in (None, "")}
        return Row(line, external_id, fields, attributes, payload)

    def _csv(self) -> Iterator[Row | RowError]:
        lines = iter(self.decoder)
        delimiter, header = read_csv_header(lines, self.path)
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise ImportFileError(f"duplicate columns in the header: {', '.join(duplicates)}")
        if self.mapping.id_column not in header:
            raise ImportFileError(
                f"the id column {self.mapping.id_column!r} is not in the header "
                f"(columns: {', '.join(header)})"
            )
        unknown = sorted(set(self.mapping.explicit) - set(header))
        if unknown:
            raise ImportFileError(f"--map names columns not in the header: {', '.join(unknown)}")
        for start, values, problem in csv_records(lines, delimiter, len(header)):
            if problem is None:
                yield self._split(start, dict(zip(header, values, strict=True)))
                continue
            external_id = ""
            index = header.index(self.mapping.id_column)
            if index < len(values):
                external_id = values[index].strip()
            yield RowError(start, external_id, "", "", problem)

    def _jsonl(self) -> Iterator[Row | RowError]:
        for line_number, text in enumerate(self.decoder, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                yield RowError(line_number, "", "", text.strip()[:80], f"invalid JSON: {error.msg}")
                continue
            if not isinstance(record, dict):
                yield RowError(line_number, "", "", "", "a JSONL line must be a JSON object")
                continue
            yield self._split(line_number, record)
