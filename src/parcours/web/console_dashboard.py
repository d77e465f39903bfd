"""The manager dashboard (``reports.read``): cases opened by channel and by hour, SLA attainment,
the backlog, the NPS / CSAT / CES trend and contacts per customer, drawn by Plotly (installed from
npm, served from ``node_modules``); every bar and point leads to the cases or answers behind it, a
paginated list exportable as CSV. What each figure counts: docs/dashboard.md.

The page carries each figure's data as JSON; ``/static/dashboard.js`` draws them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from parcours.accounts.sessions import SignedIn
from parcours.cases import dashboard as cases_dashboard
from parcours.cases import workflow
from parcours.db import utcnow
from parcours.deps import SessionDep, visibility_of
from parcours.experience import dashboard as experience_dashboard
from parcours.experience.services import SurveyError
from parcours.interactions import statistics
from parcours.interactions.vocabulary import CHANNELS
from parcours.web import i18n
from parcours.web.console import FRONTEND, page_user, render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
PERMISSION = "reports.read"
_ = i18n.gettext


@router.get("/static/vendor/plotly.min.js")
def plotly_script() -> Response:
    """plotly.js as npm installed it (``make install``), never a copy in the repository."""
    path = FRONTEND / "plotly.js-dist-min" / "plotly.min.js"
    if not path.exists():
        return Response("plotly.js is not installed: run `make install`", 503)
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


@router.get("/static/dashboard.js")
def dashboard_script() -> FileResponse:
    return FileResponse(STATIC / "dashboard.js", media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=300"})  # fmt: skip


def channel_label(name: str) -> str:
    channel = CHANNELS.get(name)
    if channel is None:
        return name
    return channel.label_en if i18n.current() == "en" else channel.label_fr


def status_label(status: str) -> str:
    return workflow.label(workflow.STATUSES, status, i18n.current())


def _cases_link(figure: str, value: object, days: int) -> str:
    return "/console/dashboard/cases?" + urlencode({"figure": figure, "value": value, "days": days})


def _bar(name: str, x: list[str], y: list[int], links: list[str]) -> dict[str, Any]:
    return {"type": "bar", "x": x, "series": [{"name": name, "y": y, "links": links}]}


def _figures(session: Session, current: SignedIn, period: cases_dashboard.Period,
             now: datetime) -> dict[str, Any]:  # fmt: skip
    """Each figure's data for the page: labels, series and the link behind every value."""
    visibility = visibility_of(current.principal)
    days = period.days
    channels = cases_dashboard.volumes_by_channel(session, period, visibility)
    hours = cases_dashboard.volumes_by_hour(session, period, visibility)
    slas = cases_dashboard.sla_attainment(session, period, now, visibility)
    backlog = cases_dashboard.backlog(session, now, visibility)
    months = experience_dashboard.months_up_to(period.until)
    trends = experience_dashboard.score_trends(session, months, visibility)
    contacts = statistics.overall_statistics(session, since=period.since, until=period.until)
    figures: dict[str, Any] = {}
    score_names = {
        "nps": "NPS",
        "csat_pct": _("CSAT, % de satisfaits"),
        "low_effort_pct": _("CES, % d'effort faible"),
    }
    if channels:
        names = [c for c, _n in channels]
        figures["channels"] = _bar(_("Demandes"), [channel_label(c) for c in names],
                                   [n for _c, n in channels],
                                   [_cases_link("channel", c, days) for c in names])  # fmt: skip
    if any(hours):
        figures["hours"] = _bar(_("Demandes"), [f"{h:02d} h" for h in range(24)], hours,
                                [_cases_link("hour", h, days) for h in range(24)])  # fmt: skip
    if slas:
        x = [channel_label(f.channel) for f in slas]
        figures["slas"] = {"type": "bar", "x": x, "y_range": [0, 100], "series": [
            {"name": _("Première réponse à temps (%)"), "y": [f.first_response_rate for f in slas],
             "links": [_cases_link("first_response", f.channel, days) for f in slas]},
            {"name": _("Résolution à temps (%)"), "y": [f.resolution_rate for f in slas],
             "links": [_cases_link("resolution", f.channel, days) for f in slas]},
        ]}  # fmt: skip
    if backlog.by_status:
        statuses = [s for s, _n in backlog.by_status]
        figures["backlog"] = _bar(_("Demandes actives"), [status_label(s) for s in statuses],
                                  [n for _s, n in backlog.by_status],
                                  [_cases_link("backlog", s, days) for s in statuses])  # fmt: skip
    if trends:
        figures["scores"] = {"type": "line", "x": months, "y_range": [-100, 100], "series": [
            {"name": f"{t.survey} · {t.key} ({score_names[t.score]})",
             "y": [p[1] for p in t.points],
             "links": ["/console/dashboard/answers?" + urlencode(
                 {"question": t.question_id, "month": p[0], "days": days}) for p in t.points]}
            for t in trends
        ]}  # fmt: skip
    if contacts.by_channel:
        figures["contacts"] = _bar(_("Contacts"),
                                   [channel_label(f.channel) for f in contacts.by_channel],
                                   [f.contacts for f in contacts.by_channel], [])  # fmt: skip
    return {"figures": figures, "slas": slas, "backlog": backlog, "trends": trends,
            "contacts": contacts, "channels": channels, "hours": hours}  # fmt: skip


