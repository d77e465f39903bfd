"""E-mails received become interactions on the sender's timeline and join or open a case: by the
thread (In-Reply-To one of our replies), by the customer's recent case, or a new request; an
unknown sender becomes a customer; attachments are kept; auto-replies open nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import func, select

from parcours.cases import replies
from parcours.cases import services as cases
from parcours.cases.inbox_email import receive_email
from parcours.cases.models import Case, CaseInteraction
from parcours.channels.models import OutboxMessage
from parcours.customers.models import Customer
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, given_customers

NOW = datetime.now(UTC)


def mail(sender: str, subject: str, body: str, *, message_id: str, in_reply_to: str | None = None,
         when: datetime = NOW - timedelta(minutes=5), **headers: str) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sav@sens-confort.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = format_datetime(when)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def received(db: Database, message: EmailMessage, home: Path):  # type: ignore[no-untyped-def]
    with db.transaction(write=True) as session:
        return receive_email(session, message.as_bytes(), home=home)


def thread_of(db: Database, case_id: int) -> list[tuple[str, str]]:
    with db.sessions() as session:
        rows = session.execute(
            select(Interaction.external_id, CaseInteraction.attached_by)
            .join(CaseInteraction, CaseInteraction.interaction_id == Interaction.id)
            .where(CaseInteraction.case_id == case_id)
            .order_by(Interaction.occurred_at)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_reply_to_our_email_joins_its_case_by_the_thread_and_wakes_it(
    db: Database, tmp_path: Path
):
    customers = given_customers(db, CLAIRE)
    case_id, reference = open_case(db, customer_id=customers["MAG-1"], case_type="quote",
                                   channel="email", subject="Devis canapé")  # fmt: skip
    with db.transaction(write=True) as session:
        case = cases.find_case(session, case_id)
        replies.reply(session, case, channel="email", body="Voici votre devis.", actor="Léa")
        cases.change_status(session, case, "waiting_customer", actor="Léa")
    with db.sessions() as session:
        our_id = session.scalars(select(OutboxMessage.message_id)).one()

    # When Claire answers from a client that drops the reference from the subject
    receipt = received(db, mail("Claire Le Goff <claire.legoff@exemple.fr>", "Re: votre devis",
                                "C'est d'accord !\n\nLe 3 mars 2026 à 10:02, Léa a écrit :\n"
                                "> Voici votre devis.", message_id="r1@exemple.fr",
                                in_reply_to=our_id), tmp_path)  # fmt: skip

    assert (receipt.status, receipt.customer_id, receipt.case_reference) == (
        "recorded", customers["MAG-1"], reference,
    )  # fmt: skip
    assert ("r1@exemple.fr", "reference") in thread_of(db, case_id)
    with db.sessions() as session:
        case = cases.find_case(session, case_id)
        interaction = session.get(Interaction, receipt.interaction_id)
        assert case.status == "open"
        assert interaction is not None
        assert interaction.payload["text"] == "C'est d'accord !"
        assert interaction.payload["subject"] == "Re: votre devis"


def test_an_unknown_sender_becomes_a_customer_with_a_new_request_and_its_attachments(
    db: Database, tmp_path: Path
):
    message = mail("=?utf-8?q?Ma=C3=ABlle_Tr=C3=A9guer?= <maelle@exemple.bzh>",
                   "Réclamation : pied de lit cassé", "Bonjour, le pied est cassé. Photo jointe.",
                   message_id="m1@exemple.bzh")  # fmt: skip
    message.add_attachment(b"\x89PNG fake photo", maintype="image", subtype="png",
                           filename="pied_cassé.png")  # fmt: skip
    message.add_attachment(b"0" * (11 * 1024 * 1024), maintype="video", subtype="mp4",
                           filename="video.mp4")  # fmt: skip

    first = received(db, message, tmp_path)
    again = received(db, message, tmp_path)

    assert (first.status, again.status) == ("recorded", "unchanged")
    with db.sessions() as session:
        customer = session.get(Customer, first.customer_id)
        assert customer is not None
        assert (customer.first_name, customer.last_name, customer.email) == (
            "Maëlle", "Tréguer", "maelle@exemple.bzh",
        )  # fmt: skip
        [case] = session.scalars(select(Case)).all()
        interaction = session.get(Interaction, first.interaction_id)
        assert interaction is not None
        photo, video = interaction.payload["attachments"]
    assert (case.type, case.channel, case.subject, case.customer_id) == (
        "request", "email", "Réclamation : pied de lit cassé", first.customer_id,
    )  # fmt: skip
    assert thread_of(db, case.id) == [("m1@exemple.bzh", "opening")]
    assert photo["filename"] == "pied_cassé.png"
    assert (tmp_path / photo["stored_as"]).read_bytes() == b"\x89PNG fake photo"
    assert (video["filename"], video["size"], "stored_as" in video) == (
        "video.mp4", 11 * 1024 * 1024, False,
    )  # fmt: skip
    assert video["refused"].startswith("too large: 11.0 MB > 10.0 MB")


def test_a_new_email_from_a_customer_joins_their_recent_case_whatever_its_channel(
    db: Database, tmp_path: Path
):
    customers = given_customers(db, CLAIRE)
    case_id, _ = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales",
                           channel="phone", subject="Poêle en panne")  # fmt: skip

    received(db, mail("claire.legoff@exemple.fr", "Photos du poêle", "Voici les photos.",
                      message_id="p1@exemple.fr"), tmp_path)  # fmt: skip

    assert thread_of(db, case_id)[-1] == ("p1@exemple.fr", "continuity")
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_an_auto_reply_is_kept_but_opens_no_case(db: Database, tmp_path: Path):
    given_customers(db, CLAIRE)

    receipt = received(db, mail("claire.legoff@exemple.fr", "Absente du bureau",
                                "Je suis absente jusqu'au 12.", message_id="auto1@exemple.fr",
                                Auto_Submitted="auto-replied"), tmp_path)  # fmt: skip

    with db.sessions() as session:
        interaction = session.get(Interaction, receipt.interaction_id)
        assert interaction is not None and interaction.payload["auto_submitted"] is True
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_an_email_from_last_month_is_history_and_opens_nothing(db: Database, tmp_path: Path):
    given_customers(db, CLAIRE)
    received(db, mail("claire.legoff@exemple.fr", "Question", "Bonjour ?", message_id="old@x.fr",
                      when=NOW - timedelta(days=30)), tmp_path)  # fmt: skip
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
