"""The administration in headless Chromium: an admin signs in, opens the administration from the
menu, creates a team and a user through the forms — fields found by their labels, forms sent
with the keyboard — and sees them listed; the new user's password is shown once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from parcours.accounts.models import User
from parcours.accounts.services import create_user
from parcours.cases.models import Team
from tests.e2e.browser import LiveServer


def test_an_admin_creates_a_team_and_a_user_with_the_keyboard(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    with live_server.database.transaction(write=True) as session:
        password = create_user(session, "morgane", role="admin", display_name="Morgane")
    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("morgane")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_label("Mot de passe").press("Enter")

    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Équipes").first.click()
    expect(page.get_by_role("table")).to_contain_text("Aucune équipe pour l'instant.")
    page.get_by_label("Nom de l'équipe").fill("Magasin de Lannion")
    page.get_by_label("Type d'équipe").select_option("store")
    page.get_by_label("Lieu").fill("Lannion")
    page.get_by_label("Lieu").press("Enter")
    expect(page.get_by_role("table")).to_contain_text("Magasin de Lannion")

    page.get_by_role("link", name="Utilisateurs").click()
    page.get_by_label("Identifiant").fill("gaelle")
    page.get_by_label("Nom affiché").fill("Gaëlle Le Bihan")
    page.get_by_label("Rôle").select_option("seller")
    page.get_by_label("Unité").fill("Franchise Lannion")
    page.get_by_label("Unité").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utilisateur créé : gaelle")
    shown = page.locator("#new-password").text_content() or ""
    page.get_by_role("link", name="Retour aux utilisateurs").click()
    expect(page.get_by_role("table")).to_contain_text("Gaëlle Le Bihan")
    expect(page.get_by_role("table")).to_contain_text("Franchise Lannion")
    assert shown and shown not in page.content()
    screenshot(page, "console-admin")

    with live_server.database.sessions() as session:
        team = session.scalars(select(Team)).one()
        user = session.scalars(select(User).where(User.login == "gaelle")).one()
    assert (team.name, team.kind, team.location) == ("Magasin de Lannion", "store", "Lannion")
    assert (user.role, user.unit) == ("seller", "Franchise Lannion")
