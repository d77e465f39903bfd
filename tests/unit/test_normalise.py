"""Normalisers of identifiers, names and French addresses: exact cases and properties."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from parcours.customers import normalise as n

TODAY = date(2025, 6, 1)
PROPERTY = settings(max_examples=150, deadline=None)

FRENCH_LOWER = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ"
FRENCH_LETTERS = FRENCH_LOWER + FRENCH_LOWER.upper()
#: How the French letters are written by someone who types without accents.
WITHOUT_ACCENTS = str.maketrans(
    {
        **dict.fromkeys("àâä", "a"),
        "ç": "c",
        **dict.fromkeys("éèêë", "e"),
        **dict.fromkeys("îï", "i"),
        **dict.fromkeys("ôö", "o"),
        **dict.fromkeys("ùûü", "u"),
        "ÿ": "y",
        "œ": "oe",
        "æ": "ae",
        **dict.fromkeys("ÀÂÄ", "A"),
        "Ç": "C",
        **dict.fromkeys("ÉÈÊË", "E"),
        **dict.fromkeys("ÎÏ", "I"),
        **dict.fromkeys("ÔÖ", "O"),
        **dict.fromkeys("ÙÛÜ", "U"),
        "Ÿ": "Y",
        "Œ": "OE",
        "Æ": "AE",
    }
)

french_words = st.text(alphabet=FRENCH_LETTERS, min_size=1, max_size=12)
french_names = st.lists(french_words, min_size=1, max_size=4).flatmap(
    lambda words: st.lists(
        st.sampled_from([" ", "-", "'", "’"]), min_size=len(words) - 1, max_size=len(words) - 1
    ).map(lambda joins: words[0] + "".join(j + w for j, w in zip(joins, words[1:], strict=True)))
)

#: The two digits after 06 / 07 in the ranges the numbering plan gives to mobiles.
MOBILE_RANGES = ["60", "61", "62", "64", "65", "66", "67", "68"] + [f"7{d}" for d in "3456789"]


@st.composite
def french_mobiles(draw: st.DrawFn) -> str:
    """The nine national digits of a French mobile number ("612345678")."""
    return draw(st.sampled_from(MOBILE_RANGES)) + draw(
        st.text(alphabet=string.digits, min_size=7, max_size=7)
    )


def pairs(digits: str, separator: str) -> str:
    return separator.join(digits[i : i + 2] for i in range(0, len(digits), 2))


@st.composite
def as_people_write_it(draw: st.DrawFn, national: str) -> str:
    """``national`` written in one of the ways found in customer files."""
    separator = draw(st.sampled_from(["", " ", ".", "-", "  "]))
    prefix = draw(
        st.sampled_from(["0", "+33 ", "+33", "0033 ", "0033", "+33 (0)", "+33(0)", "(+33) "])
    )
    if prefix == "0":
        written = pairs("0" + national, separator)
    else:
        written = prefix + national[0] + separator + pairs(national[1:], separator)
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return padding + written + padding


def luhn_key(digits: str) -> str:
    """The digit that, appended to ``digits``, makes a number that passes the Luhn test."""
    for key in string.digits:
        number = digits + key
        total = 0
        for position, char in enumerate(reversed(number), start=1):
            value = int(char) * (2 if position % 2 == 0 else 1)
            total += value // 10 + value % 10
        if total % 10 == 0:
            return key
    raise AssertionError("unreachable: one of ten keys always fits")


@st.composite
def sirets(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=string.digits, min_size=13, max_size=13))
    assume(not body.startswith("356000000"))  # La Poste has its own rule
    return body + luhn_key(body)


@st.composite
def nirs(draw: st.DrawFn) -> str:
    sex = draw(st.sampled_from("12"))
    rest = draw(st.text(alphabet=string.digits, min_size=12, max_size=12))
    body = sex + rest
    return body + f"{97 - int(body) % 97:02d}"


# --- clean_text and fold ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Le   Goff ", "Le Goff"),
        ("Le\tGoff\n", "Le Goff"),
        ("   ", None),
        ("", None),
        (None, None),
    ],
    ids=["inner-spaces", "tabs-and-newlines", "blank", "empty", "none"],
)
def test_clean_text_trims_and_collapses_whitespace(raw: str | None, expected: str | None):
    assert n.clean_text(raw) == expected


@pytest.mark.parametrize(
    "written",
    [
        "Jean-Pierre",
        "Jean Pierre",
        "JEAN-PIERRE",
        "jean pierre",
        " Jean  -  Pierre ",
        "Jean.Pierre",
    ],
    ids=["hyphen", "space", "capitals", "lower", "loose-spacing", "dot"],
)
def test_compound_first_names_fold_to_the_same_words(written: str):
    assert n.fold(written) == "jean pierre"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Élodie", "elodie"),
        ("D'Artagnan", "d artagnan"),
        ("d’Artagnan", "d artagnan"),
        ("Lætitia", "laetitia"),
        ("Cœur", "coeur"),
        ("Straße", "strasse"),
        ("François", "francois"),
    ],
    ids=[
        "acute",
        "apostrophe",
        "typographic-apostrophe",
        "ae-ligature",
        "oe-ligature",
        "eszett",
        "cedilla",
    ],
)
def test_fold_removes_accents_ligatures_and_punctuation(written: str, expected: str):
    assert n.fold(written) == expected


@PROPERTY
@given(name=french_names)
def test_fold_ignores_case_and_accents(name: str):
    # Given a name as typed with accents, without them, in capitals or in lower case
    variants = [name, name.upper(), name.lower(), name.translate(WITHOUT_ACCENTS)]

    # Then all of them fold to one plain ASCII key
    folded = {n.fold(variant) for variant in variants}
    assert len(folded) == 1
    (key,) = folded
    assert key.isascii()
    assert key == key.lower()


@PROPERTY
@given(name=french_names)
def test_fold_is_idempotent(name: str):
    assert n.fold(n.fold(name)) == n.fold(name)


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jean.Martin@Example.FR", "jean.martin@example.fr"),
        ("  claire.legoff@exemple.fr ", "claire.legoff@exemple.fr"),
        ("Élodie@Exemple.fr", "élodie@exemple.fr"),
    ],
    ids=["mixed-case", "surrounding-spaces", "accented-local-part"],
)
def test_an_email_address_is_stored_in_lower_case(raw: str, expected: str):
    assert n.normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty e-mail address"),
        ("   ", "empty e-mail address"),
        ("not-an-email", "invalid e-mail address: An email address must have an @-sign."),
        ("jean@", "invalid e-mail address: There must be something after the @-sign."),
        ("@exemple.fr", "invalid e-mail address: There must be something before the @-sign."),
        (
            "jean@localhost",
            "invalid e-mail address: The part after the @-sign is not valid. "
            "It should have a period.",
        ),
        (
            "jean martin@exemple.fr",
            "invalid e-mail address: The email address contains invalid characters "
            "before the @-sign: SPACE.",
        ),
    ],
    ids=["empty", "blank", "no-at-sign", "no-domain", "no-local-part", "no-dot", "space"],
)
def test_an_invalid_email_address_is_refused_with_its_reason(raw: str, reason: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_email(raw)
    assert refused.value.reason == reason


@PROPERTY
@given(address=st.emails())
def test_email_normalisation_is_idempotent_and_case_insensitive(address: str):
    try:
        normalised = n.normalise_email(address)
    except n.InvalidValue:
        reject()
    assert n.normalise_email(normalised) == normalised
    assert n.normalise_email(address.upper()) == normalised


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        " 06 12 34 56 78 ",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033612345678",
        "0033 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33(0)612345678",
        "0033 (0)6 12 34 56 78",
        "(+33) 6 12 34 56 78",
        "+33 06 12 34 56 78",
    ],
    ids=lambda written: written.strip() or "blank",
)
def test_a_french_mobile_gives_one_e164_number_however_it_is_written(written: str):
    assert n.normalise_phone(written) == "+33612345678"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("02 98 00 00 00", "FR", "+33298000000"),
        ("02 512 34 56", "BE", "+3225123456"),
        ("0470 12 34 56", "be", "+32470123456"),
        ("+32 470 12 34 56", "FR", "+32470123456"),
    ],
    ids=["french-landline", "belgian-landline", "belgian-mobile-lower-region", "foreign-in-france"],
)
def test_a_national_number_is_read_in_the_region_of_the_file(raw: str, region: str, expected: str):
    assert n.normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty phone number"),
        ("  ", "empty phone number"),
        ("06 12 34", "not a valid phone number for region FR"),
        ("06 39 12 34 56", "not a valid phone number for region FR"),
        ("+33 6 12 34 56 78 9", "not a valid phone number for region FR"),
        (
            "abc",
            "not a phone number: (1) The string supplied did not seem to be a phone number.",
        ),
    ],
    ids=["empty", "blank", "too-short", "unallocated-range", "too-long", "letters"],
)
def test_an_invalid_phone_number_is_refused_with_its_reason(raw: str, reason: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_phone(raw)
    assert refused.value.reason == reason


@PROPERTY
@given(data=st.data(), national=french_mobiles())
def test_any_writing_of_a_french_mobile_gives_the_same_e164_number(
    data: st.DataObject, national: str
):
    # Given a mobile number written as people do
    written = data.draw(as_people_write_it(national), label="written")

    # When it is normalised
    e164 = n.normalise_phone(written)

    # Then it is the international form, recognised as a mobile, and stable
    assert e164 == "+33" + national
    assert n.is_mobile(e164)
    assert n.normalise_phone(e164) == e164


@pytest.mark.parametrize(
    ("e164", "expected"),
    [("+33612345678", True), ("+33798765432", True), ("+33298000000", False)],
    ids=["06", "07", "landline"],
)
def test_is_mobile_tells_mobiles_from_landlines(e164: str, expected: bool):
    assert n.is_mobile(e164) is expected


# --- civilities and names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mme Claire", ("Mme", "Claire")),
        ("M. Jean", ("M.", "Jean")),
        ("Madame Claire Le Goff", ("Mme", "Claire Le Goff")),
        ("MONSIEUR Paul", ("M.", "Paul")),
        ("Mlle Anne", ("Mlle", "Anne")),
        ("Dr Yann", ("Dr", "Yann")),
        ("Claire", (None, "Claire")),
        ("Marie Martin", (None, "Marie Martin")),
        ("Mme", (None, "Mme")),
    ],
    ids=[
        "mme",
        "m-dot",
        "madame",
        "monsieur-capitals",
        "mlle",
        "dr",
        "no-title",
        "marie-is-a-name",
        "lone-title-kept",
    ],
)
def test_a_civility_is_split_from_the_name(raw: str, expected: tuple[str | None, str]):
    assert n.split_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Madame", "Mme"),
        ("MME", "Mme"),
        ("Mme.", "Mme"),
        ("monsieur", "M."),
        ("M", "M."),
        ("Mr.", "M."),
        ("Maître", "Me"),
        (" Pr ", "Pr"),
    ],
    ids=["madame", "capitals", "trailing-dot", "monsieur", "m", "mr", "maitre", "unknown-kept"],
)
def test_a_civility_is_written_one_way(raw: str, expected: str):
    assert n.normalise_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MARTIN", "Martin"),
        ("martin", "Martin"),
        ("JEAN-PIERRE", "Jean-Pierre"),
        ("  LE   GOFF ", "Le Goff"),
        ("ÉLODIE", "Élodie"),
        ("McDonald", "McDonald"),
        ("de La Fontaine", "de La Fontaine"),
        ("   ", None),
        (None, None),
    ],
    ids=[
        "capitals",
        "lower",
        "compound",
        "spaces",
        "accent",
        "mixed-kept",
        "particle-kept",
        "blank",
        "none",
    ],
)
def test_a_name_in_one_case_is_displayed_in_title_case(raw: str | None, expected: str | None):
    assert n.display_name(raw) == expected


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("MARTIN Jean", ("Jean", "MARTIN")),
        ("Jean MARTIN", ("Jean", "MARTIN")),
        ("LE GOFF Anne-Marie", ("Anne-Marie", "LE GOFF")),
        ("Jean Martin", ("Jean", "Martin")),
        ("Jean Pierre Martin", ("Jean Pierre", "Martin")),
        ("Martin", (None, "Martin")),
    ],
    ids=[
        "surname-first-in-capitals",
        "surname-last-in-capitals",
        "compound-surname",
        "mixed-case",
        "two-first-names",
        "surname-only",
    ],
)
def test_a_full_name_is_split_into_first_and_last_name(
    full_name: str, expected: tuple[str | None, str | None]
):
    assert n.split_full_name(full_name) == expected


def test_martin_jean_in_capitals_is_displayed_jean_martin():
    first, last = n.split_full_name("MARTIN Jean")

    assert (n.display_name(first), n.display_name(last)) == ("Jean", "Martin")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Jean", "Jean"),
        ("Jean", "JEAN"),
        ("Élodie", "Elodie"),
        ("Jean", "Jean-Pierre"),
        ("Jean-Pierre", "Jean"),
        ("Jean Pierre", "Jean-Pierre"),
        ("J.", "Jean"),
        ("Jean", "J."),
        ("J", "Jean-Pierre"),
        ("Jean-Pierre", "J."),
    ],
    ids=[
        "same",
        "case",
        "accent",
        "first-part",
        "first-part-reversed",
        "hyphen-or-space",
        "initial",
        "initial-reversed",
        "initial-of-compound",
        "initial-of-compound-reversed",
    ],
)
def test_first_names_of_the_same_person_are_compatible(left: str, right: str):
    assert n.first_names_compatible(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Jean", "Marie"),
        ("Jean", "Jeanne"),
        ("Pierre", "Jean-Pierre"),
        ("Jean-Pierre", "Jean-Paul"),
        ("J.", "Marie"),
        ("Marie", "J."),
    ],
    ids=[
        "different",
        "jean-and-jeanne",
        "second-part",
        "different-second-part",
        "other-initial",
        "other-initial-reversed",
    ],
)
def test_first_names_of_different_people_are_not_compatible(left: str, right: str):
    assert not n.first_names_compatible(left, right)


@PROPERTY
@given(left=french_names, right=french_names)
def test_first_name_compatibility_does_not_depend_on_the_order(left: str, right: str):
    assert n.first_names_compatible(left, right) == n.first_names_compatible(right, left)


@PROPERTY
@given(name=french_names)
def test_a_first_name_is_compatible_with_its_initial_and_its_unaccented_capitals(name: str):
    assume(n.fold(name))
    initial = n.fold(name)[0].upper() + "."

    assert n.first_names_compatible(name, initial)
    assert n.first_names_compatible(initial, name)
    assert n.first_names_compatible(name, name.upper().translate(WITHOUT_ACCENTS))


# --- birth date ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "1980-04-12",
        "19800412",
        "12/04/1980",
        "12.04.1980",
        "12-04-1980",
        "1980-04-12T08:30:00",
        " 12/04/1980 ",
    ],
    ids=["iso", "compact", "french", "french-dots", "french-hyphens", "iso-with-time", "spaces"],
)
def test_a_birth_date_in_any_usual_format_gives_the_same_date(written: str):
    assert n.normalise_birth_date(written, TODAY) == date(1980, 4, 12)


EXPECTED_DATE_FORMATS = "(expected YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31/02/1980", "no such date: '31/02/1980'"),
        ("1899-12-31", "implausible birth date: 1899-12-31"),
        ("2025-06-02", "implausible birth date: 2025-06-02"),
        ("12/04/80", f"unrecognised date '12/04/80' {EXPECTED_DATE_FORMATS}"),
        ("avril 1980", f"unrecognised date 'avril 1980' {EXPECTED_DATE_FORMATS}"),
    ],
    ids=["no-such-day", "before-1900", "tomorrow", "two-digit-year", "words"],
)
def test_an_impossible_birth_date_is_refused_with_its_reason(raw: str, reason: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_birth_date(raw, TODAY)
    assert refused.value.reason == reason


def test_someone_born_today_is_accepted():
    assert n.normalise_birth_date("01/06/2025", TODAY) == TODAY


@PROPERTY
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    style=st.sampled_from(["%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]),
)
def test_any_plausible_birth_date_is_read_back_and_stable_in_iso(born: date, style: str):
    # When a birth date written in one of the accepted styles is normalised
    normalised = n.normalise_birth_date(born.strftime(style), TODAY)

    # Then it is the same day, and its ISO form normalises to it again
    assert normalised == born
    assert n.normalise_birth_date(normalised.isoformat(), TODAY) == normalised


@PROPERTY
@given(born=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2999, 12, 31)))
def test_a_birth_date_in_the_future_is_refused(born: date):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_birth_date(born.isoformat(), TODAY)
    assert refused.value.reason == f"implausible birth date: {born.isoformat()}"


# --- postal address -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("29200", "FR", "29200"),
        ("2200", "FR", "02200"),
        (" 29 200 ", "FR", "29200"),
        ("1000", "BE", "1000"),
        ("sw1a 1aa", "GB", "SW1A1AA"),
    ],
    ids=[
        "french",
        "leading-zero-lost-by-a-spreadsheet",
        "spaces",
        "belgian-not-padded",
        "british",
    ],
)
def test_a_postcode_is_normalised_for_its_country(raw: str, country: str, expected: str):
    assert n.normalise_postcode(raw, country) == expected


@pytest.mark.parametrize(
    "raw",
    ["123", "292000", "2A004", "", "²²²²²", "٢٩٢٠٠"],
    ids=["three-digits", "six-digits", "letter", "empty", "superscript-digits", "arabic-digits"],
)
def test_a_french_postcode_without_five_ascii_digits_is_refused(raw: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_postcode(raw)
    assert refused.value.reason == f"a French postcode has five digits, got {raw!r}"


@PROPERTY
@given(raw=st.text(alphabet=string.digits + " ", max_size=8) | st.text(max_size=8))
def test_a_french_postcode_is_five_ascii_digits_and_stable(raw: str):
    try:
        postcode = n.normalise_postcode(raw)
    except n.InvalidValue:
        return
    assert len(postcode) == 5
    assert all(char in string.digits for char in postcode)
    assert n.normalise_postcode(postcode) == postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bd Clemenceau", "boulevard Clemenceau"),
        ("BD. Clemenceau", "boulevard Clemenceau"),
        ("av. de la République", "avenue de la République"),
        ("Av Foch", "avenue Foch"),
        ("r. de Brest", "rue de Brest"),
        ("R de Brest", "rue de Brest"),
        ("pl du Marché", "place du Marché"),
        ("Pl. du Marché", "place du Marché"),
        ("chem. des Vignes", "chemin des Vignes"),
        ("imp des Lilas", "impasse des Lilas"),
        ("lieu dit Kerbrat", "lieu-dit Kerbrat"),
        ("rue St-Jacques", "rue Saint-Jacques"),
        ("bd. St. Germain", "boulevard Saint Germain"),
        ("r. Ste Anne", "rue Sainte Anne"),
        ("Rue de la Station", "Rue de la Station"),
        ("Avenue Foch", "Avenue Foch"),
        ("  rue   de  Siam ", "rue de Siam"),
    ],
    ids=[
        "bd",
        "bd-capitals-dot",
        "av-dot",
        "av",
        "r-dot",
        "r-capital",
        "pl",
        "pl-dot",
        "chem",
        "imp",
        "lieu-dit",
        "st-hyphen",
        "st-dot",
        "ste",
        "station-not-saint",
        "already-written-out",
        "spaces",
    ],
)
def test_a_street_type_abbreviation_is_written_out(raw: str, expected: str):
    assert n.normalise_street(raw) == expected


def test_an_empty_street_is_refused():
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_street("   ")
    assert refused.value.reason == "empty street"


@PROPERTY
@given(
    abbreviation=st.sampled_from(
        ["bd", "av", "r.", "pl", "chem", "imp", "Bd.", "AV", "R", "St", "Ste", "rue", ""]
    ),
    name=french_names,
)
def test_street_normalisation_is_idempotent(abbreviation: str, name: str):
    street = n.normalise_street(f"{abbreviation} {name}")

    assert n.normalise_street(street) == street


@pytest.mark.parametrize(
    ("street", "expected"),
    [
        ("12 bis rue de Brest", ("12 bis", "rue de Brest")),
        ("12, rue de Brest", ("12", "rue de Brest")),
        ("3B av Foch", ("3B", "av Foch")),
        ("rue de Brest", (None, "rue de Brest")),
    ],
    ids=["bis", "comma", "letter", "no-number"],
)
def test_the_street_number_is_split_from_the_street(street: str, expected: tuple[str | None, str]):
    assert n.split_street_number(street) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("St-Brieuc", "Saint-Brieuc"),
        ("ST-BRIEUC", "Saint-Brieuc"),
        ("st brieuc", "Saint Brieuc"),
        ("ST. MALO", "Saint Malo"),
        ("Ste-Anne-d'Auray", "Sainte-Anne-d'Auray"),
        ("BREST", "Brest"),
        ("  quimper ", "Quimper"),
    ],
    ids=["st-hyphen", "capitals", "lower", "st-dot", "ste", "capitals-no-saint", "lower-spaces"],
)
def test_a_city_is_displayed_with_saint_written_out(raw: str, expected: str):
    assert n.normalise_city(raw) == expected


@PROPERTY
@given(saint=st.sampled_from(["", "St-", "ST ", "Ste-", "st. ", "Saint-"]), name=french_names)
def test_city_normalisation_is_idempotent(saint: str, name: str):
    city = n.normalise_city(saint + name)

    assert n.normalise_city(city) == city


# --- SIRET, NIR, loyalty card, web account, country ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("732 829 320 00074", "73282932000074"),
        ("732.829.320-00074", "73282932000074"),
        ("732829320", "732829320"),
        ("35600000000048", "35600000000048"),
        ("35600000049837", "35600000049837"),
    ],
    ids=[
        "siret-spaced",
        "siret-dots-and-hyphen",
        "siren",
        "la-poste-head-office-luhn",
        "la-poste-establishment-sum-of-five",
    ],
)
def test_a_valid_siret_or_siren_is_kept_as_digits(raw: str, expected: str):
    assert n.normalise_siret(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("73282932000075", "wrong check digit in SIRET/SIREN '73282932000075'"),
        ("732829321", "wrong check digit in SIRET/SIREN '732829321'"),
        ("35600000000014", "wrong check digit in La Poste SIRET '35600000000014'"),
        ("7328293200007", "a SIRET has 14 digits and a SIREN 9, got '7328293200007'"),
        ("7328293200007A", "a SIRET has 14 digits and a SIREN 9, got '7328293200007A'"),
        ("²" * 14, f"a SIRET has 14 digits and a SIREN 9, got {'²' * 14!r}"),
    ],
    ids=[
        "siret-luhn",
        "siren-luhn",
        "la-poste-sum",
        "thirteen-digits",
        "letter",
        "superscript-digits",
    ],
)
def test_an_invalid_siret_is_refused_with_its_reason(raw: str, reason: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_siret(raw)
    assert refused.value.reason == reason


@PROPERTY
@given(siret=sirets(), separator=st.sampled_from(["", " ", ".", "-"]))
def test_a_siret_with_a_luhn_key_is_accepted_however_spaced_and_stable(siret: str, separator: str):
    written = separator.join([siret[:3], siret[3:6], siret[6:9], siret[9:]])

    assert n.normalise_siret(written) == siret
    assert n.normalise_siret(siret) == siret


@PROPERTY
@given(siret=sirets(), position=st.integers(0, 13), shift=st.integers(1, 9))
def test_a_siret_with_one_mistyped_digit_is_refused(siret: str, position: int, shift: int):
    mistyped = siret[:position] + str((int(siret[position]) + shift) % 10) + siret[position + 1 :]
    assume(not mistyped.startswith("356000000"))

    with pytest.raises(n.InvalidValue):
        n.normalise_siret(mistyped)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2 55 08 14 168 025 38", "255081416802538"),
        ("2.95.10.99.126.111.93", "295109912611193"),
        ("253072A07300443", "253072A07300443"),
        ("253072b07300470", "253072B07300470"),
    ],
    ids=["spaced", "dotted", "corse-du-sud", "haute-corse-lower-case"],
)
def test_a_nir_with_its_right_key_is_kept(raw: str, expected: str):
    assert n.normalise_national_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("255081416802539", "wrong key in NIR '255081416802539'"),
        ("2550814168025", "a NIR has 13 characters and a 2-digit key"),
        ("553072A07300443", "malformed NIR '553072A07300443'"),
        ("253072C07300443", "malformed NIR '253072C07300443'"),
        ("25307352A400455", "malformed NIR '25307352A400455'"),
        ("1" + "²" * 14, f"malformed NIR {'1' + '²' * 14!r}"),
    ],
    ids=[
        "wrong-key",
        "no-key",
        "first-digit",
        "not-a-corsican-department",
        "corsican-letters-outside-the-department",
        "superscript-digits",
    ],
)
def test_an_invalid_nir_is_refused_with_its_reason(raw: str, reason: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_national_id(raw)
    assert refused.value.reason == reason


@PROPERTY
@given(nir=nirs(), separator=st.sampled_from(["", " ", "."]))
def test_a_nir_with_its_key_is_accepted_however_spaced_and_stable(nir: str, separator: str):
    parts = [nir[:1], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]]

    assert n.normalise_national_id(separator.join(parts)) == nir
    assert n.normalise_national_id(nir) == nir


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ab-12 34", "AB1234"), ("FID 0042", "FID0042"), ("123456", "123456")],
    ids=["hyphen-and-space", "prefix", "digits"],
)
def test_a_loyalty_card_number_is_upper_case_without_separators(raw: str, expected: str):
    assert n.normalise_loyalty_card(raw) == expected


@pytest.mark.parametrize("raw", ["AB#12", "", " - "], ids=["symbol", "empty", "separators-only"])
def test_a_loyalty_card_number_with_other_characters_is_refused(raw: str):
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_loyalty_card(raw)
    assert refused.value.reason == (
        f"a loyalty card number has letters and digits only, got {raw!r}"
    )


@PROPERTY
@given(raw=st.text(alphabet=string.ascii_letters + string.digits + " -", min_size=1))
def test_loyalty_card_normalisation_is_idempotent(raw: str):
    try:
        card = n.normalise_loyalty_card(raw)
    except n.InvalidValue:
        reject()
    assert n.normalise_loyalty_card(card) == card


def test_a_web_account_is_compared_case_insensitively():
    assert n.normalise_web_account("  Claire.LeGoff ") == "claire.legoff"


def test_an_empty_web_account_is_refused():
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_web_account("  ")
    assert refused.value.reason == "empty web account"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("France", "FR"), ("fr", "FR"), ("Belgique", "BE"), ("Royaume-Uni", "GB"), (" SUISSE ", "CH")],
    ids=["name", "code", "french-name", "hyphenated", "capitals"],
)
def test_a_country_becomes_its_iso_code(raw: str, expected: str):
    assert n.normalise_country(raw) == expected


def test_an_unknown_country_is_refused():
    with pytest.raises(n.InvalidValue) as refused:
        n.normalise_country("Narnia")
    assert refused.value.reason == "unknown country 'Narnia' (use an ISO 3166 code such as FR)"


# --- every normaliser: a value that stays put, or a reason --------------------------------------

NORMALISERS: dict[str, Callable[[str], object]] = {
    "email": n.normalise_email,
    "phone": n.normalise_phone,
    "postcode": n.normalise_postcode,
    "street": n.normalise_street,
    "siret": n.normalise_siret,
    "national_id": n.normalise_national_id,
    "loyalty_card": n.normalise_loyalty_card,
    "web_account": n.normalise_web_account,
    "country": n.normalise_country,
    "birth_date": lambda raw: n.normalise_birth_date(raw, TODAY).isoformat(),
}
digit_like = st.text(
    alphabet=st.characters(categories=["Nd", "No"]) | st.sampled_from(" .-AB"), max_size=16
)


@pytest.mark.parametrize("name", list(NORMALISERS), ids=list(NORMALISERS))
@PROPERTY
@given(raw=st.text() | digit_like)
def test_any_text_is_normalised_to_a_stable_value_or_refused_with_a_reason(name: str, raw: str):
    normaliser = NORMALISERS[name]
    try:
        normalised = normaliser(raw)
    except n.InvalidValue as refused:
        assert refused.reason
        return
    assert isinstance(normalised, str)
    assert normaliser(normalised) == normalised


def test_luhn_accepts_a_valid_key_and_refuses_a_wrong_one():
    assert n.luhn_is_valid("73282932000074")
    assert not n.luhn_is_valid("73282932000075")
