"""What Parcours needs from each channel, as small Protocols: a real adapter and a test fake
implement each one (DESIGN.md, principle 6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    #: Our own Message-ID, so that the customer's answer (In-Reply-To) finds its way back.
    message_id: str
    headers: dict[str, str] = field(default_factory=dict)


class EmailSender(Protocol):
    def send(self, message: OutgoingEmail) -> None:
        """Hand the message to the mail system; raises :class:`DeliveryError` if refused."""


class DeliveryError(RuntimeError):
    """The channel refused or could not take the message; the text says why.

    ``is_permanent`` says that sending the same message again cannot succeed (a number that is not
    a phone number, a recipient who opted out), so a retry loop can stop at once; a timeout or a
    provider's outage is not permanent. ``code`` is the provider's own error number, if it gave
    one (Twilio's 21610: the recipient replied STOP), for the cases where we act on a particular
    refusal. Both are keyword-only and optional: ``DeliveryError("text")`` still works.
    """

    def __init__(
        self, message: str, *, is_permanent: bool = False, code: int | None = None
    ) -> None:
        super().__init__(message)
        self.is_permanent = is_permanent
        self.code = code


@dataclass(frozen=True)
class OutgoingSms:
    #: The recipient's number in E.164 form (``+33612345678``).
    to: str
    body: str


class SmsSender(Protocol):
    def send(self, message: OutgoingSms) -> str:
        """Hand the message to the SMS provider and return the provider's id for it (the id its
        delivery receipts name); raises :class:`DeliveryError` if refused."""


#: The messaging networks of Meta's Graph API that Parcours talks to.
SocialNetwork = Literal["whatsapp", "messenger"]


@dataclass(frozen=True)
class OutgoingSocial:
    network: SocialNetwork
    #: WhatsApp: the customer's number in E.164 form (``+33612345678``). Messenger: the
    #: page-scoped id (PSID) that the customer's own messages came from.
    to: str
    body: str


class SocialSender(Protocol):
    def send(self, message: OutgoingSocial) -> str:
        """Hand the text to the network and return its id for the message (the id its status
        webhooks name); raises :class:`DeliveryError` if refused."""


class MailboxError(RuntimeError):
    """An inbound mailbox could not be reached or read: which step failed (connecting, logging
    in, opening a folder), where, and the server's words; never the password."""


class InboundMailbox(Protocol):
    def poll(self, handler: Callable[[bytes], None], limit: int = 100) -> int:
        """Hand each waiting message's raw bytes to ``handler``; a message leaves the mailbox's
        queue only once its handler has returned. Returns how many were handled."""

    def wait_for_new(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True as soon as new mail is there."""
