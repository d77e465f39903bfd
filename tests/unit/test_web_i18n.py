"""The console's languages (parcours.web.i18n): translations, money, numbers and dates per
locale, and no French text left untranslated in the English console."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from parcours.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.mark.parametrize(
    ("language", "money", "number", "moment"),
    [
        pytest.param("fr", "1\u202f234,50\xa0€", "12\u202f345", "25 nov. 2026 15:30", id="french"),
        pytest.param("en", "€1,234.50", "12,345", "25 Nov 2026 15:30", id="english"),
    ],
)
def test_amounts_numbers_and_dates_follow_the_language(
    language: str, money: str, number: str, moment: str
) -> None:
    i18n.use(language)
    assert i18n.money(Decimal("1234.50"), "EUR") == money
    assert i18n.number(12345) == number
    # 14:30 UTC is 15:30 in Paris in November.
    assert i18n.when(datetime(2026, 11, 25, 14, 30, tzinfo=UTC)) == moment
    i18n.use("fr")


def test_an_unknown_language_is_french_and_an_unknown_message_is_kept() -> None:
    assert i18n.use("de") == "fr"
    assert i18n.gettext("Clients") == "Clients"
    i18n.use("en")
    assert (i18n.gettext("Clients"), i18n.gettext("pas traduit")) == ("Customers", "pas traduit")
    i18n.use("fr")


def test_every_text_of_the_console_has_its_english_translation() -> None:
    wanted = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        wanted |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(
            re.findall(r"_\('([^']+)'\)", text)
        )
    assert wanted, "the templates use _() for their texts"
    missing = sorted(text for text in wanted if text not in i18n.CATALOGUES["en"])
    assert missing == []


def test_the_public_pages_texts_come_from_the_catalogue_in_both_languages() -> None:
    from parcours.web import chat, pages, survey_pages

    for french in (pages.FRENCH, survey_pages.FRENCH, chat.WIDGET_FRENCH):
        missing = sorted(text for text in french.values() if text not in i18n.CATALOGUES["en"])
        assert missing == []
    assert i18n.texts("en", survey_pages.FRENCH)["thanks"] == "Thank you! Your answer is recorded."
    assert (
        i18n.texts("fr", survey_pages.FRENCH)["thanks"] == "Merci ! Votre avis est bien enregistré."
    )
    i18n.use("fr")
