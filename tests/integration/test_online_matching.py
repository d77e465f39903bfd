"""A record arriving after ``parcours resolve`` is matched against the base at once."""

from __future__ import annotations

from sqlalchemy import func, select

from parcours.customers.ingest import IncomingRecord, MatchSettings, ingest_batch
from parcours.customers.matching.policy import DEFAULT_CONFLICTS
from parcours.customers.models import MatchKey, MatchReview
from parcours.db import Database
from tests.integration.test_resolution import AUTO, REVIEW, customer_of, given_the_base, run_resolve

MATCH = MatchSettings(AUTO, REVIEW, DEFAULT_CONFLICTS)


def kiosk(external_id: str, **fields: str) -> IncomingRecord:
    """The showroom kiosk asks for a name, a birth date and an address; no e-mail, no phone."""
    return IncomingRecord("kiosk", external_id, fields)


def test_a_known_customer_at_the_kiosk_joins_their_customer_without_any_identifier(db: Database):
    # Given a resolved base where Yann Prigent is known from the till and the website
    given_the_base(db)
    run_resolve(db)
    yann = customer_of(db, "MAG-102")

    # When he signs in at the kiosk with his name typed in capitals, his birth date and address
    with db.transaction(write=True) as session:
        (outcome,) = ingest_batch(
            session,
            [kiosk("K-1", first_name="YANN", last_name="PRIGENT", birth_date="02/11/1985",
                   street="4 place du Centre", postcode="22500", city="Paimpol")],
            match=MATCH,
        )  # fmt: skip

    # Then the record joins his customer, with the match rate as its reason
    assert (outcome.status, outcome.customer_id) == ("attached", yann)
    assert outcome.reason.startswith("match rate ")
    assert outcome.reason.split(" ")[2].endswith("%")


def test_without_match_settings_or_before_any_model_a_record_only_attaches_by_identifier(
    db: Database,
):
    given_the_base(db)
    record = kiosk("K-2", first_name="Yann", last_name="Prigent", birth_date="1985-11-02",
                   postcode="22500", city="Paimpol")  # fmt: skip

    with db.transaction(write=True) as session:
        (before_model,) = ingest_batch(session, [record], match=MATCH)

    assert before_model.status == "created"
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MatchKey)) == 0


def test_a_household_member_at_the_kiosk_becomes_a_customer_and_a_review(db: Database):
    # Given a resolved base where Hélène Le Goff lives 12 rue de Brest in Guingamp
    given_the_base(db)
    run_resolve(db)
    helene = customer_of(db, "MAG-101")

    # When her husband Yves registers at the kiosk with the same surname and address
    with db.transaction(write=True) as session:
        (outcome,) = ingest_batch(
            session,
            [kiosk("K-3", first_name="Yves", last_name="Le Goff", street="12 rue de Brest",
                   postcode="22200", city="Guingamp")],
            match=MATCH,
        )  # fmt: skip

    # Then he is a customer of his own (the household rule forbids an automatic merge), and the
    # pair, alike on everything but the first name, waits for a person
    assert outcome.status == "created"
    assert outcome.customer_id != helene
    with db.sessions() as session:
        reviews = session.execute(
            select(MatchReview.customer_a_id, MatchReview.customer_b_id, MatchReview.status).where(
                MatchReview.customer_b_id == outcome.customer_id
            )
        ).all()
    assert reviews == [(helene, outcome.customer_id, "pending")]


def test_resolve_indexes_the_blocking_keys_of_every_record(db: Database):
    given_the_base(db)

    report = run_resolve(db)

    with db.sessions() as session:
        indexed = session.scalar(
            select(func.count(func.distinct(MatchKey.source_record_id))).select_from(MatchKey)
        )
    assert indexed == report.records


def test_a_record_with_only_a_name_never_joins_a_customer_on_its_own(db: Database):
    # Given a resolved base where Yann Prigent is known
    given_the_base(db)
    run_resolve(db)
    yann = customer_of(db, "MAG-102")

    # When a record arrives with nothing but his first name and surname
    with db.transaction(write=True) as session:
        (outcome,) = ingest_batch(
            session, [kiosk("K-4", first_name="Yann", last_name="Prigent")], match=MATCH
        )

    # Then it is a customer of its own: namesakes are common, a person decides
    assert outcome.status == "created"
    assert outcome.customer_id != yann
