"""The console in headless Chromium: signing in, finding a customer by a phone number typed
differently from how it was stored (results while typing), opening the 360; a franchise's
seller cannot open another franchise's customer; signing out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from parcours.accounts.models import AuditEvent
from parcours.accounts.services import create_user
from parcours.cases import services
from parcours.channels.models import OutboxMessage
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.models import Customer, MatchReview, SourceRecord
from parcours.interactions.ingest import record_interactions
from tests.e2e.browser import LiveServer

RECORDS = [
    IncomingRecord("lannion", "L1", {"first_name": "Claire", "last_name": "Le Goff",
                                     "email": "claire.legoff@exemple.fr",
                                     "phone": "+33 6 12 34 56 78", "city": "Lannion",
                                     "owning_unit": "Franchise Lannion"}),
    IncomingRecord("brest", "B1", {"first_name": "Brigitte", "last_name": "Kerbrat",
                                   "phone": "06 98 76 54 32", "owning_unit": "Franchise Brest"}),
]  # fmt: skip


def given_a_seller_of_lannion(server: LiveServer) -> tuple[str, dict[str, int]]:
    with server.database.transaction(write=True) as session:
        ingest_batch(session, RECORDS)
        password = create_user(session, "nolwenn", role="seller", unit="Franchise Lannion",
                               display_name="Nolwenn")  # fmt: skip
        ids = {c.last_name or "": c.id for c in session.scalars(select(Customer))}
    return password, ids


def sign_in(page: Page, server: LiveServer, password: str) -> None:
    page.goto(f"{server.url}/console")
    page.get_by_label("Identifiant").fill("nolwenn")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_a_seller_finds_a_customer_by_phone_and_opens_the_360(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    password, ids = given_a_seller_of_lannion(live_server)

    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("nolwenn")
    page.get_by_label("Mot de passe").fill("wrong")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    sign_in(page, live_server, password)

    # Typed as "06.12.34.56.78", stored as +33612345678: found while typing, no button pressed
    page.get_by_label(
        "Nom, téléphone (tous formats), e-mail, carte de fidélité"
    ).press_sequentially("06.12.34.56.78", delay=20)
    expect(page.locator("#results")).to_contain_text("Claire Le Goff")
    screenshot(page, "console-search")
    page.get_by_role("link", name="Claire Le Goff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claire Le Goff")
    expect(page.get_by_role("region", name="Identifiants")).to_contain_text("+33612345678")

    # Another franchise's customer does not exist for her, even by its address
    page.goto(f"{live_server.url}/console/customers/{ids['Kerbrat']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Introuvable")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.goto(f"{live_server.url}/console/customers/{ids['Le Goff']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    with live_server.database.sessions() as session:
        log = session.execute(
            select(AuditEvent.action, AuditEvent.customer_id).order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in log] == [
        ("viewed", ids["Le Goff"]), ("refused", ids["Kerbrat"]),
    ]  # fmt: skip


def test_an_agent_replies_to_a_case_by_email_and_sees_the_reply_in_the_thread(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    password, ids = given_a_seller_of_lannion(live_server)
    with live_server.database.transaction(write=True) as session:
        case = services.open_case(session, customer_id=ids["Le Goff"], case_type="quote",
                                  channel="email", subject="Devis canapé d'angle",
                                  opened_by="Nolwenn")  # fmt: skip
        reference = case.reference
    sign_in(page, live_server, password)

    page.get_by_role("link", name="Demandes").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Canal").select_option("email")
    page.get_by_label("Message").fill(
        "Bonjour, voici votre devis : 1 290 € TTC, livraison offerte."
    )
    page.get_by_role("button", name="Envoyer la réponse").click()

    expect(page.locator("#thread li.outbound")).to_contain_text(
        "Bonjour, voici votre devis : 1 290 € TTC, livraison offerte."
    )
    expect(page.locator("#thread li.outbound")).to_contain_text("Nolwenn")
    screenshot(page, "console-case")
    with live_server.database.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
    assert (message.recipient, message.subject) == (
        "claire.legoff@exemple.fr", f"[{reference}] Devis canapé d'angle",
    )  # fmt: skip


def test_a_pending_duplicate_is_seen_side_by_side_and_accepted(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
):
    with live_server.database.transaction(write=True) as session:
        outcomes = ingest_batch(session, [
            IncomingRecord("store", "S9", {"first_name": "Yann", "last_name": "Prigent",
                                           "email": "yann.prigent@exemple.fr"}),
            IncomingRecord("web", "W9", {"first_name": "Yan", "last_name": "Prigent",
                                         "email": "y.prigent@exemple.fr"}),
        ])  # fmt: skip
        records = session.scalars(select(SourceRecord).order_by(SourceRecord.id)).all()
        session.add(MatchReview(
            customer_a_id=outcomes[0].customer_id, customer_b_id=outcomes[1].customer_id,
            record_a_id=records[0].id, record_b_id=records[1].id, probability=0.87,
            evidence=[{"field": "first_name", "level": "close", "left": "yann", "right": "yan",
                       "weight": 6.2},
                      {"field": "email", "level": "different", "left": "yann.prigent@exemple.fr",
                       "right": "y.prigent@exemple.fr", "weight": -2.5}],
        ))  # fmt: skip
        password = create_user(session, "andre", role="manager", display_name="André")
    page.goto(f"{live_server.url}/console")
    page.get_by_label("Identifiant").fill("andre")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Doublons").click()
    pair = page.get_by_role("region", name="Yann Prigent / Yan Prigent — 87 %")
    expect(pair.locator("tbody tr")).to_have_count(2)
    expect(pair).to_contain_text("+6.2")
    screenshot(page, "console-duplicates")
    pair.get_by_role("button", name="Fusionner").click()

    expect(page.get_by_role("status")).to_have_text("Fusion effectuée (réversible).")
    expect(page.get_by_text("Aucun doublon en attente.")).to_be_visible()
    with live_server.database.sessions() as session:
        merged = session.get(Customer, outcomes[1].customer_id)
        assert merged is not None and merged.merged_into_id == outcomes[0].customer_id


def test_the_console_switches_to_english_with_amounts_and_dates_per_locale(
    live_server: LiveServer, page: Page
):
    password, ids = given_a_seller_of_lannion(live_server)
    with live_server.database.transaction(write=True) as session:
        record_interactions(session, [(1, "caisse", {
            "external_id": "T-1", "occurred_at": "2026-11-20T15:30:00+01:00",
            "channel": "store", "type": "purchase", "amount": "1234.50", "currency": "EUR",
            "identifiers": {"email": "claire.legoff@exemple.fr"}})])  # fmt: skip
    sign_in(page, live_server, password)
    page.goto(f"{live_server.url}/console/customers/{ids['Le Goff']}")
    journey = page.get_by_role("region", name="Parcours (1)")
    expect(journey).to_contain_text("1\u202f234,50\xa0€")
    expect(journey).to_contain_text("20 nov. 2026 15:30")

    page.get_by_role("link", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    journey = page.get_by_role("region", name="Journey (1)")
    expect(journey).to_contain_text("€1,234.50")
    expect(journey).to_contain_text("20 Nov 2026 15:30")
    expect(page.get_by_role("link", name="Customers")).to_be_visible()
    page.get_by_role("link", name="Customers").click()  # the choice is remembered
    expect(page.get_by_label("Name, phone (any format), e-mail, loyalty card")).to_be_visible()
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
