"""Alembic environment: the URL and metadata come from Parcours, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from parcours.config import get_settings
from parcours.db import create_db_engine
from parcours.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_db_engine(url, create_dirs=True)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported: run parcours db upgrade")
run_migrations_online()
