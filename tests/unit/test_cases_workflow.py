"""The case workflow and references, as pure rules."""

from __future__ import annotations

import pytest

from parcours.cases import workflow
from parcours.cases.references import find_references, make_reference


def test_a_case_moves_along_the_arrows_and_a_wrong_move_names_the_allowed_ones():
    workflow.check_move("new", "open")
    workflow.check_move("waiting_customer", "open")
    workflow.check_move("resolved", "open")
    workflow.check_move("closed", "open")

    with pytest.raises(workflow.WorkflowError) as error:
        workflow.check_move("closed", "resolved")

    assert str(error.value) == "from closed, a case can go to: open (not resolved)"


def test_a_move_to_the_same_or_an_unknown_status_is_refused():
    with pytest.raises(workflow.WorkflowError, match="already open"):
        workflow.check_move("open", "open")
    with pytest.raises(workflow.WorkflowError, match="unknown status 'done'"):
        workflow.check_move("open", "done")


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("new", workflow.AfterMessage()),
        ("open", workflow.AfterMessage()),
        ("waiting_internal", workflow.AfterMessage()),
        ("waiting_customer", workflow.AfterMessage(status="open")),
        ("resolved", workflow.AfterMessage(status="open")),
        ("closed", workflow.AfterMessage(follow_up=True)),
    ],
)
def test_a_customer_message_wakes_waiting_and_resolved_cases_and_follows_up_closed_ones(
    status: str, after: workflow.AfterMessage
):
    assert workflow.after_customer_message(status) == after


def test_a_message_of_a_given_type_may_concern_related_cases_and_a_plain_message_any():
    assert workflow.may_concern("return", "complaint")
    assert not workflow.may_concern("return", "quote")
    assert workflow.may_concern("callback_request", "quote")
    assert workflow.may_concern("message", "order_problem")


def test_labels_come_in_french_by_default_and_in_english():
    assert workflow.label(workflow.STATUSES, "waiting_customer") == "En attente du client"
    assert workflow.label(workflow.TYPES, "after_sales", "en") == "After-sales"


def test_references_are_made_from_the_year_and_number_and_found_however_typed():
    assert make_reference(2026, 123) == "PAR-2026-000123"
    text = "Re: [par-2026-000123] Votre devis — voir aussi PAR 2026 000124 et PAR-2026-000123"

    assert find_references(text) == ["PAR-2026-000123", "PAR-2026-000124"]
    assert find_references("commande PAR-2026-0001234 ou REPAR-2026-000001") == []
    assert find_references("PAR-2026-000000") == []
