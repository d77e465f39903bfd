"""Inbound e-mail: the raw bytes of a message (IMAP, an inbound-mail webhook) as an
:class:`InboundEmail` that the cases and the timeline can use.

Pure: the standard library's ``email`` package, no database, no network. Customers' mail is messy
(8-bit headers, wrong charsets, broken boundaries, truncated base64) and one bad message must not
stop a mailbox, so whatever can be read is kept and what was wrong is listed in ``problems``; only
a message with nothing usable in it raises :class:`MalformedEmail`. Every string that comes out is
valid UTF-8 without NUL, so that it can be stored as it is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from parcours.channels.mime_parts import (
    MEGABYTE,
    Attachment,
    MimeBody,
    clean,
    mime_type,
    raw_header,
    too_large,
)
from parcours.channels.quoting import strip_quoted_reply

__all__ = [
    "Attachment",
    "InboundEmail",
    "MalformedEmail",
    "parse_email",
    "strip_quoted_reply",
    "thread_ids",
]

#: Bounce senders: their messages are auto-submitted even without the headers that say so.
BOUNCE_SENDERS = frozenset({"mailer-daemon"})
AUTO_PRECEDENCE = frozenset({"bulk", "auto_reply", "junk"})
BRACKETED_ID = re.compile(r"<([^<>\s]+)>")


class MalformedEmail(ValueError):
    """Nothing usable could be read from the bytes: the text says why."""


@dataclass(frozen=True)
class InboundEmail:
    message_id: str
    sender_address: str
    sender_name: str | None
    subject: str
    date: datetime | None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    text: str = ""
    #: ``text`` without the quoted history and the signature: what the sender added.
    reply: str = ""
    attachments: tuple[Attachment, ...] = ()
    #: An auto-reply, an out-of-office, a bounce or a bulk message: never answer it automatically.
    auto_submitted: bool = False
    problems: tuple[str, ...] = ()


def parse_email(
    raw: bytes,
    *,
    max_attachment_bytes: int = 10 * MEGABYTE,
    max_message_bytes: int = 40 * MEGABYTE,
) -> InboundEmail:
    """Read a received message; raises :class:`MalformedEmail` only when nothing is usable."""
    if not raw or raw.isspace():
        raise MalformedEmail("empty input: no bytes to read as an e-mail")
    if len(raw) > max_message_bytes:
        raise MalformedEmail(f"message too large: {too_large(len(raw), max_message_bytes)}")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not message.keys():
        raise MalformedEmail("not an e-mail: no header lines (such as From:) before the body")
    senders = _addresses(message, "From")
    if not senders:
        raise MalformedEmail("no From address: the message does not say who sent it")
    problems: list[str] = []
    if len(senders) > 1:
        problems.append("several From addresses: the first is taken as the sender")
    sender_name, sender_address = senders[0]
    message_id = next(iter(_ids(raw_header(message, "Message-ID"))), None)
    if message_id is None:
        message_id = "sha256-" + hashlib.sha256(raw).hexdigest()
        problems.append("no Message-ID: a synthetic id was derived from the bytes")
    date = _date(message, problems)
    body = MimeBody(max_attachment_bytes, problems)
    body.read(message)
    text = body.text()
    return InboundEmail(
        message_id=message_id,
        sender_address=sender_address,
        sender_name=sender_name or None,
        subject=" ".join(_text_header(message, "Subject").split()),
        date=date,
        in_reply_to=next(iter(_ids(raw_header(message, "In-Reply-To"))), None),
        references=tuple(_ids(raw_header(message, "References"))),
        to=tuple(address for _, address in _addresses(message, "To")),
        cc=tuple(address for _, address in _addresses(message, "Cc")),
        reply_to=next((address for _, address in _addresses(message, "Reply-To")), None),
        text=text,
        reply=strip_quoted_reply(text),
        attachments=tuple(body.attachments),
        auto_submitted=_is_auto_submitted(message, sender_address),
        problems=tuple(dict.fromkeys(problems)),
    )


def thread_ids(message: InboundEmail) -> tuple[str, ...]:
    """Message-ids to find the thread by, most specific first: the message answered, then the
    references from the latest to the oldest (a client may drop In-Reply-To, seldom both)."""
    ordered = [message.in_reply_to] if message.in_reply_to else []
    ordered.extend(reversed(message.references))
    return tuple(dict.fromkeys(ordered))


# -- headers ---------------------------------------------------------------------------------------


def _parsed_header(name: str, value: str) -> object:
    try:
        return policy.default.header_factory(name, value)
    except Exception:  # the header parser has corner cases that raise on hostile input
        return None


def _text_header(part: Message, name: str) -> str:
    value = raw_header(part, name)
    if value is None:
        return ""
    header = _parsed_header(name, value)
    return clean(str(header)) if header is not None else value


def _addresses(part: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) pairs: addr-specs with a local part and a domain."""
    value = raw_header(part, name)
    if value is None:
        return []
    header = _parsed_header(name, value)
    if isinstance(header, AddressHeader):
        pairs = [(address.display_name, address.addr_spec) for address in header.addresses]
    else:
        pairs = [(_decode_words(display), spec) for display, spec in getaddresses([value])]
    found = []
    for display, spec in pairs:
        local, at, domain = clean(spec).strip().lower().rpartition("@")
        if local and at and domain:
            found.append((" ".join(clean(display).split()), f"{local}@{domain}"))
    return found


def _decode_words(text: str) -> str:
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # unknown charsets and broken encoded-words: keep the text as it came
        return text


def _ids(value: str | None) -> list[str]:
    """Message-ids without brackets; unbracketed ids are accepted when they look like one."""
    if not value:
        return []
    return BRACKETED_ID.findall(value) or [
        token for token in re.split(r"[\s,]+", value.strip("<> \t")) if "@" in token
    ]


def _date(message: Message, problems: list[str]) -> datetime | None:
    value = raw_header(message, "Date")
    if value is None:
        problems.append("no Date header")
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        problems.append(f"unreadable Date: {value[:80]!r}")
        return None
    # "-0000" says the zone is unknown; the time itself is UTC (RFC 5322, 3.3).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_auto_submitted(message: Message, sender_address: str) -> bool:
    """RFC 3834 and the de facto headers of out-of-office replies, DSN and MDN reports (RFC 6522),
    the null return path of bounces and mailer-daemon senders that give no other sign."""
    auto_submitted = (raw_header(message, "Auto-Submitted") or "no").split(";")[0]
    precedence = (raw_header(message, "Precedence") or "").strip().lower()
    return (
        auto_submitted.strip().lower() not in ("no", "")
        or raw_header(message, "X-Autoreply") is not None
        or raw_header(message, "X-Autorespond") is not None
        or precedence in AUTO_PRECEDENCE
        or mime_type(message) == "multipart/report"
        or (raw_header(message, "Return-Path") or "").strip() == "<>"
        or sender_address.partition("@")[0] in BOUNCE_SENDERS
    )
