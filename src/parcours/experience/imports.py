"""``parcours surveys import NAME FILE``: answers from a CSV file, in one of two shapes.

* ``question,score,count`` — a distribution (a paper survey counted by hand): the file's
  distribution replaces what the same file brought before;
* ``respondent,question,score[,comment,channel,touchpoint,answered_at]`` — individual answers,
  idempotent per question and respondent (an extra ``phase`` column — before, during, after —
  overrides the phase read from the touchpoint).

A line with an unknown question, an out-of-scale score or an unreadable number is rejected with
its line number and reason (``FILE.rejects.csv``); the others go in, in one transaction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from parcours.customers.reader import ImportFileError, LineDecoder, csv_records, read_csv_header
from parcours.experience.loop import close_the_loop
from parcours.experience.models import SurveyQuestion
from parcours.experience.services import (
    AnswerIn,
    SurveyError,
    checked_score,
    questions_of,
    record_answer,
    replace_distribution,
    survey_named,
)

DISTRIBUTION = ("question", "score", "count")
INDIVIDUAL = ("respondent", "question", "score")
OPTIONAL = ("comment", "channel", "touchpoint", "answered_at", "phase")


@dataclass
class SurveyImportSummary:
    shape: str = ""
    read: int = 0
    recorded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: Answers counted in a distribution.
    counted: int = 0
    #: Follow-up cases opened for unhappy customers who left a comment.
    follow_ups: int = 0
    rejects_path: Path | None = None
    rejects: list[tuple[int, str]] = field(default_factory=list)


def import_answers(session: Session, name: str, path: Path) -> SurveyImportSummary:
    survey = survey_named(session, name)
    questions = questions_of(session, survey)
    summary = SurveyImportSummary()
    with path.open("rb") as handle:
        lines = iter(LineDecoder(handle))
        delimiter, header = read_csv_header(lines, path)
        columns = [column.lower() for column in header]
        if all(column in columns for column in INDIVIDUAL):
            summary.shape = "answers"
        elif all(column in columns for column in DISTRIBUTION):
            summary.shape = "distribution"
        else:
            raise ImportFileError(
                "the header must be question,score,count (a distribution) or "
                f"respondent,question,score[,{','.join(OPTIONAL)}] (answers), not "
                f"{','.join(header)}"
            )
        distribution: list[tuple[SurveyQuestion, int, int]] = []
        respondents: set[str] = set()
        for line, values, problem in csv_records(lines, delimiter, len(columns)):
            summary.read += 1
            if problem is not None:
                summary.rejects.append((line, problem))
                continue
            row = dict(zip(columns, values, strict=True))
            try:
                if summary.shape == "distribution":
                    distribution.append(_distribution_line(questions, row))
                else:
                    answer = _answer(row)
                    status = record_answer(session, survey, questions, answer)
                    respondents.add(answer.respondent or "")
                    setattr(summary, status, getattr(summary, status) + 1)
            except SurveyError as error:
                summary.rejects.append((line, str(error)))
        if summary.shape == "distribution":
            summary.counted = replace_distribution(session, survey, str(path.resolve()),
                                                   distribution)  # fmt: skip
            summary.recorded = len(distribution)
    if summary.shape == "answers":
        summary.follow_ups = len(close_the_loop(session, survey, respondents))
    summary.rejected = len(summary.rejects)
    rejects = path.with_name(path.name + ".rejects.csv")
    if summary.rejects:
        with rejects.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(("line", "reason"))
            writer.writerows(summary.rejects)
        summary.rejects_path = rejects
    else:
        rejects.unlink(missing_ok=True)
    return summary


def _question(questions: dict[str, SurveyQuestion], key: str) -> SurveyQuestion:
    question = questions.get(key.strip())
    if question is None:
        raise SurveyError(f"unknown question {key!r}; the survey has {', '.join(questions)}")
    return question


def _distribution_line(questions: dict[str, SurveyQuestion],
                       row: dict[str, str]) -> tuple[SurveyQuestion, int, int]:  # fmt: skip
    question = _question(questions, row["question"])
    score = checked_score(question, row["score"])
    if score is None:
        raise SurveyError(f"{question.key} is a text question: no distribution")
    try:
        count = int(row["count"].strip())
    except ValueError:
        raise SurveyError(f"count {row['count']!r} is not a whole number") from None
    if count < 0:
        raise SurveyError(f"count {count} is negative")
    return question, score, count


def _answer(row: dict[str, str]) -> AnswerIn:
    when = None
    if row.get("answered_at", "").strip():
        try:
            when = datetime.fromisoformat(row["answered_at"].strip().replace("Z", "+00:00"))
        except ValueError:
            raise SurveyError(f"answered_at {row['answered_at']!r} is not ISO 8601") from None
        if when.tzinfo is None:
            raise SurveyError(f"answered_at {row['answered_at']!r} has no offset")
    return AnswerIn(
        question=row["question"].strip(), score=row["score"], respondent=row["respondent"].strip(),
        comment=row.get("comment") or None, channel=row.get("channel") or None,
        touchpoint=row.get("touchpoint") or None, answered_at=when,
        phase=row.get("phase") or None,
    )  # fmt: skip
