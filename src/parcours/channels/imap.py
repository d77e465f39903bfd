"""E-mail in by IMAP: a support mailbox read as a queue.

* ``imap://user:password@host:143`` — plain (a server on the same machine or network);
* ``imap+starttls://user:password@host:143`` — STARTTLS before logging in;
* ``imaps://user:password@host:993`` — TLS from the first byte.

A user name holding ``@`` is written ``%40`` (``imaps://sav%40sens-confort.fr:…@imap.example``).

Messages are fetched with ``BODY.PEEK[]`` (nothing is marked seen by reading it) and leave the
queue only once handled: moved to ``processed_folder`` or, without one, flagged ``\\Seen``. A
message whose handler fails stays where it is for the next poll, so a crash or a bug loses
nothing; the price is that a message can be handled twice (the handler stored it, then the move
failed), so handlers must be idempotent (an upsert on the Message-ID). This module does not parse
MIME: :func:`parcours.channels.mime.parse_email` does, in the handler.

Folder names are written with ``/`` between levels, whatever separator the server uses.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from parcours.channels.imap_connection import (
    ImapConnection,
    TlsImapConnection,
    encode_folder_name,
    folder_delimiter,
    quoted,
)
from parcours.channels.ports import MailboxError

__all__ = ["FetchedMessage", "ImapMailbox", "MailboxError"]

logger = logging.getLogger(__name__)

SCHEMES = {"imap": 143, "imap+starttls": 143, "imaps": 993}
#: RFC 2177: a client must not stay idle longer than 29 minutes without renewing IDLE.
IDLE_RENEWAL_SECONDS = 25 * 60
FETCHED_UID = re.compile(rb"UID (\d+)", re.IGNORECASE)

Command = Callable[[ImapConnection], tuple[str, list[Any]]]


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    #: The message as the server keeps it (RFC 822, CRLF line ends), byte for byte.
    raw: bytes


def _shutdown_quietly(imap: ImapConnection | None) -> None:
    if imap is not None:
        with contextlib.suppress(OSError):
            imap.shutdown()


def _text(data: list[Any] | bytes | str) -> str:
    """A server's reply as text, for an error message."""
    if isinstance(data, list):
        data = data[-1] if data and data[-1] is not None else b""
    if isinstance(data, tuple):
        data = data[0]
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


