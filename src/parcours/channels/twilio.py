"""SMS out through Twilio's Programmable Messaging REST API, with the standard library's
``urllib`` (no SDK: one form POST does not justify a dependency).

``POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with the form fields ``To``,
``From`` (or ``MessagingServiceSid``, which lets Twilio pick the sender from a pool), ``Body`` and
``StatusCallback``, authenticated by HTTP Basic with the account SID and auth token. Twilio answers
201 with the message as JSON, whose ``sid`` (``SM…``) its status callbacks will name; a refusal
comes as JSON too, ``{"code": 21211, "message": "The 'To' number … is not a valid phone number.",
"more_info": …, "status": 400}``, and becomes a :class:`DeliveryError` carrying that code.
Proxies are taken from the environment (``HTTPS_PROXY``), as corporate networks need.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

from parcours.channels.ports import DeliveryError, OutgoingSms

API_VERSION = "2010-04-01"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: 4xx statuses that say "not now" rather than "never": a timeout and Twilio's rate limit.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


class TwilioSmsSender:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        base_url: str = "https://api.twilio.com",
        status_callback: str | None = None,
        timeout: float = 10,
    ) -> None:
        if (from_number is None) == (messaging_service_sid is None):
            raise ValueError(
                "TwilioSmsSender needs either from_number or messaging_service_sid (exactly one)"
            )
        parts = urlsplit(base_url)
        if not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
        ):
            # The auth token travels in every request: never in clear over a network.
            raise ValueError(
                f"Twilio's base URL must be https:// (http:// on loopback): {base_url}"
            )
        self.account_sid, self.from_number = account_sid, from_number
        self.messaging_service_sid, self.status_callback = messaging_service_sid, status_callback
        self.host, self.timeout = parts.netloc, timeout
        self.endpoint = (
            f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{quote(account_sid, safe='')}"
            "/Messages.json"
        )
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self.headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "parcours",
        }
        self.opener = urllib.request.build_opener()

    def form(self, message: OutgoingSms) -> dict[str, str]:
        fields = {"To": message.to, "Body": message.body}
        if self.messaging_service_sid is not None:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        else:
            fields["From"] = self.from_number or ""
        if self.status_callback is not None:
            fields["StatusCallback"] = self.status_callback
        return fields

    def send(self, message: OutgoingSms) -> str:
        request = urllib.request.Request(
            self.endpoint,
            data=urlencode(self.form(message)).encode(),
            headers=self.headers,
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise _refusal(error.code, _read(error)) from error
        except (OSError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            raise DeliveryError(f"Twilio could not be reached at {self.host}: {reason}") from error
        return _message_sid(answer)


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        with error:
            return error.read()
    except (OSError, http.client.HTTPException):
        return b""


def _refusal(status: int, body: bytes) -> DeliveryError:
    """Twilio's refusal as a :class:`DeliveryError`: a 4xx (but 408 and 429) is permanent, since
    the same request would be refused again (21211 invalid number, 21610 unsubscribed recipient,
    20003 wrong credentials until someone fixes them); a 5xx is Twilio's trouble and may pass."""
    is_permanent = 400 <= status < 500 and status not in RETRYABLE_CLIENT_STATUSES
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("code"), int):
        code: int = payload["code"]
        text = f"Twilio refused the message (HTTP {status}, error {code}): {payload.get('message')}"
        return DeliveryError(text, is_permanent=is_permanent, code=code)
    excerpt = body.decode("utf-8", errors="replace").strip()[:200] or "(no body)"
    return DeliveryError(f"Twilio answered HTTP {status}: {excerpt}", is_permanent=is_permanent)


def _message_sid(answer: bytes) -> str:
    try:
        payload = json.loads(answer)
    except ValueError:
        payload = None
    sid = payload.get("sid") if isinstance(payload, dict) else None
    if not isinstance(sid, str) or not sid:
        excerpt = answer.decode("utf-8", errors="replace").strip()[:200] or "(no body)"
        raise DeliveryError(f"Twilio accepted the message but its answer has no sid: {excerpt}")
    return sid
