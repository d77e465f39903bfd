"""The demo's interactions: deterministic, valid, and telling the journeys the seeds describe."""

from __future__ import annotations

from collections import Counter

from parcours.demo_interactions import demo_interactions
from parcours.interactions.records import normalise_interaction


def test_the_same_seed_gives_the_same_interactions_and_another_seed_others():
    assert demo_interactions(7) == demo_interactions(7)
    assert demo_interactions(7) != demo_interactions(8)


def test_a_few_thousand_valid_interactions_over_every_kind_of_channel():
    items = demo_interactions()

    assert 2_000 <= len(items) <= 5_000
    assert len({item["external_id"] for item in items}) == len(items)
    for item in items:
        normalise_interaction(item)  # raises on an invalid one
    channels = Counter(item["channel"] for item in items)
    assert set(channels) == {"web", "email", "store", "phone", "field", "app", "sms", "chat"}


def test_journeys_tie_anonymous_browsing_to_people_and_cross_channels():
    items = demo_interactions()
    types = Counter(item["type"] for item in items)
    anonymous = [item for item in items if set(item["identifiers"]) == {"cookie"}]
    linking = [
        item for item in items if "cookie" in item["identifiers"] and len(item["identifiers"]) > 1
    ]

    assert types["login"] > 0 and types["wifi_signup"] > 0  # browsing identified later
    assert types["purchase"] > 0 and types["order"] > 0  # in the store and on the web
    assert types["delivery"] > 0 and types["complaint"] + types["return"] > 0  # after
    assert len(anonymous) > 500
    linked_cookies = {item["identifiers"]["cookie"] for item in linking}
    assert any(item["identifiers"]["cookie"] in linked_cookies for item in anonymous)
