"""``parcours surveys …``: create a survey, import answers, report its scores (stable shapes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parcours.cli_support import console, fail, open_database
from parcours.customers.reader import ImportFileError
from parcours.experience import imports, services, triggers

surveys_app = typer.Typer(help="Customer-experience surveys: NPS, CSAT, CES.", no_args_is_help=True)


@surveys_app.command("create")
def create_command(
    name: str,
    question: Annotated[
        list[str], typer.Option(help="KEY:KIND:MIN-MAX, e.g. q1:nps:0-10 (repeatable)")
    ],
    title: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a survey (kinds: nps, csat, ces, ces_ease, rating, text)."""
    database = open_database()
    try:
        specs = [services.parse_question(text) for text in question]
        with database.transaction(write=True) as session:
            survey = services.create_survey(session, name, specs, title)
            console.print(f"survey {survey.name}: {', '.join(s.key for s in specs)}")
    except services.SurveyError as error:
        fail(str(error))


@surveys_app.command("import")
def import_command(
    name: str, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
) -> None:
    """Import answers (respondent,question,score,…) or a distribution (question,score,count)."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            summary = imports.import_answers(session, name, file)
    except (services.SurveyError, ImportFileError) as error:
        fail(str(error))
    table = Table(title=f"Import of {file.name} ({summary.shape})", show_header=False)
    for label, value in (("lines read", summary.read), ("recorded", summary.recorded),
                         ("updated", summary.updated), ("unchanged", summary.unchanged),
                         ("answers counted (distribution)", summary.counted),
                         ("follow-up cases opened", summary.follow_ups),
                         ("rejected", summary.rejected)):  # fmt: skip
        table.add_row(label, str(value))
    console.print(table)
    if summary.rejects_path:
        console.print(f"Rejected lines and why: {summary.rejects_path}")


@surveys_app.command("report")
def report_command(
    name: str,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    by: Annotated[
        list[str] | None, typer.Option(help="channel, touchpoint or month (repeatable)")
    ] = None,
) -> None:
    """The scores of each question: NPS with its 95 % interval, CSAT, CES, means; with --by,
    per channel, touchpoint and/or month (JSON: {"groups": [...]})."""
    database = open_database()
    with database.sessions() as session:
        try:
            survey = services.survey_named(session, name)
            if by:
                groups = services.breakdown(session, survey, by)
            else:
                found = services.report(session, survey)
        except services.SurveyError as error:
            fail(str(error), code=1)
    if by:
        print(json.dumps({"survey": name, "by": by, "groups": groups}, ensure_ascii=False,
                         indent=2 if output == "json" else None))  # fmt: skip
        return
    if output == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Survey {name}")
    for column in ("question", "kind", "n", "mean", "score"):
        table.add_column(column)
    for key, line in found["questions"].items():
        if line["kind"] == "nps" and "nps" in line:
            score = (f"NPS {line['nps']:+.0f} [{line['ci95_low']:+.0f}; {line['ci95_high']:+.0f}]"
                     f" — promoters {line['promoters_pct']:.0f} %, detractors "
                     f"{line['detractors_pct']:.0f} %")  # fmt: skip
        elif "csat_pct" in line:
            score = f"CSAT {line['csat_pct']:.0f} %"
        elif "net" in line:
            score = (f"low effort {line['low_effort_pct']:.0f} %, high effort "
                     f"{line['high_effort_pct']:.0f} %, net {line['net']:+.0f}")  # fmt: skip
        else:
            score = ""
        mean = "" if line.get("mean") is None else f"{line['mean']:.2f}"
        table.add_row(key, line["kind"], str(line["n"]), mean, score)
    console.print(table)


@surveys_app.command("trigger")
def trigger_command(
    name: str,
    after: Annotated[str, typer.Option(help="The moment of truth: case_resolved")],
    delay: Annotated[int, typer.Option(help="Minutes to wait before sending")] = 0,
    sample: Annotated[int, typer.Option(help="Percentage of the moments surveyed")] = 100,
    fatigue: Annotated[int, typer.Option(help="Days without another survey per customer")] = 30,
) -> None:
    """Send the survey by e-mail after a moment of truth (link to the public survey page)."""
    database = open_database()
    try:
        with database.transaction(write=True) as session:
            triggers.add_trigger(session, name, after, delay_minutes=delay, sample_pct=sample,
                                 fatigue_days=fatigue)  # fmt: skip
    except services.SurveyError as error:
        fail(str(error))
    console.print(f"survey {name}: sent after {after} (delay {delay} min, {sample} %, "
                  f"at most one in {fatigue} days per customer)")  # fmt: skip


@surveys_app.command("send-due")
def send_due_command() -> None:
    """Send the survey invitations whose delay has passed (run it every few minutes)."""
    database = open_database()
    with database.transaction(write=True) as session:
        sent = triggers.send_due(session)
    console.print(f"invitations sent: {sent}")
