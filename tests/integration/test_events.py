"""Domain events: delivered after commit, never for a rollback, joined per transaction."""

from __future__ import annotations

import logging

import pytest

from parcours import events
from parcours.db import Database, create_db_engine

received: list[events.Event] = []


def remember(_session: object, event: events.Event) -> None:
    received.append(event)


def explode(_session: object, _event: events.Event) -> None:
    raise RuntimeError("subscriber broke")


events.subscribe("test.remembered", remember)
events.subscribe("customers.changed", remember)
events.subscribe("test.exploding", explode)


@pytest.fixture(autouse=True)
def fresh() -> None:
    received.clear()


def test_an_event_is_delivered_only_once_its_transaction_commits(db: Database):
    with db.transaction(write=True) as session:
        events.emit(session, "test.remembered", value=1)
        assert received == []

    assert received == [events.Event("test.remembered", {"value": 1})]


def test_an_event_of_a_rolled_back_transaction_is_never_delivered(db: Database):
    with pytest.raises(ValueError, match="abandon"), db.transaction(write=True) as session:
        events.emit(session, "test.remembered", value=2)
        raise ValueError("abandon")

    assert received == []


def test_many_customer_changes_in_one_transaction_make_one_event(db: Database):
    with db.transaction(write=True) as session:
        for customer_id in (3, 1, 2):
            events.emit(session, "customers.changed", customer_ids=[customer_id], merge_id=9)

    assert received == [events.Event("customers.changed", {"customer_ids": [3, 1, 2]})]


def test_a_failing_subscriber_raises_in_development_and_is_logged_in_production(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    development = Database(create_db_engine(sqlite_url))
    production = Database(create_db_engine(sqlite_url), raise_subscriber_errors=False)

    with (
        pytest.raises(RuntimeError, match="subscriber broke"),
        development.transaction(write=True) as session,
    ):
        events.emit(session, "test.exploding")
    with caplog.at_level(logging.ERROR), production.transaction(write=True) as session:
        events.emit(session, "test.exploding")

    assert "subscriber explode failed on event" in caplog.text
