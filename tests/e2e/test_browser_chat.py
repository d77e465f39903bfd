"""The web chat in headless Chromium: a visitor on the merchant's page and an agent at the chat
desk, in two browser contexts, exchange messages live; with nobody there, the widget offers a
call-back instead of a dead end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from parcours.accounts.services import create_user
from parcours.cases import staff
from parcours.cases.models import Case
from parcours.channels import accounts
from tests.e2e.browser import LiveServer


def given_a_chat(server: LiveServer, *, agent_present: bool = True) -> str:
    with server.database.transaction(write=True) as session:
        accounts.save(session, "chat-site", "webchat", {
            "allowed_origins": [server.url], "hours": "always",
            "welcome_fr": "Bonjour ! Une question sur nos produits ?"})  # fmt: skip
        staff.add_team(session, "Conseil en ligne", "contact_centre")
        staff.add_agent(session, "Aurélie", "Conseil en ligne", channels={"chat": 3},
                        skills={"language:fr": 5},
                        presence="available" if agent_present else "offline")  # fmt: skip
        staff.add_queue(session, "Conseil", ["Conseil en ligne"], default=True)
        return create_user(session, "aurelie", role="agent", display_name="Aurélie")


def open_the_widget(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/chat/chat-site/demo")
    page.get_by_role("button", name="Discuter avec nous").click()


def test_a_visitor_and_an_agent_chat_live_in_two_browsers(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    screenshot: Callable[[Page, str], Path],
):
    password = given_a_chat(live_server)
    visitor, agent = new_context().new_page(), new_context().new_page()

    # The visitor opens the chat on the shop's page, gives an e-mail and asks
    open_the_widget(visitor, live_server)
    expect(visitor.get_by_role("log")).to_contain_text("Bonjour ! Une question sur nos produits ?")
    visitor.get_by_label("Votre e-mail (facultatif)").fill("claire.legoff@exemple.fr")
    visitor.get_by_role("button", name="Commencer").click()
    visitor.get_by_label("Votre message").fill("Le matelas Orphée existe-t-il en 140 ?")
    visitor.get_by_role("button", name="Envoyer").click()
    expect(visitor.locator("#parcours-chat-log p.visitor")).to_have_text(
        ["Le matelas Orphée existe-t-il en 140 ?"]
    )

    # The agent signs in the console, opens the chat desk, picks the conversation and answers
    agent.goto(f"{live_server.url}/console/chat")
    agent.get_by_label("Identifiant").fill("aurelie")
    agent.get_by_label("Mot de passe").fill(password)
    agent.get_by_role("button", name="Se connecter").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Conversations en direct")
    agent.locator("#conversations button").first.click()
    expect(agent.locator("#thread")).to_contain_text("Le matelas Orphée existe-t-il en 140 ?")
    agent.get_by_label("Votre réponse").fill("Oui, en 140 × 190, livré sous dix jours.")
    agent.get_by_role("button", name="Répondre").click()

    # The answer appears in the widget without a reload, and the visitor's next line at the desk
    expect(visitor.locator("#parcours-chat-log p.agent")).to_have_text(
        ["Oui, en 140 × 190, livré sous dix jours."]
    )
    visitor.get_by_label("Votre message").fill("Parfait, merci !")
    visitor.get_by_label("Votre message").press("Enter")
    expect(agent.locator("#thread p").last).to_have_text("Parfait, merci !")
    screenshot(visitor, "chat-widget")
    screenshot(agent, "chat-desk")
    with live_server.database.sessions() as session:
        case = session.scalars(select(Case)).one()
    assert (case.channel, case.type) == ("chat", "request")


def test_with_nobody_there_the_widget_offers_a_call_back(
    live_server: LiveServer,
    page: Page,
    screenshot: Callable[[Page, str], Path],
):
    given_a_chat(live_server, agent_present=False)

    open_the_widget(page, live_server)
    expect(page.get_by_role("log")).to_contain_text(
        "Nos conseillers ne sont pas disponibles pour le moment."
    )
    screenshot(page, "chat-unavailable")
    page.get_by_label("Votre numéro de téléphone").fill("06 98 76 54 32")
    page.get_by_label("Quand ?").select_option("now")
    page.get_by_role("button", name="Être rappelé").click()

    expect(page.get_by_role("log")).to_contain_text("C'est noté, nous vous rappelons.")
    with live_server.database.sessions() as session:
        case = session.scalars(select(Case)).one()
    assert (case.type, case.channel, case.subject) == (
        "callback", "web", "Rappel demandé depuis le chat",
    )  # fmt: skip
