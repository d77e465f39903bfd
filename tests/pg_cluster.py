"""A throwaway PostgreSQL cluster for the tests (and the benchmarks).

The cluster lives in a temporary directory: ``initdb`` creates it, ``pg_ctl`` starts it on a free
port of 127.0.0.1 with durability switched off (nothing in it has to survive), and :meth:`stop`
kills it and removes the directory. It uses Debian's server binaries (``/usr/lib/postgresql/*/bin``,
installed by ``make postgres-server``), or those of ``PARCOURS_TEST_PG_BINDIR`` if set.

``initdb`` refuses to run as root; when we are root (CI containers), ``initdb`` and ``pg_ctl`` run
as the ``postgres`` user through ``runuser`` and the directory is handed over to that user.

This module does not import pytest: ``with PostgresCluster.start() as cluster: ...`` works anywhere.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
BINDIR_VARIABLE = "PARCOURS_TEST_PG_BINDIR"
SUPERUSER = "postgres"
#: A Unix socket path must fit in 107 bytes; ``/tmp`` keeps it short whatever TMPDIR says.
SHORT_TMP = "/tmp"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class PostgresStartError(RuntimeError):
    """initdb or pg_ctl failed; the message carries their output and the server log."""


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: the override, else Debian's highest version."""
    override = os.environ.get(BINDIR_VARIABLE)
    if override:
        return Path(override)
    candidates = [
        bindir
        for bindir in glob.glob(DEBIAN_BINDIRS)
        if os.access(os.path.join(bindir, "initdb"), os.X_OK)
        and os.access(os.path.join(bindir, "pg_ctl"), os.X_OK)
    ]
    if candidates:
        return Path(max(candidates, key=_version_key))
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def unavailable_reason() -> str:
    return (
        f"PostgreSQL server binaries not found (looked for {DEBIAN_BINDIRS}/initdb, "
        f"${BINDIR_VARIABLE} and initdb on PATH); install them with `make postgres-server`"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresCluster:
    """A running throwaway cluster; use :meth:`start`, then :meth:`stop` (or ``with``)."""

    def __init__(self, bindir: Path, base: Path, port: int, run_as: str | None) -> None:
        self.bindir = bindir
        self.base = base
        self.data = base / "data"
        self.sockets = base / "sockets"
        self.log = base / "server.log"
        self.port = port
        self.run_as = run_as
        self.startup_seconds = 0.0
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self._stopped = False

    # -- life cycle -------------------------------------------------------------------------------

    @classmethod
    def start(cls, bindir: Path | None = None, *, attempts: int = 3) -> PostgresCluster:
        """initdb a new cluster in a temporary directory and start it on a free port."""
        began = time.perf_counter()
        bindir = bindir or find_bindir()
        if bindir is None:
            raise PostgresUnavailableError(unavailable_reason())
        run_as = SUPERUSER if os.geteuid() == 0 else None
        tmp = SHORT_TMP if os.path.isdir(SHORT_TMP) else None
        base = Path(tempfile.mkdtemp(prefix="parcours-pg-", dir=tmp))
        cluster = cls(bindir, base, 0, run_as)
        atexit.register(cluster.stop)
        try:
            cluster.sockets.mkdir()
            if run_as is not None:
                try:
                    account = pwd.getpwnam(run_as)
                except KeyError:
                    raise PostgresStartError(
                        f"running as root but there is no {run_as!r} user to run initdb as"
                    ) from None
                for path in (base, cluster.sockets):
                    os.chown(path, account.pw_uid, account.pw_gid)
            cluster._run(
                "initdb",
                "--auth=trust",
                "--no-sync",
                "--no-instructions",
                f"--username={SUPERUSER}",
                "--encoding=UTF8",
                "--locale=C",
                f"--pgdata={cluster.data}",
            )
            # The port is free when we look, but someone may take it before the server binds it.
            for attempt in range(1, attempts + 1):
                cluster.port = free_port()
                try:
                    cluster._pg_ctl_start()
                    break
                except PostgresStartError:
                    if attempt == attempts:
                        raise
        except BaseException:
            cluster.stop()
            raise
        cluster.startup_seconds = time.perf_counter() - began
        return cluster

    def _pg_ctl_start(self) -> None:
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.sockets}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Kill the server (no clean shutdown needed) and remove its directory; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._admin is not None:
            with contextlib.suppress(psycopg.Error):
                self._admin.close()
            self._admin = None
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresStartError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, program: str, *args: str) -> None:
        command: Sequence[str] = [str(self.bindir / program), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PG") and not key.startswith("LC_")
        }
        environment["LANG"] = environment["LC_ALL"] = "C"
        result = subprocess.run(
            command,
            cwd=self.base,  # the postgres user may not be allowed into our working directory
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise PostgresStartError(
                f"{' '.join(command)} exited with {result.returncode}\n"
                f"--- output ---\n{result.stdout}{result.stderr}"
                + (f"--- server log ---\n{log}" if log else "")
            )

    # -- databases --------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """The libpq connection string of a database of this cluster."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"

    def _admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._stopped:
            raise RuntimeError("the cluster is stopped")
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.dsn(), autocommit=True)
        return self._admin

    def execute(self, statement: sql.Composable) -> None:
        """Run one statement on the ``postgres`` database, outside any transaction."""
        self._admin_connection().execute(statement)

    @property
    def server_version(self) -> int:
        """``server_version_num``, e.g. 150010 for 15.10."""
        return self._admin_connection().info.server_version

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` if given) and return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
            if self.server_version >= 150000:
                # Copy the template's files instead of WAL-logging every page (PostgreSQL 15+):
                # faster for small templates, the checkpoint it forces is cheap with fsync off.
                statement = sql.SQL("{} STRATEGY FILE_COPY").format(statement)
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection a test left open to it."""
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def mark_template(self, name: str) -> None:
        """Let ``name`` be copied but no longer connected to (a connection would block copies)."""
        self.execute(
            sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                sql.Identifier(name)
            )
        )
