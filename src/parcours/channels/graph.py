"""WhatsApp and Messenger messages out through Meta's Graph API, with the standard library's
``urllib`` (no SDK: one JSON POST does not justify a dependency).

WhatsApp Cloud API: ``POST {base_url}/{version}/{phone_number_id}/messages`` with
``{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "33612345678", "type":
"text", "text": {"preview_url": false, "body": …}}``; Meta answers ``{"messages": [{"id":
"wamid.…"}]}``, the id that its status webhooks name (:func:`~parcours.channels.social.
parse_whatsapp`). Messenger Send API: ``POST {base_url}/{version}/{page_id}/messages`` with
``{"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": …}}``; Meta
answers ``{"recipient_id": …, "message_id": "m_…"}``. Both authenticate with ``Authorization:
Bearer``: a system user's token for WhatsApp, a page access token for Messenger.

**The 24-hour window.** Free text is accepted only within 24 hours of the customer's last
message: WhatsApp's customer-service window, Messenger's standard messaging window (the only one
in which ``messaging_type`` ``RESPONSE`` is allowed). Later, WhatsApp refuses it with error 131047
"Re-engagement message", and only a message template approved by Meta may be sent; Messenger
refuses it with error 10, subcode 2018278, and only a message with a tag may be sent. Either
refusal is permanent for that message: sending it again fails until the customer writes. WhatsApp
may also take the call and report 131047 later, as a ``failed`` status in the webhook.

**Refusals.** Graph answers ``{"error": {"message", "type", "code", "error_subcode",
"error_data": {"details"}, "fbtrace_id"}}``, which becomes a :class:`DeliveryError` with that
``code``. A 4xx is permanent (a recipient who is not on WhatsApp, an expired token until someone
replaces it, the closed window) except 408, 429, an error marked ``is_transient`` and the codes
Meta documents as "wait and retry" whatever the HTTP status: throttling (4, 17, 32, 341, 613,
80007; WhatsApp's 130429 throughput and 131056 too many messages to one customer) and downtime
(1, 2). A 5xx and a network failure are temporary. Proxies come from the environment
(``HTTPS_PROXY``), as corporate networks need.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from parcours.channels.ports import DeliveryError, OutgoingSocial, SocialNetwork

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: 4xx statuses that say "not now" rather than "never": a timeout and a rate limit.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
#: Graph error codes that say "wait and retry", often under an HTTP 400.
THROTTLING_CODES = frozenset({4, 17, 32, 341, 613, 80007, 130429, 131056})
DOWNTIME_CODES = frozenset({1, 2})
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
#: WhatsApp: more than 24 hours since the customer's last message; send a template instead.
RE_ENGAGEMENT_CODE = 131047


class WhatsAppSender:
    """Text messages through the WhatsApp Cloud API, from one business phone number.

    Free text reaches only a customer who wrote within the last 24 hours. After that the Cloud API
    refuses it with error 131047 (:data:`RE_ENGAGEMENT_CODE`, a permanent :class:`DeliveryError`)
    and only a message template approved by Meta may be sent, which this sender does not do.
    """

    network: SocialNetwork = "whatsapp"

    def __init__(
        self,
        phone_number_id: str,
        access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float = 10,
    ) -> None:
        self.endpoint = _MessagesEdge(
            "WhatsApp", phone_number_id, access_token, base_url, api_version, timeout
        )

    def request_body(self, message: OutgoingSocial) -> dict[str, object]:
        _check_network(self, message)
        if not E164.fullmatch(message.to):
            # A number without its country code would go to another country, or nowhere.
            raise DeliveryError(
                f"WhatsApp needs a number in E.164 form (+33612345678), not {message.to!r}",
                is_permanent=True,
            )
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.removeprefix("+"),
            "type": "text",
            "text": {"preview_url": False, "body": message.body},
        }

    def send(self, message: OutgoingSocial) -> str:
        return self.endpoint.post(self.request_body(message), _whatsapp_message_id)


class MessengerSender:
    """Text answers through the Messenger Send API, from one Facebook page, as ``RESPONSE``
    messages: within 24 hours of the customer's last message, or refused (error 10)."""

    network: SocialNetwork = "messenger"

    def __init__(
        self,
        page_id: str,
        page_access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float = 10,
    ) -> None:
        self.endpoint = _MessagesEdge(
            "Messenger", page_id, page_access_token, base_url, api_version, timeout
        )

    def request_body(self, message: OutgoingSocial) -> dict[str, object]:
        _check_network(self, message)
        return {
            "recipient": {"id": message.to},
            "messaging_type": "RESPONSE",
            "message": {"text": message.body},
        }

    def send(self, message: OutgoingSocial) -> str:
        return self.endpoint.post(self.request_body(message), _messenger_message_id)


