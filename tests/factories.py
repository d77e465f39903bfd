"""Builders shared by the tests: files to import, and snapshots of a database to compare."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from parcours.customers.imports import ImportSummary, import_customers
from parcours.customers.models import Customer, Identifier, SourceRecord
from parcours.customers.reader import ColumnMapping
from parcours.db import Database

FRENCH_HEADER = ("id", "prenom", "nom", "email", "tel", "naissance", "rue", "cp", "ville")
FRENCH_MAP = [
    "prenom=first_name",
    "nom=last_name",
    "tel=phone",
    "naissance=birth_date",
    "rue=street",
    "cp=postcode",
    "ville=city",
]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = FRENCH_HEADER,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(
    database: Database,
    path: Path,
    *,
    source: str = "store",
    id_column: str = "id",
    mapping: Sequence[str] = FRENCH_MAP,
    batch_size: int = 1000,
) -> ImportSummary:
    return import_customers(
        database,
        path,
        source=source,
        mapping=ColumnMapping.parse(id_column, list(mapping)),
        file_format="jsonl" if path.suffix == ".jsonl" else "csv",
        batch_size=batch_size,
    )


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


PROFILE_COLUMNS = (
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "birth_date",
    "email",
    "phone",
    "street_number",
    "street",
    "postcode",
    "city",
    "country",
    "stage",
    "search_name",
)


def snapshot(database: Database) -> dict[str, Any]:
    """The whole customer state, independent of generated ids and timestamps.

    Customers are described by the set of (source, external id) they hold, so two databases that
    grouped the same records into customers with the same profiles give equal snapshots.
    """
    with database.sessions() as session:
        members: dict[int, set[tuple[str, str]]] = {}
        records: dict[tuple[str, str], tuple[str, Any, Any]] = {}
        for record in session.scalars(select(SourceRecord)):
            key = (record.source, record.external_id)
            members.setdefault(record.customer_id, set()).add(key)
            records[key] = (record.content_hash, record.payload, record.fields)
        identifiers: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for identifier, source, external_id in session.execute(
            select(Identifier, SourceRecord.source, SourceRecord.external_id).join(
                SourceRecord, Identifier.source_record_id == SourceRecord.id
            )
        ):
            identifiers.setdefault((source, external_id), []).append(
                (identifier.kind, identifier.value)
            )
        customers = {}
        for customer in session.scalars(select(Customer)):
            key = frozenset(members.get(customer.id, set()))
            customers[key] = tuple(getattr(customer, column) for column in PROFILE_COLUMNS)
    return {
        "customers": customers,
        "records": records,
        "identifiers": {key: sorted(value) for key, value in identifiers.items()},
    }


FIRST_NAMES = ("Anne", "Yann", "Gwenaëlle", "Loïc", "Hélène", "Erwan", "Maël", "Soizic", "Hervé")
LAST_NAMES = ("Le Goff", "Le Gall", "Martin", "Guéguen", "Le Bihan", "Tanguy", "Prigent", "Riou")
CITIES = (("22200", "Guingamp"), ("22000", "Saint-Brieuc"), ("22300", "Lannion"))


def synthetic_rows(count: int, seed: int = 7) -> list[list[str]]:
    """Rows in FRENCH_HEADER order: distinct people, one in ten seen again under a new id."""
    generator = random.Random(seed)
    rows: list[list[str]] = []
    for index in range(count):
        if rows and index % 10 == 9:
            earlier = list(generator.choice(rows))
            earlier[0] = f"R{index:07d}"
            earlier[3] = earlier[3].upper()
            rows.append(earlier)
            continue
        first = generator.choice(FIRST_NAMES)
        last = generator.choice(LAST_NAMES)
        postcode, city = generator.choice(CITIES)
        rows.append(
            [
                f"R{index:07d}",
                first,
                last,
                f"{first[:3].lower()}.{index}@exemple.fr",
                f"06 {index // 1000000 % 100:02d} {index // 10000 % 100:02d} "
                f"{index // 100 % 100:02d} {index % 100:02d}",
                f"19{generator.randint(40, 99)}-0{generator.randint(1, 9)}-"
                f"1{generator.randint(0, 9)}",
                f"{generator.randint(1, 90)} rue de Brest",
                postcode,
                city,
            ]
        )
    return rows
