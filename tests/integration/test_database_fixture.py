"""The database fixtures give a migrated, empty database of the expected backend to every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from parcours.config import get_settings
from parcours.customers.models import Customer, SourceRecord
from parcours.db import Database, create_db_engine
from tests.pg_cluster import PostgresCluster

EXPECTED_TABLES = {"customers", "source_records", "identifiers", "api_tokens", "users"}


def record(customer: Customer, source: str, external_id: str) -> SourceRecord:
    return SourceRecord(
        customer=customer,
        source=source,
        external_id=external_id,
        payload={"id": external_id},
        fields={},
        content_hash="0" * 64,
    )


def test_migrated_database_has_the_tables(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables >= EXPECTED_TABLES | {"alembic_version"}


def test_source_and_external_id_are_unique(db: Database) -> None:
    with db.transaction() as session:
        customer = Customer()
        session.add_all([record(customer, "shop", "42"), record(customer, "web", "42")])

    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(record(Customer(), "shop", "42"))

    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 2
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_each_test_starts_with_an_empty_database(db: Database) -> None:
    # Runs after the test above wrote to its own copy: the template was left untouched.
    with db.transaction() as session:
        for model in (Customer, SourceRecord):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_the_backend_is_the_one_named_in_the_test_id(
    db: Database, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["database_url"]
    assert db.dialect == ("postgresql" if backend == "postgres" else "sqlite")


def test_postgres_really_is_postgresql(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    try:
        with engine.connect() as connection:
            version = connection.scalar(text("select version()"))
            encoding = connection.scalar(text("show server_encoding"))
    finally:
        engine.dispose()
    assert isinstance(version, str)
    assert version.startswith("PostgreSQL ")
    assert encoding == "UTF8"


def test_postgres_server_creates_databases(postgres_server: PostgresCluster) -> None:
    url = postgres_server.create_database("created_by_a_test")
    try:
        assert make_url(url).database == "created_by_a_test"
        engine = create_db_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()
    finally:
        postgres_server.drop_database("created_by_a_test")


def test_sqlite_database_is_a_file_of_the_test(sqlite_url: str, tmp_path: Path) -> None:
    database = make_url(sqlite_url).database
    assert database is not None
    assert Path(database).parent == tmp_path
    assert Path(database).is_file()


def test_parcours_home_is_a_temporary_directory(parcours_home: Path) -> None:
    assert os.environ["PARCOURS_HOME"] == str(parcours_home)
    assert "PARCOURS_DATABASE_URL" not in os.environ
    settings = get_settings()
    assert settings.home == parcours_home
    assert Path(settings.resolved_database_url.removeprefix("sqlite:///")).parent == parcours_home
    assert not parcours_home.is_relative_to(Path.cwd())
