"""Attaching an incoming record to the customer it shares a strong identifier with, or to none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcours.customers.attach import AttachDecision, CandidateProfile, conflict, decide

EMAIL = ("email", "jean.martin@exemple.fr")
PHONE = ("phone", "+33612345678")
LANDLINE = ("phone", "+33296431200")
CARD = ("loyalty_card", "FID0042")


def test_a_record_sharing_nothing_starts_a_new_customer():
    decision = decide({"first_name": "Jean"}, {}, {})

    assert decision == AttachDecision(None, "no strong identifier in common with a customer")


def test_a_household_sharing_a_landline_stays_two_people():
    # Given Jean, a customer with the couple's landline, and a record for Marie with that landline
    profiles = {7: CandidateProfile(first_name="Jean", birth_date="1951-03-02")}

    # When Marie's record is decided
    decision = decide({"first_name": "Marie"}, {7: [LANDLINE]}, profiles)

    # Then she is not attached to Jean, and the reason says why
    assert decision == AttachDecision(
        None, "shares phone with customer 7 but different first names (Marie / Jean)"
    )


@pytest.mark.parametrize(
    ("incoming", "known"),
    [
        ("Jean", "Jean"),
        ("JEAN", "Jean"),
        ("Jean", "Jean-Pierre"),
        ("Jean-Pierre", "Jean"),
        ("Jean Pierre", "Jean-Pierre"),
        ("J.", "Jean"),
        ("Jean", "J."),
        ("Élodie", "Elodie"),
    ],
    ids=[
        "same",
        "capitals",
        "short-form",
        "long-form",
        "space-or-hyphen",
        "initial",
        "initial-known",
        "accent",
    ],
)
def test_the_same_email_and_a_compatible_first_name_attach(incoming: str, known: str):
    profiles = {3: CandidateProfile(first_name=known)}

    decision = decide({"first_name": incoming}, {3: [EMAIL]}, profiles)

    assert decision == AttachDecision(3, "same email jean.martin@exemple.fr")


@pytest.mark.parametrize(
    ("fields", "profile"),
    [
        ({}, CandidateProfile(first_name="Jean", birth_date="1980-04-12")),
        ({"first_name": "Jean", "birth_date": "1980-04-12"}, CandidateProfile()),
        ({"birth_date": "1980-04-12"}, CandidateProfile(first_name="Jean")),
    ],
    ids=["record-says-nothing", "customer-known-by-identifier-only", "nothing-to-compare"],
)
def test_nothing_known_on_one_side_is_no_conflict(
    fields: dict[str, str], profile: CandidateProfile
):
    assert decide(fields, {3: [EMAIL]}, {3: profile}) == AttachDecision(
        3, "same email jean.martin@exemple.fr"
    )


def test_a_customer_without_a_profile_entry_accepts_the_record():
    assert decide({"first_name": "Jean"}, {3: [EMAIL]}, {}).customer_ref == 3


def test_a_different_birth_date_keeps_a_same_named_record_apart():
    # Given a father and a son, both Jean, sharing the family e-mail address
    profiles = {3: CandidateProfile(first_name="Jean", birth_date="1951-03-02")}

    decision = decide({"first_name": "Jean", "birth_date": "1980-04-12"}, {3: [EMAIL]}, profiles)

    assert decision == AttachDecision(
        None, "shares email with customer 3 but different birth dates (1980-04-12 / 1951-03-02)"
    )


def test_a_different_national_id_is_a_conflict_before_anything_else():
    profile = CandidateProfile(first_name="Marie", birth_date="1951-03-02", national_id="1")

    why = conflict({"first_name": "Jean", "birth_date": "1980-04-12", "national_id": "2"}, profile)

    assert why == "different national ids"


def test_a_birth_date_conflict_is_reported_before_a_first_name_one():
    profile = CandidateProfile(first_name="Marie", birth_date="1951-03-02")

    why = conflict({"first_name": "Jean", "birth_date": "1980-04-12"}, profile)

    assert why == "different birth dates (1980-04-12 / 1951-03-02)"


def test_the_candidate_sharing_the_most_identifiers_wins():
    # Given an older customer sharing the e-mail only, and a newer one sharing e-mail and mobile
    shared = {5: [EMAIL], 9: [EMAIL, PHONE]}

    decision = decide({"first_name": "Jean"}, shared, {})

    assert decision == AttachDecision(9, "same email jean.martin@exemple.fr, phone +33612345678")


def test_the_oldest_customer_wins_among_equally_sharing_ones():
    assert decide({}, {8: [EMAIL], 3: [EMAIL], 5: [EMAIL]}, {}).customer_ref == 3


def test_an_existing_customer_is_preferred_to_one_created_earlier_in_the_batch():
    # Given a customer of the batch (-1) and an existing customer (12) sharing the same e-mail
    decision = decide({}, {-1: [EMAIL], 12: [EMAIL]}, {})

    assert decision.customer_ref == 12


def test_the_first_created_of_the_batch_wins_among_batch_customers():
    assert decide({}, {-3: [EMAIL], -1: [EMAIL], -2: [EMAIL]}, {}).customer_ref == -1


def test_a_batch_customer_sharing_more_identifiers_beats_an_existing_one():
    assert decide({}, {12: [EMAIL], -1: [EMAIL, CARD]}, {}).customer_ref == -1


def test_a_conflicting_candidate_is_passed_over_for_a_compatible_one():
    # Given Marie sharing mobile and e-mail, and Jean sharing the e-mail only
    shared = {4: [EMAIL, PHONE], 6: [EMAIL]}
    profiles = {4: CandidateProfile(first_name="Marie"), 6: CandidateProfile(first_name="Jean")}

    decision = decide({"first_name": "Jean-Pierre"}, shared, profiles)

    assert decision == AttachDecision(6, "same email jean.martin@exemple.fr")


def test_every_refusal_is_given_when_no_candidate_fits():
    shared = {4: [PHONE, EMAIL, PHONE], -2: [LANDLINE]}
    profiles = {
        4: CandidateProfile(first_name="Marie"),
        -2: CandidateProfile(first_name="Jean", birth_date="1951-03-02"),
    }

    decision = decide({"first_name": "Paul", "birth_date": "1980-04-12"}, shared, profiles)

    assert decision == AttachDecision(
        None,
        "shares email, phone with customer 4 but different first names (Paul / Marie); "
        "shares phone with a customer of this batch but different birth dates "
        "(1980-04-12 / 1951-03-02)",
    )


def test_a_profile_absorbs_only_what_it_does_not_know_yet():
    profile = CandidateProfile(first_name="Jean")

    profile.absorb({"first_name": "Jean-Pierre", "birth_date": "1980-04-12", "email": "x@y.fr"})
    profile.absorb({"birth_date": "1951-03-02", "national_id": "180042912345605"})

    assert profile == CandidateProfile(
        first_name="Jean", birth_date="1980-04-12", national_id="180042912345605"
    )


refs = st.integers(-20, 20).filter(lambda ref: ref != 0)
kinds = st.sampled_from([EMAIL, PHONE, LANDLINE, CARD])


@settings(max_examples=200, deadline=None)
@given(
    shared=st.dictionaries(
        refs, st.lists(kinds, min_size=1, max_size=3, unique=True), min_size=1, max_size=6
    )
)
def test_without_conflicts_the_choice_follows_count_then_existing_then_age(
    shared: dict[int, list[tuple[str, str]]],
):
    decision = decide({}, shared, {})

    most = max(len(identifiers) for identifiers in shared.values())
    best = [ref for ref, identifiers in shared.items() if len(identifiers) == most]
    existing = [ref for ref in best if ref > 0]
    expected = min(existing) if existing else max(best)
    assert decision.customer_ref == expected
    assert decision.reason == "same " + ", ".join(f"{k} {v}" for k, v in shared[expected])


@settings(max_examples=100, deadline=None)
@given(order=st.permutations([5, 9, -1, -4]))
def test_the_choice_does_not_depend_on_the_order_candidates_are_listed(order: list[int]):
    shared = {ref: [EMAIL] for ref in order}

    assert decide({}, shared, {}).customer_ref == 5
