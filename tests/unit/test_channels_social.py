"""Meta's webhooks for WhatsApp Business (Cloud API) and Messenger: the verification challenge, the
payload signature and the reading of the payloads, shaped as Meta's documentation shows them; and
the fake sender other modules' tests use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parcours.channels.fakes import FakeSocialSender
from parcours.channels.ports import DeliveryError, OutgoingSocial, SocialSender
from parcours.channels.social import (
    SocialAttachment,
    SocialError,
    SocialEvent,
    SocialPayloadError,
    WebhookRefused,
    parse_messenger,
    parse_whatsapp,
    verify_signature,
    verify_subscription,
)

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "33180000000"
CUSTOMER = "33612345678"
PAGE_ID = "104523698745123"
PSID = "7045123698521478"
WAMID = "wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUE1QjhGNkI0RTdDMjA5MUQ3QQA="
OUR_WAMID = "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBJFMjQ3QkUzNUFDMjhEQ0E0NTQA"
NOV_25 = datetime(2024, 11, 25, 10, 19, 59, tzinfo=UTC)

# ------------------------------------------------------------------- verification challenge

VERIFY_TOKEN = "parcours-verify-7f3a"


def test_given_meta_verifying_the_url_with_our_token_then_the_challenge_is_echoed():
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }

    assert verify_subscription(params, VERIFY_TOKEN) == "1158201444"


@pytest.mark.parametrize(
    ("params", "verify_token", "reason"),
    [
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
            VERIFY_TOKEN,
            "hub.verify_token does not match",
            id="wrong-token",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.challenge": "1"},
            VERIFY_TOKEN,
            "hub.verify_token does not match",
            id="no-token",
        ),
        pytest.param(
            {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            VERIFY_TOKEN,
            "hub.mode is missing",
            id="no-mode",
        ),
        pytest.param(
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            VERIFY_TOKEN,
            "hub.mode must be 'subscribe', not 'unsubscribe'",
            id="other-mode",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
            VERIFY_TOKEN,
            "hub.challenge is missing",
            id="no-challenge",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
            "",
            "no verify token is configured",
            id="server-without-a-token",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "jeton-été", "hub.challenge": "1"},
            VERIFY_TOKEN,
            "hub.verify_token does not match",
            id="non-ascii-token",
        ),
    ],
)
def test_given_a_verification_we_cannot_vouch_for_then_it_is_refused_with_the_reason(
    params: dict[str, str], verify_token: str, reason: str
):
    with pytest.raises(WebhookRefused) as raised:
        verify_subscription(params, verify_token)

    assert str(raised.value) == reason


# ---------------------------------------------------------------------------------- signature

APP_SECRET = "f2c1e6a9d84b7c3e5a0f9d2b6c8e1a47"
#: A body as Meta sends it, non-ASCII escaped, and its signature computed apart (openssl dgst).
SIGNED_BODY = (
    b'{"object":"page","entry":[{"id":"104523698745123","time":1732530000000,"messaging":'
    b'[{"sender":{"id":"7045123698521478"},"recipient":{"id":"104523698745123"},'
    b'"timestamp":1732529999871,"message":{"mid":"m_AbCdEf",'
    b'"text":"Ma commande n\\u2019est pas arriv\\u00e9e"}}]}]}'
)
SIGNATURE = "sha256=419c32f66b22c8b1b764fd9d081e343fa5136cb3d86965e5fa4da409de5c4f82"


@pytest.mark.parametrize(
    "header",
    [SIGNATURE, SIGNATURE.upper(), f"  {SIGNATURE}\r\n"],
    ids=["as-meta-sends-it", "upper-case", "surrounding-whitespace"],
)
def test_given_the_body_meta_signed_when_verified_then_it_passes(header: str):
    verify_signature(APP_SECRET, SIGNED_BODY, header)


@pytest.mark.parametrize(
    ("secret", "body", "header", "reason"),
    [
        pytest.param(
            APP_SECRET,
            SIGNED_BODY.replace(b"pas arriv", b"bien arriv"),
            SIGNATURE,
            "bad signature",
            id="tampered-body",
        ),
        pytest.param(
            APP_SECRET,
            json.dumps(json.loads(SIGNED_BODY), ensure_ascii=False).encode(),
            SIGNATURE,
            "bad signature",
            id="body-decoded-and-re-encoded",
        ),
        pytest.param("another-app-secret", SIGNED_BODY, SIGNATURE, "bad signature", id="other-app"),
        pytest.param(APP_SECRET, SIGNED_BODY, "sha256=", "bad signature", id="empty-digest"),
        pytest.param(APP_SECRET, SIGNED_BODY, "sha256=é" + "0" * 63, "bad signature", id="not-hex"),
        pytest.param(APP_SECRET, SIGNED_BODY, None, "missing signature", id="no-header"),
        pytest.param(APP_SECRET, SIGNED_BODY, "", "missing signature", id="empty-header"),
        pytest.param(
            APP_SECRET,
            SIGNED_BODY,
            "sha1=0f6fd8a1d4e26ee8a4e1c1f32e3c4ae2fbd4e8b1",
            "unsupported signature format",
            id="x-hub-signature-sha1",
        ),
        pytest.param(
            APP_SECRET,
            SIGNED_BODY,
            SIGNATURE.removeprefix("sha256="),
            "unsupported signature format",
            id="digest-without-prefix",
        ),
        pytest.param(
            "", SIGNED_BODY, SIGNATURE, "no app secret is configured", id="server-without-secret"
        ),
    ],
)
def test_given_a_body_not_signed_by_meta_then_it_is_refused_with_the_reason(
    secret: str, body: bytes, header: str | None, reason: str
):
    with pytest.raises(WebhookRefused) as raised:
        verify_signature(secret, body, header)

    assert str(raised.value) == reason


# ------------------------------------------------------------------------------- WhatsApp


def whatsapp_webhook(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One call of the messages field, as the Cloud API sends it."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages is not None:
        value["contacts"] = contacts or [{"profile": {"name": "Amélie Durand"}, "wa_id": CUSTOMER}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    change = {"value": value, "field": "messages"}
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [change]}]}


def customer_message(message_type: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {
        "from": CUSTOMER,
        "id": WAMID,
        "timestamp": "1732529999",
        "type": message_type,
        message_type: content,
        **extra,
    }


def test_given_a_whatsapp_text_then_it_is_a_message_from_the_customers_e164_number():
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Amélie Durand"}, "wa_id": CUSTOMER}],
                            "messages": [
                                {
                                    "from": CUSTOMER,
                                    "id": WAMID,
                                    "timestamp": "1732529999",
                                    "text": {"body": "Bonjour, ma commande n’est pas arrivée"},
                                    "type": "text",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }

    [event] = parse_whatsapp(payload)

    assert event == SocialEvent(
        network="whatsapp",
        kind="message",
        external_id=WAMID,
        sender="+33612345678",
        sender_name="Amélie Durand",
        recipient=PHONE_NUMBER_ID,
        occurred_at=NOV_25,
        text="Bonjour, ma commande n’est pas arrivée",
        message_type="text",
    )
    assert event.customer == "+33612345678"


@pytest.mark.parametrize(
    ("message_type", "content", "text", "attachment"),
    [
        pytest.param(
            "image",
            {
                "caption": "Le colis reçu",
                "mime_type": "image/jpeg",
                "sha256": "u0XNoNFKu2tSiUmtCNEd3p+bFXbImsOMCB/E4nUmbKA=",
                "id": "1003383421387256",
            },
            "Le colis reçu",
            SocialAttachment("image", "1003383421387256", "image/jpeg"),
            id="image-with-caption",
        ),
        pytest.param(
            "document",
            {
                "filename": "facture-2024-118.pdf",
                "mime_type": "application/pdf",
                "sha256": "5sBiNlIWtQ6LgUcf6bW8YoTxJ8ZgyH3ZgPLSsTpUbL0=",
                "id": "1253416755594612",
            },
            None,
            SocialAttachment("document", "1253416755594612", "application/pdf"),
            id="document-without-caption",
        ),
        pytest.param(
            "audio",
            {
                "mime_type": "audio/ogg; codecs=opus",
                "sha256": "m4Ta6Ah0tmPqQw2A2EzK0jH0lZGr3EZQm5Pk1ZzqFbk=",
                "id": "1145472396957470",
                "voice": True,
            },
            None,
            SocialAttachment("audio", "1145472396957470", "audio/ogg; codecs=opus"),
            id="voice-note",
        ),
        pytest.param(
            "location",
            {
                "address": "12 Rue de Rivoli, 75004 Paris",
                "latitude": 48.8556,
                "longitude": 2.3581,
                "name": "Boutique Rivoli",
            },
            None,
            SocialAttachment("location", "geo:48.8556,2.3581", None),
            id="location-as-geo-uri",
        ),
    ],
)
def test_given_whatsapp_media_then_its_id_and_type_are_attachments_and_the_caption_the_text(
    message_type: str, content: dict[str, Any], text: str | None, attachment: SocialAttachment
):
    [event] = parse_whatsapp(whatsapp_webhook(messages=[customer_message(message_type, content)]))

    assert (event.kind, event.message_type) == ("message", message_type)
    assert (event.text, event.attachments) == (text, (attachment,))


@pytest.mark.parametrize(
    ("message_type", "content", "extra", "expected"),
    [
        pytest.param(
            "button",
            {"payload": "CONFIRM_APPOINTMENT", "text": "Je confirme"},
            {"context": {"from": DISPLAY_NUMBER, "id": OUR_WAMID}},
            ("Je confirme", "CONFIRM_APPOINTMENT", OUR_WAMID),
            id="template-quick-reply-button",
        ),
        pytest.param(
            "interactive",
            {"type": "button_reply", "button_reply": {"id": "slot-2", "title": "Jeudi 14 h"}},
            {"context": {"from": DISPLAY_NUMBER, "id": OUR_WAMID}},
            ("Jeudi 14 h", "slot-2", OUR_WAMID),
            id="interactive-button-reply",
        ),
        pytest.param(
            "interactive",
            {
                "type": "list_reply",
                "list_reply": {
                    "id": "store-lyon",
                    "title": "Lyon Part-Dieu",
                    "description": "Ouvert jusqu'à 20 h",
                },
            },
            {"context": {"from": DISPLAY_NUMBER, "id": OUR_WAMID}},
            ("Lyon Part-Dieu", "store-lyon", OUR_WAMID),
            id="interactive-list-reply",
        ),
        pytest.param(
            "interactive",
            {
                "type": "nfm_reply",
                "nfm_reply": {
                    "name": "flow",
                    "body": "Sent",
                    "response_json": '{"flow_token": "rdv-118", "slot": "jeudi"}',
                },
            },
            {"context": {"from": DISPLAY_NUMBER, "id": OUR_WAMID}},
            ("Sent", '{"flow_token": "rdv-118", "slot": "jeudi"}', OUR_WAMID),
            id="flow-answers",
        ),
        pytest.param(
            "reaction",
            {"message_id": OUR_WAMID, "emoji": "👍"},
            {},
            ("👍", None, OUR_WAMID),
            id="reaction",
        ),
        pytest.param(
            "reaction",
            {"message_id": OUR_WAMID},
            {},
            (None, None, OUR_WAMID),
            id="reaction-taken-back",
        ),
        pytest.param(
            "text",
            {"body": "Oui, à jeudi"},
            {"context": {"from": DISPLAY_NUMBER, "id": OUR_WAMID}},
            ("Oui, à jeudi", None, OUR_WAMID),
            id="text-replying-to-our-message",
        ),
    ],
)
def test_given_a_whatsapp_answer_then_its_title_payload_and_quoted_message_are_read(
    message_type: str,
    content: dict[str, Any],
    extra: dict[str, Any],
    expected: tuple[str | None, str | None, str | None],
):
    message = customer_message(message_type, content, **extra)

    [event] = parse_whatsapp(whatsapp_webhook(messages=[message]))

    assert (event.text, event.payload, event.reply_to) == expected
    assert (event.message_type, event.attachments) == (message_type, ())


@pytest.mark.parametrize(
    ("message", "error"),
    [
        pytest.param(
            {
                "from": CUSTOMER,
                "id": WAMID,
                "timestamp": "1732529999",
                "errors": [
                    {
                        "code": 131051,
                        "title": "Message type unknown",
                        "message": "Message type unknown",
                        "error_data": {"details": "Message type is currently not supported."},
                    }
                ],
                "type": "unsupported",
            },
            SocialError(131051, "Message type unknown", "Message type is currently not supported."),
            id="unsupported-with-meta-error",
        ),
        pytest.param(
            customer_message("poll", {"question": "Quel créneau ?", "options": ["9 h", "14 h"]}),
            None,
            id="type-unknown-to-parcours",
        ),
        pytest.param(
            customer_message("image", {"id": "1003383421387256"}) | {"type": "hologram"},
            None,
            id="type-unknown-beside-known-content",
        ),
    ],
)
def test_given_a_whatsapp_message_we_cannot_read_then_it_is_kept_with_its_type(
    message: dict[str, Any], error: SocialError | None
):
    [event] = parse_whatsapp(whatsapp_webhook(messages=[message]))

    assert (event.kind, event.external_id, event.sender) == ("message", WAMID, "+33612345678")
    assert (event.text, event.attachments, event.message_type) == (None, (), message["type"])
    assert event.error == error


def test_given_a_delivered_status_then_it_is_a_status_of_our_message_keyed_by_id_and_status():
    status = {
        "id": OUR_WAMID,
        "status": "delivered",
        "timestamp": "1732529999",
        "recipient_id": CUSTOMER,
        "conversation": {"id": "8e5c1ad1b7d3b4f1a1b1e5f6c7d8e9f0", "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
    }

    [event] = parse_whatsapp(whatsapp_webhook(statuses=[status]))

    assert event == SocialEvent(
        network="whatsapp",
        kind="status",
        external_id=f"{OUR_WAMID}:delivered",
        sender="+33612345678",
        recipient=PHONE_NUMBER_ID,
        occurred_at=NOV_25,
        reply_to=OUR_WAMID,
        status="delivered",
    )


def test_given_a_failed_status_outside_the_24_hour_window_then_the_error_131047_is_kept():
    status = {
        "id": OUR_WAMID,
        "status": "failed",
        "timestamp": "1732529999",
        "recipient_id": CUSTOMER,
        "errors": [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {
                    "details": "Message failed to send because more than 24 hours have passed "
                    "since the customer last replied to this number."
                },
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
        ],
    }

    [event] = parse_whatsapp(whatsapp_webhook(statuses=[status]))

    assert (event.kind, event.external_id, event.status) == (
        "status",
        f"{OUR_WAMID}:failed",
        "failed",
    )
    assert event.error == SocialError(
        code=131047,
        title="Re-engagement message",
        details="Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number.",
    )


def test_given_several_entries_and_changes_then_every_event_comes_out_in_metas_order():
    first = whatsapp_webhook(
        messages=[
            customer_message("text", {"body": "Bonjour"}),
            {
                "from": "33798765432",
                "id": "wamid.second",
                "timestamp": "1732530001",
                "type": "text",
                "text": {"body": "Hello"},
            },
        ],
        contacts=[
            {"profile": {"name": "Amélie Durand"}, "wa_id": CUSTOMER},
            {"profile": {"name": "John Smith"}, "wa_id": "33798765432"},
        ],
    )
    statuses = whatsapp_webhook(
        statuses=[
            {
                "id": OUR_WAMID,
                "status": "sent",
                "timestamp": "1732529990",
                "recipient_id": CUSTOMER,
            },
            {
                "id": OUR_WAMID,
                "status": "read",
                "timestamp": "1732529999",
                "recipient_id": CUSTOMER,
            },
        ]
    )
    template_update = {
        "field": "message_template_status_update",
        "value": {"event": "APPROVED", "message_template_id": 594425479261596},
    }
    second_number = whatsapp_webhook(messages=[customer_message("text", {"body": "Re"})])
    second_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "1099"
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": WABA_ID, "changes": [*first["entry"][0]["changes"], template_update]},
            {"id": WABA_ID, "changes": statuses["entry"][0]["changes"]},
            second_number["entry"][0],
        ],
    }

    events = parse_whatsapp(payload)

    assert [(e.kind, e.external_id, e.sender, e.sender_name, e.recipient) for e in events] == [
        ("message", WAMID, "+33612345678", "Amélie Durand", PHONE_NUMBER_ID),
        ("message", "wamid.second", "+33798765432", "John Smith", PHONE_NUMBER_ID),
        ("status", f"{OUR_WAMID}:sent", "+33612345678", None, PHONE_NUMBER_ID),
        ("status", f"{OUR_WAMID}:read", "+33612345678", None, PHONE_NUMBER_ID),
        ("message", WAMID, "+33612345678", "Amélie Durand", "1099"),
    ]


def test_given_a_message_without_its_contact_then_the_sender_has_no_name():
    payload = whatsapp_webhook(
        messages=[customer_message("text", {"body": "Bonjour"})],
        contacts=[{"profile": {"name": "Quelqu'un d'autre"}, "wa_id": "33700000000"}],
    )

    [event] = parse_whatsapp(payload)

    assert (event.sender, event.sender_name) == ("+33612345678", None)


def test_given_an_empty_entry_list_then_there_is_no_event():
    assert parse_whatsapp({"object": "whatsapp_business_account", "entry": []}) == []


def path(key: str) -> str:
    return f"entry[0].changes[0].value.{key}"


def broken_whatsapp(change: Any) -> dict[str, Any]:
    """The text-message webhook after ``change`` has altered it in place."""
    payload = whatsapp_webhook(messages=[customer_message("text", {"body": "Bonjour"})])
    change(payload)
    return payload


def message_of(payload: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            {"object": "page", "entry": []},
            "object must be 'whatsapp_business_account', not 'page'",
            id="messenger-payload",
        ),
        pytest.param({"entry": []}, "object is missing", id="no-object"),
        pytest.param({"object": "whatsapp_business_account"}, "entry is missing", id="no-entry"),
        pytest.param(
            {"object": "whatsapp_business_account", "entry": {"id": WABA_ID}},
            "entry must be a list, not an object",
            id="entry-not-a-list",
        ),
        pytest.param(
            {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID}]},
            "entry[0].changes is missing",
            id="no-changes",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).pop("from")),
            path("messages[0].from is missing"),
            id="no-sender",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"from": "+33612345678"})),
            path("messages[0].from must be digits, not '+33612345678'"),
            id="sender-not-a-wa-id",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"id": ""})),
            path("messages[0].id is empty"),
            id="empty-id",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"timestamp": "hier"})),
            path("messages[0].timestamp must be a whole number, not 'hier'"),
            id="timestamp-not-a-number",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"timestamp": 10**20})),
            path("messages[0].timestamp is not a date: 100000000000000000000"),
            id="timestamp-beyond-any-date",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).pop("text")),
            path("messages[0].text is missing"),
            id="text-without-text",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"text": {"body": 42}})),
            path("messages[0].text.body must be a string, not a number"),
            id="body-not-a-string",
        ),
        pytest.param(
            broken_whatsapp(lambda p: message_of(p).update({"type": "image", "image": {}})),
            path("messages[0].image.id is missing"),
            id="image-without-media-id",
        ),
        pytest.param(
            broken_whatsapp(
                lambda p: message_of(p).update(
                    {"type": "interactive", "interactive": {"type": "button_reply"}}
                )
            ),
            path("messages[0].interactive.button_reply is missing"),
            id="interactive-without-its-reply",
        ),
        pytest.param(
            broken_whatsapp(lambda p: p["entry"][0]["changes"][0]["value"].pop("metadata")),
            path("metadata is missing"),
            id="no-metadata",
        ),
        pytest.param(
            broken_whatsapp(lambda p: p["entry"][0]["changes"][0]["value"].update(messages=["hi"])),
            path("messages[0] must be an object, not a string"),
            id="message-not-an-object",
        ),
        pytest.param(
            whatsapp_webhook(statuses=[{"id": OUR_WAMID, "timestamp": "1", "recipient_id": "3"}]),
            path("statuses[0].status is missing"),
            id="status-without-status",
        ),
        pytest.param(
            whatsapp_webhook(
                statuses=[
                    {
                        "id": OUR_WAMID,
                        "status": "failed",
                        "timestamp": "1732529999",
                        "recipient_id": CUSTOMER,
                        "errors": [{"title": "Re-engagement message"}],
                    }
                ]
            ),
            path("statuses[0].errors[0].code is missing"),
            id="error-without-code",
        ),
    ],
)
def test_given_a_whatsapp_payload_not_shaped_as_meta_documents_then_the_error_names_the_field(
    payload: dict[str, Any], message: str
):
    with pytest.raises(SocialPayloadError) as raised:
        parse_whatsapp(payload)

    assert str(raised.value) == message


def test_given_a_payload_that_is_not_an_object_then_it_is_refused():
    with pytest.raises(SocialPayloadError) as raised:
        parse_whatsapp(json.loads("[]"))

    assert str(raised.value) == "the payload must be an object, not a list"


# ------------------------------------------------------------------------------ Messenger

NOV_25_MS = datetime(2024, 11, 25, 10, 19, 59, 871000, tzinfo=UTC)


def messenger_webhook(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": 1732530000000, "messaging": [item]} for item in items],
    }


def from_customer(**event: Any) -> dict[str, Any]:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1732529999871,
        **event,
    }


def test_given_a_messenger_text_then_it_is_a_message_from_the_page_scoped_id():
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1732530000000,
                "messaging": [
                    {
                        "sender": {"id": PSID},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1732529999871,
                        "message": {
                            "mid": "m_1457764197618:41d102a3e1ae206a38",
                            "text": "Où en est ma livraison ?",
                            "quick_reply": {"payload": "TRACK_ORDER"},
                        },
                    }
                ],
            }
        ],
    }

    [event] = parse_messenger(payload)

    assert event == SocialEvent(
        network="messenger",
        kind="message",
        external_id="m_1457764197618:41d102a3e1ae206a38",
        sender=PSID,
        recipient=PAGE_ID,
        occurred_at=NOV_25_MS,
        text="Où en est ma livraison ?",
        payload="TRACK_ORDER",
    )
    assert event.customer == PSID


def test_given_messenger_attachments_then_each_keeps_its_type_and_url():
    image_url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/468112_n.jpg?_nc_cat=1&oh=00_Af"
    item = from_customer(
        message={
            "mid": "m_attachments",
            "attachments": [
                {"type": "image", "payload": {"url": image_url}},
                {"type": "file", "payload": {"url": "https://cdn.fbsbx.com/v/t59/bon.pdf"}},
                {
                    "type": "fallback",
                    "payload": None,
                    "title": "Suivi Colissimo",
                    "url": "https://www.laposte.fr/outils/suivre-vos-envois",
                },
                {"type": "fallback"},
            ],
        }
    )

    [event] = parse_messenger(messenger_webhook(item))

    assert (event.kind, event.text) == ("message", None)
    assert event.attachments == (
        SocialAttachment("image", image_url, None),
        SocialAttachment("file", "https://cdn.fbsbx.com/v/t59/bon.pdf", None),
        SocialAttachment("fallback", "https://www.laposte.fr/outils/suivre-vos-envois", None),
        SocialAttachment("fallback", None, None),
    )


def test_given_an_echo_of_our_pages_message_then_it_is_an_echo_whose_customer_is_the_recipient():
    item = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": 1732529999871,
        "message": {
            "is_echo": True,
            "app_id": 1517776481860111,
            "metadata": "case-2024-118",
            "mid": "m_echo",
            "text": "Votre colis part demain.",
        },
    }

    [event] = parse_messenger(messenger_webhook(item))

    assert (event.kind, event.external_id, event.text) == (
        "echo",
        "m_echo",
        "Votre colis part demain.",
    )
    assert (event.sender, event.recipient, event.customer) == (PAGE_ID, PSID, PSID)


def test_given_a_reply_then_the_quoted_message_is_reply_to():
    item = from_customer(
        message={
            "mid": "m_reply",
            "text": "Oui, celui-là",
            "reply_to": {"mid": "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU", "is_self_reply": False},
        }
    )

    [event] = parse_messenger(messenger_webhook(item))

    assert (event.text, event.reply_to) == (
        "Oui, celui-là",
        "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU",
    )


@pytest.mark.parametrize(
    ("postback", "timestamp", "external_id", "occurred_at"),
    [
        pytest.param(
            {"mid": "m_postback", "title": "Parler à un conseiller", "payload": "AGENT"},
            1732529999871,
            "m_postback",
            NOV_25_MS,
            id="with-mid",
        ),
        pytest.param(
            {"title": "Parler à un conseiller", "payload": "AGENT"},
            1732529999871,
            f"{PSID}:1732529999871:postback",
            NOV_25_MS,
            id="older-without-mid",
        ),
        pytest.param(
            {"mid": "m_postback", "title": "Parler à un conseiller", "payload": "AGENT"},
            "1732529999",
            "m_postback",
            NOV_25,
            id="timestamp-in-seconds-as-in-metas-example",
        ),
    ],
)
def test_given_a_postback_then_its_title_is_the_text_and_its_payload_kept(
    postback: dict[str, Any], timestamp: Any, external_id: str, occurred_at: datetime
):
    item = from_customer(postback=postback) | {"timestamp": timestamp}

    [event] = parse_messenger(messenger_webhook(item))

    assert event == SocialEvent(
        network="messenger",
        kind="postback",
        external_id=external_id,
        sender=PSID,
        recipient=PAGE_ID,
        occurred_at=occurred_at,
        text="Parler à un conseiller",
        payload="AGENT",
    )


def test_given_a_delivery_receipt_then_each_listed_message_gets_a_delivered_status():
    item = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "delivery": {"mids": ["m_first", "m_second"], "watermark": 1732529999871},
    }

    events = parse_messenger(messenger_webhook(item))

    entry_time = datetime(2024, 11, 25, 10, 20, tzinfo=UTC)
    assert events == [
        SocialEvent(
            network="messenger",
            kind="status",
            external_id=f"{mid}:delivered",
            sender=PSID,
            recipient=PAGE_ID,
            occurred_at=entry_time,
            reply_to=mid,
            status="delivered",
            watermark=NOV_25_MS,
        )
        for mid in ("m_first", "m_second")
    ]


def test_given_a_read_receipt_then_one_status_carries_the_watermark():
    item = from_customer(read={"watermark": 1732529990000})

    [event] = parse_messenger(messenger_webhook(item))

    assert event == SocialEvent(
        network="messenger",
        kind="status",
        external_id=f"{PSID}:1732529990000:read",
        sender=PSID,
        recipient=PAGE_ID,
        occurred_at=NOV_25_MS,
        status="read",
        watermark=datetime(2024, 11, 25, 10, 19, 50, tzinfo=UTC),
    )


def test_given_topics_we_do_not_read_then_they_are_skipped_and_the_rest_kept():
    optin = from_customer(optin={"ref": "newsletter", "user_ref": "u-1"})
    reaction = from_customer(
        reaction={"reaction": "love", "emoji": "❤", "action": "react", "mid": "m_x"}
    )
    message = from_customer(message={"mid": "m_kept", "text": "Merci"})

    events = parse_messenger(messenger_webhook(optin, reaction, message))

    assert [event.external_id for event in events] == ["m_kept"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            {"object": "whatsapp_business_account", "entry": []},
            "object must be 'page', not 'whatsapp_business_account'",
            id="whatsapp-payload",
        ),
        pytest.param(
            {"object": "instagram", "entry": []},
            "object must be 'page', not 'instagram'",
            id="instagram-payload",
        ),
        pytest.param(
            {"object": "page", "entry": [{"id": PAGE_ID, "time": 1732530000000}]},
            "entry[0].messaging is missing",
            id="no-messaging",
        ),
        pytest.param(
            messenger_webhook({"recipient": {"id": PAGE_ID}, "timestamp": 1, "message": {}}),
            "entry[0].messaging[0].sender is missing",
            id="no-sender",
        ),
        pytest.param(
            messenger_webhook(from_customer(message={"mid": "m_1"}) | {"sender": {}}),
            "entry[0].messaging[0].sender.id is missing",
            id="sender-without-id",
        ),
        pytest.param(
            messenger_webhook(from_customer(message={"mid": "m_1"}) | {"sender": {"id": 70451}}),
            "entry[0].messaging[0].sender.id must be a string, not a number",
            id="sender-id-not-a-string",
        ),
        pytest.param(
            messenger_webhook(from_customer(message={"text": "Bonjour"})),
            "entry[0].messaging[0].message.mid is missing",
            id="message-without-mid",
        ),
        pytest.param(
            messenger_webhook(from_customer(message={"mid": "m_1", "attachments": [{}]})),
            "entry[0].messaging[0].message.attachments[0].type is missing",
            id="attachment-without-type",
        ),
        pytest.param(
            {
                "object": "page",
                "entry": [
                    {
                        "id": PAGE_ID,
                        "messaging": [
                            {
                                "sender": {"id": PSID},
                                "recipient": {"id": PAGE_ID},
                                "delivery": {"mids": ["m_1"], "watermark": 1732529999871},
                            }
                        ],
                    }
                ],
            },
            "entry[0].messaging[0].timestamp is missing",
            id="no-date-at-all",
        ),
        pytest.param(
            messenger_webhook(from_customer(delivery={"mids": ["m_1", 2], "watermark": 1})),
            "entry[0].messaging[0].delivery.mids[1] must be a string, not a number",
            id="mid-not-a-string",
        ),
        pytest.param(
            messenger_webhook(from_customer(read={})),
            "entry[0].messaging[0].read.watermark is missing",
            id="read-without-watermark",
        ),
        pytest.param(
            messenger_webhook(from_customer(message={"mid": "m_1"}) | {"timestamp": True}),
            "entry[0].messaging[0].timestamp must be a whole number, not a boolean",
            id="timestamp-a-boolean",
        ),
    ],
)
def test_given_a_messenger_payload_not_shaped_as_meta_documents_then_the_error_names_the_field(
    payload: dict[str, Any], message: str
):
    with pytest.raises(SocialPayloadError) as raised:
        parse_messenger(payload)

    assert str(raised.value) == message


# ----------------------------------------------------------------------------------- fake


def test_given_the_fake_sender_then_it_keeps_messages_and_answers_meta_shaped_ids():
    sender: SocialSender = FakeSocialSender()
    whatsapp = OutgoingSocial("whatsapp", "+33612345678", "Votre colis est arrivé")
    messenger = OutgoingSocial("messenger", PSID, "Bonjour !")

    ids = [sender.send(whatsapp), sender.send(messenger)]

    assert ids == ["wamid." + "0" * 31 + "1", "m_" + "0" * 31 + "2"]
    assert isinstance(sender, FakeSocialSender)
    assert sender.sent == [whatsapp, messenger]


def test_given_the_fake_set_to_fail_then_it_raises_that_error_and_keeps_nothing():
    closed_window = DeliveryError("Re-engagement message", is_permanent=True, code=131047)
    sender = FakeSocialSender(failure=closed_window)

    with pytest.raises(DeliveryError) as raised:
        sender.send(OutgoingSocial("whatsapp", "+33612345678", "Bonjour"))

    assert raised.value is closed_window
    assert sender.sent == []
