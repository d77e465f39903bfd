"""From a raw import record to normalised fields, identifiers and the values dropped on the way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.customers.records import (
    DroppedValue,
    NormalisedRecord,
    RawValue,
    RecordRejected,
    content_hash,
    normalise_record,
)

TODAY = date(2025, 6, 1)


def normalise(
    raw: dict[str, RawValue], attributes: dict[str, Any] | None = None, region: str = "FR"
) -> NormalisedRecord:
    return normalise_record(raw, attributes, region=region, today=TODAY)


def test_a_complete_french_record_is_normalised_field_by_field():
    # Given a till export row written the way shop staff type
    raw: dict[str, RawValue] = {
        "title": "Madame",
        "first_name": "claire",
        "last_name": "LE GOFF",
        "birth_date": "12/04/1980",
        "email": "Claire.LeGoff@Exemple.FR",
        "phone": "06 12 34 56 78",
        "street": "12 bis bd Clemenceau",
        "postcode": "2200",
        "city": "ST-BRIEUC",
        "loyalty_card": "fid-0042",
        "web_account": "CLeGoff",
        "national_id": "2 55 08 14 168 025 38",
        "preferred_language": "FR",
        "preferred_channel": "Email",
        "stage": "Customer",
        "owning_unit": " Magasin  Guingamp ",
    }

    # When it is normalised
    record = normalise(raw)

    # Then every field is in its stored form and nothing is dropped
    assert record.fields == {
        "title": "Mme",
        "first_name": "Claire",
        "last_name": "Le Goff",
        "birth_date": "1980-04-12",
        "emails": ["claire.legoff@exemple.fr"],
        "phones": ["+33612345678"],
        "street_number": "12 bis",
        "street": "boulevard Clemenceau",
        "postcode": "02200",
        "city": "Saint-Brieuc",
        "country": "FR",
        "loyalty_cards": ["FID0042"],
        "web_accounts": ["clegoff"],
        "national_id": "255081416802538",
        "preferred_language": "fr",
        "preferred_channel": "email",
        "stage": "customer",
        "owning_unit": "Magasin Guingamp",
        "kind": "person",
    }
    assert record.identifiers == [
        ("email", "claire.legoff@exemple.fr"),
        ("phone", "+33612345678"),
        ("loyalty_card", "FID0042"),
        ("web_account", "clegoff"),
        ("national_id", "255081416802538"),
    ]
    assert record.dropped == []


def test_an_invalid_email_is_dropped_with_its_reason_and_the_record_is_kept():
    # Given a customer with a name and an e-mail address missing its @
    raw: dict[str, RawValue] = {"first_name": "Jean", "last_name": "Martin", "email": "jean.fr"}

    # When the record is normalised
    record = normalise(raw)

    # Then the customer is kept without an e-mail, and the drop says why
    assert record.fields == {"first_name": "Jean", "last_name": "Martin", "kind": "person"}
    assert record.identifiers == []
    reason = "invalid e-mail address: An email address must have an @-sign."
    assert record.dropped == [DroppedValue("email", "jean.fr", reason)]


@pytest.mark.parametrize(
    ("raw", "dropped"),
    [
        (
            {"birth_date": "2030-01-01"},
            DroppedValue("birth_date", "2030-01-01", "implausible birth date: 2030-01-01"),
        ),
        (
            {"postcode": "123"},
            DroppedValue("postcode", "123", "a French postcode has five digits, got '123'"),
        ),
        (
            {"siret": "73282932000075"},
            DroppedValue(
                "siret", "73282932000075", "wrong check digit in SIRET/SIREN '73282932000075'"
            ),
        ),
        (
            {"phone": "06 12 34"},
            DroppedValue("phone", "06 12 34", "not a valid phone number for region FR"),
        ),
        (
            {"stage": "client"},
            DroppedValue(
                "stage",
                "client",
                "unknown lifecycle stage 'client' (one of: visitor, lead, prospect, customer, "
                "lost)",
            ),
        ),
    ],
    ids=["future-birth-date", "short-postcode", "siret-luhn", "short-phone", "unknown-stage"],
)
def test_each_invalid_value_is_dropped_with_field_value_and_reason(
    raw: dict[str, RawValue], dropped: DroppedValue
):
    record = normalise({"last_name": "Martin", **raw})

    assert record.dropped == [dropped]
    assert dropped.field not in record.fields


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({}, "nothing identifies or describes a customer (no name, company or valid identifier)"),
        (
            {"city": "Brest", "postcode": "29200", "birth_date": "1980-04-12"},
            "nothing identifies or describes a customer (no name, company or valid identifier)",
        ),
        (
            {"email": "nope", "phone": "12"},
            "nothing identifies or describes a customer (no name, company or valid identifier)"
            " — email: invalid e-mail address: An email address must have an @-sign.;"
            " phone: not a valid phone number for region FR",
        ),
        (
            {"first_name": "   ", "full_name": ""},
            "nothing identifies or describes a customer (no name, company or valid identifier)",
        ),
    ],
    ids=["empty", "address-and-birth-date-only", "only-invalid-identifiers", "blank-names"],
)
def test_a_record_describing_nobody_is_rejected_with_the_reasons(
    raw: dict[str, RawValue], reason: str
):
    with pytest.raises(RecordRejected) as rejected:
        normalise(raw)

    assert rejected.value.reason == reason
    assert rejected.value.field == ""


@pytest.mark.parametrize(
    ("raw", "identifiers"),
    [
        ({"email": "jean@exemple.fr"}, [("email", "jean@exemple.fr")]),
        ({"phone": "02 98 00 00 00"}, [("phone", "+33298000000")]),
        ({"loyalty_card": "FID 42"}, [("loyalty_card", "FID42")]),
        ({"web_account": "jmartin"}, [("web_account", "jmartin")]),
        ({"national_id": "255081416802538"}, [("national_id", "255081416802538")]),
    ],
    ids=["email", "phone", "loyalty-card", "web-account", "national-id"],
)
def test_a_record_with_only_a_valid_identifier_is_kept(
    raw: dict[str, RawValue], identifiers: list[tuple[str, str]]
):
    record = normalise(raw)

    assert record.identifiers == identifiers
    assert record.fields["kind"] == "person"


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("MARTIN Jean", {"first_name": "Jean", "last_name": "Martin"}),
        ("Mme LE GOFF Claire", {"title": "Mme", "first_name": "Claire", "last_name": "Le Goff"}),
        (
            "M. Jean-Pierre Martin",
            {"title": "M.", "first_name": "Jean-Pierre", "last_name": "Martin"},
        ),
        ("Madame MARTIN", {"title": "Mme", "last_name": "Martin"}),
    ],
    ids=["surname-in-capitals", "mme-and-compound-surname", "m-dot", "madame-and-surname-only"],
)
def test_a_full_name_is_split_into_civility_first_and_last_name(
    full_name: str, expected: dict[str, str]
):
    record = normalise({"full_name": full_name})

    assert record.fields == {**expected, "kind": "person"}


def test_a_civility_typed_in_the_first_name_is_moved_to_the_title():
    record = normalise({"first_name": "Mme Claire", "last_name": "Dupont"})

    assert record.fields == {
        "title": "Mme",
        "first_name": "Claire",
        "last_name": "Dupont",
        "kind": "person",
    }


def test_the_title_column_wins_over_a_civility_in_the_name():
    record = normalise({"title": "Docteur", "first_name": "Mme Claire", "last_name": "Dupont"})

    assert record.fields["title"] == "Dr"


def test_separate_name_columns_win_over_the_full_name():
    record = normalise({"first_name": "Jean", "last_name": "Martin", "full_name": "DURAND Paul"})

    assert (record.fields["first_name"], record.fields["last_name"]) == ("Jean", "Martin")


def test_a_company_without_a_person_is_an_organisation():
    # Given a supplier row: a company name and a SIRET, no person
    raw: dict[str, RawValue] = {
        "company_name": "  Boulangerie   Le Goff ",
        "siret": "732 829 320 00074",
        "street": "3 r. de Brest",
        "postcode": "22200",
        "city": "guingamp",
    }

    # When it is normalised
    record = normalise(raw)

    # Then it is an organisation identified by its SIRET
    assert record.fields == {
        "company_name": "Boulangerie Le Goff",
        "siret": "73282932000074",
        "street_number": "3",
        "street": "rue de Brest",
        "postcode": "22200",
        "city": "Guingamp",
        "country": "FR",
        "kind": "organisation",
    }
    assert record.identifiers == [("siret", "73282932000074")]


def test_a_person_working_for_a_company_stays_a_person():
    record = normalise({"company_name": "Boulangerie Le Goff", "last_name": "Le Goff"})

    assert record.fields["kind"] == "person"


def test_several_phones_are_all_kept_once_each_in_order():
    # Given the same mobile written three ways, a landline and an invalid number
    phones = ["06 12 34 56 78", "02 98 00 00 00", "+33 6 12 34 56 78", "0033612345678", "12", ""]

    # When the record is normalised
    record = normalise({"last_name": "Martin", "phone": phones})

    # Then each distinct number is kept once, in the order met, and the invalid one is dropped
    assert record.fields["phones"] == ["+33612345678", "+33298000000"]
    assert record.identifiers == [("phone", "+33612345678"), ("phone", "+33298000000")]
    assert record.dropped == [DroppedValue("phone", "12", "not a valid phone number for region FR")]


def test_several_emails_differing_by_case_are_kept_once():
    record = normalise(
        {"last_name": "Martin", "email": ["Jean.Martin@Exemple.fr", "jean.martin@exemple.fr"]}
    )

    assert record.fields["emails"] == ["jean.martin@exemple.fr"]


def test_identifiers_are_listed_by_kind_in_a_fixed_order():
    record = normalise(
        {
            "siret": "73282932000074",
            "national_id": "255081416802538",
            "web_account": ["jm", "JM2"],
            "loyalty_card": "C1",
            "phone": ["0612345678", "0298000000"],
            "email": ["a@exemple.fr", "b@exemple.fr"],
        }
    )

    assert record.identifiers == [
        ("email", "a@exemple.fr"),
        ("email", "b@exemple.fr"),
        ("phone", "+33612345678"),
        ("phone", "+33298000000"),
        ("loyalty_card", "C1"),
        ("web_account", "jm"),
        ("web_account", "jm2"),
        ("national_id", "255081416802538"),
        ("siret", "73282932000074"),
    ]


def test_only_the_first_value_of_a_single_valued_field_is_used():
    record = normalise({"last_name": ["Martin", "Durand"], "birth_date": [" ", "1980-04-12"]})

    assert (record.fields["last_name"], record.fields["birth_date"]) == ("Martin", "1980-04-12")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"country": "Belgique", "postcode": "1000", "city": "bruxelles"},
            {"country": "BE", "postcode": "1000", "city": "Bruxelles"},
        ),
        (
            {"postcode": "2200", "city": "Pabu"},
            {"country": "FR", "postcode": "02200", "city": "Pabu"},
        ),
        ({"country": "France"}, {"country": "FR"}),
    ],
    ids=["belgian-postcode-not-padded", "country-defaults-to-the-region", "country-alone"],
)
def test_the_postcode_is_read_in_the_country_of_the_address(
    raw: dict[str, RawValue], expected: dict[str, str]
):
    record = normalise({"last_name": "Martin", **raw})

    assert record.fields == {"last_name": "Martin", **expected, "kind": "person"}


def test_phones_are_read_in_the_region_of_the_import():
    record = normalise({"last_name": "Peeters", "phone": "0470 12 34 56"}, region="BE")

    assert record.fields["phones"] == ["+32470123456"]


def test_an_explicit_street_number_column_keeps_the_street_whole():
    record = normalise({"last_name": "Martin", "street_number": "4", "street": "rue du 19 Mars"})

    assert (record.fields["street_number"], record.fields["street"]) == ("4", "rue du 19 Mars")


def test_attributes_are_carried_as_given():
    record = normalise({"last_name": "Martin"}, attributes={"segment": "gold", "visits": 3})

    assert record.fields["attributes"] == {"segment": "gold", "visits": 3}


@settings(max_examples=100, deadline=None)
@given(
    written=st.lists(
        st.sampled_from(["06 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "06.12.34.56.78"]),
        min_size=1,
        max_size=6,
    )
)
def test_one_number_written_several_ways_gives_one_phone_identifier(written: list[str]):
    record = normalise({"phone": written})

    assert record.identifiers == [("phone", "+33612345678")]


def test_the_content_hash_ignores_key_order_and_sees_any_change():
    first = content_hash({"last_name": "Martin", "phone": ["0612345678"]})

    assert first == content_hash({"phone": ["0612345678"], "last_name": "Martin"})
    assert first != content_hash({"last_name": "Martin", "phone": ["0612345679"]})
    assert len(first) == 64


def test_weak_and_social_identifiers_are_kept_normalised():
    record = normalise_record(
        {
            "last_name": "Le Goff",
            "social_facebook": "@Claire.LeGoff",
            "cookie": " ab12CD ",
            "pos_customer_id": ["T-0042", "T-0042"],
        }
    )

    assert record.identifiers == [
        ("cookie", "ab12cd"),
        ("pos_customer_id", "t-0042"),
        ("social_facebook", "claire.legoff"),
    ]
