"""A small world for the security matrices: a person and a token of every role, a brand customer
with an open case waiting in a queue, a pending duplicate, a merge into that customer, a team
with its agent, channel accounts holding secrets, a web chat — and the list of every secret in
it, which no page and no API answer may ever show."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from parcours.accounts.access import ROLES
from parcours.accounts.models import ApiToken, User
from parcours.accounts.services import create_token, create_user
from parcours.cases import assignment, staff, webchat
from parcours.cases import services as cases
from parcours.channels import accounts
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import merge_customers
from parcours.customers.models import MatchReview, SourceRecord
from parcours.db import Database, create_db_engine
from parcours.experience import services as surveys
from parcours.experience.models import SurveyQuestion
from tests.conftest import sqlite_url_for

#: Channel accounts and their secrets, one of each kind that has some.
CHANNEL_SECRETS: dict[str, tuple[str, dict[str, object], dict[str, str]]] = {
    "boite-sav": ("email", {"address": "sav@sens-confort.example"},
                  {"imap_password": "imap-password-f00d"}),
    "sms-sav": ("sms_twilio", {"account_sid": "AC123", "webhook_url": "https://x.example/sms",
                               "from_number": "+33700000000"},
                {"auth_token": "twilio-auth-token-f00d"}),
    "whatsapp-sav": ("whatsapp", {"phone_number_id": "1234"},
                     {"access_token": "wa-access-f00d", "app_secret": "wa-app-secret-f00d",
                      "verify_token": "wa-verify-f00d"}),
    "messenger-page": ("messenger", {"page_id": "987"},
                       {"page_access_token": "fb-page-token-f00d",
                        "app_secret": "fb-app-secret-f00d", "verify_token": "fb-verify-f00d"}),
    "aircall": ("telephony_aircall", {}, {"token": "aircall-token-f00d"}),
    "pbx": ("telephony_generic", {}, {"secret": "pbx-secret-f00d"}),
    "chat-site": ("webchat", {"allowed_origins": ["https://www.sens-confort.example"]}, {}),
}  # fmt: skip


TEAM, QUEUE = "Service client", "sav"


@dataclass
class World:
    database: Database
    home: Path
    #: role → the password of the person ``user-<role>``; the value of the token ``token-<role>``.
    passwords: dict[str, str]
    tokens: dict[str, str]
    customer_id: int
    case_reference: str
    review_id: int
    conversation_id: int
    #: The agent ``user-admin`` (an admin's staff record, by name), offline while the case was
    #: routed, then available: the "next case" button gives them the waiting case.
    agent_id: int
    #: A merge of another customer into ``customer_id`` (undone by the 360's unmerge).
    merge_id: int
    #: A survey's NPS question (the dashboard's answers behind a point of its trend).
    question_id: int
    #: The team of the agent, and the (default) queue the team serves.
    team: str = TEAM
    queue: str = QUEUE
    #: Every secret value stored in the world (filled once the world is built).
    secrets: list[str] = field(default_factory=list)


def build_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory,
                people: tuple[str, ...] = ROLES) -> World:  # fmt: skip
    """On a fresh copy of the migrated template, with a person of each role of ``people`` (an
    argon2 hash takes a third of a second) and a token of every role; the caller disposes of
    ``database.engine``."""
    home = tmp_path_factory.mktemp("security-world")
    shutil.copyfile(sqlite_template, home / "parcours.db")
    database = Database(create_db_engine(sqlite_url_for(home / "parcours.db")))
    with database.transaction(write=True) as session:
        passwords = {role: create_user(session, f"user-{role}", role=role) for role in people}
        tokens = {role: create_token(session, f"token-{role}", role=role) for role in ROLES}
        claire, claire_again, claire_by_phone = ingest_batch(session, [
            IncomingRecord("store", "MAG-1", {"first_name": "Claire", "last_name": "Le Goff",
                                              "email": "claire@exemple.fr"}),
            IncomingRecord("web", "WEB-1", {"first_name": "Claire", "last_name": "LE GOFF",
                                            "email": "c.legoff@exemple.fr"}),
            IncomingRecord("store", "MAG-2", {"first_name": "Claire", "last_name": "Le Goff",
                                              "phone": "+33611223344"}),
        ])  # fmt: skip
        assert claire.customer_id is not None and claire_again.customer_id is not None
        assert claire_by_phone.customer_id is not None
        staff.add_team(session, TEAM, "contact_centre")
        staff.add_queue(session, QUEUE, [TEAM], default=True)
        agent = staff.add_agent(
            session, "user-admin", TEAM, channels={"email": 5}, skills={"language:fr": 3}
        )
        case = cases.open_case(session, customer_id=claire.customer_id, case_type="quote",
                               channel="email", subject="Devis", opened_by="test")  # fmt: skip
        assignment.route(session, case, actor="test")
        staff.set_presence(session, agent, "available")
        record_a, record_b = (
            session.scalars(select(SourceRecord.id).where(SourceRecord.customer_id == c)).one()
            for c in (claire.customer_id, claire_again.customer_id)
        )
        merge = merge_customers(session, [claire.customer_id, claire_by_phone.customer_id],
                                decided_by="test")  # fmt: skip
        evidence = [{"field": "last_name", "level": "exact", "weight": 6.1}]
        review = MatchReview(customer_a_id=claire.customer_id,
                             customer_b_id=claire_again.customer_id, record_a_id=record_a,
                             record_b_id=record_b, probability=0.8, evidence=evidence)  # fmt: skip
        session.add(review)
        for name, (kind, settings, secrets) in CHANNEL_SECRETS.items():
            accounts.save(session, name, kind, settings, secrets)
        conversation = webchat.start(session, accounts.account_named(session, "chat-site"))
        survey = surveys.create_survey(session, "avis", [surveys.parse_question("q1:nps:0-10")])
        session.flush()
        question_id = session.scalars(
            select(SurveyQuestion.id).where(SurveyQuestion.survey_id == survey.id)
        ).one()
        world = World(database, home, passwords, tokens, claire.customer_id, case.reference,
                      review.id, conversation.id, agent.id, merge.id, question_id)  # fmt: skip
        world.secrets = [
            *passwords.values(), *tokens.values(), conversation.token,
            *session.scalars(select(User.password_hash)),
            *session.scalars(select(ApiToken.token_hash)),
            *(value for _, _, secrets in CHANNEL_SECRETS.values() for value in secrets.values()),
        ]  # fmt: skip
    return world


def secrets_shown(text: str, world: World) -> list[str]:
    """The secrets of the world found in ``text`` (and any argon2 hash)."""
    found = [secret for secret in world.secrets if secret in text]
    return found + (["$argon2"] if "$argon2" in text else [])
