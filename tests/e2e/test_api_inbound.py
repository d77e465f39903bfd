"""The inbound-mail webhook: raw MIME in, a timeline interaction and a case out; bad input
refused with a clear reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database

RAW = (
    b"From: Yann Prigent <yann.prigent@exemple.fr>\r\n"
    b"To: sav@sens-confort.example\r\n"
    b"Subject: =?utf-8?q?Question_sur_ma_facture?=\r\n"
    b"Message-ID: <y1@exemple.fr>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Bonjour, je ne comprends pas ma facture.\r\n"
)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with db.transaction() as session:
        token = create_token(session, "relais-mail")
    app = create_app(Settings(environment="test", home=tmp_path), db)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def post(client: TestClient, raw: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/inbound/email", content=raw,
                       headers={"Content-Type": "message/rfc822"})  # fmt: skip


def test_an_email_posted_raw_is_recorded_once_and_opens_a_case(client: TestClient):
    first, again = post(client, RAW), post(client, RAW)
    cases = client.get("/api/v1/cases", params={"customer_id": first.json()["customer_id"]})

    assert (first.status_code, first.json()["status"]) == (201, "recorded")
    assert again.json()["status"] == "unchanged"
    [case] = cases.json()["items"]
    assert (case["type"], case["subject"]) == ("request", "Question sur ma facture")


def test_what_is_not_an_email_is_refused_with_the_reason(client: TestClient):
    nothing = post(client, b"")
    garbage = post(client, b"hello, this is not a mail")
    no_sender = post(client, b"Subject: hi\r\n\r\nbody\r\n")
    huge = post(client, RAW + b"x" * (41 * 1024 * 1024))
    anonymous = TestClient(client.app).post("/api/v1/inbound/email", content=RAW)

    assert (nothing.status_code, nothing.json()["detail"]) == (
        422, "empty input: no bytes to read as an e-mail",
    )  # fmt: skip
    assert garbage.status_code == 422
    assert no_sender.json()["detail"] == "no From address: the message does not say who sent it"
    assert huge.status_code == 413 and huge.json()["detail"].startswith("message too large")
    assert anonymous.status_code == 401


def test_the_live_stream_needs_a_token_and_speaks_server_sent_events(client: TestClient):
    stream = client.get("/api/v1/live", params={"topic": "calls", "timeout": 0.2})
    anonymous = TestClient(client.app).get("/api/v1/live", params={"topic": "calls"})

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text.startswith(": connected\n\n")
    assert anonymous.status_code == 401