def _period(days: int) -> cases_dashboard.Period | None:
    try:
        return cases_dashboard.last_days(days, utcnow())
    except cases_dashboard.DashboardError:
        return None


def _bad_request(request: Request, current: SignedIn, message: str) -> Response:
    return render(request, "not_found.html", 400, me=current, message=message)


@router.get("/console/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep,
              days: int = cases_dashboard.DEFAULT_DAYS) -> Response:  # fmt: skip
    current = page_user(request, session, PERMISSION)
    if not isinstance(current, SignedIn):
        return current
    period = _period(days)
    if period is None:
        return _bad_request(request, current, _("Période inconnue."))
    context = _figures(session, current, period, period.until)
    return render(request, "dashboard.html", me=current, period=period,
                  periods=cases_dashboard.PERIODS, **context)  # fmt: skip


def _inert(value: Any) -> Any:
    """A text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``…), kept as text
    by a leading apostrophe: a customer's subject or comment never runs in the manager's Excel."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    """A CSV file for a spreadsheet in French: UTF-8 with a byte-order mark, ``;`` between
    fields (the decimal comma needs the comma), one line per row, no text read as a formula."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(header)
    writer.writerows([[_inert(value) for value in row] for row in rows])
    disposition = f'attachment; filename="{filename}"'
    return Response("\ufeff" + text.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})  # fmt: skip


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(i18n.PARIS).strftime("%Y-%m-%d %H:%M")


CASE_COLUMNS = ["reference", "subject", "type", "status", "priority", "channel", "customer_id",
                "created_at", "first_response_due_at", "first_responded_at",
                "resolution_due_at", "resolved_at"]  # fmt: skip


@router.get("/console/dashboard/cases", response_class=HTMLResponse)
def cases_behind(request: Request, session: SessionDep, figure: str, value: str,
                 days: int = cases_dashboard.DEFAULT_DAYS, page: int = 1,
                 format: str = "html") -> Response:  # fmt: skip
    """The cases behind one bar; ``format=csv``: all of them as a CSV file."""
    current = page_user(request, session, PERMISSION)
    if not isinstance(current, SignedIn):
        return current
    period = _period(days)
    if period is None:
        return _bad_request(request, current, _("Période inconnue."))
    visibility = visibility_of(current.principal)
    size = None if format == "csv" else 50
    try:
        found = cases_dashboard.cases_behind(session, figure, value, period, period.until,
                                             visibility, page=page, page_size=size)  # fmt: skip
    except cases_dashboard.DashboardError as error:
        return _bad_request(request, current, str(error))
    if format == "csv":
        rows = [[c.reference, c.subject, c.type, c.status, c.priority, c.channel,
                 c.customer_id or "", _moment(c.created_at), _moment(c.first_response_due_at),
                 _moment(c.first_responded_at), _moment(c.resolution_due_at),
                 _moment(c.resolved_at)] for c in found.items]  # fmt: skip
        return csv_response(f"demandes-{figure}-{value}-{days}j.csv", CASE_COLUMNS, rows)
    title = {
        "channel": _("Demandes ouvertes sur le canal"), "hour": _("Demandes ouvertes à l'heure"),
        "first_response": _("Première réponse, canal"), "resolution": _("Résolution, canal"),
        "backlog": _("Demandes actives au statut"), "overdue": _("Demandes en retard"),
    }[figure]  # fmt: skip
    labels = {"channel": channel_label, "first_response": channel_label,
              "resolution": channel_label, "backlog": status_label}  # fmt: skip
    shown = labels.get(figure, str)(value)
    query = {"figure": figure, "value": value, "days": days}
    return render(request, "dashboard_cases.html", me=current, found=found, title=title,
                  shown=shown, figure=figure, period=period, query=urlencode(query),
                  may_open=current.principal.may("cases.read"),
                  status_label=status_label, channel_label=channel_label)  # fmt: skip


ANSWER_COLUMNS = ["survey", "question", "answered_at", "score", "count", "channel", "touchpoint",
                  "customer_id", "case_id", "comment"]  # fmt: skip


@router.get("/console/dashboard/answers", response_class=HTMLResponse)
def answers_behind(request: Request, session: SessionDep, question: int, month: str,
                   days: int = cases_dashboard.DEFAULT_DAYS, page: int = 1,
                   format: str = "html") -> Response:  # fmt: skip
    """The answers behind one point of a score's trend; ``format=csv``: all of them."""
    current = page_user(request, session, PERMISSION)
    if not isinstance(current, SignedIn):
        return current
    size = None if format == "csv" else 50
    try:
        found = experience_dashboard.answers_behind(session, question, month,
                                                    visibility_of(current.principal),
                                                    page=page, page_size=size)  # fmt: skip
    except SurveyError as error:
        return render(request, "not_found.html", 404, me=current, message=str(error))
    if format == "csv":
        rows = [[found.survey, found.question.key, _moment(a.answered_at), a.score, a.count,
                 a.channel or "", a.touchpoint or "", a.customer_id or "", a.case_id or "",
                 a.comment or ""] for a in found.items]  # fmt: skip
        return csv_response(f"reponses-{found.question.key}-{month}.csv", ANSWER_COLUMNS, rows)
    query = {"question": question, "month": month, "days": days}
    return render(request, "dashboard_answers.html", me=current, found=found, days=days,
                  query=urlencode(query), channel_label=channel_label,
                  may_open=current.principal.may("customers.read"))  # fmt: skip
