"""Alembic environment: the URL and metadata come from Parcours, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from parcours.config import get_settings
from parcours.db import create_db_engine
from parcours.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        _run_on_sqlite(connection)
        return
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on_sqlite(connection: Connection) -> None:
    """All the migrations in one real SQLite transaction, foreign keys off.

    Python's ``sqlite3`` commits before each ``CREATE``/``ALTER`` of its own accord: a migration
    failing halfway would leave half its tables behind. Here the driver is told to leave
    transactions alone and one ``BEGIN`` … ``COMMIT`` holds the whole upgrade, so a failure
    leaves the database as it was. SQLite alters a table by copying it into a new one and
    dropping the old (Alembic's "batch" mode), which foreign keys pointing at the table forbid:
    they are off during the migration (the pragma only works outside a transaction) and every
    reference is checked before the commit.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    isolation = driver.isolation_level
    driver.isolation_level = None
    try:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("BEGIN")
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                compare_type=True,
            )
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            connection.rollback()
            raise
        connection.exec_driver_sql("COMMIT")
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    finally:
        driver.isolation_level = isolation


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_db_engine(url, create_dirs=True)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported: run parcours db upgrade")
run_migrations_online()
