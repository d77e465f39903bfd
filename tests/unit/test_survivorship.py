"""Survivorship: which source record gives each field of a customer's golden record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.customers.survivorship import RecordView, golden_record

TRUST = {"store": 3, "web": 2}
JANUARY = datetime(2025, 1, 15, 10, 0)
MARCH = datetime(2025, 3, 15, 10, 0)
MAY = datetime(2025, 5, 15, 10, 0)

STORE_ADDRESS = {
    "street_number": "12",
    "street": "boulevard Clemenceau",
    "postcode": "22200",
    "city": "Guingamp",
    "country": "FR",
}
WEB_ADDRESS = {
    "street_number": "3",
    "street": "rue de Brest",
    "postcode": "29200",
    "city": "Brest",
    "country": "FR",
}


def view(record_id: int, source: str, received_at: datetime, **fields: Any) -> RecordView:
    return RecordView(record_id, source, received_at, fields)


def test_a_single_record_gives_its_fields_and_defaults():
    golden = golden_record(
        [view(1, "store", JANUARY, first_name="Claire", last_name="Le Goff", **STORE_ADDRESS)],
        TRUST,
    )

    assert golden == {
        "title": None,
        "first_name": "Claire",
        "last_name": "Le Goff",
        "company_name": None,
        "birth_date": None,
        "siret": None,
        "preferred_language": None,
        "preferred_channel": None,
        "stage": "customer",
        "owning_unit": None,
        "street_number": "12",
        "street": "boulevard Clemenceau",
        "address_extra": None,
        "postcode": "22200",
        "city": "Guingamp",
        "region": None,
        "country": "FR",
        "email": None,
        "phone": None,
        "attributes": {},
        "kind": "person",
    }


def test_the_most_trusted_source_wins_over_a_more_recent_one():
    # Given an old store record and a recent web record that disagree on the last name
    store = view(1, "store", JANUARY, last_name="Le Goff")
    web = view(2, "web", MAY, last_name="Legoff")

    # When the golden record is derived
    golden = golden_record([web, store], TRUST)

    # Then the store, more trusted, gives the last name
    assert golden["last_name"] == "Le Goff"


def test_a_source_missing_from_the_trust_list_comes_after_listed_ones():
    golden = golden_record(
        [view(1, "web", JANUARY, last_name="Legoff"), view(2, "partner", MAY, last_name="LeGof")],
        TRUST,
    )

    assert golden["last_name"] == "Legoff"


def test_the_most_recent_record_wins_over_a_more_complete_one():
    # Given two records of one source: an old complete one and a recent one with a new first name
    old = view(1, "store", JANUARY, first_name="Jean", last_name="Martin", birth_date="1980-04-12")
    recent = view(2, "store", MAY, first_name="Jean-Pierre")

    golden = golden_record([old, recent], TRUST)

    # Then the recent record gives the first name, and the old one what only it knows
    assert (golden["first_name"], golden["last_name"], golden["birth_date"]) == (
        "Jean-Pierre",
        "Martin",
        "1980-04-12",
    )


def test_the_most_complete_record_wins_between_records_of_the_same_trust_and_time():
    sparse = view(1, "store", MARCH, first_name="Jean")
    complete = view(2, "store", MARCH, first_name="Jean-Pierre", last_name="Martin")

    golden = golden_record([sparse, complete], TRUST)

    assert golden["first_name"] == "Jean-Pierre"


def test_the_oldest_record_id_breaks_a_complete_tie():
    later = view(8, "store", MARCH, first_name="Jean")
    earlier = view(3, "store", MARCH, first_name="Jan")

    assert golden_record([later, earlier], TRUST)["first_name"] == "Jan"
    assert golden_record([earlier, later], TRUST)["first_name"] == "Jan"


def test_a_recent_record_without_a_phone_does_not_erase_the_phone():
    # Given an old record with a phone and e-mail, and a trusted recent one with neither
    old = view(1, "web", JANUARY, phones=["+33612345678"], emails=["jean@exemple.fr"])
    recent = view(2, "store", MAY, last_name="Martin", phones=[], emails=[])

    golden = golden_record([old, recent], TRUST)

    assert (golden["phone"], golden["email"]) == ("+33612345678", "jean@exemple.fr")


def test_the_winner_first_phone_and_email_are_the_golden_ones():
    web = view(1, "web", MAY, phones=["+33611111111"], emails=["web@exemple.fr"])
    store = view(
        2, "store", JANUARY, phones=["+33622222222", "+33611111111"], emails=["store@exemple.fr"]
    )

    golden = golden_record([web, store], TRUST)

    assert (golden["phone"], golden["email"]) == ("+33622222222", "store@exemple.fr")


def test_the_address_is_taken_as_a_block_from_one_record():
    # Given a trusted record with a street and city but no postcode, and a full web address
    store = view(1, "store", JANUARY, street="boulevard Clemenceau", city="Guingamp")
    web = view(2, "web", MAY, **WEB_ADDRESS)

    golden = golden_record([web, store], TRUST)

    # Then the store's address is kept whole, never completed with the web postcode
    address = {name: golden[name] for name in ("street_number", "street", "postcode", "city")}
    assert address == {
        "street_number": None,
        "street": "boulevard Clemenceau",
        "postcode": None,
        "city": "Guingamp",
    }
    assert golden["country"] is None


def test_a_recent_record_without_an_address_does_not_erase_the_address():
    old = view(1, "store", JANUARY, last_name="Martin", **STORE_ADDRESS)
    recent = view(2, "store", MAY, last_name="Martin", phones=["+33612345678"])

    golden = golden_record([old, recent], TRUST)

    assert {name: golden[name] for name in STORE_ADDRESS} == STORE_ADDRESS


@pytest.mark.parametrize(
    "partial",
    [{"country": "FR"}, {"region": "Bretagne"}, {"country": "FR", "region": "Bretagne"}],
    ids=["country-only", "region-only", "country-and-region"],
)
def test_a_trusted_record_with_only_a_country_does_not_erase_the_postal_address(
    partial: dict[str, str],
):
    # Given a web record with a postal address and a recent store record that only names the
    # country (a "France" column filled on every row)
    web = view(1, "web", JANUARY, last_name="Martin", **WEB_ADDRESS)
    store = view(2, "store", MAY, last_name="Martin", **partial)

    golden = golden_record([web, store], TRUST)

    # Then the postal address is the web one, whole
    assert {name: golden[name] for name in WEB_ADDRESS} == WEB_ADDRESS
    assert golden["region"] is None


def test_a_lone_country_is_kept_when_no_record_has_a_postal_address():
    golden = golden_record([view(1, "store", JANUARY, last_name="Martin", country="BE")], TRUST)

    assert (golden["country"], golden["street"], golden["city"]) == ("BE", None, None)


def test_attributes_are_merged_key_by_key_with_the_winner_on_top():
    store = view(1, "store", JANUARY, attributes={"segment": "gold", "size": "M"})
    web = view(2, "web", MAY, attributes={"segment": "silver", "newsletter": True})

    golden = golden_record([store, web], TRUST)

    assert golden["attributes"] == {"segment": "gold", "size": "M", "newsletter": True}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"company_name": "Boulangerie Le Goff"}, "organisation"),
        ({"company_name": "Boulangerie Le Goff", "last_name": "Le Goff"}, "person"),
        ({"last_name": "Le Goff"}, "person"),
    ],
    ids=["company-only", "company-and-person", "person-only"],
)
def test_the_kind_follows_the_golden_names(fields: dict[str, str], kind: str):
    assert golden_record([view(1, "store", JANUARY, **fields)], TRUST)["kind"] == kind


def test_the_stage_defaults_to_customer_and_keeps_a_given_one():
    assert golden_record([view(1, "web", JANUARY, last_name="X")], TRUST)["stage"] == "customer"
    assert golden_record([view(1, "web", JANUARY, stage="lead")], TRUST)["stage"] == "lead"


def test_a_customer_without_records_is_an_error():
    with pytest.raises(ValueError, match=r"^a customer has at least one source record$"):
        golden_record([], TRUST)


SOURCES = ["store", "web", "partner"]
MOMENTS = [JANUARY, MARCH, MAY]
records = st.lists(
    st.builds(
        lambda source, received_at, first_name, phone, city: {
            "source": source,
            "received_at": received_at,
            "fields": {
                "first_name": first_name,
                "phones": [phone] if phone else [],
                **({"city": city, "postcode": "29200"} if city else {}),
            },
        },
        source=st.sampled_from(SOURCES),
        received_at=st.sampled_from(MOMENTS),
        first_name=st.sampled_from(["Jean", "Jan", "Yann", None]),
        phone=st.sampled_from(["+33612345678", "+33298000000", None]),
        city=st.sampled_from(["Brest", "Quimper", None]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(specs=records, data=st.data())
def test_the_golden_record_does_not_depend_on_the_load_order(
    specs: list[dict[str, Any]], data: st.DataObject
):
    views = [
        RecordView(record_id, spec["source"], spec["received_at"], spec["fields"])
        for record_id, spec in enumerate(specs, start=1)
    ]
    shuffled = data.draw(st.permutations(views), label="shuffled")

    assert golden_record(shuffled, TRUST) == golden_record(views, TRUST)


@settings(max_examples=150, deadline=None)
@given(specs=records)
def test_every_golden_value_comes_from_a_record_that_has_it(specs: list[dict[str, Any]]):
    views = [
        RecordView(record_id, spec["source"], spec["received_at"], spec["fields"])
        for record_id, spec in enumerate(specs, start=1)
    ]

    golden = golden_record(views, TRUST)

    offered = {
        "first_name": {v.fields["first_name"] for v in views if v.fields["first_name"]},
        "phone": {v.fields["phones"][0] for v in views if v.fields["phones"]},
        "city": {v.fields["city"] for v in views if v.fields.get("city")},
    }
    for name, values in offered.items():
        assert golden[name] in values | {None}
        assert (golden[name] is None) == (not values)
