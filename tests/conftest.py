"""Fixtures shared by every test: an isolated PARCOURS_HOME and migrated databases.

``database_url`` runs a test twice, on SQLite and on PostgreSQL (``-m "not postgres"`` keeps only
the SQLite half). Each test gets a fresh, migrated, empty database, and quickly: migrations run
once per session into a template (a SQLite file that is copied, a PostgreSQL database that is
cloned with ``CREATE DATABASE ... TEMPLATE``).

PostgreSQL is a throwaway cluster (tests/pg_cluster.py) started on first use and removed at the end
of the session. Without server binaries the PostgreSQL tests are skipped, except under CI=true
where they fail: CI must never pass by silently skipping half of the suite. ``imap_server`` is a
throwaway Dovecot (tests/imap_server.py), under the same rules.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from parcours.config import get_settings
from parcours.db import Database, create_db_engine
from parcours.migrations.runner import upgrade
from tests.imap_server import ImapServer, find_dovecot
from tests.imap_server import unavailable_reason as dovecot_unavailable_reason
from tests.pg_cluster import PostgresCluster, find_bindir, unavailable_reason

TEMPLATE_DATABASE = "parcours_template"
_CLUSTER = pytest.StashKey[PostgresCluster]()
_IMAP_SERVER = pytest.StashKey[ImapServer]()
_database_numbers = itertools.count(1)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# In CI, Hypothesis replays the same examples on every run, so that a build fails for a change in
# the code and not for a new random draw; developers' runs keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if running_in_ci():
    hypothesis_settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the cluster (or Dovecot), so that ``-m "not postgres"``
    (``-m "not imap"``) deselects it."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "postgres_server" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "imap_server" in fixtures:
            item.add_marker(pytest.mark.imap)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    cluster = terminalreporter.config.stash.get(_CLUSTER, None)
    if cluster is not None:
        terminalreporter.write_line(
            f"PostgreSQL test cluster ({cluster.bindir}) started in {cluster.startup_seconds:.2f} s"
        )
    imap_server = terminalreporter.config.stash.get(_IMAP_SERVER, None)
    if imap_server is not None:
        terminalreporter.write_line(
            f"Dovecot test server ({imap_server.program}) started in "
            f"{imap_server.startup_seconds:.2f} s"
        )


# -- environment ----------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def parcours_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """PARCOURS_HOME is a temporary directory: no test ever writes ./var or reads a real database.

    Every other PARCOURS_* variable of the caller's shell is removed for the session.
    """
    home = tmp_path_factory.mktemp("parcours-home")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("PARCOURS_"):
                patch.delenv(name)
        patch.setenv("PARCOURS_HOME", str(home))
        get_settings.cache_clear()
        yield home
    get_settings.cache_clear()


# -- SQLite ---------------------------------------------------------------------------------------


def sqlite_url_for(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, parcours_home: Path) -> Path:
    """A SQLite file migrated to head, once per session; tests get copies of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "parcours.db"
    upgrade(sqlite_url_for(path))
    wal = path.with_name(path.name + "-wal")
    if wal.exists():  # fold the write-ahead log in so that copying the main file is enough
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite database of this test (a file under tmp_path)."""
    path = tmp_path / "parcours.db"
    shutil.copyfile(sqlite_template, path)
    return sqlite_url_for(path)


# -- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster, started the first time a test needs it.

    ``.url(dbname)`` is a SQLAlchemy URL, ``.create_database(name, template=None)`` creates one.
    """
    bindir = find_bindir()
    if bindir is None:
        if running_in_ci():
            pytest.fail(
                f"{unavailable_reason()}. CI=true: the PostgreSQL tests must run, not be skipped.",
                pytrace=False,
            )
        pytest.skip(unavailable_reason())
    cluster = PostgresCluster.start(bindir)
    request.config.stash[_CLUSTER] = cluster
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresCluster) -> str:
    """The name of a database migrated to head, once per session; tests get clones of it."""
    upgrade(postgres_server.create_database(TEMPLATE_DATABASE))
    postgres_server.mark_template(TEMPLATE_DATABASE)
    return TEMPLATE_DATABASE


@pytest.fixture
def postgres_url(postgres_server: PostgresCluster, postgres_template: str) -> Iterator[str]:
    """A migrated, empty PostgreSQL database of this test, dropped afterwards."""
    name = f"test_{next(_database_numbers)}"
    url = postgres_server.create_database(name, template=postgres_template)
    yield url
    postgres_server.drop_database(name)


# -- either backend -------------------------------------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database; the test runs once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A :class:`parcours.db.Database` on ``database_url``; its engine is disposed afterwards."""
    database = Database(create_db_engine(database_url))
    try:
        yield database
    finally:
        database.engine.dispose()


# -- IMAP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def imap_server(request: pytest.FixtureRequest) -> Iterator[ImapServer]:
    """A throwaway Dovecot on loopback ports, started the first time a test needs it.

    ``.take_account()`` gives a fresh account, ``.url(address, scheme=...)`` its URL,
    ``.deliver(address, raw)`` and ``.messages(address, folder)`` put and read mail;
    ``.ssl_context()`` trusts its self-signed certificate.
    """
    program = find_dovecot()
    if program is None:
        if running_in_ci():
            pytest.fail(
                f"{dovecot_unavailable_reason()}. CI=true: the IMAP tests must run, "
                "not be skipped.",
                pytrace=False,
            )
        pytest.skip(dovecot_unavailable_reason())
    server = ImapServer.start(program)
    request.config.stash[_IMAP_SERVER] = server
    try:
        yield server
    finally:
        server.stop()
