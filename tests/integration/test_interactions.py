"""Interactions on SQLite and PostgreSQL: idempotent ingestion, attribution, anonymous stitching,
timelines that follow merges and unmerges, filters and paging."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import merge_customers, unmerge
from parcours.customers.models import SourceRecord
from parcours.db import Database
from parcours.interactions import clientbook, services
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction, InteractionIdentifier

CLAIRE = IncomingRecord("store", "MAG-1", {"first_name": "Claire", "last_name": "Le Goff",
                                           "email": "claire.legoff@exemple.fr",
                                           "phone": "06 12 34 56 78"})  # fmt: skip
CLAIRE_WEB = IncomingRecord("web", "WEB-1", {"first_name": "Claire", "last_name": "Le Goff",
                                             "email": "claire.lg@exemple.fr"})  # fmt: skip
YANN = IncomingRecord("store", "MAG-2", {"first_name": "Yann", "last_name": "Prigent",
                                         "email": "yann.prigent@exemple.fr",
                                         "phone": "02 96 43 12 00"})  # fmt: skip
MARIE = IncomingRecord("store", "MAG-3", {"first_name": "Marie", "last_name": "Prigent",
                                          "phone": "02 96 43 12 00"})  # fmt: skip


def event(external_id: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"external_id": external_id, "occurred_at": when, "channel": "web",
            "type": "page_view", **fields}  # fmt: skip


def given_customers(db: Database, *records: IncomingRecord) -> dict[str, int]:
    with db.transaction(write=True) as session:
        ingest_batch(session, list(records))
    with db.sessions() as session:
        rows = session.execute(select(SourceRecord.external_id, SourceRecord.customer_id)).all()
    return {external_id: customer_id for external_id, customer_id in rows}


def send(db: Database, *items: dict[str, Any], source: str = "site") -> list[Any]:
    with db.transaction(write=True) as session:
        return record_interactions(
            session, [(line, source, item) for line, item in enumerate(items, start=1)]
        )


def timeline_ids(db: Database, customer_id: int, **options: Any) -> list[str]:
    with db.sessions() as session:
        page = services.timeline(session, customer_id, page_size=200, **options)
    return [item.external_id for item in page.items]


def test_an_interaction_with_a_known_email_goes_to_that_customer(db: Database):
    customers = given_customers(db, CLAIRE, YANN)

    outcomes = send(db, event("e1", "2026-05-04T10:12:00+02:00",
                              identifiers={"email": "Claire.LeGoff@EXEMPLE.fr"}))  # fmt: skip

    assert [(o.status, o.customer_id) for o in outcomes] == [("recorded", customers["MAG-1"])]
    assert timeline_ids(db, customers["MAG-1"]) == ["e1"]
    assert timeline_ids(db, customers["MAG-2"]) == []


def test_sending_the_same_interaction_again_changes_nothing_and_a_new_version_updates_it(
    db: Database,
):
    customers = given_customers(db, CLAIRE)
    first = event("e1", "2026-05-04T10:12:00+02:00", identifiers={"phone": "+33612345678"})
    send(db, first)

    again = send(db, first)
    changed = send(db, {**first, "type": "product_view", "payload": {"sku": "OSLO-3"}})

    assert [o.status for o in again] == ["unchanged"]
    assert [(o.status, o.customer_id) for o in changed] == [("updated", customers["MAG-1"])]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 1
        assert session.scalar(select(func.count()).select_from(InteractionIdentifier)) == 1
        stored = session.scalars(select(Interaction)).one()
    assert (stored.type, stored.payload) == ("product_view", {"sku": "OSLO-3"})


def test_a_bad_item_is_rejected_with_its_field_and_the_others_go_in(db: Database):
    given_customers(db, CLAIRE)

    outcomes = send(
        db,
        event("ok", "2026-05-04T10:12:00+02:00"),
        event("no-zone", "2026-05-04T10:12:00"),
        event("bad-channel", "2026-05-04T10:12:00Z", channel="pigeon"),
        event("bad-email", "2026-05-04T10:12:00Z", identifiers={"email": "not an address"}),
        event("ok", "2026-05-04T11:00:00Z"),
    )

    assert [(o.external_id, o.status, o.field) for o in outcomes] == [
        ("ok", "recorded", None),
        ("no-zone", "rejected", "occurred_at"),
        ("bad-channel", "rejected", "channel"),
        ("bad-email", "rejected", "identifiers.email"),
        ("ok", "rejected", "external_id"),
    ]
    assert outcomes[4].reason == "repeats the interaction of line 1 in the same batch"


def test_anonymous_browsing_appears_in_the_timeline_once_the_visitor_logs_in(db: Database):
    customers = given_customers(db, CLAIRE)
    # Given two product views with only a cookie: nobody's yet
    before = send(
        db,
        event("v1", "2026-05-01T09:00:00Z", type="product_view", identifiers={"cookie": "ck-1"}),
        event("v2", "2026-05-01T09:05:00Z", type="product_view", identifiers={"cookie": "ck-1"}),
    )
    assert [o.customer_id for o in before] == [None, None]

    # When the visitor logs in with her e-mail, the same cookie on the login
    login = {"email": "claire.legoff@exemple.fr", "cookie": "ck-1"}
    send(db, event("login", "2026-05-02T18:00:00Z", type="login", identifiers=login))

    # Then the earlier browsing is hers, newest first
    assert timeline_ids(db, customers["MAG-1"]) == ["login", "v2", "v1"]


def test_a_cookie_on_a_customer_record_attributes_the_earlier_browsing(db: Database):
    send(db, event("v1", "2026-05-01T09:00:00Z", identifiers={"cookie": "ck-9"}))

    customers = given_customers(
        db, IncomingRecord("web", "WEB-9", {"first_name": "Claire", "last_name": "Le Goff",
                                            "email": "c@exemple.fr", "cookie": "ck-9"})
    )  # fmt: skip

    assert timeline_ids(db, customers["WEB-9"]) == ["v1"]


def test_a_shared_landline_alone_does_not_say_whose_call_it_was(db: Database):
    customers = given_customers(db, YANN, MARIE)
    assert customers["MAG-2"] != customers["MAG-3"]

    (outcome,) = send(db, event("call", "2026-05-03T10:00:00Z", channel="phone", type="call",
                                identifiers={"phone": "02 96 43 12 00"}))  # fmt: skip

    assert outcome.customer_id is None


def test_a_merge_brings_the_timelines_together_and_an_unmerge_sends_them_back(db: Database):
    customers = given_customers(db, CLAIRE, CLAIRE_WEB)
    store, web = customers["MAG-1"], customers["WEB-1"]
    send(
        db,
        event("till", "2026-05-01T10:00:00Z", channel="store", type="purchase",
              identifiers={"email": "claire.legoff@exemple.fr"}, amount="1290.00"),
        event("site", "2026-05-02T10:00:00Z", identifiers={"email": "claire.lg@exemple.fr"}),
    )  # fmt: skip

    with db.transaction(write=True) as session:
        merge = merge_customers(session, [store, web], decided_by="test")
    merged = timeline_ids(db, store)
    with db.transaction(write=True) as session:
        unmerge(session, merge.id, decided_by="test")

    assert merged == ["site", "till"]
    assert timeline_ids(db, store) == ["till"]
    assert timeline_ids(db, web) == ["site"]


def test_the_timeline_filters_by_channel_phase_type_and_period_and_pages(db: Database):
    customers = given_customers(db, CLAIRE)
    claire = {"email": "claire.legoff@exemple.fr"}
    send(
        db,
        event("view", "2026-05-01T10:00:00Z", type="product_view", identifiers=claire),
        event("buy", "2026-05-03T10:00:00Z", channel="store", type="purchase",
              identifiers=claire),
        event("call", "2026-05-05T10:00:00Z", channel="phone", type="call", identifiers=claire),
        event("mail", "2026-08-20T10:00:00Z", channel="email", type="email_sent",
              direction="outbound", identifiers=claire),
    )  # fmt: skip
    claire_id = customers["MAG-1"]

    assert timeline_ids(db, claire_id, filters=services.TimelineFilter(channels=("phone",))) == [
        "call"
    ]
    # A call two days after the purchase is "after" it; a mail three months later is "before"
    # the next one.
    assert timeline_ids(db, claire_id, filters=services.TimelineFilter(phases=("after",))) == [
        "call"
    ]
    assert timeline_ids(db, claire_id, filters=services.TimelineFilter(phases=("before",))) == [
        "mail",
        "view",
    ]
    assert timeline_ids(db, claire_id, filters=services.TimelineFilter(types=("purchase",))) == [
        "buy"
    ]
    may = services.TimelineFilter(
        since=datetime.fromisoformat("2026-05-02T00:00:00+00:00"),
        until=datetime.fromisoformat("2026-06-01T00:00:00+00:00"),
    )
    assert timeline_ids(db, claire_id, filters=may) == ["call", "buy"]
    with db.sessions() as session:
        pages = [
            services.timeline(session, claire_id, page=number, page_size=3) for number in (1, 2)
        ]
    assert [[i.external_id for i in p.items] for p in pages] == [["mail", "call", "buy"], ["view"]]
    assert [p.total for p in pages] == [4, 4]


def test_contact_statistics_count_channels_natures_costs_and_the_preferred_channel(db: Database):
    customers = given_customers(db, CLAIRE, YANN)
    claire, yann = {"email": "claire.legoff@exemple.fr"}, {"email": "yann.prigent@exemple.fr"}
    send(
        db,
        event("w1", "2026-05-01T10:00:00Z", identifiers=claire),
        event("w2", "2026-05-02T10:00:00Z", identifiers=claire),
        event("buy", "2026-05-03T10:00:00Z", channel="store", type="purchase", amount="890",
              identifiers=claire),
        event("call", "2026-05-04T10:00:00Z", channel="phone", type="call", cost="3.10",
              identifiers=claire),
        event("out", "2026-05-05T10:00:00Z", channel="phone", type="call", cost="2.40",
              direction="outbound", identifiers=claire),
        event("y1", "2026-05-06T10:00:00Z", channel="chat", type="message", identifiers=yann),
        event("anon", "2026-05-07T10:00:00Z", identifiers={"cookie": "nobody"}),
        event("old", "2025-01-01T10:00:00Z", identifiers=claire),
    )  # fmt: skip
    may = {
        "since": datetime.fromisoformat("2026-05-01T00:00:00+00:00"),
        "until": datetime.fromisoformat("2026-06-01T00:00:00+00:00"),
    }

    with db.sessions() as session:
        mine = services.customer_contact_statistics(session, customers["MAG-1"], **may)
        everyone = services.contact_statistics(session, **may)

    assert mine.contacts == 5
    assert [(c.channel, c.contacts, c.informative, c.transactional, c.inbound, c.outbound,
             c.cost, c.amount) for c in mine.by_channel] == [
        ("phone", 2, 2, 0, 1, 1, Decimal("5.50"), 0),
        ("web", 2, 2, 0, 2, 0, 0, 0),
        ("store", 1, 0, 1, 1, 0, 0, Decimal("890")),
    ]  # fmt: skip
    assert mine.cost == Decimal("5.50")
    assert (mine.first_contact, mine.last_contact) == (
        datetime.fromisoformat("2026-05-01T10:00:00+00:00"),
        datetime.fromisoformat("2026-05-05T10:00:00+00:00"),
    )
    # She started two contacts on the web, one in the store and one by phone: the web it is.
    assert mine.preferred_channel == "web"
    assert (everyone.contacts, everyone.customers, everyone.anonymous_contacts) == (7, 2, 1)
    assert (everyone.contacts_per_customer_mean, everyone.contacts_per_customer_median) == (
        3.0,
        3.0,
    )


def test_notes_and_follows_show_on_the_merged_customer_and_go_back_with_an_unmerge(
    db: Database,
):
    customers = given_customers(db, CLAIRE, CLAIRE_WEB)
    store, web = customers["MAG-1"], customers["WEB-1"]
    with db.transaction(write=True) as session:
        clientbook.add_note(session, store, "Mathieu", "Mari : Erwan. Projet : pompe à chaleur.")
        clientbook.add_note(session, web, "Nolwenn", "Préfère être rappelée après 18 h.")
        clientbook.follow(session, "mathieu", web)
    send(db, event("site", "2026-05-02T10:00:00Z", identifiers={"email": "claire.lg@exemple.fr"}))

    with db.transaction(write=True) as session:
        merge = merge_customers(session, [store, web], decided_by="test")
    with db.sessions() as session:
        merged_notes = clientbook.notes(session, store)
        merged_feed = [i.external_id for i in clientbook.feed(session, "mathieu")]
        followed_after_merge = clientbook.followed(session, "mathieu")
    with db.transaction(write=True) as session:
        unmerge(session, merge.id, decided_by="test")
    with db.sessions() as session:
        store_notes = clientbook.notes(session, store)

    assert merged_notes[0] == 2
    assert {note.author for note in merged_notes[1]} == {"Mathieu", "Nolwenn"}
    assert followed_after_merge == [store]
    assert merged_feed == ["site"]
    assert [note.author for note in store_notes[1]] == ["Mathieu"]


def test_an_empty_note_or_a_nameless_follower_is_refused(db: Database):
    customers = given_customers(db, CLAIRE)
    with db.transaction(write=True) as session:
        with pytest.raises(clientbook.ClientBookError, match="a note needs some text"):
            clientbook.add_note(session, customers["MAG-1"], "Mathieu", "   ")
        with pytest.raises(clientbook.ClientBookError, match="who follows"):
            clientbook.follow(session, " ", customers["MAG-1"])
        assert clientbook.follow(session, "mathieu", customers["MAG-1"]) is True
        assert clientbook.follow(session, "mathieu", customers["MAG-1"]) is False
