"""Replies leave through a real SMTP server (aiosmtpd, started here on a loopback port) with the
case reference in the subject, and the customer's answer comes back to the case."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from parcours.cases import replies, services, views
from parcours.channels import outbox
from parcours.channels.models import OutboxMessage
from parcours.config import get_settings
from parcours.db import Database
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, event, given_customers, send


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("PARCOURS_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("PARCOURS_MAIL_FROM", "Sens Confort <contact@sens-confort.example>")
    get_settings.cache_clear()
    yield handler
    controller.stop()
    get_settings.cache_clear()


def reply(db: Database, case_id: int, text: str, channel: str = "email") -> replies.Reply:
    with db.transaction(write=True) as session:
        case = services.find_case(session, case_id)
        return replies.reply(session, case, channel=channel, body=text, actor="Kévin")


def test_a_reply_reaches_the_customer_by_smtp_and_their_answer_comes_back_to_the_case(
    db: Database, mailbox: Mailbox
):
    customers = given_customers(db, CLAIRE)
    case_id, reference = open_case(db, customer_id=customers["MAG-1"],
                                   subject="Devis pompe à chaleur")  # fmt: skip

    sent = reply(db, case_id, "Bonjour, voici votre devis : 8 900 € TTC, pose comprise.")
    with db.transaction(write=True) as session:
        services.change_status(session, services.find_case(session, case_id), "waiting_customer",
                               actor="Kévin")  # fmt: skip

    [mail] = mailbox.received
    assert mailbox.recipients == [["claire.legoff@exemple.fr"]]
    assert mail["Subject"] == f"[{reference}] Devis pompe à chaleur"
    assert mail["From"] == "Sens Confort <contact@sens-confort.example>"
    assert mail.get_content().strip() == "Bonjour, voici votre devis : 8 900 € TTC, pose comprise."
    with db.sessions() as session:
        message = session.get(OutboxMessage, sent.outbox_id)
        assert message is not None
        assert (message.status, message.attempts, mail["Message-ID"]) == (
            "sent",
            1,
            message.message_id,
        )

    # The customer answers from her mail client: "Re:" and our Message-ID.
    answer = {"subject": f"Re: {mail['Subject']}", "in_reply_to": mail["Message-ID"],
              "text": "Parfait, je signe."}  # fmt: skip
    answered_at = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    send(db, event("mail-in-1", answered_at, channel="email", type="message",
                   direction="inbound", identifiers={"email": "claire.legoff@exemple.fr"},
                   payload=answer))  # fmt: skip

    with db.sessions() as session:
        detail = views.case_detail(session, services.find_case(session, case_id))
        first_response = services.find_case(session, case_id).first_responded_at
    assert detail.status == "open"
    assert [(line.interaction.type, line.interaction.direction)
            for line in detail.thread if line.interaction] == [
        ("email_sent", "outbound"), ("message", "inbound"),
    ]  # fmt: skip
    assert first_response is not None


def test_without_a_mail_server_a_reply_waits_in_the_outbox_and_leaves_once_one_is_set(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    customers = given_customers(db, CLAIRE)
    case_id, _ = open_case(db, customer_id=customers["MAG-1"])
    port = free_port()
    monkeypatch.setenv("PARCOURS_SMTP_URL", f"smtp://127.0.0.1:{port}")  # nobody listens
    get_settings.cache_clear()

    sent = reply(db, case_id, "Votre devis arrive.")
    with db.sessions() as session:
        refused = session.get(OutboxMessage, sent.outbox_id)
        assert refused is not None
        assert (refused.status, refused.attempts) == ("failed", 1)
        assert f"127.0.0.1:{port}" in (refused.error or "")

    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with db.transaction(write=True) as session:
            counts = outbox.send_pending(session, get_settings())
    finally:
        controller.stop()
        get_settings.cache_clear()

    assert counts == {"sent": 1}
    assert [mail["Subject"] for mail in handler.received] == [f"[PAR-{_year()}-000001] Devis"]
    with db.sessions() as session:
        assert session.scalars(select(OutboxMessage.status)).all() == ["sent"]


def _year() -> int:
    return datetime.now(UTC).year


def test_a_reply_needs_an_address_a_known_channel_and_some_text(db: Database):
    case_id, _ = open_case(db)

    for channel, text, message in (
        ("email", "Bonjour", "has no customer to answer"),
        ("fax", "Bonjour", "replies leave by email, sms, whatsapp, messenger, chat (not fax)"),
        ("email", "  ", "a reply needs some text"),
    ):
        with pytest.raises(services.CaseError, match=re.escape(message)):
            reply(db, case_id, text, channel=channel)
    with db.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
