"""Benchmark: every score of a survey by channel × touchpoint × month over many answers
(target: 1M answers in ≤ 1 s), on SQLite.

A fresh migrated database gets a survey (NPS 0–10, CSAT 1–5, CES 1–5) and ``--answers``
answers written straight into the table (plain ``executemany``: this measures the scores, not
the import), spread over 6 channels, 8 touchpoints and 12 months; then
``experience.reports.breakdown`` by channel × touchpoint × month and the overall report, each
called ``--calls`` times: median and maximum.

    .venv/bin/python bench/survey_scores.py --answers 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from contact_stats import timings  # noqa: E402

CHANNELS = ("store", "web", "phone", "email", "sms", "chat")
TOUCHPOINTS = ("visite", "devis", "commande", "livraison", "installation", "sav", "appel",
               "retour")  # fmt: skip


def fill(path: Path, survey_id: int, questions: dict[str, tuple[int, int, int]],
         answers: int) -> None:  # fmt: skip
    connection = sqlite3.connect(path)
    generator = random.Random(0)
    keys = list(questions)
    rows = []
    for number in range(answers):
        key = keys[number % len(keys)]
        question_id, low, high = questions[key]
        month = f"2025-{generator.randint(1, 12):02d}"
        score, channel = generator.randint(low, high), generator.choice(CHANNELS)
        touchpoint, moment = generator.choice(TOUCHPOINTS), f"{month}-15 10:00:00.000000"
        respondent = f"r{number // len(keys)}"
        rows.append((survey_id, question_id, respondent, score, 1, channel, touchpoint, moment,
                     month))  # fmt: skip
        if len(rows) == 100_000:
            _insert(connection, rows)
    _insert(connection, rows)
    connection.execute("ANALYZE")
    connection.close()


def _insert(connection: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    connection.executemany(
        "INSERT INTO survey_answers (survey_id, question_id, respondent, score, count, channel,"
        " touchpoint, answered_at, month) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    rows.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        os.environ["PARCOURS_HOME"] = temporary
        from parcours.config import get_settings
        from parcours.db import Database, create_db_engine
        from parcours.experience import reports, services
        from parcours.migrations.runner import upgrade

        url = get_settings().resolved_database_url
        create_db_engine(url, create_dirs=True).dispose()
        upgrade(url)
        database = Database(create_db_engine(url))
        with database.transaction(write=True) as session:
            survey = services.create_survey(session, "bench", [services.parse_question(q) for q in (
                "q1:nps:0-10", "q2:csat:1-5", "q3:ces:1-5")])  # fmt: skip
            questions = {q.key: (q.id, q.low or 0, q.high or 0)
                         for q in services.questions_of(session, survey).values()}  # fmt: skip
            survey_id = survey.id
        started = time.perf_counter()
        fill(Path(temporary) / "parcours.db", survey_id, questions, args.answers)
        print(f"{args.answers:,} answers written in {time.perf_counter() - started:.0f} s")
        with database.sessions() as session:
            survey = services.survey_named(session, "bench")
            groups = reports.breakdown(session, survey, ["channel", "touchpoint", "month"])
            results = {
                "every score by channel × touchpoint × month": timings(
                    lambda: reports.breakdown(session, survey,
                                               ["channel", "touchpoint", "month"]), args.calls),
                "every score, whole survey": timings(
                    lambda: reports.report(session, survey), args.calls),
            }  # fmt: skip
    print(f"{len(groups)} groups")
    print("| scores | median s | max s |")
    print("|---|---|---|")
    for name, (median, worst) in results.items():
        print(f"| {name}, {args.answers:,} answers | {median:.2f} | {worst:.2f} |")


if __name__ == "__main__":
    main()
