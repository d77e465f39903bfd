"""The customer 360's service (parcours.customer360), on SQLite and PostgreSQL: every section
gathered, the timeline paged, notes, follows, consents and unmerge — and nothing done on a
customer the reader may not see."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from parcours import customer360
from parcours.cases import services as cases
from parcours.channels import consents
from parcours.channels.models import Consent
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import MergeError, merge_customers
from parcours.customers.models import Customer
from parcours.customers.services import CustomerNotFound, Visibility
from parcours.db import Database
from parcours.experience import services as surveys
from parcours.interactions.clientbook import ClientBookError
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import CustomerNote, Follow

LANNION = Visibility(sees_all=False, unit="Franchise Lannion")
RECORDS = [
    IncomingRecord("lannion", "L1", {"first_name": "Claire", "last_name": "Le Goff",
                                     "email": "claire.legoff@exemple.fr",
                                     "phone": "06 12 34 56 78",
                                     "owning_unit": "Franchise Lannion"}),
    IncomingRecord("web", "W1", {"first_name": "Yann", "last_name": "Prigent",
                                 "email": "yann.prigent@exemple.fr"}),
    IncomingRecord("brest", "B1", {"first_name": "Brigitte", "last_name": "Kerbrat",
                                   "phone": "06 98 76 54 32", "owning_unit": "Franchise Brest"}),
]  # fmt: skip


def given_customers(db: Database) -> dict[str, int]:
    with db.transaction(write=True) as session:
        outcomes = ingest_batch(session, RECORDS)
    return dict(zip(("claire", "yann", "brigitte"), (o.customer_id for o in outcomes), strict=True))


def given_purchases(db: Database, count: int) -> None:
    items = [
        (line, "caisse", {"external_id": f"T-{line}", "channel": "store", "type": "purchase",
                          "occurred_at": f"2026-11-{line:02d}T10:00:00+01:00",
                          "amount": "10.00", "currency": "EUR",
                          "identifiers": {"email": "claire.legoff@exemple.fr"}})
        for line in range(1, count + 1)
    ]  # fmt: skip
    with db.transaction(write=True) as session:
        record_interactions(session, items)


def given_answers(db: Database, customer_id: int) -> None:
    with db.transaction(write=True) as session:
        survey = surveys.create_survey(session, "showroom", [
            surveys.QuestionSpec("reco", "nps", 0, 10, label="Recommanderiez-vous ?"),
            surveys.QuestionSpec("avis", "text"),
        ], title="Visite du showroom")  # fmt: skip
        questions = surveys.questions_of(session, survey)
        for question, score, comment, day in [
            ("reco", 9, None, "2026-11-10"),
            ("avis", None, "Vendeur très aimable, accueil parfait.", "2026-11-12"),
        ]:
            surveys.record_answer(session, survey, questions, surveys.AnswerIn(
                question, score, respondent="claire", comment=comment, channel="sms",
                answered_at=datetime.fromisoformat(f"{day}T09:00:00+00:00"),
                customer_id=customer_id,
            ))  # fmt: skip


def test_given_a_customer_seen_everywhere_when_gathered_then_each_section_holds_their_data(
    db: Database,
):
    ids = given_customers(db)
    given_purchases(db, 3)
    given_answers(db, ids["claire"])
    with db.transaction(write=True) as session:
        cases.open_case(session, customer_id=ids["claire"], case_type="quote", channel="email",
                        subject="Devis pompe à chaleur", opened_by="nolwenn")  # fmt: skip
        customer360.add_note(session, ids["claire"], LANNION, author="nolwenn",
                             body="Préfère être appelée le matin.")  # fmt: skip
        consents.record(session, channel="email", address="claire.legoff@exemple.fr",
                        purpose="marketing", is_granted=True, source="showroom tablet")  # fmt: skip
        customer360.follow(session, ids["claire"], LANNION, "nolwenn")

    with db.sessions() as session:
        seen = customer360.gather(session, ids["claire"], LANNION, follower="nolwenn")

    assert seen.customer.last_name == "Le Goff"
    assert [case.subject for case in seen.cases] == ["Devis pompe à chaleur"]
    assert (seen.timeline.total, len(seen.timeline.items)) == (3, 3)
    assert [n.body for n in seen.notes.items] == ["Préfère être appelée le matin."]
    by_address = {(line.channel, line.address): line.decisions for line in seen.consents}
    assert list(by_address) == [("sms", "+33612345678"), ("email", "claire.legoff@exemple.fr")]
    allowed = {key: {p: d.is_allowed for p, d in decisions.items()}
               for key, decisions in by_address.items()}  # fmt: skip
    assert allowed == {
        ("sms", "+33612345678"): {"service": True, "surveys": True, "marketing": False},
        ("email", "claire.legoff@exemple.fr"): {"service": True, "surveys": True,
                                                "marketing": True},
    }  # fmt: skip
    assert [(a.question, a.score, a.comment, a.tone) for a in seen.answers] == [
        ("avis", None, "Vendeur très aimable, accueil parfait.", "positive"),
        ("Recommanderiez-vous ?", 9, None, None),
    ]
    assert seen.answers[0].survey == "Visite du showroom"
    assert seen.merges == [] and seen.is_followed is True


def test_given_25_interactions_when_paged_then_20_newest_then_the_5_oldest(db: Database):
    ids = given_customers(db)
    given_purchases(db, 25)

    with db.sessions() as session:
        first = customer360.timeline(session, ids["claire"], page=1)
        second = customer360.timeline(session, ids["claire"], page=2)
        beyond = customer360.timeline(session, ids["claire"], page=3)

    assert (first.total, len(first.items), len(second.items), len(beyond.items)) == (25, 20, 5, 0)
    assert first.items[0].external_id == "T-25" and second.items[-1].external_id == "T-1"


def test_given_an_empty_or_overlong_note_when_added_then_it_is_refused(db: Database):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        with pytest.raises(ClientBookError, match="a note needs some text"):
            customer360.add_note(session, ids["claire"], LANNION, author="nolwenn", body="  ")
        with pytest.raises(ClientBookError, match="at most 4000 characters"):
            customer360.add_note(session, ids["claire"], LANNION, author="nolwenn",
                                 body="x" * 4001)  # fmt: skip
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CustomerNote)) == 0


def test_given_a_merge_when_undone_from_the_360_then_both_customers_are_back_with_their_notes(
    db: Database,
):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        customer360.add_note(session, ids["yann"], LANNION, author="nolwenn", body="Note Yann")
        merge = merge_customers(session, [ids["claire"], ids["yann"]], decided_by="test")
        merge_id = merge.id
    with db.sessions() as session:
        merged = customer360.gather(session, ids["claire"], LANNION, follower="nolwenn")
        assert customer360.live_id(session, ids["yann"], LANNION) == ids["claire"]
    assert [(line.merge.id, line.sources, line.is_undoable) for line in merged.merges] == [
        (merge_id, [ids["yann"]], True)
    ]
    assert [n.body for n in merged.notes.items] == ["Note Yann"]

    with db.transaction(write=True) as session:
        concerned = customer360.unmerge(session, ids["claire"], merge_id, LANNION,
                                        decided_by="user nolwenn")  # fmt: skip

    assert concerned == sorted([ids["claire"], ids["yann"]])
    with db.sessions() as session:
        yann = session.get(Customer, ids["yann"])
        assert yann is not None and yann.merged_into_id is None
        claire = customer360.gather(session, ids["claire"], LANNION, follower="nolwenn")
        assert customer360.notes_of(session, ids["yann"]).total == 1
    assert claire.notes.total == 0
    assert [(line.merge.undone_by, line.is_undoable) for line in claire.merges] == [
        ("user nolwenn", False)
    ]
    with db.transaction(write=True) as session, pytest.raises(MergeError, match="already undone"):
        customer360.unmerge(session, ids["claire"], merge_id, LANNION, decided_by="again")


def test_given_a_merge_of_another_customer_when_undone_from_this_one_then_it_is_not_found(
    db: Database,
):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        merge_id = merge_customers(session, [ids["claire"], ids["yann"]], decided_by="test").id
        other = session.scalar(select(Customer.id).where(Customer.last_name == "Kerbrat"))
        assert other is not None
        with pytest.raises(customer360.MergeNotOnCustomer):
            customer360.unmerge(session, other, merge_id, Visibility(), decided_by="admin")


def test_given_another_franchises_customer_when_changed_then_not_found_and_nothing_changes(
    db: Database,
):
    ids = given_customers(db)
    theirs = ids["brigitte"]
    with db.transaction(write=True) as session:
        refused = []
        for attempt in (
            lambda: customer360.add_note(session, theirs, LANNION, author="n", body="Note"),
            lambda: customer360.follow(session, theirs, LANNION, "nolwenn"),
            lambda: customer360.unfollow(session, theirs, LANNION, "nolwenn"),
            lambda: customer360.gather(session, theirs, LANNION, follower="nolwenn"),
            lambda: customer360.record_consent(session, theirs, LANNION, channel="sms",
                                               address="+33698765432", purpose="marketing",
                                               is_granted=True, source="console"),
        ):  # fmt: skip
            with pytest.raises(CustomerNotFound):
                attempt()
            refused.append(True)

    assert len(refused) == 5
    with db.sessions() as session:
        counted = [session.scalar(select(func.count()).select_from(table))
                   for table in (CustomerNote, Follow, Consent)]  # fmt: skip
    assert counted == [0, 0, 0]


def test_given_a_followed_customer_when_followed_again_or_merged_then_one_follow_holds(
    db: Database,
):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        first = customer360.follow(session, ids["yann"], LANNION, "nolwenn")
        again = customer360.follow(session, ids["yann"], LANNION, "nolwenn")
        merge_customers(session, [ids["claire"], ids["yann"]], decided_by="test")
        through_merge = customer360.follow(session, ids["claire"], LANNION, "nolwenn")
        listed = [c.last_name for c in customer360.followed_customers(session, "nolwenn", LANNION)]
        stopped = customer360.unfollow(session, ids["claire"], LANNION, "nolwenn")
        after = customer360.followed_customers(session, "nolwenn", LANNION)

    assert (first, again, through_merge, stopped) == (True, False, False, True)
    assert listed == ["Le Goff"] and after == []


def test_given_a_followed_customer_no_longer_visible_then_the_list_leaves_it_out(db: Database):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        customer360.follow(session, ids["brigitte"], Visibility(), "admin")
        customer360.follow(session, ids["yann"], Visibility(), "admin")
        seen = customer360.followed_customers(session, "admin", LANNION)
    assert [c.last_name for c in seen] == ["Prigent"]


def test_given_a_consent_form_when_recorded_then_only_the_customers_own_addresses_are_taken(
    db: Database,
):
    ids = given_customers(db)
    with db.transaction(write=True) as session:
        customer360.record_consent(session, ids["claire"], LANNION, channel="sms",
                                   address="+33612345678", purpose="all", is_granted=False,
                                   source="console nolwenn")  # fmt: skip
        with pytest.raises(consents.ConsentError, match="not an address of this customer"):
            customer360.record_consent(session, ids["claire"], LANNION, channel="sms",
                                       address="+33698765432", purpose="marketing",
                                       is_granted=True, source="console nolwenn")  # fmt: skip
    with db.sessions() as session:
        seen = customer360.gather(session, ids["claire"], LANNION, follower="nolwenn")
        stored = session.scalars(select(Consent)).all()

    sms = next(line for line in seen.consents if line.channel == "sms")
    assert {p: d.is_allowed for p, d in sms.decisions.items()} == {
        "service": False, "surveys": False, "marketing": False,
    }  # fmt: skip
    assert [(c.address, c.purpose, c.is_granted) for c in stored] == [
        ("+33612345678", "all", False)
    ]


def test_given_no_activity_when_gathered_then_every_section_is_empty(db: Database):
    ids = given_customers(db)
    with db.sessions() as session:
        seen = customer360.gather(session, ids["yann"], Visibility(), follower="nolwenn")
    assert (seen.cases, seen.timeline.total, seen.notes.total, seen.answers, seen.merges) == (
        [], 0, 0, [], [],
    )  # fmt: skip
    assert [(line.channel, line.address) for line in seen.consents] == [
        ("email", "yann.prigent@exemple.fr")
    ]
    assert seen.is_followed is False
