"""The customer 360 in headless Chromium: a seller opens a customer seen on several channels,
writes a client book note that appears without the page reloading, follows the customer, and
finds them among the customers she follows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from parcours.accounts.services import create_user
from parcours.cases import services as cases
from parcours.channels import consents
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import merge_customers
from parcours.experience import services as surveys
from parcours.interactions.clientbook import add_note
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import CustomerNote
from tests.e2e.browser import LiveServer

CLAIRE = "claire.legoff@exemple.fr"
JOURNEY = [
    ("2026-10-02T18:10:00+02:00", "web", "page_view", {}),
    ("2026-10-03T11:00:00+02:00", "chat", "message", {}),
    ("2026-10-05T15:30:00+02:00", "store", "purchase", {"amount": "1290.00", "currency": "EUR"}),
    ("2026-10-06T09:00:00+02:00", "sms", "message", {}),
    ("2026-10-20T10:15:00+02:00", "phone", "call", {}),
]


def given_claire_seen_everywhere(server: LiveServer) -> tuple[str, int]:
    """Claire, merged from the showroom and the website, with a journey, a case, a note, a
    survey answer and a marketing opt-in; and Nolwenn, a seller of her franchise."""
    unit = {"owning_unit": "Franchise Lannion"}
    with server.database.transaction(write=True) as session:
        showroom, web = ingest_batch(session, [
            IncomingRecord("lannion", "L1", {"first_name": "Claire", "last_name": "Le Goff",
                                             "phone": "06 12 34 56 78", "city": "Lannion",
                                             **unit}),
            IncomingRecord("web", "W1", {"first_name": "Claire", "last_name": "Le Goff",
                                         "email": CLAIRE, **unit}),
        ])  # fmt: skip
        merge = merge_customers(session, [showroom.customer_id, web.customer_id],
                                decided_by="review by André", score=0.93)  # fmt: skip
        claire = merge.target_customer_id
        record_interactions(session, [
            (n, "journey", {"external_id": f"J-{n}", "occurred_at": when, "channel": channel,
                            "type": kind, "identifiers": {"email": CLAIRE}, **extra})
            for n, (when, channel, kind, extra) in enumerate(JOURNEY, start=1)
        ])  # fmt: skip
        cases.open_case(session, customer_id=claire, case_type="after_sales", channel="phone",
                        subject="Pompe à chaleur bruyante", opened_by="Nolwenn")  # fmt: skip
        add_note(session, claire, "André", "Préfère être appelée le matin.")
        survey = surveys.create_survey(session, "showroom", [
            surveys.QuestionSpec("reco", "nps", 0, 10, label="Recommanderiez-vous Sens Confort ?"),
            surveys.QuestionSpec("avis", "text", label="Votre avis"),
        ], title="Visite du showroom")  # fmt: skip
        questions = surveys.questions_of(session, survey)
        for key, score, comment in [
            ("reco", 9, None),
            ("avis", None, "Vendeur très aimable, accueil parfait."),
        ]:
            surveys.record_answer(session, survey, questions, surveys.AnswerIn(
                key, score, respondent=CLAIRE, comment=comment, channel="sms",
                answered_at=datetime.fromisoformat("2026-10-07T12:00:00+02:00"),
                customer_id=claire))  # fmt: skip
        consents.record(session, channel="email", address=CLAIRE, purpose="marketing",
                        is_granted=True, source="showroom tablet")  # fmt: skip
        password = create_user(session, "nolwenn", role="seller", unit="Franchise Lannion",
                               display_name="Nolwenn")  # fmt: skip
    return password, claire


def test_a_seller_writes_a_note_on_the_360_and_sees_it_without_a_reload(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    password, claire = given_claire_seen_everywhere(live_server)
    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("nolwenn")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/console/customers/{claire}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claire Le Goff")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Nouvelle note").fill("Sa fille Léa entre au lycée en septembre.")
    page.get_by_role("button", name="Ajouter la note").click()

    book = page.get_by_role("region", name="Carnet client (2)")
    expect(book.locator("li").first).to_contain_text("Sa fille Léa entre au lycée en septembre.")
    expect(book.locator("li").first).to_contain_text("Nolwenn")
    expect(page.get_by_label("Nouvelle note")).to_have_value("")
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("button", name="Suivre ce client").click()
    expect(page.get_by_role("button", name="Suivi ✓ — ne plus suivre")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("region", name="Réponses aux enquêtes")).to_contain_text("positif")
    expect(page.get_by_role("region", name="Historique des fusions")).to_contain_text("93 %")
    expect(page.get_by_role("region", name="Consentements")).to_contain_text(CLAIRE)
    screenshot(page, "console-customer")
    with live_server.database.sessions() as session:
        notes = session.scalars(select(CustomerNote.body).order_by(CustomerNote.id)).all()
    assert notes == ["Préfère être appelée le matin.", "Sa fille Léa entre au lycée en septembre."]

    page.get_by_role("link", name="Clients").click()
    expect(page.get_by_role("link", name="Claire Le Goff")).to_be_visible()


def test_a_seller_pages_back_through_a_long_journey_without_leaving_the_360(
    live_server: LiveServer, page: Page
):
    password, claire = given_claire_seen_everywhere(live_server)
    with live_server.database.transaction(write=True) as session:
        record_interactions(session, [
            (n, "site", {"external_id": f"V-{n}", "channel": "web", "type": "page_view",
                         "occurred_at": f"2026-09-{n:02d}T10:00:00+02:00",
                         "identifiers": {"email": CLAIRE}})
            for n in range(1, 18)
        ])  # fmt: skip
    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("nolwenn")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/console/customers/{claire}")
    journey = page.get_by_role("region", name="Parcours (22)")
    expect(journey.locator("tbody tr")).to_have_count(20)
    page.evaluate("window.notReloaded = true")

    journey.get_by_role("link", name="Plus ancien").click()

    expect(journey.locator("tbody tr")).to_have_count(2)
    expect(journey).to_contain_text("1 sept. 2026 10:00")
    expect(journey.get_by_role("link", name="Plus ancien")).to_have_count(0)
    journey.get_by_role("link", name="Plus récent").click()
    expect(journey.locator("tbody tr")).to_have_count(20)
    assert page.evaluate("window.notReloaded") is True
