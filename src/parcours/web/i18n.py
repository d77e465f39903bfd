"""The console in French (by default) and English: message catalogues read with Babel
(every ``web/locale/LANG/LC_MESSAGES/*.po``, one file per part of the console; the French text
is the message id, so French needs no catalogue), dates, numbers and money formatted per locale
("1 234,50 €" / "€1,234.50").

The language of a request: ``?lang=`` (remembered in a cookie), else the cookie, else the
signed-in user's own language, else French.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("fr", "en")
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
COOKIE = "parcours_lang"
PARIS = ZoneInfo("Europe/Paris")
_current: ContextVar[str] = ContextVar("language", default="fr")


def _catalogue(language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in sorted((Path(__file__).parent / "locale" / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=LOCALES[language])
        messages.update({str(m.id): str(m.string) for m in catalogue if m.id and m.string})
    return messages


CATALOGUES = {"en": _catalogue("en")}


def use(language: str) -> str:
    """Make ``language`` the current one for this request (unknown ones: French)."""
    chosen = language if language in LANGUAGES else "fr"
    _current.set(chosen)
    return chosen


def current() -> str:
    return _current.get()


def texts(language: str, french: dict[str, str]) -> dict[str, str]:
    """A page's texts (key → French text, the message id) in ``language``, made current, with
    ``switch``: the name of the other language, for the link that changes to it."""
    chosen = use(language)
    found = {key: gettext(text) for key, text in french.items()}
    return {**found, "switch": "Français" if chosen == "en" else "English"}


def gettext(message: str) -> str:
    return CATALOGUES.get(current(), {}).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def money(value: Decimal | float | None, currency: str | None = "EUR") -> str:
    if value is None:
        return ""
    return format_currency(value, currency or "EUR", locale=LOCALES[current()])


def number(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value, locale=LOCALES[current()])


def when(value: datetime | None) -> str:
    """A moment in Paris time: "25 nov. 2026 14:30" / "25 Nov 2026 14:30"."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM yyyy HH:mm", tzinfo=PARIS, locale=LOCALES[current()])


def countdown(due: datetime | None, now: datetime | None = None) -> str:
    """How long until ``due`` ("dans 25 minutes", "il y a 3 heures"): the largest unit of which
    there are at least two, as the inbox's script counts on in the browser."""
    if due is None:
        return ""
    left = due - (now or datetime.now(UTC))
    return format_timedelta(left, threshold=2, add_direction=True, locale=LOCALES[current()])
