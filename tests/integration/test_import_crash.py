"""An import killed with SIGKILL, then run again, ends exactly like one uninterrupted import."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy import func, select

from parcours.customers.models import SourceRecord
from parcours.db import Database, create_db_engine
from tests.factories import FRENCH_MAP, run_import, snapshot, synthetic_rows, write_csv

ROWS = 8_000
BATCH = 200


def import_command(path: Path, database_url: str) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "parcours", "import", "customers", str(path),
               "--source", "store", "--id-column", "id"]  # fmt: skip
    for pair in FRENCH_MAP:
        command += ["--map", pair]
    environment = {
        **os.environ,
        "PARCOURS_DATABASE_URL": database_url,
        "PARCOURS_IMPORT_BATCH_SIZE": str(BATCH),
    }
    return command, environment


def stored_records(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(SourceRecord)) or 0


def test_kill_9_in_the_middle_then_the_same_import_gives_the_clean_state(
    db: Database, database_url: str, tmp_path: Path, sqlite_template: Path
):
    # Given a file of 8,000 customers and a clean reference import of it
    path = write_csv(tmp_path / "clients.csv", synthetic_rows(ROWS))
    reference_file = tmp_path / "reference.db"
    shutil.copyfile(sqlite_template, reference_file)
    reference = Database(create_db_engine(f"sqlite:///{reference_file}"))
    run_import(reference, path, batch_size=BATCH)
    expected = snapshot(reference)
    reference.engine.dispose()

    # When an import is killed with SIGKILL once some batches are committed
    command, environment = import_command(path, database_url)
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored_records(db) < 4 * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    stored_at_kill = stored_records(db)
    _, alive = psutil.wait_procs(workers, timeout=10)

    # Then the import was really cut short, and running it again completes it exactly
    assert process.returncode == -signal.SIGKILL
    assert 4 * BATCH <= stored_at_kill < ROWS
    assert stored_at_kill % BATCH == 0  # only whole batches were committed
    assert workers, "a file this size is normalised in a worker process"
    assert alive == [], "the normalising worker does not outlive a killed import"
    rerun = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(db) == expected
