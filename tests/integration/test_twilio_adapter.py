"""The Twilio adapter against a fake Twilio on a loopback port: it checks Basic authentication and
the form fields as Twilio's Messages endpoint does and answers Twilio-shaped JSON, so that the
request we build and the way we read refusals are both tested over real HTTP, without internet."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest

from parcours.channels.ports import DeliveryError, OutgoingSms, SmsSender
from parcours.channels.twilio import TwilioSmsSender
from tests.fake_http import json_server, serving

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "secret-token"
FROM_NUMBER = "+33700000000"
SERVICE_SID = "MG0123456789abcdef0123456789abcdef"
CALLBACK = "https://crm.example.fr/sms/status"
UNSUBSCRIBED = "+33699999999"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class FakeTwilio:
    """What the server received, and the answer to force on the next request, if any."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    forced: tuple[int, bytes] | None = None
    delay: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)


def twilio_error(status: int, code: int, message: str) -> tuple[int, bytes]:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more_info, "status": status}
    return status, json.dumps(body).encode()


def messages_answer(
    fake: FakeTwilio, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, bytes]:
    """Twilio's Messages endpoint, as far as we use it."""
    if path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
        return twilio_error(404, 20404, f"The requested resource {path} was not found")
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    if headers.get("Authorization") != f"Basic {expected}":
        return twilio_error(401, 20003, "Authenticate")
    if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        return twilio_error(400, 20001, "Unsupported content type")
    form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
    to = form.get("To", [""])[0]
    if not E164.fullmatch(to):
        return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to == UNSUBSCRIBED:
        return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    if "From" not in form and "MessagingServiceSid" not in form:
        return twilio_error(400, 21603, "The 'From' phone number is required.")
    sid = f"SM{len(fake.received):032x}"
    answer = {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "to": to,
        "body": form["Body"][0],
        "status": "queued",
        "num_segments": "1",
        "error_code": None,
    }
    return 201, json.dumps(answer).encode()


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    fake = FakeTwilio()

    def respond(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        fake.received.append(Received("POST", path, headers, parse_qs(body.decode())))
        if fake.delay:
            fake.release.wait(fake.delay)
        return fake.forced or messages_answer(fake, path, headers, body)

    with serving(json_server(respond), monkeypatch) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.release.set()  # a handler held back by a delay test lets go first


def sender(base_url: str, **options: Any) -> TwilioSmsSender:
    settings = {"from_number": FROM_NUMBER, "status_callback": CALLBACK, **options}
    return TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url, **settings)


