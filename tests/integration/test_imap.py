"""The IMAP mailbox against a real Dovecot (tests/imap_server.py) on loopback ports: each test has
an account of its own, so that the session's single server needs no cleaning between tests."""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from parcours.channels.imap import FetchedMessage, ImapMailbox, MailboxError
from parcours.channels.mime import parse_email
from tests.imap_server import SUPPORT_ADDRESS, ImapServer, free_port

#: ``Parcours/traité`` as Dovecot spells it: its "." between levels, modified UTF-7 for "é".
PROCESSED_ON_SERVER = "Parcours.trait&AOk-"
ACCENTED_SUBJECT = "Réclamation : commande n°4521, délai dépassé"
ATTACHMENT_BYTES = 3 * 1024 * 1024

_messages = itertools.count(1)


def message(subject: str, body: str = "Bonjour,\n\nMerci de me rappeler.\n") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Élodie Mercier <elodie.mercier@example.fr>"
    mail["To"] = "sav@sens-confort.test"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<demande-{next(_messages)}@example.fr>"
    mail.set_content(body)
    return mail.as_bytes(policy=SMTP)  # CRLF line ends, as IMAP keeps a message


def message_with_attachment() -> bytes:
    mail = EmailMessage()
    mail["From"] = "atelier@example.fr"
    mail["To"] = "sav@sens-confort.test"
    mail["Subject"] = "Photos du canapé"
    mail["Message-ID"] = "<photos@example.fr>"
    mail.set_content("Les photos en pièce jointe.\n")
    photos = random.Random(7).randbytes(ATTACHMENT_BYTES)
    mail.add_attachment(photos, maintype="application", subtype="zip", filename="photos.zip")
    return mail.as_bytes(policy=SMTP)


@pytest.fixture
def account(imap_server: ImapServer) -> str:
    """A new, empty account on the session's server."""
    return imap_server.take_account()


@pytest.fixture
def mailbox(imap_server: ImapServer, account: str) -> Iterator[ImapMailbox]:
    with ImapMailbox(imap_server.url(account), timeout=10) as box:
        yield box


def deliver_later(server: ImapServer, address: str, raw: bytes, delay: float) -> threading.Thread:
    def deliver() -> None:
        time.sleep(delay)
        server.deliver(address, raw)

    thread = threading.Thread(target=deliver)
    thread.start()
    return thread


# -- fetching -------------------------------------------------------------------------------------


def test_fetch_new_returns_the_waiting_messages_byte_for_byte(
    imap_server: ImapServer, account: str, mailbox: ImapMailbox
):
    accented, large = message(ACCENTED_SUBJECT), message_with_attachment()
    imap_server.deliver(account, accented)
    imap_server.deliver(account, large)

    fetched = mailbox.fetch_new()

    assert fetched == [FetchedMessage(1, accented), FetchedMessage(2, large)]
    assert len(large) > ATTACHMENT_BYTES
    assert parse_email(fetched[0].raw).subject == ACCENTED_SUBJECT


def test_fetch_new_marks_nothing_seen(imap_server: ImapServer, account: str):
    imap_server.deliver(account, message("Première demande"))
    with ImapMailbox(imap_server.url(account), processed_folder=None) as box:
        first = box.fetch_new()
        second = box.fetch_new()  # only unseen messages count when there is no processed folder

    assert [item.uid for item in first] == [item.uid for item in second] == [1]


def test_fetch_new_takes_the_oldest_first_up_to_the_limit(
    imap_server: ImapServer, account: str, mailbox: ImapMailbox
):
    for number in range(3):
        imap_server.deliver(account, message(f"Demande {number}"))

    assert [item.uid for item in mailbox.fetch_new(limit=2)] == [1, 2]


# -- polling --------------------------------------------------------------------------------------


