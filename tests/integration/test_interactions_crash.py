"""An interaction import killed with SIGKILL, then run again, ends like one uninterrupted import."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.db import Database, create_db_engine
from parcours.interactions.imports import import_interactions
from parcours.interactions.models import Interaction, InteractionIdentifier

LINES = 6_000
BATCH = 200
PEOPLE = [IncomingRecord("store", f"MAG-{k}", {"first_name": "Claire", "last_name": f"Nom{k}",
                                                "email": f"client{k}@exemple.fr"})
          for k in range(20)]  # fmt: skip


def write_events(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for k in range(LINES):
            identifiers = {"email": f"client{k % 20}@exemple.fr"} if k % 3 else {"cookie": f"c{k}"}
            out.write(json.dumps({"external_id": f"E{k}", "occurred_at": "2026-05-04T10:00:00Z",
                                  "channel": "web", "type": "page_view",
                                  "identifiers": identifiers}) + "\n")  # fmt: skip
    return path


def state(database: Database) -> tuple[int, int, list[tuple[str, int | None]]]:
    with database.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Interaction)) or 0,
            session.scalar(select(func.count()).select_from(InteractionIdentifier)) or 0,
            [
                (external_id, customer_id)
                for external_id, customer_id in session.execute(
                    select(Interaction.external_id, Interaction.customer_id).order_by(
                        Interaction.external_id
                    )
                )
            ],
        )


def stored(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(Interaction)) or 0


def test_kill_9_in_the_middle_then_the_same_import_gives_the_clean_state(
    db: Database, database_url: str, tmp_path: Path, sqlite_template: Path
):
    # Given customers, a file of 6,000 interactions and a clean reference import of it
    path = write_events(tmp_path / "events.jsonl")
    reference_file = tmp_path / "reference.db"
    shutil.copyfile(sqlite_template, reference_file)
    reference = Database(create_db_engine(f"sqlite:///{reference_file}"))
    for database in (reference, db):
        with database.transaction(write=True) as session:
            ingest_batch(session, PEOPLE)
    import_interactions(reference, path, "site", batch_size=BATCH)
    expected = state(reference)
    reference.engine.dispose()

    # When an import is killed with SIGKILL once some batches are committed
    command = [sys.executable, "-m", "parcours", "import", "interactions", str(path),
               "--source", "site"]  # fmt: skip
    environment = {**os.environ, "PARCOURS_DATABASE_URL": database_url,
                   "PARCOURS_INTERACTION_BATCH_SIZE": str(BATCH)}  # fmt: skip
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored(db) < 4 * BATCH and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    stored_at_kill = stored(db)

    # Then the import was cut short on a batch boundary, and running it again completes it
    assert process.returncode == -signal.SIGKILL
    assert 4 * BATCH <= stored_at_kill < LINES
    assert stored_at_kill % BATCH == 0
    rerun = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert state(db) == expected
    assert expected[0] == LINES
