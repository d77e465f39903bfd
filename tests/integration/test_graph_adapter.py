"""The WhatsApp and Messenger adapters against a fake Graph API on a loopback port: it checks the
bearer token, the path and the JSON as Meta's messages endpoints do and answers Meta-shaped JSON,
so that the request we build and the way we read refusals are both tested over real HTTP, without
internet."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from parcours.channels.graph import MessengerSender, WhatsAppSender
from parcours.channels.ports import DeliveryError, OutgoingSocial, SocialSender
from tests.fake_http import json_server, serving

PHONE_NUMBER_ID = "106540352242922"
SYSTEM_USER_TOKEN = "EAAG-system-user-token"
PAGE_ID = "104523698745123"
PAGE_TOKEN = "EAAG-page-access-token"
PSID = "7045123698521478"
WINDOW_CLOSED_NUMBER = "+33699999999"
WINDOW_CLOSED_PSID = "7045000000000000"
WAMID = "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fpl"
TRACE = "AbCdEfGhIjKlMnOp"
RE_ENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
#: The id each endpoint answers to and the token it accepts.
ENDPOINTS = {
    f"/v21.0/{PHONE_NUMBER_ID}/messages": ("whatsapp", SYSTEM_USER_TOKEN),
    f"/v21.0/{PAGE_ID}/messages": ("messenger", PAGE_TOKEN),
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGraph:
    """What the server received, and the answer to force on the next request, if any."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    forced: tuple[int, bytes] | None = None
    delay: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)


def graph_error(status: int, code: int, message: str, **more: Any) -> tuple[int, bytes]:
    error = {"message": message, "type": "OAuthException", "code": code, **more}
    return status, json.dumps({"error": error | {"fbtrace_id": TRACE}}).encode()


def messages_answer(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """Meta's ``/{id}/messages`` edges, as far as we use them."""
    if path not in ENDPOINTS:
        return graph_error(400, 2500, f"Unknown path components: {path}")
    network, token = ENDPOINTS[path]
    if headers.get("Authorization") != f"Bearer {token}":
        return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
    if headers.get("Content-Type") != "application/json":
        return graph_error(400, 100, "(#100) Unsupported content type")
    request = json.loads(body)
    if network == "whatsapp":
        return whatsapp_answer(request)
    return messenger_answer(request)


def whatsapp_answer(request: dict[str, Any]) -> tuple[int, bytes]:
    if request.get("messaging_product") != "whatsapp":
        return graph_error(400, 100, "(#100) The parameter messaging_product is required.")
    if f"+{request['to']}" == WINDOW_CLOSED_NUMBER:
        return graph_error(
            400,
            131047,
            "(#131047) Re-engagement message",
            error_data={"messaging_product": "whatsapp", "details": RE_ENGAGEMENT_DETAILS},
        )
    answer = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": request["to"], "wa_id": request["to"]}],
        "messages": [{"id": WAMID, "message_status": "accepted"}],
    }
    return 200, json.dumps(answer).encode()


def messenger_answer(request: dict[str, Any]) -> tuple[int, bytes]:
    if request.get("messaging_type") not in {"RESPONSE", "UPDATE", "MESSAGE_TAG"}:
        return graph_error(400, 100, "(#100) Param messaging_type must be a valid enum")
    if request["recipient"]["id"] == WINDOW_CLOSED_PSID:
        return graph_error(
            400,
            10,
            "(#10) This message is sent outside of allowed window.",
            error_subcode=2018278,
        )
    return 200, json.dumps({"recipient_id": request["recipient"]["id"], "message_id": MID}).encode()


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    fake = FakeGraph()

    def respond(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        fake.received.append(Received(path, headers, json.loads(body)))
        if fake.delay:
            fake.release.wait(fake.delay)
        return fake.forced or messages_answer(path, headers, body)

    with serving(json_server(respond, "application/json; charset=UTF-8"), monkeypatch) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.release.set()  # a handler held back by a delay test lets go first


def whatsapp(base_url: str, **options: Any) -> WhatsAppSender:
    return WhatsAppSender(PHONE_NUMBER_ID, SYSTEM_USER_TOKEN, base_url=base_url, **options)


def messenger(base_url: str, **options: Any) -> MessengerSender:
    return MessengerSender(PAGE_ID, PAGE_TOKEN, base_url=base_url, **options)


def test_given_a_whatsapp_text_when_sent_then_the_cloud_api_gets_it_and_we_get_the_wamid(
    graph: FakeGraph,
):
    adapter: SocialSender = whatsapp(graph.url)

    wamid = adapter.send(OutgoingSocial("whatsapp", "+33612345678", "Votre commande est prête ✓"))

    assert wamid == WAMID
    [request] = graph.received
    assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {SYSTEM_USER_TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "33612345678",
        "type": "text",
        "text": {"preview_url": False, "body": "Votre commande est prête ✓"},
    }


def test_given_a_messenger_answer_when_sent_then_the_send_api_gets_it_and_we_get_the_mid(
    graph: FakeGraph,
):
    adapter: SocialSender = messenger(graph.url)

    mid = adapter.send(OutgoingSocial("messenger", PSID, "Votre colis part demain."))

    assert mid == MID
    [request] = graph.received
    assert request.path == f"/v21.0/{PAGE_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request.body == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Votre colis part demain."},
    }