class ImapMailbox:
    """One folder of one IMAP account, read as a queue; connects on first use and again after a
    lost connection."""

    def __init__(
        self,
        url: str,
        *,
        folder: str = "INBOX",
        processed_folder: str | None = "Parcours/traité",
        timeout: float = 30,
        ssl_context: ssl.SSLContext | None = None,
        check_interval: float = 10,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(
                f"an IMAP URL must start with {', '.join(s + '://' for s in SCHEMES)}, "
                f"not {parts.scheme or '(nothing)'}://"
            )
        if not parts.hostname or not parts.username:
            raise ValueError("an IMAP URL needs a user and a host, e.g. imaps://user:password@host")
        if processed_folder == folder:
            raise ValueError(f"processed_folder cannot be the folder read ({folder!r})")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or SCHEMES[parts.scheme]
        self.user = unquote(parts.username)
        self._password = unquote(parts.password or "")
        self.folder, self.processed_folder = folder, processed_folder
        self.timeout, self.check_interval = timeout, check_interval
        self._ssl_context = ssl_context
        self._imap: ImapConnection | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._delimiter: str | None = None
        self._processed_folder_exists = False
        self._uid_validity: bytes | None = None
        #: The highest UID handed out in this folder: anything above it is new mail.
        self._highest_uid = 0

    def __repr__(self) -> str:
        return f"ImapMailbox({self.scheme}://{self.user}@{self.where}, folder={self.folder!r})"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # -- connection -------------------------------------------------------------------------------

    def __enter__(self) -> ImapMailbox:
        self._connection()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out (quietly: we are leaving anyway)."""
        imap, self._imap = self._imap, None
        if imap is not None:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError):
                _shutdown_quietly(imap)

    def _drop(self) -> None:
        imap, self._imap = self._imap, None
        _shutdown_quietly(imap)

    def _connection(self) -> ImapConnection:
        if self._imap is None:
            self._imap = self._connect()
        self._imap.untagged_responses.clear()  # imaplib would keep every unrequested response
        return self._imap

    def _connect(self) -> ImapConnection:
        context = self._ssl_context or ssl.create_default_context()
        imap: ImapConnection | None = None
        try:
            if self.scheme == "imaps":
                imap = TlsImapConnection(
                    self.host, self.port, ssl_context=context, timeout=self.timeout
                )
            else:
                imap = ImapConnection(self.host, self.port, timeout=self.timeout)
            # imaplib sends a literal and its line end apart (AUTHENTICATE, APPEND): without this,
            # Nagle's algorithm holds the second back until the server's delayed ACK (~40 ms).
            imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "imap+starttls":
                if "STARTTLS" not in imap.capabilities:
                    raise MailboxError(f"{self.where} does not offer STARTTLS")
                imap.starttls(context)
            self._log_in(imap)
            self._open_folder(imap)
        except ssl.SSLError as error:
            _shutdown_quietly(imap)
            raise MailboxError(f"TLS with {self.where} failed: {error}") from error
        except (OSError, imaplib.IMAP4.abort) as error:
            _shutdown_quietly(imap)
            raise MailboxError(f"cannot connect to {self.where}: {error}") from error
        except imaplib.IMAP4.error as error:
            _shutdown_quietly(imap)
            raise MailboxError(f"{self.where} refused to start a session: {error}") from error
        except BaseException:
            _shutdown_quietly(imap)
            raise
        return imap

    def _log_in(self, imap: ImapConnection) -> None:
        try:
            if "AUTH=PLAIN" in imap.capabilities:
                secret = f"\0{self.user}\0{self._password}".encode()
                imap.authenticate("PLAIN", lambda _challenge: secret)
            elif "LOGINDISABLED" in imap.capabilities:
                raise MailboxError(
                    f"{self.where} refuses to log {self.user} in without TLS: "
                    "use imaps:// or imap+starttls://"
                )
            else:
                imap.login(quoted(self.user), self._password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as error:
            reason = str(error)
            if self._password:
                reason = reason.replace(self._password, "…")
            raise MailboxError(
                f"login refused for {self.user} on {self.where}: {reason}"
            ) from error
        status, data = imap.capability()  # the list changes once logged in (MOVE, IDLE…)
        self._capabilities = (
            frozenset(_text(data).upper().split()) if status == "OK" else frozenset()
        )
        status, data = imap.list('""', '""')
        self._delimiter = folder_delimiter(_text(data)) if status == "OK" else None
        self._processed_folder_exists = False

    def _open_folder(self, imap: ImapConnection) -> None:
        status, data = imap.select(self._server_name(self.folder))
        if status != "OK":
            raise MailboxError(
                f"folder {self.folder!r} cannot be opened for {self.user} on {self.where}: "
                f"{_text(data)}"
            )
        _, validity = imap.response("UIDVALIDITY")
        if validity != [self._uid_validity]:  # UIDs of another generation of the folder
            self._uid_validity = validity[0] if validity else None
            self._highest_uid = 0

    def _server_name(self, folder: str) -> str:
        if self._delimiter and self._delimiter != "/":
            folder = folder.replace("/", self._delimiter)
        return quoted(encode_folder_name(folder))

    def _run(self, what: str, command: Command) -> list[Any]:
        imap = self._connection()
        try:
            status, data = command(imap)
        except (OSError, imaplib.IMAP4.abort) as error:
            self._drop()
            raise MailboxError(f"connection to {self.where} lost during {what}: {error}") from error
        except imaplib.IMAP4.error as error:
            raise MailboxError(f"{self.where} refused {what}: {error}") from error
        if status != "OK":
            raise MailboxError(f"{self.where} refused {what}: {_text(data)}")
        return data

    # -- the queue --------------------------------------------------------------------------------

    def _waiting_uids(self, limit: int, *, after: int = 0) -> list[int]:
        criteria = ["UNDELETED"] if self.processed_folder else ["UNSEEN", "UNDELETED"]
        if after:
            criteria.append(f"UID {after + 1}:*")
        # A server shows a command the folder as the previous command left it: NOOP brings in
        # what arrived since.
        self._run("NOOP", lambda imap: imap.noop())
        data = self._run("SEARCH", lambda imap: imap.uid("SEARCH", *criteria))
        found = b" ".join(item for item in data if isinstance(item, bytes)).split()
        uids = sorted(uid for uid in map(int, found) if uid > after)
        return uids[:limit]

    def _fetch(self, uid: int) -> bytes | None:
        """The raw message, or None if it went away meanwhile (another client moved it)."""
        data = self._run("FETCH", lambda imap: imap.uid("FETCH", str(uid), "(UID BODY.PEEK[])"))
        self._highest_uid = max(self._highest_uid, uid)
        for item in data:
            if isinstance(item, tuple) and b"BODY[]" in item[0].upper():
                found = FETCHED_UID.search(item[0])
                if found is None or int(found.group(1)) == uid:
                    raw: bytes = item[1]
                    return raw
        return None

    def fetch_new(self, limit: int = 100) -> list[FetchedMessage]:
        """The messages waiting in the folder, oldest first, at most ``limit``; none is marked
        seen."""
        messages = []
        for uid in self._waiting_uids(limit):
            raw = self._fetch(uid)
            if raw is not None:
                messages.append(FetchedMessage(uid, raw))
        return messages

    def mark_processed(self, uid: int) -> None:
        """Take a handled message out of the queue: into ``processed_folder`` (created if
        missing), or flagged ``\\Seen`` when there is none."""
        message = str(uid)
        if self.processed_folder is None:
            self._run("STORE", lambda imap: imap.uid("STORE", message, "+FLAGS.SILENT", r"(\Seen)"))
            return
        target = self._ensure_processed_folder()
        if "MOVE" in self._capabilities:
            self._run("MOVE", lambda imap: imap.uid("MOVE", message, target))
            return
        self._run("COPY", lambda imap: imap.uid("COPY", message, target))
        self._run("STORE", lambda imap: imap.uid("STORE", message, "+FLAGS.SILENT", r"(\Deleted)"))
        if "UIDPLUS" in self._capabilities:
            self._run("EXPUNGE", lambda imap: imap.uid("EXPUNGE", message))
        else:  # also expunges what someone else flagged \Deleted: the best a plain server allows
            self._run("EXPUNGE", lambda imap: imap.expunge())

    def _ensure_processed_folder(self) -> str:
        assert self.processed_folder is not None
        name = self._server_name(self.processed_folder)
        if self._processed_folder_exists:
            return name
        try:
            self._run("CREATE", lambda imap: imap.create(name))
            self._run("SUBSCRIBE", lambda imap: imap.subscribe(name))  # so people see it too
        except MailboxError:
            listed = self._run("LIST", lambda imap: imap.list('""', name))
            if not any(listed):  # it was not there, and we may not create it
                raise
        self._processed_folder_exists = True
        return name

    def poll(self, handler: Callable[[bytes], None], limit: int = 100) -> int:
        """Hand each waiting message to ``handler`` (oldest first, at most ``limit``) and take it
        out of the queue once the handler returned; a message whose handler raised is logged
        and left for the next poll. Returns how many were handled."""
        handled = 0
        for uid in self._waiting_uids(limit):
            raw = self._fetch(uid)
            if raw is None:
                continue
            try:
                handler(raw)
            except Exception:
                logger.exception(
                    "message UID %d of %s on %s: the handler failed, it stays for the next poll",
                    uid,
                    self.folder,
                    self.where,
                )
                continue
            self.mark_processed(uid)
            handled += 1
        return handled

    # -- waiting ----------------------------------------------------------------------------------

    def wait_for_new(self, timeout: float) -> bool:
        """Block until new mail arrives (True) or ``timeout`` seconds pass (False).

        New means not yet fetched: True at once if such mail is already there (more than a poll's
        ``limit``, or mail that came in since), but a message left by a failed handler does not
        count, so that a poll loop does not spin on it. With IDLE the server says when mail
        arrives; without it, the folder is checked every ``check_interval`` seconds.
        """
        deadline = time.monotonic() + timeout
        if self._waiting_uids(1, after=self._highest_uid):
            return True
        while (remaining := deadline - time.monotonic()) > 0:
            if "IDLE" in self._capabilities:
                if self._idle(min(remaining, IDLE_RENEWAL_SECONDS)):
                    return True
            else:
                time.sleep(min(remaining, self.check_interval))
                if self._waiting_uids(1, after=self._highest_uid):
                    return True
        return False

    def _idle(self, seconds: float) -> bool:
        imap = self._connection()
        try:
            return imap.idle_for(seconds)
        except (OSError, imaplib.IMAP4.abort) as error:
            self._drop()
            raise MailboxError(f"connection to {self.where} lost while idling: {error}") from error
        except imaplib.IMAP4.error as error:
            raise MailboxError(f"{self.where}: {error}") from error
