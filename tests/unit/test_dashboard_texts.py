"""The dashboard's chart labels, written in Python (the page's JSON), have their English too:
tests/unit/test_web_i18n.py reads only the templates."""

from __future__ import annotations

import re
from pathlib import Path

from parcours.web import console_dashboard, i18n


def test_every_text_of_the_dashboards_charts_has_its_english_translation() -> None:
    source = Path(console_dashboard.__file__).read_text(encoding="utf-8")
    wanted = set(re.findall(r'_\("([^"]+)"\)', source))

    assert "Première réponse à temps (%)" in wanted
    assert sorted(text for text in wanted if text not in i18n.CATALOGUES["en"]) == []
