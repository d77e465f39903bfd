"""An e-mail received (by IMAP polling or the inbound-mail webhook) as raw MIME bytes: parsed
(:mod:`parcours.channels.mime`), its attachments kept on disk, then handed to
:func:`parcours.cases.inbox.receive` — the new part of the reply as its text, the thread's
Message-IDs to find its case.

``parcours channels poll`` reads every active e-mail account's IMAP folder
(:mod:`parcours.channels.imap`): each message in its own transaction, moved to the handled
folder only once recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from parcours.cases.inbox import InboundMessage, Receipt, receive
from parcours.channels import attachments
from parcours.channels.imap import ImapMailbox
from parcours.channels.mime import MalformedEmail, parse_email, thread_ids
from parcours.channels.models import ChannelAccount
from parcours.channels.ports import InboundMailbox
from parcours.config import Settings
from parcours.customers.normalise import InvalidValue, normalise_email
from parcours.db import Database, utcnow

MEGABYTE = 1024 * 1024
LOG = logging.getLogger(__name__)


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


def mailbox_url(url: str, password: str | None) -> str:
    """The account's ``imap_url`` (``imaps://user@host:993``, without its password) with the
    password kept among the account's secrets."""
    parts = urlsplit(url)
    if password is None or "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    user = user.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


@dataclass
class PollReport:
    received: int = 0
    #: Messages that were not e-mails at all: moved aside with the handled ones, logged.
    malformed: list[str] = field(default_factory=list)


def poll_mailbox(
    database: Database,
    account: ChannelAccount,
    settings: Settings,
    mailbox: InboundMailbox | None = None,
    limit: int = 100,
) -> PollReport:
    """Read the account's new mail, one transaction per message: a message leaves the inbox
    only once it is recorded (a crash in between reads it again: recording is idempotent)."""
    report = PollReport()

    def handle(raw: bytes) -> None:
        try:
            with database.transaction(write=True) as session:
                receive_email(session, raw, home=settings.home,
                              max_attachment_mb=settings.max_attachment_mb)  # fmt: skip
        except MalformedEmail as error:
            # Not an e-mail: nothing to record, it joins the handled folder for a person to see.
            LOG.warning("mailbox %s: message refused: %s", account.name, error)
            report.malformed.append(str(error))
            return
        report.received += 1

    if mailbox is None:
        url = mailbox_url(str(account.settings["imap_url"]), account.secrets.get("imap_password"))
        folder = account.settings.get("folder", "INBOX")
        handled = account.settings.get("processed_folder", "Parcours/traité")
        with ImapMailbox(url, folder=folder, processed_folder=handled) as box:
            box.poll(handle, limit)
    else:
        mailbox.poll(handle, limit)
    return report
