"""A database migrated up to a given revision, on SQLite or the tests' PostgreSQL cluster: for
tests of a migration that must fill or transform what earlier revisions stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parcours.migrations.runner import upgrade
from tests.pg_cluster import PostgresCluster

#: ``@pytest.fixture(params=STORES)``: the fixture runs once per store.
STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def database_at(request: pytest.FixtureRequest, tmp_path: Path, revision: str) -> Iterator[str]:
    """The URL of a fresh database of ``request.param``'s kind migrated up to ``revision``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
        upgrade(url, revision)
        yield url
        return
    server: PostgresCluster = request.getfixturevalue("postgres_server")
    name = f"before_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    upgrade(url, revision)
    yield url
    server.drop_database(name)
