"""E-mail read from a real IMAP inbox (a throwaway Dovecot): each message recorded once and then
moved to the handled folder; what is not an e-mail is moved aside, never recorded."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from parcours.cases.inbox_email import mailbox_url, poll_mailbox
from parcours.channels import accounts
from parcours.config import Settings
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.imap_server import ImapServer

MESSAGE = (
    "From: =?utf-8?q?Lo=C3=AFc_Le_Bihan?= <loic@exemple.bzh>\r\n"
    "To: sav@sens-confort.test\r\n"
    "Subject: =?utf-8?q?Mon_po=C3=AAle_ne_d=C3=A9marre_plus?=\r\n"
    "Message-ID: <poele-1@exemple.bzh>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour, le poêle affiche E3 depuis ce matin.\r\n"
).encode()


def test_mail_is_read_from_the_inbox_recorded_once_and_moved(
    db: Database, imap_server: ImapServer, tmp_path: Path
):
    address = imap_server.take_account()
    imap_server.deliver(address, MESSAGE)
    imap_server.deliver(address, b"this is not an e-mail at all")
    url = f"imap://{quote(address, safe='')}@{imap_server.host}:{imap_server.port}"
    with db.transaction(write=True) as session:
        account = accounts.save(session, "sav", "email",
                                {"address": address, "imap_url": url},
                                {"imap_password": imap_server.users[address]})  # fmt: skip
        session.expunge(account)
    settings = Settings(environment="test", home=tmp_path)

    first = poll_mailbox(db, account, settings)
    imap_server.deliver(address, MESSAGE)  # delivered twice by the mail system
    second = poll_mailbox(db, account, settings)

    assert (first.received, first.malformed) == (
        1, ["not an e-mail: no header lines (such as From:) before the body"],
    )  # fmt: skip
    assert second.received == 1
    assert imap_server.messages(address) == []
    assert len(imap_server.messages(address, "Parcours.trait&AOk-")) == 3
    with db.sessions() as session:
        [interaction] = session.scalars(select(Interaction)).all()
    assert (interaction.external_id, interaction.payload["subject"]) == (
        "poele-1@exemple.bzh", "Mon poêle ne démarre plus",
    )  # fmt: skip


def test_the_password_joins_the_url_only_when_connecting():
    assert mailbox_url("imaps://sav%40exemple.fr@imap.exemple.fr:993", "p@ss word") == (
        "imaps://sav%40exemple.fr:p%40ss%20word@imap.exemple.fr:993"
    )
    assert mailbox_url("imaps://imap.exemple.fr", "x") == "imaps://imap.exemple.fr"
