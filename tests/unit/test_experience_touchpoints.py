"""The journey phase read from a touchpoint's name (parcours.experience.touchpoints)."""

from __future__ import annotations

import pytest

from parcours.experience.touchpoints import checked_phase, phase_of


@pytest.mark.parametrize(
    ("touchpoint", "phase"),
    [
        pytest.param("case_resolved", "after", id="moment-case-resolved"),
        pytest.param("store_visit", "before", id="interaction-type-store-visit"),
        pytest.param("click_collect", "during", id="interaction-type-click-collect"),
        pytest.param("Livraison à domicile", "after", id="french-delivery"),
        pytest.param("Colis livré", "after", id="french-delivered-accent"),
        pytest.param("Ouverture de livret", None, id="savings-account-is-not-a-delivery"),
        pytest.param("appel SAV", "after", id="after-sales-call"),
        pytest.param("Retours magasin", "after", id="plural-returns"),
        pytest.param("Passage en caisse", "during", id="checkout"),
        pytest.param("visite showroom", "before", id="showroom-visit"),
        pytest.param("Devis par e-mail", "before", id="quote"),
        pytest.param("Online checkout", "during", id="english-checkout"),
        pytest.param("Home delivery", "after", id="english-delivery"),
        pytest.param("Newsletter", None, id="nothing-known"),
        pytest.param(None, None, id="no-touchpoint"),
        pytest.param("  ", None, id="blank"),
    ],
)
def test_a_touchpoint_tells_its_phase(touchpoint: str | None, phase: str | None) -> None:
    assert phase_of(touchpoint) == phase


def test_a_given_phase_must_be_one_of_the_three() -> None:
    assert checked_phase(" during ") == "during"
    assert checked_phase("") is None
    with pytest.raises(ValueError, match="unknown phase 'later'; known: before, during, after"):
        checked_phase("later")
