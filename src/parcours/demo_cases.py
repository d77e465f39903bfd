"""The demo's cases: Sens Confort's requests followed from one channel to another.

Five cases, their messages recorded as interactions (source ``demo-cases``) so that they reach
their case the way real ones do — by the reference they quote — and the steps an agent takes
recorded through the same services:

* the seeds' broken call-back, mended: a web call-back about a heat-pump quote becomes a case,
  Kévin calls back, sends the quote by e-mail at once, the customer answers quoting the
  reference, and signs in the Guingamp showroom;
* after-sales saturated at the showroom: a pellet stove's fault reported in the store, a part
  ordered (waiting internally), the technician's call, resolved;
* a delivery complaint in the chat, answered by e-mail, waiting on the customer;
* a question on the Facebook page, new;
* a call-back asked for "now" on the website, due within the quarter of an hour.

Sens Confort's people come with them: the Guingamp showroom's two sellers, a contact-centre agent
and an after-sales technician, with their queues and routing rules; each case is routed as it
opens.

Loading twice changes nothing: the interactions are idempotent and the people and cases are
created only when the demo's showroom team does not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.accounts.models import User
from parcours.accounts.services import create_user
from parcours.cases import callbacks, services, slas, staff
from parcours.cases.assignment import open_and_route
from parcours.cases.continuity import open_callback
from parcours.cases.models import Case, Team
from parcours.channels import accounts
from parcours.db import Database
from parcours.demo import DEFAULT_SEED
from parcours.demo_interactions import _identifiers_by_person
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction

DEMO_CASE_SOURCE = "demo-cases"
OPENER = "démo"
#: The demo's first team: once it exists, the demo cases are loaded.
SHOWROOM = "Showroom Guingamp"
START = datetime.fromisoformat("2026-11-16T09:12:00+01:00")


class _Demo:
    def __init__(self, database: Database, region: str) -> None:
        self.database, self.region, self.count = database, region, 0

    def message(self, key: str, at: datetime, channel: str, kind: str, identifiers: dict[str, str],
                direction: str = "inbound", **fields: Any) -> int:  # fmt: skip
        """Record one interaction (the subscribers take it to its case); its id."""
        self.count += 1
        item = {"external_id": key, "occurred_at": at.isoformat(), "channel": channel,
                "type": kind, "direction": direction, "identifiers": identifiers,
                **fields}  # fmt: skip
        with self.database.transaction(write=True) as session:
            [outcome] = record_interactions(
                session, [(self.count, DEMO_CASE_SOURCE, item)], region=self.region
            )
        assert outcome.interaction_id is not None, outcome.reason
        return outcome.interaction_id

    def callback(self, interaction_id: int, at: datetime) -> tuple[int, str]:
        """Open the call-back case of a request, as the subscriber does for a live one (the
        demo's requests are dated last week: history for the subscriber's rule)."""
        with self.database.transaction(write=True) as session:
            interaction = session.get(Interaction, interaction_id)
            assert interaction is not None
            case = open_callback(session, interaction, at)
            return case.id, case.reference

    def act(self, case_id: int, step: Callable[[Session, Case], object]) -> None:
        with self.database.transaction(write=True) as session:
            step(session, services.find_case(session, case_id))

    def open(self, at: datetime, **fields: Any) -> tuple[int, str]:
        with self.database.transaction(write=True) as session:
            case = open_and_route(session, opened_by=OPENER, now=at, **fields)
            return case.id, case.reference


def _staff(database: Database) -> None:
    """Sens Confort's people: two sellers in the Guingamp showroom, a contact-centre agent, an
    after-sales technician; a queue each, complaints to the contact centre, after-sales to the
    technician, and the showroom overflowing to the contact centre after two minutes."""
    with database.transaction(write=True) as session:
        staff.add_team(
            session, "Showroom Guingamp", "store", location="Guingamp", manager="André Meyer"
        )
        staff.add_team(
            session, "Relation client", "contact_centre", location="Guingamp", manager="André Meyer"
        )
        staff.add_team(session, "SAV", "back_office", manager="André Meyer")
        showroom = {"phone": 1, "chat": 2, "email": 5, "store": 3, "social": 3, "web": 3}
        staff.add_agent(
            session,
            "Nolwenn",
            "Showroom Guingamp",
            channels=showroom,
            skills={"language:fr": 5, "language:en": 2, "product:heat_pump": 3},
            presence="available",
        )
        staff.add_agent(
            session,
            "Kévin",
            "Showroom Guingamp",
            channels=showroom,
            skills={"language:fr": 5, "type:quote": 4, "type:callback": 3, "product:heat_pump": 5},
            presence="available",
        )
        staff.add_agent(
            session,
            "Aurélie",
            "Relation client",
            channels={"phone": 1, "chat": 3, "email": 10, "sms": 10, "social": 5},
            skills={"language:fr": 5, "language:en": 4, "type:complaint": 4},
            presence="available",
        )
        staff.add_agent(
            session,
            "Loïc",
            "SAV",
            channels={"phone": 1, "email": 5, "store": 2},
            skills={"language:fr": 5, "type:after_sales": 5},
            presence="available",
        )
        staff.add_queue(
            session,
            "Showroom",
            ["Showroom Guingamp"],
            overflow_after_seconds=120,
            overflow_teams=["Relation client"],
            default=True,
        )
        staff.add_queue(session, "Réclamations", ["Relation client"])
        staff.add_queue(
            session,
            "SAV",
            ["SAV"],
            overflow_after_seconds=3600,
            overflow_teams=["Showroom Guingamp"],
        )
        # The web chat of the shop's site (try it on /chat/chat-site/demo).
        accounts.save(session, "chat-site", "webchat", {
            "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"],
            "hours": "always", "welcome_fr": "Bonjour ! Une question sur nos produits ?",
            "welcome_en": "Hello! A question about our products?",
        })  # fmt: skip
        staff.add_rule(session, 1, "SAV", {"types": ["after_sales"]})
        staff.add_rule(
            session, 2, "Réclamations", {"types": ["complaint", "order_problem"]}, priority="high"
        )
        staff.add_rule(session, 3, "Réclamations", {"segments": ["vip"]}, priority="high")
        slas.add_policy(
            session,
            "Urgent",
            1,
            first_response_minutes=30,
            resolution_minutes=240,
            conditions={"priorities": ["urgent"]},
        )
        slas.add_policy(
            session,
            "Téléphone et chat",
            2,
            first_response_minutes=60,
            resolution_minutes=960,
            conditions={"channels": ["phone", "chat", "web"]},
        )
        slas.add_policy(session, "Standard", 3, first_response_minutes=480, resolution_minutes=2400)


def _status(status: str, actor: str, at: datetime, reason: str | None = None) -> Callable[..., Any]:
    return lambda session, case: services.change_status(
        session, case, status, actor=actor, reason=reason, now=at
    )


def load_demo_cases(database: Database, *, region: str = "FR") -> int:
    """Open the demo cases (once); how many were opened."""
    with database.sessions() as session:
        if session.scalar(select(Team.id).where(Team.name == SHOWROOM)) is not None:
            return 0
    people = [ids for _, ids in sorted(_identifiers_by_person(DEFAULT_SEED).items())
              if "email" in ids and "phone" in ids][:5]  # fmt: skip
    _staff(database)
    demo, t, hour = _Demo(database, region), START, timedelta(hours=1)
    email = [{"email": person["email"]} for person in people]

    # 1. The broken call-back, mended.
    callback = demo.message(
        "cb-1",
        t,
        "web",
        "callback_request",
        email[0],
        payload={"subject": "Devis pompe à chaleur air/eau", "slot": "now"},
    )
    # The call-back request becomes a case; Kévin calls back within the hour.
    quote, reference = demo.callback(callback, t)
    demo.act(quote, lambda session, case: callbacks.record_attempt(
        session, case, "reached", agent="Kévin", duration_seconds=540, now=t + hour))  # fmt: skip
    demo.message("quote-1", t + 2 * hour, "email", "email_sent", email[0], direction="outbound",
                 agent="Kévin", case_ref=reference,
                 payload={"subject": f"[{reference}] Votre devis pompe à chaleur",
                          "attachment": "devis-PAC-air-eau.pdf"})  # fmt: skip
    demo.act(quote, _status("waiting_customer", "Kévin", t + 2 * hour, "devis envoyé"))
    demo.message("reply-1", t + 26 * hour, "email", "message", email[0],
                 payload={"subject": f"RE: [{reference}] Votre devis pompe à chaleur",
                          "text": "Bonjour, je passe au magasin samedi pour signer."})  # fmt: skip
    demo.message(
        "visit-1",
        t + 120 * hour,
        "store",
        "store_visit",
        email[0],
        agent="Nolwenn",
        location="Guingamp",
        case_ref=reference,
    )
    demo.act(quote, _status("resolved", "Nolwenn", t + 121 * hour, "devis signé en magasin"))

    # 2. After-sales, saturated at the showroom.
    t2 = START + 2 * hour
    visit = demo.message(
        "sav-1",
        t2,
        "store",
        "after_sales",
        email[1],
        location="Guingamp",
        payload={"text": "Le poêle à granulés s'arrête au bout d'une heure"},
    )
    stove, stove_reference = demo.open(
        t2, customer_id=_known(database, visit), case_type="after_sales", channel="store",
        subject="Poêle à granulés : arrêt après une heure", interaction_id=visit,
    )  # fmt: skip
    demo.act(stove, _status("waiting_internal", "Loïc", t2 + hour, "pièce commandée"))
    demo.act(stove, lambda s, c: services.add_note(
        s, c, author="Loïc", body="Sonde de température commandée chez le fabricant",
        now=t2 + hour))  # fmt: skip
    demo.message(
        "sav-call",
        t2 + 72 * hour,
        "phone",
        "call",
        email[1],
        direction="outbound",
        agent="Loïc",
        duration_seconds=300,
        case_ref=stove_reference,
    )
    demo.act(stove, _status("resolved", "Loïc", t2 + 73 * hour, "sonde remplacée"))

    # 3. A delivery complaint in the chat, answered by e-mail.
    t3 = START + 30 * hour
    chat = demo.message(
        "chat-1",
        t3,
        "chat",
        "complaint",
        email[2],
        payload={"text": "Ma climatisation devait être livrée hier !"},
    )
    late, late_reference = demo.open(
        t3, customer_id=_known(database, chat), case_type="complaint", channel="chat",
        subject="Livraison de climatisation en retard", priority="urgent", interaction_id=chat,
    )  # fmt: skip
    demo.message(
        "late-mail",
        t3 + hour,
        "email",
        "email_sent",
        email[2],
        direction="outbound",
        agent="Aurélie",
        case_ref=late_reference,
        payload={"subject": f"[{late_reference}] Nouvelle date de livraison"},
    )
    demo.act(late, _status("waiting_customer", "Aurélie", t3 + hour, "nouvelle date proposée"))

    # 4. A question on the Facebook page.
    t4 = START + 50 * hour
    post = demo.message(
        "fb-1",
        t4,
        "social",
        "message",
        email[3],
        network="facebook",
        payload={"text": "Vous installez des VMC double flux à Lannion ?"},
    )
    demo.open(t4, customer_id=_known(database, post), case_type="information", channel="social",
              subject="VMC double flux à Lannion ?", interaction_id=post)  # fmt: skip

    # 5. A call-back asked for now, due within the hour.
    t5 = START + 52 * hour
    now = demo.message(
        "cb-2",
        t5,
        "web",
        "callback_request",
        email[4],
        payload={"subject": "Rappel immédiat", "slot": "now"},
    )
    # Its case is due within the quarter of an hour, routed to a phone agent.
    demo.callback(now, t5)
    return 5


def _known(database: Database, interaction_id: int) -> int | None:
    """The customer an interaction was attributed to."""
    with database.sessions() as session:
        return session.scalar(
            select(Interaction.customer_id).where(Interaction.id == interaction_id)
        )


#: The demo's people in the console: the staff above (the agent record's name is the user's
#: display name, which is how the inbox finds "my" cases), their manager and a marketer.
DEMO_PEOPLE = (
    ("nolwenn", "seller", "Nolwenn"),
    ("kevin", "seller", "Kévin"),
    ("aurelie", "agent", "Aurélie"),
    ("loic", "back_office", "Loïc"),
    ("andre", "manager", "André Meyer"),
    ("maela", "marketer", "Maëla"),
)


def load_demo_people(database: Database) -> dict[str, str]:
    """Console users for the demo's people; login → password for those created now (shown
    once), nothing for those that exist already."""
    created = {}
    with database.transaction(write=True) as session:
        for login, role, name in DEMO_PEOPLE:
            if session.scalar(select(User.id).where(User.login == login)) is None:
                created[login] = create_user(session, login, role=role, display_name=name)
    return created