def test_given_another_api_version_then_it_is_in_the_path(graph: FakeGraph):
    adapter = whatsapp(graph.url, api_version="v22.0")

    with pytest.raises(DeliveryError) as raised:
        adapter.send(OutgoingSocial("whatsapp", "+33612345678", "Bonjour"))

    assert graph.received[0].path == f"/v22.0/{PHONE_NUMBER_ID}/messages"
    assert str(raised.value) == (
        "WhatsApp refused the message (HTTP 400, error 2500): "
        f"Unknown path components: /v22.0/{PHONE_NUMBER_ID}/messages [fbtrace_id {TRACE}]"
    )


@pytest.mark.parametrize(
    ("adapter", "message", "code", "text"),
    [
        pytest.param(
            whatsapp,
            OutgoingSocial("whatsapp", WINDOW_CLOSED_NUMBER, "Bonjour"),
            131047,
            "WhatsApp refused the message (HTTP 400, error 131047): "
            f"(#131047) Re-engagement message; {RE_ENGAGEMENT_DETAILS} [fbtrace_id {TRACE}]",
            id="whatsapp-131047-window-closed",
        ),
        pytest.param(
            messenger,
            OutgoingSocial("messenger", WINDOW_CLOSED_PSID, "Bonjour"),
            10,
            "Messenger refused the message (HTTP 400, error 10, subcode 2018278): "
            f"(#10) This message is sent outside of allowed window. [fbtrace_id {TRACE}]",
            id="messenger-10-window-closed",
        ),
    ],
)
def test_given_the_24_hour_window_closed_then_the_refusal_is_permanent_with_metas_code(
    graph: FakeGraph, adapter: Any, message: OutgoingSocial, code: int, text: str
):
    with pytest.raises(DeliveryError) as raised:
        adapter(graph.url).send(message)

    assert str(raised.value) == text
    assert (raised.value.code, raised.value.is_permanent) == (code, True)


def test_given_an_expired_token_then_the_refusal_is_permanent_until_someone_replaces_it(
    graph: FakeGraph,
):
    adapter = WhatsAppSender(PHONE_NUMBER_ID, "EAAG-expired", base_url=graph.url)

    with pytest.raises(DeliveryError) as raised:
        adapter.send(OutgoingSocial("whatsapp", "+33612345678", "Bonjour"))

    assert str(raised.value) == (
        "WhatsApp refused the message (HTTP 401, error 190): "
        f"Invalid OAuth access token - Cannot parse access token [fbtrace_id {TRACE}]"
    )
    assert (raised.value.code, raised.value.is_permanent) == (190, True)


@pytest.mark.parametrize(
    ("forced", "text", "code"),
    [
        pytest.param(
            graph_error(429, 4, "(#4) Application request limit reached"),
            "WhatsApp refused the message (HTTP 429, error 4): "
            f"(#4) Application request limit reached [fbtrace_id {TRACE}]",
            4,
            id="429-code-4-app-rate-limit",
        ),
        pytest.param(
            graph_error(400, 4, "(#4) Application request limit reached"),
            "WhatsApp refused the message (HTTP 400, error 4): "
            f"(#4) Application request limit reached [fbtrace_id {TRACE}]",
            4,
            id="400-code-4-throttling-under-a-400",
        ),
        pytest.param(
            graph_error(400, 613, "Calls to this api have exceeded the rate limit."),
            "WhatsApp refused the message (HTTP 400, error 613): "
            f"Calls to this api have exceeded the rate limit. [fbtrace_id {TRACE}]",
            613,
            id="400-code-613-rate-limit",
        ),
        pytest.param(
            graph_error(
                400,
                131056,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            ),
            "WhatsApp refused the message (HTTP 400, error 131056): "
            "(#131056) (Business Account, Consumer Account) pair rate limit hit "
            f"[fbtrace_id {TRACE}]",
            131056,
            id="400-code-131056-too-many-to-one-customer",
        ),
        pytest.param(
            graph_error(400, 100, "(#100) Service temporarily unavailable", is_transient=True),
            "WhatsApp refused the message (HTTP 400, error 100): "
            f"(#100) Service temporarily unavailable [fbtrace_id {TRACE}]",
            100,
            id="400-marked-is-transient",
        ),
        pytest.param(
            graph_error(500, 2, "An unexpected error has occurred. Please retry your request."),
            "WhatsApp refused the message (HTTP 500, error 2): "
            f"An unexpected error has occurred. Please retry your request. [fbtrace_id {TRACE}]",
            2,
            id="500-code-2-downtime",
        ),
        pytest.param(
            (502, b"<html><body>502 Bad Gateway</body></html>"),
            "WhatsApp: the Graph API answered HTTP 502: <html><body>502 Bad Gateway</body></html>",
            None,
            id="502-from-a-proxy",
        ),
    ],
)
def test_given_meta_throttling_or_down_then_the_error_is_temporary(
    graph: FakeGraph, forced: tuple[int, bytes], text: str, code: int | None
):
    graph.forced = forced

    with pytest.raises(DeliveryError) as raised:
        whatsapp(graph.url).send(OutgoingSocial("whatsapp", "+33612345678", "Bonjour"))

    assert str(raised.value) == text
    assert (raised.value.code, raised.value.is_permanent) == (code, False)


