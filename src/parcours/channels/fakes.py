"""In-memory stand-ins for the channel ports (STYLE.md, rule 5), for the unit tests of the modules
that send: they assert on what was handed over instead of mocking an adapter's internals."""

from __future__ import annotations

from parcours.channels.ports import DeliveryError, OutgoingSms, OutgoingSocial


class FakeSmsSender:
    """Keeps what it is given and answers Twilio-shaped ids (``SM`` and 32 hex digits, counting
    from 1). While ``failure`` is set it raises that error instead and keeps nothing, so that a
    caller's handling of a refused number or an unreachable provider can be tested."""

    def __init__(self, failure: DeliveryError | None = None) -> None:
        self.sent: list[OutgoingSms] = []
        self.failure = failure

    def send(self, message: OutgoingSms) -> str:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
        return f"SM{len(self.sent):032x}"


class FakeSocialSender:
    """Keeps what it is given, for WhatsApp and Messenger alike, and answers ids shaped like
    Meta's (``wamid.`` or ``m_`` and 32 hex digits, counting from 1). While ``failure`` is set it
    raises that error instead and keeps nothing: a ``DeliveryError(…, is_permanent=True,
    code=131047)`` plays a customer whose 24-hour window has closed."""

    def __init__(self, failure: DeliveryError | None = None) -> None:
        self.sent: list[OutgoingSocial] = []
        self.failure = failure

    def send(self, message: OutgoingSocial) -> str:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
        prefix = "wamid." if message.network == "whatsapp" else "m_"
        return f"{prefix}{len(self.sent):032x}"
