"""How a question is written on the command line (parcours.experience.services.parse_question)."""

from __future__ import annotations

import pytest

from parcours.experience.services import QuestionSpec, SurveyError, parse_question


def test_a_choice_question_is_written_with_its_options() -> None:
    assert parse_question("canal:choice:Magasin | Site web|Téléphone") == QuestionSpec(
        "canal", "choice", options=("Magasin", "Site web", "Téléphone")
    )
    assert parse_question("q1:nps:0-10") == QuestionSpec("q1", "nps", 0, 10)
    with pytest.raises(SurveyError, match="a nps question has a scale MIN-MAX"):
        parse_question("q1:nps:oui|non")
