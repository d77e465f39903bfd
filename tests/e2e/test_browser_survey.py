"""The public survey page in a real browser: a customer whose case was resolved opens the link of
their invitation, reads it in French or English, answers with the mouse or the keyboard alone, and
finds the link answered when they open it again."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import select

from parcours.db import Database
from parcours.experience.models import SurveyAnswer, SurveyInvitation
from tests.e2e.browser import LiveServer
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, given_customers
from tests.integration.test_survey_triggers import given_a_survey_after_resolution, resolve

SCORE_FR = "Recommanderiez-vous Sens Confort à un proche ?"
SCORE_EN = "Would you recommend us to a friend?"


@dataclass(frozen=True)
class Invitation:
    token: str
    customer_id: int
    case_id: int


def given_an_invitation_after_a_resolved_case(database: Database) -> Invitation:
    """Claire's case is resolved; the survey's trigger invites her (by e-mail, left in the
    outbox: no SMTP server is configured)."""
    customers = given_customers(database, CLAIRE)
    given_a_survey_after_resolution(database)
    case_id, _ = open_case(
        database, customer_id=customers["MAG-1"], case_type="after_sales", subject="Poêle en panne"
    )
    resolve(database, case_id)
    with database.sessions() as session:
        token = session.scalars(select(SurveyInvitation.token)).one()
    return Invitation(token, customers["MAG-1"], case_id)


def recorded_answers(database: Database) -> list[tuple[Any, ...]]:
    with database.sessions() as session:
        rows = session.execute(
            select(
                SurveyAnswer.score,
                SurveyAnswer.comment,
                SurveyAnswer.customer_id,
                SurveyAnswer.case_id,
                SurveyAnswer.channel,
            ).order_by(SurveyAnswer.id)
        ).all()
    return [tuple(row) for row in rows]


def radio_names(group: Locator) -> list[str]:
    """The accessible name of each radio button of ``group``, in order."""
    return re.findall(r'- radio "([^"]*)"', group.aria_snapshot())


def focused(page: Page) -> str:
    """The focused element as ``tag[name=value]``, or its tag alone."""
    described: str = page.evaluate(
        "() => { const e = document.activeElement; "
        "return e.name ? `${e.localName}[${e.name}=${e.value}]` : e.localName; }"
    )
    return described


def test_a_customer_answers_in_english_with_the_mouse_and_the_link_then_says_it_is_answered(
    live_server: LiveServer,
    page: Page,
    new_context: Callable[..., BrowserContext],
    screenshot: Callable[[Page, str], Path],
):
    invitation = given_an_invitation_after_a_resolved_case(live_server.database)
    link = live_server.url_for(f"/s/{invitation.token}")

    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre avis sur notre SAV")
    french_score = page.get_by_role("radiogroup", name=SCORE_FR)
    assert radio_names(french_score) == [str(point) for point in range(11)]
    expect(page.get_by_role("group", name=SCORE_FR)).to_contain_text("Pas du tout")
    expect(page.get_by_role("textbox", name="Un commentaire ?")).to_be_editable()
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()
    screenshot(page, "survey-fr")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    score = page.get_by_role("radiogroup", name=SCORE_EN)
    assert radio_names(score) == [str(point) for point in range(11)]
    score.get_by_text("9", exact=True).click()  # the label around the radio button
    expect(score.get_by_role("radio", name="9", exact=True)).to_be_checked()
    page.get_by_role("textbox", name="Any comment?").fill("Réparé en deux jours, merci à Kévin !")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("status")).to_have_text("Thank you! Your answer is recorded.")
    expect(page.get_by_role("radio")).to_have_count(0)
    screenshot(page, "survey-thanks")

    again = new_context().new_page()  # the same e-mail opened later, on another device
    reopened = again.goto(link)
    assert reopened is not None and reopened.status == 200
    expect(again.get_by_role("status")).to_have_text("Merci ! Votre avis est bien enregistré.")
    expect(again.get_by_role("radio")).to_have_count(0)
    expect(again.get_by_role("button")).to_have_count(0)

    assert recorded_answers(live_server.database) == [
        (9, None, invitation.customer_id, invitation.case_id, "email"),
        (
            None,
            "Réparé en deux jours, merci à Kévin !",
            invitation.customer_id,
            invitation.case_id,
            "email",
        ),
    ]
    with live_server.database.sessions() as session:
        answered_at = session.scalars(select(SurveyInvitation.answered_at)).one()
    assert answered_at is not None


def test_a_keyboard_user_answers_with_tab_arrows_typing_and_enter(
    live_server: LiveServer, page: Page
):
    invitation = given_an_invitation_after_a_resolved_case(live_server.database)
    page.goto(live_server.url_for(f"/s/{invitation.token}"))

    page.keyboard.press("Tab")
    on_link = focused(page)
    page.keyboard.press("Tab")
    on_first_point = focused(page)
    page.keyboard.press("Space")
    for key in ["ArrowRight"] * 8 + ["ArrowLeft"]:
        page.keyboard.press(key)
    on_chosen_point = focused(page)
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.press("Tab")
    on_comment = focused(page)
    page.keyboard.type("Rapide et poli")
    page.keyboard.press("Tab")
    on_button = focused(page)
    page.keyboard.press("Enter")

    assert (on_link, on_first_point, on_chosen_point, outline, on_comment, on_button) == (
        "a",
        "input[q1=0]",
        "input[q1=7]",
        "solid",
        "textarea[q2=]",
        "button",
    )
    expect(page.get_by_role("status")).to_have_text("Merci ! Votre avis est bien enregistré.")
    assert recorded_answers(live_server.database) == [
        (7, None, invitation.customer_id, invitation.case_id, "email"),
        (None, "Rapide et poli", invitation.customer_id, invitation.case_id, "email"),
    ]


def test_enter_on_the_chosen_score_sends_it_without_a_comment(live_server: LiveServer, page: Page):
    invitation = given_an_invitation_after_a_resolved_case(live_server.database)
    page.goto(live_server.url_for(f"/s/{invitation.token}?lang=en"))

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # moves to 1 and checks it
    page.keyboard.press("Enter")  # the browser submits the form from a radio button

    expect(page.get_by_role("status")).to_have_text("Thank you! Your answer is recorded.")
    assert recorded_answers(live_server.database) == [
        (1, None, invitation.customer_id, invitation.case_id, "email"),
    ]


def test_a_test_after_the_browser_tests_can_run_an_event_loop():
    """Playwright's sync API marks its event loop as running in the main thread: Chromium must
    have been stopped before this test, or ``asyncio.run()`` would refuse to start."""

    async def answer() -> int:
        return 42

    assert asyncio.run(answer()) == 42
