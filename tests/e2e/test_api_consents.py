"""Consents over HTTP: a decision recorded, what an address allows, bad input refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.test_api_interactions import client  # noqa: F401  (the fixture is used by name)


def read(http: TestClient, channel: str, address: str) -> dict:  # type: ignore[type-arg]
    return http.get("/api/v1/consents", params={"channel": channel, "address": address}).json()


def test_a_stop_then_a_start_by_sms_and_a_marketing_opt_in_by_email(client: TestClient):  # noqa: F811
    stop = client.post("/api/v1/consents", json={
        "channel": "sms", "address": "06 12 34 56 78", "purpose": "all", "is_granted": False,
        "source": "sms STOP"})  # fmt: skip
    after_stop = read(client, "sms", "+33 6 12 34 56 78")
    client.post("/api/v1/consents", json={"channel": "sms", "address": "0612345678",
                                          "purpose": "all", "is_granted": True,
                                          "source": "sms START"})  # fmt: skip
    after_start = read(client, "sms", "0612345678")
    client.post("/api/v1/consents", json={"channel": "email", "address": "Claire@Exemple.fr",
                                          "purpose": "marketing", "is_granted": True})  # fmt: skip
    email = read(client, "email", "claire@exemple.fr")
    bad_purpose = client.post("/api/v1/consents", json={
        "channel": "email", "address": "a@b.fr", "purpose": "spam", "is_granted": True,
    })  # fmt: skip
    bad_number = client.get("/api/v1/consents", params={"channel": "sms", "address": "12"})

    assert stop.status_code == 201 and stop.json()["address"] == "+33612345678"
    assert after_stop["allowed"] == {"service": False, "surveys": False, "marketing": False}
    assert after_start["allowed"] == {"service": True, "surveys": True, "marketing": False}
    assert [h["source"] for h in after_start["history"]] == ["sms START", "sms STOP"]
    assert email["allowed"] == {"service": True, "surveys": True, "marketing": True}
    assert email["reasons"]["marketing"].startswith("given (api, ")
    assert bad_purpose.status_code == 422
    assert bad_purpose.json()["detail"] == (
        "unknown purpose 'spam'; known: service, surveys, marketing, all"
    )
    assert bad_number.status_code == 422
    assert bad_number.json()["detail"].startswith("sms address '12': ")