def test_poll_moves_handled_messages_and_leaves_failed_ones_for_the_next_poll(
    imap_server: ImapServer, account: str, mailbox: ImapMailbox, caplog: pytest.LogCaptureFixture
):
    first, second = message("Livraison en retard"), message("Facture erronée")
    imap_server.deliver(account, first)
    imap_server.deliver(account, second)
    handled: list[bytes] = []

    def failing_on_the_second(raw: bytes) -> None:
        if raw == second:
            raise ValueError("base de données indisponible")
        handled.append(raw)

    with caplog.at_level(logging.ERROR, logger="parcours.channels.imap"):
        count = mailbox.poll(failing_on_the_second)

    assert (count, handled) == (1, [first])
    assert imap_server.messages(account, "INBOX") == [second]
    assert imap_server.messages(account, PROCESSED_ON_SERVER) == [first]
    assert [record.getMessage() for record in caplog.records] == [
        f"message UID 2 of INBOX on {mailbox.where}: the handler failed, it stays for the next poll"
    ]
    assert caplog.records[0].exc_text is not None
    assert "base de données indisponible" in caplog.records[0].exc_text

    assert mailbox.poll(handled.append) == 1

    assert handled == [first, second]
    assert imap_server.messages(account, "INBOX") == []
    assert imap_server.messages(account, PROCESSED_ON_SERVER) == [first, second]


def test_poll_without_a_processed_folder_flags_messages_seen(imap_server: ImapServer, account: str):
    raw = message("Rappel demandé")
    imap_server.deliver(account, raw)
    handled: list[bytes] = []
    with ImapMailbox(imap_server.url(account), processed_folder=None) as box:
        assert box.poll(handled.append) == 1
        assert box.poll(handled.append) == 0

    assert handled == [raw]
    assert imap_server.messages(account, "INBOX") == [raw]


def test_the_processed_folder_is_found_again_by_a_new_connection(
    imap_server: ImapServer, account: str
):
    for subject in ("Premier", "Second"):
        imap_server.deliver(account, message(subject))
        with ImapMailbox(imap_server.url(account)) as box:
            assert box.poll(lambda raw: None) == 1

    assert len(imap_server.messages(account, PROCESSED_ON_SERVER)) == 2


# -- waiting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["imap", "imaps"])
def test_wait_for_new_returns_as_soon_as_mail_arrives(
    imap_server: ImapServer, account: str, scheme: str
):
    url = imap_server.url(account, scheme=scheme)
    with ImapMailbox(url, ssl_context=imap_server.ssl_context()) as mailbox:
        assert mailbox.fetch_new() == []
        thread = deliver_later(imap_server, account, message("Arrivé pendant l'attente"), 0.5)
        began = time.monotonic()

        arrived = mailbox.wait_for_new(5)

        waited = time.monotonic() - began
        thread.join()
        assert arrived is True
        assert 0.4 < waited < 2  # Dovecot gathers changes for half a second before telling
        assert [item.uid for item in mailbox.fetch_new()] == [1]


def test_wait_for_new_returns_false_after_the_timeout_on_an_empty_mailbox(mailbox: ImapMailbox):
    began = time.monotonic()

    assert mailbox.wait_for_new(0.5) is False

    assert 0.5 <= time.monotonic() - began < 1.5
    assert mailbox.fetch_new() == []  # the connection is still in a usable state after IDLE


def test_wait_for_new_is_true_at_once_for_mail_not_yet_fetched(
    imap_server: ImapServer, account: str, mailbox: ImapMailbox
):
    imap_server.deliver(account, message("Déjà là"))

    began = time.monotonic()
    assert mailbox.wait_for_new(5) is True
    assert time.monotonic() - began < 0.5


def test_wait_for_new_does_not_count_a_message_whose_handler_failed(
    imap_server: ImapServer, account: str, mailbox: ImapMailbox
):
    imap_server.deliver(account, message("Toujours en échec"))

    def failing(raw: bytes) -> None:
        raise RuntimeError("pas encore")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(logging.getLogger("parcours.channels.imap"), "disabled", True)
        assert mailbox.poll(failing) == 0

    assert mailbox.wait_for_new(0.3) is False


# -- TLS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["imap+starttls", "imaps"])
def test_tls_with_the_servers_certificate(imap_server: ImapServer, account: str, scheme: str):
    raw = message("Par un canal chiffré")
    imap_server.deliver(account, raw)
    url = imap_server.url(account, scheme=scheme)

    with ImapMailbox(url, ssl_context=imap_server.ssl_context()) as box:
        assert box.fetch_new() == [FetchedMessage(1, raw)]


