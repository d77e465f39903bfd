"""``parcours surveys …``: create a survey, import answers, report its scores (stable shapes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from parcours.cli_support import console, fail, open_database
from parcours.customers.reader import ImportFileError
from parcours.experience import comments, imports, reports, services, triggers

surveys_app = typer.Typer(help="Customer-experience surveys: NPS, CSAT, CES.", no_args_is_help=True)


@surveys_app.command("create")
def create_command(
    name: str,
    question: Annotated[
        list[str],
        typer.Option(
            help="KEY:KIND:MIN-MAX (q1:nps:0-10), KEY:choice:A|B|C or KEY:text (repeatable)"
        ),
    ],
    title: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a survey (kinds: nps, csat, ces, ces_ease, rating, choice, text)."""
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
        list[str] | None,
        typer.Option(help=f"{', '.join(reports.DIMENSIONS)} (repeatable)"),
    ] = None,
) -> None:
    """The scores of each question: NPS with its 95 % interval, CSAT, CES, means; with --by,
    per channel, touchpoint, phase, case type, team, agent, segment, month, quarter or year
    (JSON: {"groups": [...]})."""
    database = open_database()
    with database.sessions() as session:
        try:
            survey = services.survey_named(session, name)
            if by:
                groups = reports.breakdown(session, survey, by)
            else:
                found = reports.report(session, survey)
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


@surveys_app.command("compare")
def compare_command(
    name: str,
    by: Annotated[str, typer.Option(help=f"{', '.join(reports.DIMENSIONS)}")],
    a: Annotated[str, typer.Argument(help="The group compared against, e.g. 2026-05")],
    b: Annotated[str, typer.Argument(help="The group compared, e.g. 2026-06")],
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Is B different from A? Each score's difference with its 95 % interval and p-value."""
    database = open_database()
    with database.sessions() as session:
        try:
            found = reports.compare_groups(session, services.survey_named(session, name), by, a, b)
        except services.SurveyError as error:
            fail(str(error), code=1)
    if output == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Survey {name}: {by} {b} against {a}")
    for column in ("question", "score", f"{a}", f"{b}", "difference [95 %]", "p", ""):
        table.add_column(column)
    for key, line in found["questions"].items():
        for score, change in line["differences"].items():
            if change is None:
                table.add_row(key, score, *_sides(line, score), "too few answers", "", "")
                continue
            table.add_row(
                key, score, *_sides(line, score),
                f"{change['difference']:+.2f} [{change['ci95_low']:+.2f}; "
                f"{change['ci95_high']:+.2f}]",
                f"{change['p_value']:.3f}",
                "significant" if change["significant"] else "not significant",
            )  # fmt: skip
    console.print(table)


def _sides(line: dict[str, Any], score: str) -> tuple[str, str]:
    return tuple(  # type: ignore[return-value]
        "" if line[side].get(score) is None else f"{line[side][score]:.2f} (n={line[side]['n']})"
        for side in ("a", "b")
    )


@surveys_app.command("trend")
def trend_command(
    name: str,
    period: Annotated[str, typer.Option(help="month, quarter or year")] = "month",
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Each score period after period, with the change from the period before (▲ ▼ when
    significant at 5 %)."""
    database = open_database()
    with database.sessions() as session:
        try:
            found = reports.trend(session, services.survey_named(session, name), period)
        except services.SurveyError as error:
            fail(str(error), code=1)
    if output == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for key, line in found["questions"].items():
        table = Table(title=f"{key} ({line['kind']}): {line['score']} by {period}")
        for column in ("period", "n", line["score"], "change", ""):
            table.add_column(column)
        for point in line["points"]:
            value = point.get(line["score"])
            change = point.get("change")
            arrow = ""
            if change and change["significant"]:
                arrow = "▲" if change["difference"] > 0 else "▼"
            table.add_row(
                point["period"], str(point["n"]), "" if value is None else f"{value:.2f}",
                "" if not change else f"{change['difference']:+.2f} (p={change['p_value']:.3f})",
                arrow,
            )  # fmt: skip
        console.print(table)


@surveys_app.command("irritants")
def irritants_command(
    name: str,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    language: Annotated[str, typer.Option("--lang", help="fr or en")] = "fr",
) -> None:
    """The themes customers criticise in their comments, most irritating first."""
    database = open_database()
    with database.sessions() as session:
        try:
            survey = services.survey_named(session, name)
        except services.SurveyError as error:
            fail(str(error), code=1)
        found = comments.irritants(session, survey, language)
        tones = comments.tones(session, survey)
    if output == "json":
        print(json.dumps({"survey": name, "tones": tones, "irritants": found},
                         ensure_ascii=False, indent=2))  # fmt: skip
        return
    table = Table(title=f"{name}: irritants ({', '.join(f'{n} {t}' for t, n in tones.items())})")
    for column in ("theme", "mentions", "negative", "% negative", "by detractors", "impact"):
        table.add_column(column)
    for line in found:
        table.add_row(line["label"], str(line["mentions"]), str(line["negative"]),
                      f"{line['negative_pct']:.0f} %", str(line["detractor_mentions"]),
                      f"{line['impact']:.1f}")  # fmt: skip
    console.print(table)


@surveys_app.command("comments")
def comments_command(
    name: str,
    theme: Annotated[str | None, typer.Option(help="e.g. delivery, waiting_time")] = None,
    tone: Annotated[str | None, typer.Option(help="negative, neutral or positive")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """The verbatims, newest first, with their tone and themes."""
    database = open_database()
    with database.sessions() as session:
        try:
            found, total = comments.answers(session, services.survey_named(session, name),
                                            theme=theme, tone=tone, page=page)  # fmt: skip
        except services.SurveyError as error:
            fail(str(error), code=1)
    table = Table(title=f"{total} comment(s), page {page}")
    for column in ("answered", "score", "tone", "themes", "comment"):
        table.add_column(column)
    for item in found:
        table.add_row(
            item.answered_at.date().isoformat() if item.answered_at else "",
            "" if item.score is None else str(item.score), item.polarity or "",
            ", ".join(item.themes), item.comment or "",
        )  # fmt: skip
    console.print(table)


@surveys_app.command("trigger")
def trigger_command(
    name: str,
    after: Annotated[str, typer.Option(help=f"The moment of truth: {', '.join(triggers.MOMENTS)}")],
    delay: Annotated[int, typer.Option(help="Minutes to wait before sending")] = 0,
    sample: Annotated[int, typer.Option(help="Percentage of the moments surveyed")] = 100,
    fatigue: Annotated[int, typer.Option(help="Days without another survey per customer")] = 30,
) -> None:
    """Send the survey after a moment of truth, by e-mail or SMS as the customer prefers and
    allows (a link to the public survey page)."""
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
