"""A throwaway Dovecot IMAP server for the tests.

The server lives in a temporary directory: its own configuration file, a passwd-file of users,
their maildirs, its sockets, state and log. ``dovecot -F -c CONFIG`` runs it in the foreground on
two free ports of 127.0.0.1: :attr:`ImapServer.port` takes plain IMAP and STARTTLS,
:attr:`ImapServer.tls_port` TLS from the first byte, both with a self-signed certificate made in
the directory (``openssl``) and trusted by :meth:`ImapServer.ssl_context`. :meth:`stop` kills the
process group and removes the directory. It uses Debian's ``/usr/sbin/dovecot`` (installed by
``make imap-server``), or ``PARCOURS_TEST_DOVECOT`` if set.

Dovecot runs unprivileged, as one user for everything (master, login, auth and mail processes,
no chroot): the current user, or when we are root (CI containers) the ``dovecot`` user that the
package creates, as the PostgreSQL cluster runs as ``postgres``.

This module does not import pytest: ``with ImapServer.start() as server: ...`` works anywhere.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

DEBIAN_DOVECOT = "/usr/sbin/dovecot"
DOVECOT_VARIABLE = "PARCOURS_TEST_DOVECOT"
#: The account Dovecot runs as when we are root: the package creates it.
ROOT_RUNS_AS = "dovecot"
HOST = "127.0.0.1"
#: Short paths: Dovecot's Unix sockets live under base_dir and a socket path must fit in 107 bytes.
SHORT_TMP = "/tmp"
STARTUP_SECONDS = 10.0

SUPPORT_ADDRESS = "sav@sens-confort.test"
SUPPORT_PASSWORD = "Qualité-2024 sav"  # an accent and a space: the password travels intact
#: Fresh accounts for the tests, written at start: Dovecot looks at its passwd-file at most once a
#: second, so an account added while the server runs may be refused for up to a second.
SPARE_ACCOUNTS = 200
SPARE_PASSWORD = "mot de passe é"

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_uid = {user}
mail_gid = {group}
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{base}/certificate.pem
ssl_key = <{base}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
{capabilities}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = home={base}/mail/%d/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class DovecotUnavailableError(RuntimeError):
    """No Dovecot on this machine."""


class DovecotStartError(RuntimeError):
    """Dovecot did not start; the message carries its output and its log."""


def find_dovecot() -> Path | None:
    override = os.environ.get(DOVECOT_VARIABLE)
    if override:
        return Path(override)
    if os.access(DEBIAN_DOVECOT, os.X_OK):
        return Path(DEBIAN_DOVECOT)
    found = shutil.which("dovecot")
    return Path(found) if found else None


def unavailable_reason() -> str:
    return (
        f"Dovecot not found (looked for {DEBIAN_DOVECOT}, ${DOVECOT_VARIABLE} and dovecot on "
        "PATH); install it with `make imap-server`"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


class ImapServer:
    """A running throwaway Dovecot; use :meth:`start`, then :meth:`stop` (or ``with``)."""

    def __init__(self, program: Path, base: Path, account: pwd.struct_passwd) -> None:
        self.program = program
        self.base = base
        self.account = account
        self.host = HOST
        self.port = 0
        self.tls_port = 0
        self.certificate = base / "certificate.pem"
        self.log = base / "dovecot.log"
        #: Address → password of every account of the server.
        self.users = {SUPPORT_ADDRESS: SUPPORT_PASSWORD} | {
            f"sav{number}@sens-confort.test": SPARE_PASSWORD
            for number in range(1, SPARE_ACCOUNTS + 1)
        }
        self._spare = iter(list(self.users)[1:])
        self.startup_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False

    # -- life cycle -------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        program: Path | None = None,
        *,
        capabilities: str | None = None,
        attempts: int = 3,
    ) -> ImapServer:
        """Configure a server in a temporary directory and start it on two free ports.

        ``capabilities`` replaces what the server advertises (Dovecot's ``imap_capability``),
        e.g. ``"IMAP4rev1 UIDPLUS"`` for a server without MOVE and IDLE.
        """
        began = time.perf_counter()
        program = program or find_dovecot()
        if program is None:
            raise DovecotUnavailableError(unavailable_reason())
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(ROOT_RUNS_AS)
            except KeyError:
                raise DovecotStartError(
                    f"running as root but there is no {ROOT_RUNS_AS!r} user to run Dovecot as"
                ) from None
        else:
            account = pwd.getpwuid(os.geteuid())
        tmp = SHORT_TMP if os.path.isdir(SHORT_TMP) else None
        base = Path(tempfile.mkdtemp(prefix="parcours-imap-", dir=tmp))
        server = cls(program, base, account)
        atexit.register(server.stop)
        try:
            server._prepare()
            for attempt in range(1, attempts + 1):
                # A port free when we look may be taken before Dovecot binds it: try others.
                server.port, server.tls_port = free_port(), free_port()
                server._write_config(capabilities)
                try:
                    server._launch()
                    break
                except DovecotStartError:
                    if attempt == attempts:
                        raise
        except BaseException:
            server.stop()
            raise
        server.startup_seconds = time.perf_counter() - began
        return server

    def _prepare(self) -> None:
        for name in ("run", "state", "mail"):
            (self.base / name).mkdir()
        lines = "".join(f"{user}:{{PLAIN}}{secret}::::::\n" for user, secret in self.users.items())
        (self.base / "users").write_text(lines, encoding="utf-8")
        key, certificate = str(self.base / "key.pem"), str(self.certificate)
        request = ["openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
        curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        names = ["-addext", f"subjectAltName=IP:{HOST},DNS:localhost"]
        result = subprocess.run(
            [*request, *curve, *names, "-keyout", key, "-out", certificate],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DovecotStartError(f"openssl could not make a certificate:\n{result.stderr}")
        if self.account.pw_uid != os.geteuid():
            for path in [self.base, *self.base.iterdir()]:
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def _write_config(self, capabilities: str | None) -> None:
        config = CONFIG.format(
            host=HOST,
            base=self.base,
            user=self.account.pw_name,
            group=grp.getgrgid(self.account.pw_gid).gr_name,
            uid=self.account.pw_uid,
            port=self.port,
            tls_port=self.tls_port,
            capabilities=f"imap_capability = {capabilities}" if capabilities else "",
        )
        (self.base / "dovecot.conf").write_text(config)

    def _launch(self) -> None:
        as_other_user = self.account.pw_uid != os.geteuid()
        output = self.base / "dovecot.out"  # what it says before its log is open
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [str(self.program), "-F", "-c", str(self.base / "dovecot.conf")],
                cwd=self.base,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() kills every child with it
                user=self.account.pw_uid if as_other_user else None,
                group=self.account.pw_gid if as_other_user else None,
                extra_groups=[] if as_other_user else None,
            )
        self._process = process
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if _accepts_connections(self.port) and _accepts_connections(self.tls_port):
                return
            time.sleep(0.02)
        self._kill()
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        raise DovecotStartError(
            f"{self.program} did not accept connections on {HOST}:{self.port} and "
            f"{HOST}:{self.tls_port} within {STARTUP_SECONDS:.0f} s "
            f"(exit code {process.returncode})\n"
            f"--- output ---\n{output.read_text(errors='replace')}"
            + (f"--- log ---\n{log}" if log else "")
        )

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        """Kill the server and its children, and remove its directory; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> ImapServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- accounts and mail ------------------------------------------------------------------------

    def take_account(self) -> str:
        """The address of an account no one has used yet (empty mailbox, ``SPARE_PASSWORD``)."""
        address = next(self._spare, None)
        if address is None:
            raise RuntimeError(f"the {SPARE_ACCOUNTS} spare accounts are all taken")
        return address

    def url(self, address: str = SUPPORT_ADDRESS, *, scheme: str = "imap") -> str:
        """``scheme://user:password@host:port`` for an account (``imaps`` takes the TLS port)."""
        port = self.tls_port if scheme == "imaps" else self.port
        user, password = quote(address, safe=""), quote(self.users[address], safe="")
        return f"{scheme}://{user}:{password}@{self.host}:{port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (and only it)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def _login(self, address: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms stalls
        secret = f"\0{address}\0{self.users[address]}".encode()
        client.authenticate("PLAIN", lambda _challenge: secret)
        return client

    def deliver(self, address: str, raw: bytes, folder: str = "INBOX") -> None:
        """APPEND ``raw`` to a folder of the account, as a mail delivery would."""
        client = self._login(address)
        try:
            status, data = client.append(folder, None, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} refused: {data!r}")
        finally:
            client.logout()

    def messages(self, address: str, folder: str = "INBOX") -> list[bytes]:
        """The raw messages of a folder (``folder`` as the server spells it, e.g. modified
        UTF-7), oldest first, without marking them seen."""
        client = self._login(address)
        try:
            status, data = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                raise RuntimeError(f"SELECT {folder} refused: {data!r}")
            status, data = client.uid("SEARCH", "ALL")
            uids = data[0].split() if data and data[0] else []
            raws: list[bytes] = []
            for uid in uids:
                status, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                raws.extend(item[1] for item in data if isinstance(item, tuple))
            return raws
        finally:
            client.logout()
