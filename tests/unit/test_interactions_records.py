"""Incoming interactions checked and normalised; the phase rule; whose interaction it is."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from parcours.interactions.attribution import choose_customer
from parcours.interactions.imports import csv_item
from parcours.interactions.records import InteractionRejected, normalise_interaction
from parcours.interactions.vocabulary import derive_phase

BASE = {"external_id": "e1", "occurred_at": "2026-05-04T10:12:00+02:00", "channel": "web",
        "type": "product_view"}  # fmt: skip


def test_a_minimal_interaction_gets_the_defaults_of_its_type():
    interaction = normalise_interaction(BASE)

    assert interaction.occurred_at == datetime(2026, 5, 4, 8, 12, tzinfo=UTC)
    assert (interaction.direction, interaction.initiative, interaction.nature) == (
        "inbound", "pull", "informative"
    )  # fmt: skip
    assert interaction.phase is None  # derived when stored
    assert interaction.identifiers == []


def test_identifiers_are_normalised_like_the_customers_ones():
    interaction = normalise_interaction(
        {**BASE, "identifiers": {"email": " Claire.LeGoff@Exemple.FR ", "phone": "06 12 34 56 78",
                                 "loyalty_card": "fid 0001", "cookie": ["CK-1", "ck-1"]},
         "customer_id": 12}
    )  # fmt: skip

    assert interaction.identifiers == [
        ("customer_id", "12"),
        ("email", "claire.legoff@exemple.fr"),
        ("phone", "+33612345678"),
        ("loyalty_card", "FID0001"),
        ("cookie", "ck-1"),
    ]


def test_a_purchase_keeps_its_amount_and_defaults_to_euros():
    interaction = normalise_interaction({**BASE, "type": "purchase", "amount": "1 290,50"})

    assert (interaction.amount, interaction.currency, interaction.nature) == (
        Decimal("1290.50"), "EUR", "transactional"
    )  # fmt: skip


def test_an_unknown_type_is_accepted_with_defaults_from_its_direction():
    interaction = normalise_interaction({**BASE, "type": "catalogue_sent", "direction": "outbound"})

    assert (interaction.initiative, interaction.nature) == ("push", "informative")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"external_id": ""}, "external_id", "missing"),
        ({"occurred_at": "04/05/2026"}, "occurred_at",
         "'04/05/2026' is not an ISO 8601 date and time"),
        ({"occurred_at": "2026-05-04T10:12:00"}, "occurred_at",
         "'2026-05-04T10:12:00' has no time zone offset (write +02:00 or Z)"),
        ({"channel": "fax"}, "channel",
         "'fax' is not one of app, chat, email, field, kiosk, mail, marketplace, phone, sms, "
         "social, store, web"),
        ({"type": "Page View"}, "type", "'page view': lower-case letters, digits and _ only"),
        ({"direction": "sideways"}, "direction", "'sideways' is not one of inbound, outbound"),
        ({"phase": "later"}, "phase", "'later' is not one of before, during, after"),
        ({"amount": "cher"}, "amount", "'cher' is not a number"),
        ({"currency": "euro"}, "currency", "'EURO' is not an ISO 4217 code like EUR"),
        ({"duration_seconds": "2 min"}, "duration_seconds", "'2 min' is not a whole number"),
        ({"identifiers": {"fax": "0296"}}, "identifiers.fax",
         "unknown kind; use customer_id, web_account, loyalty_card, email, national_id, phone, "
         "pos_customer_id, device_id, wifi_login, cookie, session or social_<network>"),
        ({"identifiers": {"phone": "12"}}, "identifiers.phone", None),
        ({"colour": "blue"}, "colour", 'unknown field; put extra data under "payload"'),
    ],
)  # fmt: skip
def test_a_bad_interaction_is_rejected_naming_the_field(change, field, reason):
    with pytest.raises(InteractionRejected) as error:
        normalise_interaction({**BASE, **change})

    assert error.value.field == field
    if reason is not None:
        assert error.value.reason == reason


@pytest.mark.parametrize(
    ("type_name", "days", "expected"),
    [
        ("product_view", None, "before"),
        ("purchase", None, "during"),
        ("return", None, "after"),
        ("call", None, "before"),
        ("call", 2.5, "after"),
        ("call", 30.0, "after"),
        ("call", 45.0, "before"),
        ("brand_new_type", 1.0, "after"),
    ],
)
def test_the_phase_comes_from_the_type_or_else_from_the_last_purchase(type_name, days, expected):
    assert derive_phase(type_name, days) == expected


def test_the_strongest_identifier_held_by_exactly_one_customer_decides():
    owners = {
        ("phone", "+33296431200"): {1, 2},  # a household landline
        ("email", "yann@exemple.fr"): {1},
        ("cookie", "ck-1"): {3},
    }

    assert choose_customer([("cookie", "ck-1"), ("email", "yann@exemple.fr")], owners) == 1
    assert choose_customer([("phone", "+33296431200"), ("cookie", "ck-1")], owners) == 3
    assert choose_customer([("phone", "+33296431200")], owners) is None
    assert choose_customer([("cookie", "unknown")], owners) is None


def test_a_csv_row_splits_into_fields_identifiers_and_payload():
    row = {"external_id": "C-1", "occurred_at": "2026-05-04T10:00:00Z", "channel": "phone",
           "type": "call", "email": "a@b.fr", "identifiers.cookie": "ck", "payload.motif": "devis",
           "rayon": "literie", "agent": ""}  # fmt: skip

    assert csv_item(row) == {
        "external_id": "C-1", "occurred_at": "2026-05-04T10:00:00Z", "channel": "phone",
        "type": "call", "identifiers": {"email": "a@b.fr", "cookie": "ck"},
        "payload": {"motif": "devis", "rayon": "literie"},
    }  # fmt: skip
