"""The manager dashboard in headless Chromium: a manager opens it, sees every chart drawn by
plotly.js (served from npm's node_modules), clicks a bar and lands on the cases behind it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from parcours.accounts.services import create_user
from parcours.db import utcnow
from parcours.interactions.ingest import record_interactions
from tests.e2e.browser import LiveServer
from tests.e2e.test_console_dashboard import given_recent_cases

CHARTS = ("channels", "hours", "slas", "backlog", "scores", "contacts")


def test_a_manager_sees_the_charts_drawn_and_opens_the_cases_behind_a_bar(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    given_recent_cases(live_server.database, web_cases=3)
    recent = (utcnow() - timedelta(hours=2)).isoformat()
    with live_server.database.transaction(write=True) as session:
        password = create_user(session, "martine", role="manager", display_name="Martine")
        record_interactions(session, [(number, "site", {
            "external_id": f"V-{number}", "occurred_at": recent, "channel": channel,
            "type": "page_view" if channel == "web" else "email_sent",
            "identifiers": {"phone": "06 98 76 54 32"}})
            for number, channel in enumerate(("web", "web", "email"), start=1)])  # fmt: skip

    page.goto(f"{live_server.url}/console/dashboard")
    page.get_by_label("Identifiant").fill("martine")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    for chart in CHARTS:
        container = page.locator(f"#chart-{chart}")
        expect(container).to_have_attribute("data-drawn", "true")
        expect(container.locator(".main-svg").first).to_be_visible()
    # Web only: the phone case is a Brest franchise customer's, not the brand's.
    expect(page.locator("#chart-channels g.point")).to_have_count(1)
    screenshot(page, "console-dashboard")

    bar = page.locator("#chart-channels g.point path").first.bounding_box()
    assert bar is not None
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)

    expect(page).to_have_url(re.compile(r"/console/dashboard/cases\?figure=channel&value=web"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Demandes ouvertes sur le canal Site web"
    )
    expect(page.get_by_role("link", name=re.compile(r"^PAR-2026-"))).to_have_count(3)
    expect(page.get_by_role("link", name="Exporter en CSV")).to_be_visible()
