"""Normalisation of identifiers, names and French addresses (pure: no database, no web).

Each normaliser returns the normalised value or raises :class:`InvalidValue` with a reason a person
can act on. Normalising an already normalised value returns it unchanged (idempotence), and the
different ways people type one value ("06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678") give
one result.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """A value that cannot be stored as valid; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SPACES = re.compile(r"\s+")


def clean_text(raw: str | None) -> str | None:
    """Trimmed text with inner whitespace collapsed; None when nothing is left."""
    if raw is None:
        return None
    text = _SPACES.sub(" ", str(raw)).strip()
    return text or None


def fold(text: str) -> str:
    """Case-folded, accent-free text with hyphens, apostrophes and dots as spaces, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    lowered = without_accents.casefold().replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    spaced = re.sub(r"[\-'’`.,_/]", " ", lowered)
    return _SPACES.sub(" ", spaced).strip()


def normalise_email(raw: str) -> str:
    """The address in lower case after a syntax check (no DNS lookup)."""
    text = raw.strip()
    if not text:
        raise InvalidValue("empty e-mail address")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidValue(f"invalid e-mail address: {error}") from None
    return result.normalized.lower()


def normalise_phone(raw: str, region: str = "FR") -> str:
    """The number in E.164 ("+33612345678"), whatever the spacing or international prefix."""
    text = raw.strip()
    if not text:
        raise InvalidValue("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:].lstrip()
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidValue(f"not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"not a valid phone number for region {region.upper()}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


_TITLES = {
    "m": "M.",
    "mr": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "madame": "Mme",
    "mrs": "Mme",
    "ms": "Mme",
    "mlle": "Mlle",
    "mademoiselle": "Mlle",
    "dr": "Dr",
    "docteur": "Dr",
    "me": "Me",
    "maitre": "Me",
}


def split_title(name: str) -> tuple[str | None, str]:
    """("Mme", "Claire") from "Mme Claire": civilities are kept apart from the name."""
    words = name.split(" ")
    if len(words) > 1:
        key = fold(words[0]).replace(" ", "")
        if key in _TITLES:
            return _TITLES[key], " ".join(words[1:])
    return None, name


def normalise_title(raw: str) -> str:
    """ "Madame", "MME", "Mme." → "Mme"; an unknown civility is kept as given."""
    return _TITLES.get(fold(raw).replace(" ", ""), raw.strip())


def display_name(raw: str | None) -> str | None:
    """A name as given, trimmed; an all-upper or all-lower name is put in title case."""
    text = clean_text(raw)
    if text is None:
        return None
    if text.isupper() or text.islower():
        text = "-".join(
            " ".join(word[:1].upper() + word[1:].lower() for word in part.split(" "))
            for part in text.split("-")
        )
    return text


def split_full_name(full_name: str) -> tuple[str | None, str | None]:
    """(first, last) from a full name: "MARTIN Jean" (surname in capitals) or "Jean Martin"."""
    words = full_name.split(" ")
    if len(words) == 1:
        return None, words[0]
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper and len(upper) < len(words):
        last = " ".join(w for w in words if w in upper)
        first = " ".join(w for w in words if w not in upper)
        return first, last
    return " ".join(words[:-1]), words[-1]


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"),
)


def normalise_birth_date(raw: str, today: date | None = None) -> date:
    """A birth date from ISO, ``YYYYMMDD`` or French ``DD/MM/YYYY``, checked to be plausible."""
    text = raw.strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                value = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise InvalidValue(f"no such date: {raw!r}") from None
            today = today or date.today()
            if value.year < 1900 or value > today:
                raise InvalidValue(f"implausible birth date: {value.isoformat()}")
            return value
    raise InvalidValue(f"unrecognised date {raw!r} (expected YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)")


def normalise_postcode(raw: str, country: str = "FR") -> str:
    """A French postcode on five digits (a leading zero lost by a spreadsheet is put back)."""
    text = raw.strip().replace(" ", "")
    if country != "FR":
        if not text or len(text) > 12:
            raise InvalidValue(f"invalid postcode {raw!r}")
        return text.upper()
    if re.fullmatch(r"[0-9]{4}", text):
        text = "0" + text
    if not re.fullmatch(r"[0-9]{5}", text):
        raise InvalidValue(f"a French postcode has five digits, got {raw!r}")
    return text


_STREET_TYPES = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "r": "rue",
    "pl": "place",
    "ch": "chemin",
    "chem": "chemin",
    "che": "chemin",
    "rte": "route",
    "imp": "impasse",
    "all": "allée",
    "fg": "faubourg",
    "fbg": "faubourg",
    "sq": "square",
    "crs": "cours",
    "qu": "quai",
    "qua": "quai",
    "pass": "passage",
    "res": "résidence",
    "lot": "lotissement",
    "lieu dit": "lieu-dit",
    "ld": "lieu-dit",
    "hameau": "hameau",
    "sen": "sente",
    "vla": "villa",
    "za": "zone d'activité",
    "zi": "zone industrielle",
}
_STREET_TYPE = re.compile(
    r"^(?P<abbr>" + "|".join(sorted(map(re.escape, _STREET_TYPES), key=len, reverse=True)) + r")"
    r"(?:\.|\s)\s*",
    re.IGNORECASE,
)
_SAINT = re.compile(r"\b(Ste|St)\b(?:\.\s*|\s+|(?=-))", re.IGNORECASE)


def expand_saint(text: str) -> str:
    """ "St-Brieuc", "St. Malo", "Ste Anne" → "Saint-Brieuc", "Saint Malo", "Sainte Anne"."""

    def replace(match: re.Match[str]) -> str:
        word = "Saint" if match[1].lower() == "st" else "Sainte"
        followed_by_hyphen = match.string[match.end() : match.end() + 1] == "-"
        return word if followed_by_hyphen else word + " "

    return _SPACES.sub(" ", _SAINT.sub(replace, text)).strip()


def normalise_street(raw: str) -> str:
    """The street with its type abbreviation expanded: "bd Clemenceau" → "boulevard Clemenceau"."""
    text = clean_text(raw)
    if text is None:
        raise InvalidValue("empty street")
    match = _STREET_TYPE.match(text + " ")
    if match:
        expanded = _STREET_TYPES[match["abbr"].lower()]
        rest = (text + " ")[match.end() :].strip()
        text = f"{expanded} {rest}".strip()
    return expand_saint(text)


def split_street_number(street: str) -> tuple[str | None, str]:
    """("12 bis", "rue de Brest") from "12 bis rue de Brest"."""
    match = re.match(r"^(\d+\s*(?:bis|ter|quater|[a-d])?\b)[,\s]+(.+)$", street, re.IGNORECASE)
    if match:
        return _SPACES.sub(" ", match[1]).strip(), match[2].strip()
    return None, street


def normalise_city(raw: str) -> str:
    text = clean_text(raw)
    if text is None:
        raise InvalidValue("empty city")
    return expand_saint(display_name(text) or text)


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_LA_POSTE_HEAD_OFFICE = "35600000000048"


def normalise_siret(raw: str) -> str:
    """A SIRET (14 digits) or a SIREN (9 digits), checked with the Luhn key (La Poste's
    establishments other than its head office have a digit sum that is a multiple of 5 instead)."""
    text = re.sub(r"[\s.\-]", "", raw)
    if not re.fullmatch(r"[0-9]{9}|[0-9]{14}", text):
        raise InvalidValue(f"a SIRET has 14 digits and a SIREN 9, got {raw!r}")
    if len(text) == 14 and text.startswith("356000000") and text != _LA_POSTE_HEAD_OFFICE:
        if sum(int(c) for c in text) % 5 != 0:
            raise InvalidValue(f"wrong check digit in La Poste SIRET {raw!r}")
        return text
    if not luhn_is_valid(text):
        raise InvalidValue(f"wrong check digit in SIRET/SIREN {raw!r}")
    return text


def normalise_national_id(raw: str, region: str = "FR") -> str:
    """A French NIR (numéro de sécurité sociale): 13 characters and a two-digit key.

    Outside France the number is only cleaned (5 to 20 letters and digits): its rules are unknown.
    """
    text = re.sub(r"[\s.\-]", "", raw).upper()
    if region.upper() != "FR":
        if not (5 <= len(text) <= 20 and text.isascii() and text.isalnum()):
            raise InvalidValue(f"a national id has 5 to 20 letters and digits, got {raw!r}")
        return text
    if len(text) != 15:
        raise InvalidValue("a NIR has 13 characters and a 2-digit key")
    body, key = text[:13], text[13:]
    department = body[5:7]
    numeric = body[:5] + {"2A": "19", "2B": "18"}.get(department, department) + body[7:]
    if not re.fullmatch(r"[12378][0-9]{12}", numeric) or not re.fullmatch(r"[0-9]{2}", key):
        raise InvalidValue(f"malformed NIR {raw!r}")
    if 97 - int(numeric) % 97 != int(key):
        raise InvalidValue(f"wrong key in NIR {raw!r}")
    return text


def normalise_loyalty_card(raw: str) -> str:
    text = re.sub(r"[\s\-]", "", raw).upper()
    if not text or not text.isalnum():
        raise InvalidValue(f"a loyalty card number has letters and digits only, got {raw!r}")
    return text


def normalise_web_account(raw: str) -> str:
    text = raw.strip().casefold()
    if not text:
        raise InvalidValue("empty web account")
    return text


def normalise_account(raw: str) -> str:
    """A till number, device id, cookie or social handle: trimmed, "@" dropped, case-folded."""
    return raw.strip().removeprefix("@").casefold()


_COUNTRIES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "luxembourg": "LU",
    "allemagne": "DE",
    "germany": "DE",
    "espagne": "ES",
    "spain": "ES",
    "italie": "IT",
    "italy": "IT",
    "royaume uni": "GB",
    "united kingdom": "GB",
    "monaco": "MC",
}


def normalise_country(raw: str) -> str:
    text = raw.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    code = _COUNTRIES.get(fold(text))
    if code is None:
        raise InvalidValue(f"unknown country {raw!r} (use an ISO 3166 code such as FR)")
    return code


def first_names_compatible(left: str, right: str) -> bool:
    """Whether two first names can be the same person's: equal when folded, or one is the other's
    first part ("Jean" and "Jean-Pierre"), or one is the other's initial ("J." and "Jean")."""
    a, b = fold(left), fold(right)
    if a == b:
        return True
    a_words, b_words = a.split(" "), b.split(" ")
    shorter, longer = sorted(
        (a_words, b_words), key=lambda words: (len(words), len(" ".join(words)))
    )
    if longer[: len(shorter)] == shorter:
        return True
    return len(shorter) == 1 and len(shorter[0]) == 1 and longer[0].startswith(shorter[0])
