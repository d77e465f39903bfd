"""Channels over HTTP: consents (a decision recorded, what an address allows, bad input
refused) and channel accounts (secrets written, never read back)."""

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


def test_a_channel_account_keeps_its_secrets_to_itself(client: TestClient):  # noqa: F811
    body = {"kind": "sms_twilio", "settings": {
        "account_sid": "AC0123", "from_number": "+33700000000",
        "webhook_url": "https://crm.sens-confort.example/api/v1/webhooks/sms/sms-sav"},
        "secrets": {"auth_token": "tr3s-s3cret"}}  # fmt: skip
    saved = client.put("/api/v1/channels/sms-sav", json=body)
    settings = {**body["settings"], "from_number": "+33700000001"}  # type: ignore[dict-item]
    renamed_number = client.put("/api/v1/channels/sms-sav",
                                json={**body, "settings": settings, "secrets": {}})  # fmt: skip
    listed = client.get("/api/v1/channels")
    missing = client.put("/api/v1/channels/wa", json={"kind": "whatsapp", "settings": {}})
    unknown = client.put("/api/v1/channels/fax", json={"kind": "fax", "settings": {}})

    assert saved.status_code == 200
    assert saved.json()["secrets"] == {"auth_token": True}
    assert renamed_number.json()["secrets"] == {"auth_token": True}  # kept when not sent again
    assert "tr3s-s3cret" not in listed.text and "tr3s-s3cret" not in saved.text
    assert [c["settings"]["from_number"] for c in listed.json()] == ["+33700000001"]
    assert missing.json()["detail"] == (
        "WhatsApp Business Cloud API: missing setting phone_number_id"
    )
    assert unknown.json()["detail"].startswith("unknown channel kind 'fax'; known: email, ")
