"""imaplib's client with what Parcours adds to it: an IDLE command (imaplib has none before
Python 3.14), reading that can tell whether a response already arrived, and folder names as the
protocol spells them (modified UTF-7, quoted).

Reading goes through :class:`SocketReader` rather than imaplib's file object: IDLE waits for news
on the socket itself, which is only right when nothing already sits in a read buffer, and a timeout
on a socket's file object (the other way to wait) would leave it unusable.
"""

from __future__ import annotations

import base64
import imaplib
import re
import selectors
import socket
import ssl
import time

#: Longest response line we read, as imaplib (``_MAXLINE``): a line is not a message's body.
MAX_LINE = 1_000_000
READ_CHUNK = 65536
EXISTS = re.compile(rb"\* \d+ EXISTS\r?\n?$", re.IGNORECASE)
LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r?\n$")
#: A LIST answer: ``(\Noselect) "." ""`` gives the hierarchy delimiter, ``NIL`` for a flat server.
LIST_DELIMITER = re.compile(r'\([^)]*\) (?:"(?P<delimiter>\\.|[^"\\])"|NIL)', re.IGNORECASE)


def encode_folder_name(name: str) -> str:
    """The modified UTF-7 of RFC 3501 (5.1.3): ``Parcours.traité`` → ``Parcours.trait&AOk-``."""
    encoded: list[str] = []
    pending = ""

    def flush() -> None:
        nonlocal pending
        if pending:
            data = base64.b64encode(pending.encode("utf-16-be")).decode("ascii")
            encoded.append("&" + data.rstrip("=").replace("/", ",") + "-")
            pending = ""

    for character in name:
        if " " <= character <= "~":
            flush()
            encoded.append("&-" if character == "&" else character)
        else:
            pending += character
    flush()
    return "".join(encoded)


def quoted(text: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def folder_delimiter(list_answer: str) -> str | None:
    found = LIST_DELIMITER.match(list_answer)
    if found is None or found.group("delimiter") is None:
        return None
    return found.group("delimiter").removeprefix("\\")


class SocketReader:
    """A read buffer over a socket whose content can be seen (:meth:`has_data`)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    def has_data(self) -> bool:
        if self._buffer:
            return True
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0

    def readline(self, limit: int) -> bytes:
        searched = 0
        while (end := self._buffer.find(b"\n", searched)) < 0:
            searched = len(self._buffer)
            if searched >= limit or not self._fill():
                return self._take(limit)
        return self._take(min(end + 1, limit))

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(size)

    def _fill(self) -> bool:
        chunk = self.sock.recv(READ_CHUNK)
        self._buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


class ImapConnection(imaplib.IMAP4):
    """imaplib's client reading through a :class:`SocketReader` (``read`` and ``readline`` are
    the methods imaplib's documentation invites to override), with :meth:`idle_for`."""

    _reader: SocketReader | None = None

    def _socket_reader(self) -> SocketReader:
        if self._reader is None or self._reader.sock is not self.sock:  # a new socket: STARTTLS
            self._reader = SocketReader(self.sock)
        return self._reader

    def readline(self) -> bytes:
        line = self._socket_reader().readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise self.error(f"got more than {MAX_LINE} bytes in a line")
        return line

    def read(self, size: int) -> bytes:
        return self._socket_reader().read(size)

    def idle_for(self, seconds: float) -> bool:
        """One IDLE (RFC 2177): True as soon as the server reports mail arriving (``EXISTS``),
        False after ``seconds``. Raises :class:`ConnectionError` (an ``OSError``) if the server
        goes away, ``self.error`` if it refuses IDLE."""
        tag = b"IDLE%d" % self.tagnum  # numbered as imaplib numbers its own tags
        self.tagnum += 1
        arrived = False
        self.send(tag + b" IDLE\r\n")
        while not (line := self._response_line()).startswith(b"+"):
            if line.startswith(tag + b" "):
                raise self.error(f"IDLE refused: {line.decode('utf-8', 'replace').strip()}")
            arrived = arrived or bool(EXISTS.match(line))
        deadline = time.monotonic() + seconds
        while not arrived and self._response_waiting(deadline - time.monotonic()):
            line = self._response_line()
            if line.upper().startswith(b"* BYE"):
                raise ConnectionError(line.decode("utf-8", "replace").strip())
            arrived = bool(EXISTS.match(line))
        self.send(b"DONE\r\n")
        while not (line := self._response_line()).startswith(tag + b" "):
            arrived = arrived or bool(EXISTS.match(line))
        if not line[len(tag) + 1 :].upper().startswith(b"OK"):
            raise self.error(f"IDLE ended badly: {line.decode('utf-8', 'replace').strip()}")
        return arrived

    def _response_waiting(self, timeout: float) -> bool:
        if self._socket_reader().has_data():
            return True
        if timeout <= 0:
            return False
        with selectors.DefaultSelector() as selector:  # not select(): no limit on fd numbers
            selector.register(self.sock, selectors.EVENT_READ)
            return bool(selector.select(timeout))

    def _response_line(self) -> bytes:
        """One whole response, literals included."""
        line = self.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        while literal := LITERAL_AT_END.search(line):
            line += self.read(int(literal.group(1))) + self.readline()
        return line


class TlsImapConnection(ImapConnection, imaplib.IMAP4_SSL):
    """The same over TLS from the first byte (``imaps://``)."""