@pytest.mark.parametrize(
    ("adapter", "message", "forced", "text"),
    [
        pytest.param(
            whatsapp,
            OutgoingSocial("whatsapp", "+33612345678", "Bonjour"),
            (200, b'{"messaging_product": "whatsapp", "messages": []}'),
            "WhatsApp accepted the message but its answer has no message id: "
            '{"messaging_product": "whatsapp", "messages": []}',
            id="whatsapp-without-messages",
        ),
        pytest.param(
            messenger,
            OutgoingSocial("messenger", PSID, "Bonjour"),
            (200, b'{"recipient_id": "7045123698521478"}'),
            "Messenger accepted the message but its answer has no message id: "
            '{"recipient_id": "7045123698521478"}',
            id="messenger-without-message-id",
        ),
        pytest.param(
            messenger,
            OutgoingSocial("messenger", PSID, "Bonjour"),
            (200, b""),
            "Messenger accepted the message but its answer has no message id: (no body)",
            id="empty-answer",
        ),
    ],
)
def test_given_a_success_without_a_message_id_then_it_is_a_delivery_error(
    graph: FakeGraph, adapter: Any, message: OutgoingSocial, forced: tuple[int, bytes], text: str
):
    graph.forced = forced

    with pytest.raises(DeliveryError) as raised:
        adapter(graph.url).send(message)

    assert str(raised.value) == text
    assert raised.value.is_permanent is False


def test_given_meta_too_slow_then_the_timeout_is_a_temporary_error(graph: FakeGraph):
    graph.delay = 5
    adapter = messenger(graph.url, timeout=0.2)

    with pytest.raises(DeliveryError) as raised:
        adapter.send(OutgoingSocial("messenger", PSID, "Bonjour"))

    host = graph.url.removeprefix("http://")
    assert str(raised.value) == f"Messenger could not be reached at {host}: timed out"
    assert (raised.value.code, raised.value.is_permanent) == (None, False)


def test_given_nothing_listening_then_the_connection_error_is_temporary():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(DeliveryError) as raised:
        whatsapp(f"http://127.0.0.1:{port}").send(
            OutgoingSocial("whatsapp", "+33612345678", "Bonjour")
        )

    assert str(raised.value) == (
        f"WhatsApp could not be reached at 127.0.0.1:{port}: [Errno 111] Connection refused"
    )
    assert raised.value.is_permanent is False


@pytest.mark.parametrize(
    "to",
    ["+33 6 12 34 56 78", "0612345678", "33612345678", "+33612345678 ", "", "+", "+0612345678"],
    ids=["spaces", "national", "no-plus", "trailing-space", "empty", "plus-alone", "plus-zero"],
)
def test_given_a_number_not_in_e164_form_then_whatsapp_is_not_called_and_the_error_is_permanent(
    graph: FakeGraph, to: str
):
    with pytest.raises(DeliveryError) as raised:
        whatsapp(graph.url).send(OutgoingSocial("whatsapp", to, "Bonjour"))

    assert str(raised.value) == (
        f"WhatsApp needs a number in E.164 form (+33612345678), not {to!r}"
    )
    assert (raised.value.code, raised.value.is_permanent) == (None, True)
    assert graph.received == []


@pytest.mark.parametrize(
    ("adapter", "message", "text"),
    [
        pytest.param(
            whatsapp,
            OutgoingSocial("messenger", PSID, "Bonjour"),
            "WhatsAppSender sends whatsapp messages, not messenger",
            id="messenger-message-to-whatsapp",
        ),
        pytest.param(
            messenger,
            OutgoingSocial("whatsapp", "+33612345678", "Bonjour"),
            "MessengerSender sends messenger messages, not whatsapp",
            id="whatsapp-message-to-messenger",
        ),
    ],
)
def test_given_a_message_for_the_other_network_then_it_is_a_wiring_error(
    graph: FakeGraph, adapter: Any, message: OutgoingSocial, text: str
):
    with pytest.raises(ValueError) as raised:
        adapter(graph.url).send(message)

    assert str(raised.value) == text
    assert graph.received == []


@pytest.mark.parametrize(
    "base_url",
    ["http://graph.facebook.com", "ftp://127.0.0.1"],
    ids=["token-in-clear-over-the-network", "not-http"],
)
def test_given_a_base_url_that_would_expose_the_token_then_the_adapter_refuses_to_start(
    base_url: str,
):
    with pytest.raises(ValueError) as raised:
        whatsapp(base_url)

    assert str(raised.value) == (
        f"The Graph API's base URL must be https:// (http:// on loopback): {base_url}"
    )