def _check_network(sender: WhatsAppSender | MessengerSender, message: OutgoingSocial) -> None:
    if message.network != sender.network:
        raise ValueError(
            f"{type(sender).__name__} sends {sender.network} messages, not {message.network}"
        )


class _MessagesEdge:
    """The ``/{id}/messages`` edge of a phone number or a page, and the token allowed to post."""

    def __init__(
        self,
        label: str,
        node_id: str,
        token: str,
        base_url: str,
        api_version: str,
        timeout: float,
    ) -> None:
        parts = urlsplit(base_url)
        if not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
        ):
            # The access token travels in every request: never in clear over a network.
            raise ValueError(
                f"The Graph API's base URL must be https:// (http:// on loopback): {base_url}"
            )
        self.label, self.host, self.timeout = label, parts.netloc, timeout
        self.url = (
            f"{base_url.rstrip('/')}/{quote(api_version, safe='')}/{quote(node_id, safe='')}"
            "/messages"
        )
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "parcours",
        }
        self.opener = urllib.request.build_opener()

    def post(self, body: dict[str, object], find_id: Callable[[object], object]) -> str:
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers=self.headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise _refusal(self.label, error.code, _read(error)) from error
        except (OSError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            raise DeliveryError(
                f"{self.label} could not be reached at {self.host}: {reason}"
            ) from error
        message_id = find_id(_json(answer))
        if not isinstance(message_id, str) or not message_id:
            raise DeliveryError(
                f"{self.label} accepted the message but its answer has no message id: "
                f"{_excerpt(answer)}"
            )
        return message_id


def _whatsapp_message_id(answer: object) -> object:
    messages = answer.get("messages") if isinstance(answer, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else None
    return first.get("id") if isinstance(first, dict) else None


def _messenger_message_id(answer: object) -> object:
    return answer.get("message_id") if isinstance(answer, dict) else None


def _refusal(label: str, status: int, body: bytes) -> DeliveryError:
    payload = _json(body)
    error = payload.get("error") if isinstance(payload, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(error, dict) or not isinstance(code, int):
        is_permanent = 400 <= status < 500 and status not in RETRYABLE_CLIENT_STATUSES
        text = f"{label}: the Graph API answered HTTP {status}: {_excerpt(body)}"
        return DeliveryError(text, is_permanent=is_permanent)
    is_permanent = (
        400 <= status < 500
        and status not in RETRYABLE_CLIENT_STATUSES
        and code not in THROTTLING_CODES | DOWNTIME_CODES
        and error.get("is_transient") is not True
    )
    subcode, trace, data = (
        error.get("error_subcode"),
        error.get("fbtrace_id"),
        error.get("error_data"),
    )
    where = f"HTTP {status}, error {code}" + (f", subcode {subcode}" if subcode else "")
    text = f"{label} refused the message ({where}): {error.get('message')}"
    details = data.get("details") if isinstance(data, dict) else None
    if details:
        text += f"; {details}"
    if trace:
        text += f" [fbtrace_id {trace}]"
    return DeliveryError(text, is_permanent=is_permanent, code=code)


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        with error:
            return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _excerpt(body: bytes) -> str:
    return body.decode("utf-8", errors="replace").strip()[:200] or "(no body)"
