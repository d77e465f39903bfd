"""The Sens Confort demo data set: deterministic, realistic, and clean enough to ingest."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from parcours.customers.records import KNOWN_FIELDS, normalise_record
from parcours.demo import DEMO_SOURCES, demo_records, demo_truth, expected_people


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_same_seed_same_records() -> None:
    assert demo_records() == demo_records()
    assert demo_records(7) == demo_records(7)
    assert demo_records(7) != demo_records(8)
    assert demo_truth(7) == demo_truth(7)


@pytest.mark.parametrize("seed", [2026, 1, 99])
def test_size_sources_and_unique_ids(seed: int) -> None:
    records = demo_records(seed)
    assert 300 <= len(records) <= 400
    assert {r.source for r in records} == set(DEMO_SOURCES)
    assert len(DEMO_SOURCES) == 4
    keys = [(r.source, r.external_id) for r in records]
    assert len(set(keys)) == len(keys)
    patterns = {
        "store": r"MAG-\d{6}",
        "web": r"WEB-[0-9a-f]{12}",
        "callcentre": r"CC-20\d\d-\d{4}",
        "ecommerce": r"EC-\d{7}",
    }
    for record in records:
        assert re.fullmatch(patterns[record.source], record.external_id), record.external_id
        assert set(record.fields) <= KNOWN_FIELDS


def test_truth_covers_every_record_and_counts_people() -> None:
    records = demo_records()
    truth = demo_truth()
    assert set(truth) == {(r.source, r.external_id) for r in records}
    assert expected_people() == len(set(truth.values()))
    assert len(records) > expected_people() > 200


def test_truth_is_not_leaked_into_the_records() -> None:
    for record in demo_records():
        assert not any("person" in key or "truth" in key for key in record.attributes)


def test_duplicates_across_sources() -> None:
    sources: dict[int, set[str]] = defaultdict(set)
    for (source, _), person in demo_truth().items():
        sources[person].add(source)
    duplicated = [person for person, seen in sources.items() if len(seen) > 1]
    assert 0.25 <= len(duplicated) / len(sources) <= 0.35
    assert any(len(seen) == 3 for seen in sources.values())


def test_namesakes_and_shared_landlines() -> None:
    records = demo_records()
    truth = demo_truth()
    martins = {
        truth[(r.source, r.external_id)]
        for r in records
        if "Jean" in str(r.fields.get("first_name", r.fields.get("full_name", "")))
        and "martin" in str(r.fields.get("last_name", r.fields.get("full_name", ""))).lower()
    }
    assert len(martins) >= 2  # two different people called Jean Martin
    landlines: dict[str, set[int]] = defaultdict(set)
    for record in records:
        normalised = normalise_record(record.fields, record.attributes)
        for phone in normalised.fields.get("phones", []):
            if phone.startswith("+332"):
                landlines[phone].add(truth[(record.source, record.external_id)])
    assert any(len(people) > 1 for people in landlines.values())


def test_callcentre_sends_full_names() -> None:
    calls = [r for r in demo_records() if r.source == "callcentre"]
    assert calls
    for record in calls:
        assert "first_name" not in record.fields and "last_name" not in record.fields
    assert any(
        re.match(r"^(Mme|M\.|Madame|Monsieur) ", str(r.fields.get("full_name"))) for r in calls
    )
    assert any(
        re.match(r"^[A-ZÉÈ'\- ]{2,} [A-Z][a-zé]", str(r.fields.get("full_name"))) for r in calls
    )


def test_per_source_attributes() -> None:
    for record in demo_records():
        expected = {
            "store": "vendeur",
            "web": "newsletter",
            "callcentre": "motif",
            "ecommerce": "nb_commandes",
        }[record.source]
        assert expected in record.attributes


def test_every_record_normalises_and_some_values_are_dropped() -> None:
    dropped = []
    for record in demo_records():
        normalised = normalise_record(record.fields, record.attributes)
        assert normalised.identifiers or normalised.fields.get("last_name")
        dropped += [(record.external_id, d.field) for d in normalised.dropped]
    fields = {name for _, name in dropped}
    assert {"email", "phone"} <= fields
    assert len(dropped) < 20


def test_sirets_pass_luhn() -> None:
    sirets = [
        re.sub(r"\s", "", str(r.fields["siret"])) for r in demo_records() if r.fields.get("siret")
    ]
    assert sirets
    for siret in sirets:
        assert len(siret) == 14 and siret.isdigit()
        assert luhn(siret), siret
        assert luhn(siret[:9]), siret
