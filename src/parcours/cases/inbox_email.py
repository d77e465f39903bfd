"""An e-mail received (by IMAP polling or the inbound-mail webhook) as raw MIME bytes: parsed
(:mod:`parcours.channels.mime`), its attachments kept on disk, then handed to
:func:`parcours.cases.inbox.receive` — the new part of the reply as its text, the thread's
Message-IDs to find its case."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from parcours.cases.inbox import InboundMessage, Receipt, receive
from parcours.channels import attachments
from parcours.channels.mime import MalformedEmail, parse_email, thread_ids
from parcours.customers.normalise import InvalidValue, normalise_email
from parcours.db import utcnow

MEGABYTE = 1024 * 1024


def receive_email(session: Session, raw: bytes, *, home: Path, max_attachment_mb: int = 10,
                  now: datetime | None = None) -> Receipt:  # fmt: skip
    """Record one raw e-mail; :class:`MalformedEmail` when nothing usable can be read."""
    now = now or utcnow()
    message = parse_email(raw, max_attachment_bytes=max_attachment_mb * MEGABYTE)
    try:
        sender = normalise_email(message.sender_address)
    except InvalidValue as error:
        raise MalformedEmail(f"sender {message.sender_address!r}: {error}") from None
    files = [
        attachments.described(
            one.filename, one.content_type, one.size, one.sha256, refused=one.refused,
            stored_as=None if one.refused else attachments.store(home, one.content),
        )
        for one in message.attachments
    ]  # fmt: skip
    # A Date header in the future (a wrong clock) or missing: the time we received it.
    when = message.date if message.date is not None and message.date <= now else now
    return receive(session, InboundMessage(
        channel="email", source="email", external_id=message.message_id, occurred_at=when,
        identifiers={"email": sender}, text=message.reply or message.text,
        subject=message.subject, sender_name=message.sender_name,
        thread_ids=thread_ids(message), attachments=files,
        auto_submitted=message.auto_submitted,
        details={"message_id": message.message_id, "to": list(message.to),
                 "cc": list(message.cc), "problems": list(message.problems),
                 "quoted": message.text if message.reply and message.reply != message.text
                 else None},
    ))  # fmt: skip
