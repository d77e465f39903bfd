"""The inbox's deadline of a case (parcours.cases.worklist.next_deadline): the earliest clock
still running — first response, a promised call-back, the resolution — and where it stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from parcours.cases.models import Case
from parcours.cases.worklist import Deadline, next_deadline

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def a_case(status: str = "open", **clocks: datetime | None) -> Case:
    return Case(status=status, **clocks)


def test_the_first_response_not_yet_given_comes_before_the_resolution():
    case = a_case(first_response_due_at=NOW + timedelta(hours=2),
                  resolution_due_at=NOW + timedelta(days=2))  # fmt: skip

    assert next_deadline(case, NOW) == Deadline("first_response", NOW + timedelta(hours=2),
                                                 "on_time")  # fmt: skip


def test_once_answered_the_resolution_counts_and_a_promised_call_back_earlier_wins():
    answered = a_case(first_response_due_at=NOW - timedelta(hours=1),
                      first_responded_at=NOW - timedelta(hours=2),
                      resolution_due_at=NOW + timedelta(days=1))  # fmt: skip
    promised = a_case(resolution_due_at=NOW + timedelta(days=1),
                      due_at=NOW + timedelta(minutes=20))  # fmt: skip

    assert next_deadline(answered, NOW) == Deadline("resolution", NOW + timedelta(days=1),
                                                    "on_time")  # fmt: skip
    assert next_deadline(promised, NOW) == Deadline("callback", NOW + timedelta(minutes=20),
                                                    "at_risk")  # fmt: skip


def test_a_deadline_passed_is_breached_and_the_reminder_window_decides_at_risk():
    late = a_case(first_response_due_at=NOW - timedelta(minutes=1))
    soon = a_case(first_response_due_at=NOW + timedelta(minutes=50))

    assert next_deadline(late, NOW) == Deadline("first_response", late.first_response_due_at,
                                                "breached")  # fmt: skip
    assert next_deadline(soon, NOW, timedelta(minutes=30)).state == "on_time"
    assert next_deadline(soon, NOW, timedelta(hours=1)).state == "at_risk"


def test_a_resolved_case_or_one_without_clocks_has_no_deadline():
    assert next_deadline(a_case("resolved", resolution_due_at=NOW), NOW) is None
    assert next_deadline(a_case(), NOW) is None
