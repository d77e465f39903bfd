"""The agent's inbox in headless Chromium: a case routed to me appears without reloading the
page, its deadline counting down; a case waiting in my team's queue too; "next request" opens
it; a call-back promised from the case view goes into its history."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from parcours import live
from parcours.accounts.services import create_user
from parcours.cases import assignment, services, slas, staff, worklist
from tests.e2e.browser import LiveServer
from tests.e2e.test_console_inbox import next_open_moment


def given_nolwenn_at_the_showroom(server: LiveServer) -> str:
    with server.database.transaction(write=True) as session:
        staff.add_team(session, "guingamp", "store")
        staff.add_agent(session, "Nolwenn", "guingamp", channels={"email": 2},
                        skills={"language:fr": 3}, presence="available")  # fmt: skip
        staff.add_queue(session, "showroom", ["guingamp"], default=True)
        slas.add_policy(session, "standard", 1, first_response_minutes=240,
                        resolution_minutes=2400)  # fmt: skip
        return create_user(session, "nolwenn", role="seller", display_name="Nolwenn")


def a_request_arrives(server: LiveServer, subject: str) -> str:
    with server.database.transaction(write=True) as session:
        return assignment.open_and_route(
            session, customer_id=None, case_type="quote", channel="email", subject=subject,
            opened_by="site",
        ).reference  # fmt: skip


def wait_for_the_inbox_to_listen() -> None:
    deadline = time.monotonic() + 10
    while live.HUB.listeners(worklist.TOPIC) == 0:
        assert time.monotonic() < deadline, "the inbox never opened its live stream"
        time.sleep(0.05)


def test_requests_reach_my_inbox_live_and_the_next_one_opens_with_one_click(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    password = given_nolwenn_at_the_showroom(live_server)
    first = a_request_arrives(live_server, "Devis Clio")
    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("nolwenn")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Ma file").click()
    mine = page.get_by_role("region", name="Mes demandes (1)")
    expect(mine).to_contain_text("Devis Clio")
    # Four business hours from now: when depends on the time of day the test runs.
    expect(mine.locator("td.deadline .countdown")).to_have_text(
        re.compile(r"^dans \d+ (minutes|heures|jours)$")
    )
    page.evaluate("window.notReloaded = true")
    wait_for_the_inbox_to_listen()

    second = a_request_arrives(live_server, "Devis Mégane")  # room for two: mine
    third = a_request_arrives(live_server, "Devis Captur")  # no room left: the team's queue

    expect(page.get_by_role("region", name="Mes demandes (2)")).to_contain_text(second)
    queue = page.get_by_role("region", name="File de l'équipe guingamp (1)")
    expect(queue).to_contain_text(third)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "console-inbox")

    with live_server.database.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, first), "resolved",
                               actor="Nolwenn")  # fmt: skip
    expect(page.get_by_role("region", name="Mes demandes (1)")).to_be_visible()
    page.get_by_role("button", name="Demande suivante").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(third)

    slot = next_open_moment(datetime.now(UTC))
    page.get_by_label("Date et heure (heure de Paris)").fill(slot.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Note (facultatif)").fill("sur le portable")
    page.get_by_role("button", name="Planifier le rappel").click()
    expect(page.locator("#thread li.event").last).to_contain_text("Rappel planifié")
    expect(page.locator("#thread li.event").last).to_contain_text("sur le portable")
