"""The welcome page, over HTTP: counts only, in French by default and in English on request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from parcours.app import create_app
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.db import Database
from parcours.interactions.ingest import record_interactions


def test_the_welcome_page_counts_customers_and_records_per_source(db: Database):
    with db.transaction() as session:
        ingest_batch(
            session,
            [
                IncomingRecord("store", "MAG-1", {"full_name": "Mme Claire LE GOFF",
                                                  "phone": "06 12 34 56 78"}),
                IncomingRecord("web", "WEB-1", {"last_name": "Le Goff", "first_name": "Claire",
                                                "phone": "+33612345678"}),
                IncomingRecord("web", "WEB-2", {"last_name": "Prigent", "first_name": "Yann"}),
            ],
        )  # fmt: skip
        record_interactions(session, [(1, "site", {
            "external_id": "v1", "occurred_at": "2026-05-04T10:12:00+02:00", "channel": "web",
            "type": "page_view", "identifiers": {"phone": "06 12 34 56 78"}})])  # fmt: skip

    with TestClient(create_app(Settings(environment="test"), db)) as client:
        french = client.get("/")
        english = client.get("/", params={"lang": "en"})

    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "<strong>2</strong>clients" in french.text
    assert "<strong>3</strong>fiches source" in french.text
    assert "<strong>1</strong>interactions" in french.text
    assert '<tr><td>web</td><td class="number">2</td></tr>' in french.text
    assert "Le Goff" not in french.text  # no personal data without signing in
    assert "<strong>2</strong>customers" in english.text