@pytest.mark.parametrize("scheme", ["imap+starttls", "imaps"])
def test_an_untrusted_certificate_is_refused(imap_server: ImapServer, account: str, scheme: str):
    mailbox = ImapMailbox(imap_server.url(account, scheme=scheme))

    with pytest.raises(MailboxError) as refused:
        mailbox.fetch_new()

    assert str(refused.value).startswith(f"TLS with {mailbox.where} failed: ")
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


# -- errors ---------------------------------------------------------------------------------------


def test_a_user_name_with_at_and_a_password_with_accent_and_space_log_in(
    imap_server: ImapServer,
):
    url = imap_server.url(SUPPORT_ADDRESS)
    assert url.startswith("imap://sav%40sens-confort.test:Qualit%C3%A9-2024%20sav@")

    with ImapMailbox(url) as box:
        assert box.fetch_new() == []


def test_a_wrong_password_is_refused_without_being_echoed(imap_server: ImapServer):
    wrong = "Mauvais-Mot-De-Passe"
    url = f"imap://sav%40sens-confort.test:{wrong}@{imap_server.host}:{imap_server.port}"

    with pytest.raises(MailboxError) as refused:
        ImapMailbox(url).fetch_new()

    assert str(refused.value) == (
        f"login refused for sav@sens-confort.test on {imap_server.host}:{imap_server.port}: "
        "[AUTHENTICATIONFAILED] Authentication failed."
    )
    assert wrong not in repr(refused.value)


def test_an_unknown_folder_is_an_error(imap_server: ImapServer, account: str):
    with pytest.raises(MailboxError) as refused:
        ImapMailbox(imap_server.url(account), folder="Réclamations").fetch_new()

    assert str(refused.value).startswith(
        f"folder 'Réclamations' cannot be opened for {account} on "
        f"{imap_server.host}:{imap_server.port}: Mailbox doesn't exist: Réclamations"
    )


def test_a_closed_port_is_an_error():
    port = free_port()

    with pytest.raises(MailboxError) as refused:
        ImapMailbox(f"imap://sav:secret@127.0.0.1:{port}", timeout=2).fetch_new()

    assert str(refused.value).startswith(f"cannot connect to 127.0.0.1:{port}: ")
    assert "Connection refused" in str(refused.value)


# -- servers without MOVE or IDLE -----------------------------------------------------------------


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("IMAP4rev1 LITERAL+ UIDPLUS", id="uidplus"),
        pytest.param("IMAP4rev1 LITERAL+", id="imap4rev1-only"),
    ],
)
def plain_server(request: pytest.FixtureRequest, imap_server: ImapServer) -> Iterator[ImapServer]:
    """A second Dovecot advertising neither MOVE nor IDLE (and, for one, not UIDPLUS either)."""
    with ImapServer.start(imap_server.program, capabilities=request.param) as server:
        yield server


def test_without_move_messages_are_copied_then_expunged(plain_server: ImapServer):
    address = plain_server.take_account()
    first, second = message("Sans MOVE"), message("Sans MOVE non plus")
    plain_server.deliver(address, first)
    plain_server.deliver(address, second)

    with ImapMailbox(plain_server.url(address)) as box:
        assert box.poll(lambda raw: None) == 2

    assert plain_server.messages(address, "INBOX") == []
    assert plain_server.messages(address, PROCESSED_ON_SERVER) == [first, second]


def test_without_idle_the_mailbox_is_checked_at_intervals(plain_server: ImapServer):
    address = plain_server.take_account()
    with ImapMailbox(plain_server.url(address), check_interval=0.1) as box:
        assert box.wait_for_new(0.3) is False
        thread = deliver_later(plain_server, address, message("Sans IDLE"), 0.3)
        began = time.monotonic()

        arrived = box.wait_for_new(5)

        waited = time.monotonic() - began
        thread.join()
    assert arrived is True
    assert 0.2 < waited < 1
