"""The parts of the IMAP adapter that need no server: URLs, folder names, the socket reader.
(tests/integration/test_imap.py runs the adapter against a real Dovecot.)"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from parcours.channels.imap import ImapMailbox
from parcours.channels.imap_connection import (
    SocketReader,
    encode_folder_name,
    folder_delimiter,
    quoted,
)


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        pytest.param("INBOX", "INBOX", id="ascii"),
        pytest.param("Parcours.traité", "Parcours.trait&AOk-", id="accent"),
        pytest.param("R&D", "R&-D", id="ampersand"),
        pytest.param("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", id="rfc-3501"),
        pytest.param("Réclamations été", "R&AOk-clamations &AOk-t&AOk-", id="several-runs"),
    ],
)
def test_folder_names_are_written_in_modified_utf7(name: str, encoded: str):
    assert encode_folder_name(name) == encoded


def test_quoted_escapes_quotes_and_backslashes():
    assert quoted('Dossier "A"\\B') == '"Dossier \\"A\\"\\\\B"'


@pytest.mark.parametrize(
    ("answer", "delimiter"),
    [
        pytest.param('(\\Noselect) "." ""', ".", id="dot"),
        pytest.param('(\\Noselect \\HasChildren) "/" ""', "/", id="slash"),
        pytest.param('(\\Noselect) "\\\\" ""', "\\", id="backslash"),
        pytest.param('(\\Noselect) NIL ""', None, id="flat"),
    ],
)
def test_the_folder_delimiter_is_read_from_a_list_answer(answer: str, delimiter: str | None):
    assert folder_delimiter(answer) == delimiter


def test_a_url_gives_user_password_host_and_default_port():
    box = ImapMailbox("imaps://sav%40sens-confort.fr:p%40ss%20w@imap.example.fr")

    assert (box.scheme, box.user, box.host, box.port) == (
        "imaps",
        "sav@sens-confort.fr",
        "imap.example.fr",
        993,
    )
    assert (
        repr(box) == "ImapMailbox(imaps://sav@sens-confort.fr@imap.example.fr:993, folder='INBOX')"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "pop3://u:p@host",
            "an IMAP URL must start with imap://, imap+starttls://, imaps://, not pop3://",
            id="scheme",
        ),
        pytest.param(
            "imap://host",
            "an IMAP URL needs a user and a host, e.g. imaps://user:password@host",
            id="no-user",
        ),
    ],
)
def test_a_wrong_url_is_refused(url: str, message: str):
    with pytest.raises(ValueError) as refused:
        ImapMailbox(url)

    assert str(refused.value) == message


def test_the_processed_folder_cannot_be_the_folder_read():
    with pytest.raises(ValueError) as refused:
        ImapMailbox("imap://u:p@host", folder="INBOX", processed_folder="INBOX")

    assert str(refused.value) == "processed_folder cannot be the folder read ('INBOX')"


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        yield ours, theirs


def test_the_socket_reader_reads_lines_and_exact_sizes(sockets: tuple[socket.socket, ...]):
    ours, theirs = sockets
    reader = SocketReader(ours)
    theirs.sendall(b"* 1 EXISTS\r\n* 1 FETCH (BODY[] {5}\r\nabcde)\r\n")

    assert reader.readline(1000) == b"* 1 EXISTS\r\n"
    assert reader.has_data() is True
    assert reader.readline(1000) == b"* 1 FETCH (BODY[] {5}\r\n"
    assert reader.read(5) == b"abcde"
    assert reader.readline(1000) == b")\r\n"
    assert reader.has_data() is False


def test_the_socket_reader_stops_a_line_at_the_limit_and_at_the_end(
    sockets: tuple[socket.socket, ...],
):
    ours, theirs = sockets
    reader = SocketReader(ours)
    theirs.sendall(b"0123456789\r\nrest")
    theirs.close()

    assert reader.readline(4) == b"0123"
    assert reader.readline(100) == b"456789\r\n"
    assert reader.readline(100) == b"rest"
    assert reader.readline(100) == b""
