"""Migrations build, from an empty database, exactly the schema that the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select

from parcours.customers.models import Customer
from parcours.db import Database, create_db_engine
from parcours.migrations.runner import alembic_config, upgrade
from parcours.models import metadata
from tests.pg_cluster import PostgresCluster

EngineFactory = Callable[[str], Engine]


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (not a copy of the migrated template)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresCluster = request.getfixturevalue("postgres_server")
    name = f"empty_{uuid.uuid4().hex[:12]}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture
def engine_of() -> Iterator[EngineFactory]:
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engines.append(create_db_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_snapshot(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    return {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(str(sorted(index.items())) for index in inspector.get_indexes(table)),
            "unique": sorted(
                str(sorted(u.items())) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                str(sorted(fk.items())) for fk in inspector.get_foreign_keys(table)
            ),
        }
        for table in sorted(inspector.get_table_names())
    }


def test_there_is_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_and_migrations_do_not_drift(
    empty_database_url: str, engine_of: EngineFactory
) -> None:
    upgrade(empty_database_url)
    engine = engine_of(empty_database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == [], "models and migrations differ: write a migration"


def test_upgrading_twice_is_idempotent(database_url: str, engine_of: EngineFactory) -> None:
    engine = engine_of(database_url)
    assert current_revision(engine) == head_revision()
    before = schema_snapshot(engine)
    with Database(engine).transaction() as session:
        session.add(Customer(first_name="Ada", last_name="Lovelace"))
    engine.dispose()  # SQLite: no connection of ours left open while Alembic migrates

    upgrade(database_url)

    assert current_revision(engine) == head_revision()
    assert schema_snapshot(engine) == before
    with Database(engine).transaction() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


BEFORE_ROUTING = "13e9c712845d"


def test_a_migration_that_fails_halfway_leaves_the_database_as_it_was(
    empty_database_url: str, engine_of: EngineFactory
) -> None:
    # Given a database one step before the routing tables, and an index in the way of the
    # migration's last operation (after it has created five tables)…
    upgrade(empty_database_url, BEFORE_ROUTING)
    engine = engine_of(empty_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE INDEX ix_cases_owner_id ON customers (id)")
    engine.dispose()

    # …when the migration fails…
    with pytest.raises(Exception, match="ix_cases_owner_id"):
        upgrade(empty_database_url)

    # …nothing of it stays behind.
    assert current_revision(engine) == BEFORE_ROUTING
    assert "teams" not in inspect(engine).get_table_names()


def test_altering_a_table_that_others_reference_keeps_its_rows(
    empty_database_url: str, engine_of: EngineFactory
) -> None:
    upgrade(empty_database_url, BEFORE_ROUTING)
    engine = engine_of(empty_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO cases (id, reference, subject, type, status, priority, channel, "
            "opened_by, created_at, updated_at) VALUES (1, 'PAR-2026-000001', 'Devis', 'quote', "
            "'new', 'normal', 'web', 'léa', '2026-05-04 10:00:00', '2026-05-04 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO case_notes (case_id, author, body, created_at) "
            "VALUES (1, 'léa', 'Rappeler jeudi', '2026-05-04 10:00:00')"
        )
    engine.dispose()

    upgrade(empty_database_url)

    with engine.connect() as connection:
        case = connection.exec_driver_sql("SELECT reference, language FROM cases").one()
        notes = connection.exec_driver_sql("SELECT case_id, body FROM case_notes").all()
    assert tuple(case) == ("PAR-2026-000001", "fr")
    assert [tuple(note) for note in notes] == [(1, "Rappeler jeudi")]
