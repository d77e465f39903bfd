"""Engine, sessions and the declarative base.

SQLite is the embedded default (a file in WAL mode so that the web server and an import can work at
the same time); PostgreSQL is the production store. Both go through the same models and migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from parcours import events

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere, stored as JSONB on PostgreSQL so that it can be indexed later.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on both stores (SQLite keeps no offset: we store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class DatabaseMissingError(RuntimeError):
    """The configured database does not exist or is not migrated yet."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str, *, create_dirs: bool = False) -> Engine:
    """An engine for ``url``; for SQLite, WAL mode and foreign keys are switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and create_dirs:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_file_missing(url: str) -> Path | None:
    """The path of a SQLite database file that does not exist yet, else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def ensure_database_ready(url: str) -> Engine:
    """The engine, after checking that the database exists and is migrated.

    Every command but ``parcours db upgrade`` goes through here, so that a missing database is
    reported with the command that creates it instead of as a cryptic SQL error.
    """
    missing = sqlite_file_missing(url)
    hint = "Create it with: parcours db upgrade"
    if missing is not None:
        raise DatabaseMissingError(f"The database {missing} does not exist yet. {hint}")
    engine = create_db_engine(url)
    try:
        has_version = inspect(engine).has_table("alembic_version")
    except Exception as error:  # connection refused, unknown database…
        raise DatabaseMissingError(
            f"Cannot open the database {make_url(url).render_as_string(hide_password=True)}: "
            f"{error.__class__.__name__}: {str(error).splitlines()[0]}. {hint}"
        ) from error
    if not has_version:
        raise DatabaseMissingError(
            f"The database {make_url(url).render_as_string(hide_password=True)} "
            f"has no Parcours tables yet. {hint}"
        )
    return engine


class Database:
    """An engine and its session factory; one per process."""

    def __init__(self, engine: Engine, *, raise_subscriber_errors: bool = True) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        #: Whether a failing event subscriber raises (development, tests) or is only logged
        #: (production: what was committed stays committed, and the caller gets its answer).
        self.raise_subscriber_errors = raise_subscriber_errors

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def refresh_statistics(self, tables: tuple[str, ...]) -> None:
        """Refresh the planner statistics of ``tables`` (PostgreSQL).

        A table filled by a big import still looks empty to the planner until autovacuum runs,
        so lookups by id fall back to sequential scans and each batch gets slower than the last.
        """
        if self.dialect != "postgresql":
            return
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(tables))

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls back on any error.

        ``write=True`` takes SQLite's write lock at the start (``BEGIN IMMEDIATE``): a transaction
        that reads then writes cannot then fail because another writer committed in between, it
        waits for its turn instead. PostgreSQL needs nothing of the kind.
        """
        with self.sessions() as session:
            try:
                with session.begin():
                    if write and self.dialect == "sqlite":
                        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                    yield session
            except BaseException:
                events.discard_pending(session)
                raise
            committed = events.take_pending(session)
        events.dispatch(self, committed)