def test_given_a_valid_number_when_sent_then_twilio_gets_the_form_and_we_get_its_sid(
    twilio: FakeTwilio,
):
    adapter: SmsSender = sender(twilio.url)

    sid = adapter.send(OutgoingSms("+33612345678", "Votre commande est prête ✓"))

    assert sid == "SM00000000000000000000000000000001"
    [request] = twilio.received
    assert (request.method, request.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert request.headers["Accept"] == "application/json"
    assert request.form == {
        "To": ["+33612345678"],
        "From": [FROM_NUMBER],
        "Body": ["Votre commande est prête ✓"],
        "StatusCallback": [CALLBACK],
    }


def test_given_a_messaging_service_when_sent_then_it_replaces_from_and_no_callback_is_sent(
    twilio: FakeTwilio,
):
    adapter = sender(
        twilio.url, from_number=None, messaging_service_sid=SERVICE_SID, status_callback=None
    )

    assert adapter.send(OutgoingSms("+33612345678", "Bonjour")) == (
        "SM00000000000000000000000000000001"
    )
    assert twilio.received[0].form == {
        "To": ["+33612345678"],
        "Body": ["Bonjour"],
        "MessagingServiceSid": [SERVICE_SID],
    }


@pytest.mark.parametrize(
    ("to", "code", "message"),
    [
        pytest.param(
            "+33 6 12",
            21211,
            "Twilio refused the message (HTTP 400, error 21211): "
            "The 'To' number +33 6 12 is not a valid phone number.",
            id="21211-invalid-number",
        ),
        pytest.param(
            UNSUBSCRIBED,
            21610,
            "Twilio refused the message (HTTP 400, error 21610): "
            "Attempt to send to unsubscribed recipient",
            id="21610-unsubscribed",
        ),
    ],
)
def test_given_a_number_twilio_refuses_then_the_error_is_permanent_with_twilios_code(
    twilio: FakeTwilio, to: str, code: int, message: str
):
    with pytest.raises(DeliveryError) as raised:
        sender(twilio.url).send(OutgoingSms(to, "Promo -20 %"))

    assert str(raised.value) == message
    assert (raised.value.code, raised.value.is_permanent) == (code, True)


def test_given_a_wrong_auth_token_then_the_refusal_is_permanent_until_someone_fixes_it(
    twilio: FakeTwilio,
):
    adapter = TwilioSmsSender(ACCOUNT_SID, "wrong", from_number=FROM_NUMBER, base_url=twilio.url)

    with pytest.raises(DeliveryError) as raised:
        adapter.send(OutgoingSms("+33612345678", "Bonjour"))

    assert str(raised.value) == "Twilio refused the message (HTTP 401, error 20003): Authenticate"
    assert (raised.value.code, raised.value.is_permanent) == (20003, True)


@pytest.mark.parametrize(
    ("forced", "message", "code"),
    [
        pytest.param(
            twilio_error(429, 20429, "Too Many Requests"),
            "Twilio refused the message (HTTP 429, error 20429): Too Many Requests",
            20429,
            id="429-rate-limited",
        ),
        pytest.param(
            twilio_error(503, 20500, "Service Unavailable"),
            "Twilio refused the message (HTTP 503, error 20500): Service Unavailable",
            20500,
            id="503-with-twilio-json",
        ),
        pytest.param(
            (502, b"<html>Bad Gateway</html>"),
            "Twilio answered HTTP 502: <html>Bad Gateway</html>",
            None,
            id="502-from-a-proxy",
        ),
    ],
)
def test_given_twilio_overloaded_or_down_then_the_error_is_temporary(
    twilio: FakeTwilio, forced: tuple[int, bytes], message: str, code: int | None
):
    twilio.forced = forced

    with pytest.raises(DeliveryError) as raised:
        sender(twilio.url).send(OutgoingSms("+33612345678", "Bonjour"))

    assert str(raised.value) == message
    assert (raised.value.code, raised.value.is_permanent) == (code, False)


def test_given_a_success_without_a_sid_then_it_is_a_delivery_error(twilio: FakeTwilio):
    twilio.forced = (201, b'{"status": "queued"}')

    with pytest.raises(DeliveryError) as raised:
        sender(twilio.url).send(OutgoingSms("+33612345678", "Bonjour"))

    assert str(raised.value) == (
        'Twilio accepted the message but its answer has no sid: {"status": "queued"}'
    )
    assert raised.value.is_permanent is False


def test_given_twilio_too_slow_then_the_timeout_is_a_temporary_error(twilio: FakeTwilio):
    twilio.delay = 5
    adapter = sender(twilio.url, timeout=0.2)

    with pytest.raises(DeliveryError) as raised:
        adapter.send(OutgoingSms("+33612345678", "Bonjour"))

    host = twilio.url.removeprefix("http://")
    assert str(raised.value) == f"Twilio could not be reached at {host}: timed out"
    assert (raised.value.code, raised.value.is_permanent) == (None, False)


def test_given_nothing_listening_then_the_connection_error_is_temporary():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(DeliveryError) as raised:
        sender(f"http://127.0.0.1:{port}").send(OutgoingSms("+33612345678", "Bonjour"))

    assert str(raised.value) == (
        f"Twilio could not be reached at 127.0.0.1:{port}: [Errno 111] Connection refused"
    )
    assert raised.value.is_permanent is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"from_number": None},
            "TwilioSmsSender needs either from_number or messaging_service_sid (exactly one)",
            id="neither-sender",
        ),
        pytest.param(
            {"messaging_service_sid": SERVICE_SID},
            "TwilioSmsSender needs either from_number or messaging_service_sid (exactly one)",
            id="both-senders",
        ),
        pytest.param(
            {"base_url": "http://api.twilio.com"},
            "Twilio's base URL must be https:// (http:// on loopback): http://api.twilio.com",
            id="token-in-clear-over-the-network",
        ),
    ],
)
def test_given_a_wrong_configuration_then_the_adapter_refuses_to_start(
    options: dict[str, Any], message: str
):
    base_url = str(options.pop("base_url", "https://api.twilio.com"))
    with pytest.raises(ValueError) as raised:
        sender(base_url, **options)
    assert str(raised.value) == message
