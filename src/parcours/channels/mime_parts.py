"""The body and the attachments of an inbound e-mail, read in one walk over the MIME tree.

Kept apart from :mod:`parcours.channels.mime` (the headers and the API) because this is where the
bytes are: transfer encodings, charsets, file names, size limits. Every decision favours keeping
what the customer sent, readable, with the defects listed, over refusing the message.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.errors import InvalidBase64LengthDefect
from email.message import Message

from parcours.channels.html_text import html_to_text

MEGABYTE = 1024 * 1024
#: Deeper MIME nesting than this is an attack or a loop of forwards, not a customer's message.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    #: Empty when refused: the size and digest still say what the customer sent.
    content: bytes = b""
    refused: str | None = None
    #: Without angle brackets, for the ``cid:`` images of an HTML body.
    content_id: str | None = None


class MimeBody:
    """Walks the MIME tree once: text/plain and text/html parts make the text, every other part
    (and any part with a file name or ``attachment`` disposition) is an attachment."""

    def __init__(self, max_attachment_bytes: int, problems: list[str]) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.problems = problems
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []

    def read(self, message: Message) -> None:
        for part in self._leaves(message):
            content_type = mime_type(part)
            try:
                self._read_part(part, content_type)
            except Exception as error:  # one unreadable part must not lose the rest
                self.problems.append(f"{content_type} part skipped: {type(error).__name__}")
            self.problems.extend(_describe(defect) for defect in part.defects)

    def text(self) -> str:
        plain = "\n".join(self.plain).strip()
        return plain or "\n".join(html_to_text(html) for html in self.html).strip()

    def _leaves(self, message: Message) -> Iterator[Message]:
        stack: list[tuple[Message, int]] = [(message, 0)]
        while stack:
            part, depth = stack.pop()
            self.problems.extend(_describe(defect) for defect in part.defects)
            if not part.is_multipart() or mime_type(part).startswith("message/"):
                yield part
            elif depth >= MAX_DEPTH:
                self.problems.append(f"MIME parts nested deeper than {MAX_DEPTH}: skipped")
            else:
                children = part.get_payload()
                assert isinstance(children, list)
                stack.extend(
                    (child, depth + 1) for child in reversed(children) if isinstance(child, Message)
                )

    def _read_part(self, part: Message, content_type: str) -> None:
        filename = part.get_filename()
        is_attachment = part.get_content_disposition() == "attachment" or filename is not None
        if content_type.startswith("multipart/"):
            self.problems.append("broken MIME structure: the body is read as plain text")
            self.plain.append(self._decode(part))
        elif content_type in ("text/plain", "text/html") and not is_attachment:
            (self.plain if content_type == "text/plain" else self.html).append(self._decode(part))
        else:
            self.attachments.append(self._attachment(part, content_type, filename))

    def _decode(self, part: Message) -> str:
        data = _payload(part)
        try:
            declared = part.get_content_charset()
        except Exception:  # a hostile Content-Type: guess the charset from the bytes
            declared = None
        text, problem = _decode_text(data, declared)
        if problem:
            self.problems.append(problem)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _attachment(self, part: Message, content_type: str, filename: str | None) -> Attachment:
        data = _payload(part)
        name = _safe_filename(filename, len(self.attachments) + 1)
        content_id = (raw_header(part, "Content-ID") or "").strip().strip("<>") or None
        refused = None
        if len(data) > self.max_attachment_bytes:
            refused = f"too large: {too_large(len(data), self.max_attachment_bytes)}"
            self.problems.append(f"attachment refused: {name}: {refused}")
        return Attachment(
            filename=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content=b"" if refused else data,
            refused=refused,
            content_id=content_id,
        )


def _payload(part: Message) -> bytes:
    """The decoded bytes of a part; an attached message (message/rfc822) as its bytes."""
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        return b"".join(
            child.as_bytes(policy=policy.compat32)
            for child in children
            if isinstance(child, Message)
        )
    data = part.get_payload(decode=True)
    if any(isinstance(defect, InvalidBase64LengthDefect) for defect in part.defects):
        return _truncated_base64(str(part.get_payload()))
    return data if isinstance(data, bytes) else b""


def _truncated_base64(text: str) -> bytes:
    """What a cut-off base64 body still holds (the ``email`` package returns it undecoded, which
    would show an agent a wall of letters): each padded chunk, up to its last complete byte."""
    decoded = []
    for chunk in re.split(r"=+", text):
        letters = re.sub(r"[^A-Za-z0-9+/]", "", chunk)
        if len(letters) % 4 == 1:
            letters = letters[:-1]
        decoded.append(base64.b64decode(letters + "=" * (-len(letters) % 4)))
    return b"".join(decoded)


def _decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """The text and, when the declared charset was unknown or wrong, the problem.

    ISO-8859-1 is read as windows-1252 first, as browsers do (WHATWG Encoding): French mail
    declared Latin-1 often holds the curly quotes, the euro sign and the "œ" of windows-1252.
    """
    codec = None
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = None
    if codec is None:
        attempts, valid = ["utf-8", "cp1252"], set()
    elif codec == "iso8859-1":
        attempts, valid = ["cp1252", codec], {"cp1252", codec}
    else:
        attempts, valid = [codec, "utf-8", "cp1252"], {codec}
    for attempt in attempts:
        try:
            text = data.decode(attempt)
        except (UnicodeError, LookupError):  # LookupError: a codec that is not a text encoding
            continue
        if declared and codec is None:
            return clean(text), f"unknown charset {declared[:40]!r}: decoded as {attempt}"
        if codec is not None and attempt not in valid:
            return clean(text), f"body part not valid {declared}: decoded as {attempt}"
        return clean(text), None
    text = clean(data.decode("utf-8", errors="replace"))
    return text, "undecodable body part decoded with replacement"


def _safe_filename(filename: str | None, number: int) -> str:
    """A name safe to save and to show: no directory, no control or bidirectional characters
    (the "exe.pdf" trick), NFC accents (macOS sends decomposed ones), at most 200 bytes."""
    name = unicodedata.normalize("NFC", clean(filename or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, dot, extension = name, "", ""
    room = 200 - len((dot + extension).encode())
    stem = stem.encode()[:room].decode(errors="ignore").rstrip(" .")
    return stem + dot + extension if stem else f"attachment-{number}.bin"


def clean(text: str) -> str:
    """Valid UTF-8 without NUL: lone surrogates (UTF-7, broken headers) become "?"."""
    return text.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "")


def _describe(defect: Exception) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(defect).__name__.removesuffix("Defect")).lower()
    return f"MIME defect: {words}"


def too_large(size: int, limit: int) -> str:
    """Reads "20.0 MB > 10.0 MB", or in bytes when the rounded sizes would read the same."""
    shown = [_readable_size(size), _readable_size(limit)]
    if shown[0] == shown[1]:
        shown = [f"{size} bytes", f"{limit} bytes"]
    return " > ".join(shown)


def _readable_size(size: int) -> str:
    for unit, scale in (("MB", MEGABYTE), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def raw_header(part: Message, name: str) -> str | None:
    """The header as received, 8-bit text repaired: many clients send raw UTF-8 or Latin-1
    headers, which the ``email`` package would turn into replacement characters."""
    for key, value in part.raw_items():
        if key.lower() == name.lower():
            text = re.sub(r"[\r\n]", "", str(value))
            try:
                data = text.encode("ascii", "surrogateescape")
            except UnicodeEncodeError:
                return clean(text)
            return _decode_8bit(data)
    return None


def _decode_8bit(data: bytes) -> str:
    try:
        return clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        return clean(data.decode("cp1252", errors="replace"))


def mime_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # a hostile Content-Type: RFC 2045 says to read the part as text/plain
        return "text/plain"
