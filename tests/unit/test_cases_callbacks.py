"""The call-back retry rule, with a fixed clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from parcours.cases.callbacks import Next, after_attempt, due_for
from parcours.cases.services import CaseError

MONDAY = datetime.fromisoformat("2026-03-16T17:45:00+01:00")


def test_a_reached_customer_opens_the_case_and_a_wrong_number_waits_on_them():
    assert after_attempt("reached", 1, MONDAY) == Next("open", None, "customer reached")
    assert after_attempt("wrong_number", 1, MONDAY).status == "waiting_customer"


def test_no_answer_is_tried_again_30_business_minutes_later_three_times_at_most():
    first = after_attempt("no_answer", 1, MONDAY)
    third = after_attempt("busy", 3, MONDAY)

    # 15 minutes left on Monday, 15 more on Tuesday morning.
    assert (first.status, first.retry_at) == (
        "open",
        datetime.fromisoformat("2026-03-17T09:15:00+01:00"),
    )
    assert (third.status, third.retry_at) == ("waiting_customer", None)
    assert third.reason == "3 attempts without answer: ask the customer for a better time"


def test_an_unknown_outcome_is_refused_and_a_call_back_is_due_at_its_slot_or_soon():
    with pytest.raises(CaseError, match="unknown outcome 'voicemail'"):
        after_attempt("voicemail", 1, MONDAY)
    slot = datetime.fromisoformat("2026-03-17T11:00:00+01:00")
    assert due_for(slot, MONDAY) == slot
    assert due_for(None, MONDAY) == datetime.fromisoformat("2026-03-16T18:00:00+01:00")
