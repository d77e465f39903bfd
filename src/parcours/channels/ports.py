"""What Parcours needs from each channel, as small Protocols: a real adapter and a test fake
implement each one (DESIGN.md, principle 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
    """The channel refused or could not take the message; the text says why."""
