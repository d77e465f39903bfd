"""Demo data set: the customers of Sens Confort, seen through its four channels.

Sens Confort (scenario 1 in ``SCENARIOS.md``) installs heat pumps and reversible air conditioners
in Guingamp, Brittany: ten people, a showroom in the town centre next to a car park, two sales
people, a website with customer accounts, a call centre that takes quote requests and after-sales
calls, and a marketplace shop that sells accessories (filters, remote controls, wall brackets).
André Meyer, the new sales director, wants one customer view across those channels.

Each channel keeps its own customer file, so the same person turns up several times, typed in
differently each time. The four sources:

* ``store`` — the showroom till (``MAG-000123``): first and last name, with the civility sometimes
  typed into the first name ("Mme Hélène"), a loyalty card, French dates (``DD/MM/YYYY``), the
  street number written in the street; ``vendeur`` (the seller), ``projet``, ``date_visite``.
* ``web`` — website accounts (``WEB-8f3a…``): a login, an e-mail, a separate street-number
  field; ``newsletter`` ("oui"/"non"), ``date_inscription``.
* ``callcentre`` — call-centre tickets (``CC-2026-0042``): a ``full_name`` such as
  "Mme LE GALL Hélène" rather than first and last names, the caller's number as the switchboard
  shows it; ``agent``, ``motif``, ``date_appel``.
* ``ecommerce`` — marketplace customers (``EC-2401234``): a delivery address, companies with their
  SIRET; ``nb_commandes``, ``place_de_marche``, ``derniere_commande``.

People live in the Côtes-d'Armor (and a few in Morlaix, Brest or Rennes), at real communes with
their real postcodes. About 30 % of them appear in two or three channels, with the differences
that make reconciliation hard: accents lost ("Helene"), first and last names swapped, phones in
every format ("06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78"),
e-mails in capitals, a typo in the surname, surnames in capitals, an address that changed after a
move (the more recent record has the new one). Hard cases are there on purpose: households that
share a landline (two people, one phone "02 96 …"), namesakes (two "Jean Martin" and two
"Marie Le Gall" with different birth dates and phones), companies whose SIRET is written with or
without spaces, and a few invalid values (a malformed e-mail, a phone number that is too short, a
31 February) that normalisation drops.

Everything comes from ``random.Random(seed)`` — no clock, no global state — so the same seed gives
the same records. The truth (which records are the same person) is never in the records;
:func:`demo_truth` gives it, for tests and for measuring deduplication.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from parcours.customers.ingest import IncomingRecord
from parcours.customers.records import RawValue

__all__ = ["DEFAULT_SEED", "DEMO_SOURCES", "demo_records", "demo_truth", "expected_people"]

#: The channels of the demo, in the order the records of one day are listed.
DEMO_SOURCES = ("store", "web", "callcentre", "ecommerce")
DEFAULT_SEED = 2026

_PEOPLE = 260  # distinct people and companies
_DUPLICATED = 80  # of whom this many appear in two sources or more…
_TRIPLICATED = 24  # …and this many in three
_HOUSEHOLDS = 10
_COMPANIES = 12
_START = date(2023, 1, 2)
_SPAN_DAYS = 1150  # up to the end of February 2026

_WOMEN = (
    "Hélène", "Anaïs", "Gaëlle", "Maëlle", "Nolwenn", "Gwenaëlle", "Soizic", "Katell", "Rozenn",
    "Élodie", "Cécile", "Françoise", "Mélanie", "Chloé", "Léa", "Zoé", "Marie", "Anne", "Sophie",
    "Isabelle", "Catherine", "Nathalie", "Sylvie", "Monique", "Jacqueline", "Brigitte", "Céline",
    "Aurélie", "Émilie", "Camille", "Manon", "Inès", "Noémie", "Maïwenn", "Enora", "Morgane",
    "Annaïg", "Gwenola", "Solenn", "Armelle", "Yvonne", "Denise", "Geneviève", "Thérèse",
    "Josiane", "Marie-Thérèse", "Anne-Sophie", "Bernadette", "Véronique", "Valérie", "Karine",
    "Laëtitia", "Typhaine", "Lénaïg", "Clémence", "Agathe", "Océane", "Justine",
)  # fmt: skip
_MEN = (
    "Jean", "Pierre", "Yann", "Erwan", "Gwenaël", "Loïc", "Ronan", "Tanguy", "Goulven",
    "Corentin", "Brieuc", "Mathéo", "Théo", "Jérôme", "Stéphane", "François", "Frédéric", "Hervé",
    "Gaël", "Joël", "Noël", "Benoît", "André", "René", "Gérard", "Michel", "Philippe", "Patrick",
    "Alain", "Bernard", "Christophe", "Sébastien", "Kévin", "Mickaël", "Maël", "Killian",
    "Yannick", "Jean-Pierre", "Jean-François", "Pierre-Yves", "Jean-Yves", "Yves", "Guénolé",
    "Armel", "Malo", "Hugo", "Lucas", "Raphaël", "Clément", "Anthony", "Grégory", "Ludovic",
    "Thierry", "Pascal", "Didier", "Daniel", "Marcel", "Louis",
)  # fmt: skip
_SURNAMES = (
    "Le Gall", "Le Goff", "Le Bihan", "Le Roux", "Le Guen", "Le Corre", "Le Floch", "Le Moal",
    "Le Cam", "Le Bras", "Le Guillou", "Le Du", "Le Meur", "Le Hénaff", "Le Quéré", "Le Béchec",
    "Le Calvez", "Le Coz", "Le Graët", "Le Saux", "Tanguy", "Morvan", "Jégou", "Guéguen",
    "Quéméner", "Kerhervé", "Kervella", "Kerdraon", "Kerleau", "Riou", "Prigent", "Hamon",
    "Cadiou", "Scouarnec", "Even", "Rolland", "Nédélec", "Hénaff", "Ollivier", "Mével", "Derrien",
    "Guillou", "Briand", "Lozac'h", "L'Hostis", "Corlay", "Geffroy", "Thépaut", "Coadic", "Raoul",
    "Trémel", "Perrot", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
    "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Fournier", "Girard",
    "Bonnet", "Mercier", "Gauthier", "Chevalier", "Perrin", "Rousseau", "Lemoine", "Garnier",
    "Faure", "Roussel", "Boucher", "Collin",
)  # fmt: skip

#: (commune, postcode, weight): real communes and postcodes, most of them around Guingamp.
_COMMUNES = (
    ("Guingamp", "22200", 22), ("Plouisy", "22200", 6), ("Grâces", "22200", 6),
    ("Pabu", "22200", 6), ("Saint-Agathon", "22200", 4), ("Pommerit-le-Vicomte", "22200", 3),
    ("Ploumagoar", "22970", 6), ("Bégard", "22140", 5), ("Belle-Isle-en-Terre", "22810", 3),
    ("Callac", "22160", 3), ("Bourbriac", "22390", 3), ("Louargat", "22540", 3),
    ("Pontrieux", "22260", 3), ("Châtelaudren-Plouagat", "22170", 2), ("Saint-Brieuc", "22000", 8),
    ("Plérin", "22190", 3), ("Ploufragan", "22440", 2), ("Trégueux", "22950", 2),
    ("Langueux", "22360", 2), ("Lannion", "22300", 6), ("Perros-Guirec", "22700", 2),
    ("Trégastel", "22730", 1), ("Tréguier", "22220", 2), ("Paimpol", "22500", 5),
    ("Plouézec", "22470", 1), ("Plouha", "22580", 2), ("Lanvollon", "22290", 2),
    ("Quintin", "22800", 1), ("Rostrenen", "22110", 1), ("Lamballe-Armor", "22400", 2),
    ("Dinan", "22100", 1), ("Loudéac", "22600", 1), ("Morlaix", "29600", 4),
    ("Carhaix-Plouguer", "29270", 2), ("Brest", "29200", 1), ("Rennes", "35000", 1),
)  # fmt: skip
_STREETS: dict[str, tuple[str, ...]] = {
    "rue": (
        "de Brest", "Notre-Dame", "Saint-Yves", "de la Trinité", "Jean Jaurès", "Victor Hugo",
        "des Ponts Saint-Michel", "de la Madeleine", "du Maréchal Joffre", "de la Gare",
        "des Écoles", "Saint-Nicolas", "de Montbareil", "Ernest Renan", "Anatole Le Braz",
        "de Pors Anquen", "Théodore Botrel", "des Capucins", "de l'Église", "Pasteur",
        "Auguste Pavie", "du Port", "de Tréguier", "de Kerprat", "de la Poterie",
    ),
    "avenue": (
        "du Général de Gaulle", "de la Libération", "Jean Monnet", "de Kernilien",
        "Aristide Briand", "des Châtaigniers", "de la Résistance", "du Trieux",
    ),
    "boulevard": (
        "Clemenceau", "Jean Jaurès", "de la Marne", "Sainte-Anne", "Charner", "de l'Europe",
        "Louis Guilloux",
    ),
    "place": (
        "du Centre", "du Vally", "de l'Église", "du Champ au Roy", "Saint-Michel", "du Martray",
        "du Marché", "de la République",
    ),
    "chemin": (
        "de Kerhré", "du Moulin", "de Traou Bigot", "des Douaniers", "de Kerambellec",
        "du Lavoir", "de la Fontaine",
    ),
    "impasse": (
        "des Hortensias", "des Camélias", "des Ajoncs", "des Mimosas", "du Verger", "des Genêts",
        "des Lilas",
    ),
    "lieu-dit": (
        "Kerguiniou", "Kervoas", "Traou Long", "Goas Hamon", "Kernévez", "Lanvern", "Kerhuel",
        "Poul Ranet", "Coat an Doc'h", "Kerbiquet", "Run ar Goff", "Convenant Le Coz",
    ),
}  # fmt: skip
_STREET_KIND_WEIGHTS = {
    "rue": 40, "avenue": 10, "boulevard": 6, "place": 6, "chemin": 10, "impasse": 12,
    "lieu-dit": 16,
}  # fmt: skip
#: How each street type is typed: in full, or abbreviated the way people do.
_STREET_SPELLINGS = {
    "rue": ("rue", "rue", "rue", "r.", "R.", "Rue"),
    "avenue": ("avenue", "avenue", "av", "av.", "Av."),
    "boulevard": ("boulevard", "boulevard", "bd", "Bd", "bd."),
    "place": ("place", "place", "pl", "pl.", "Place"),
    "chemin": ("chemin", "chemin", "chem", "chem.", "ch."),
    "impasse": ("impasse", "impasse", "imp.", "Impasse"),
    "lieu-dit": ("lieu-dit", "lieu-dit", "Lieu-dit", "lieu dit", "ld"),
}  # fmt: skip
_EMAIL_DOMAINS = (
    "orange.fr", "wanadoo.fr", "gmail.com", "gmail.com", "gmail.com", "free.fr", "laposte.net",
    "hotmail.fr", "sfr.fr", "yahoo.fr", "outlook.fr", "bbox.fr",
)  # fmt: skip
_COMPANIES_NAMES = (
    ("Boulangerie Le Goff", "SARL"), ("Crêperie Ty Breizh", "SARL"), ("Camping du Trieux", "SAS"),
    ("GAEC de Kernévez", ""), ("Pharmacie de la Gare", "SELARL"), ("Les Hortensias", "SCI"),
    ("Hôtel de l'Arrivée", "SARL"), ("Garage Morvan", "SARL"), ("Menuiserie Kerhervé", "EURL"),
    ("Cabinet vétérinaire du Trégor", "SELARL"), ("Coiffure Rozenn", "EURL"),
    ("Bar-Tabac Le Penvern", "SNC"), ("Ferme de Traou Long", "EARL"), ("Armor Kiné", "SCM"),
)  # fmt: skip
_SELLERS = ("Mathieu Le Bris", "Sandrine Quéré")
_PROJECTS = (
    "pompe à chaleur air/eau", "pompe à chaleur air/air", "climatiseur réversible",
    "chauffe-eau thermodynamique", "contrat d'entretien", "climatisation multisplit",
)  # fmt: skip
_AGENTS = ("Nolwenn", "Kévin", "Aurélie", "Loïc")
_REASONS = (
    "demande de devis", "prise de rendez-vous", "SAV panne", "entretien annuel",
    "rappel commercial", "réclamation", "suivi de chantier",
)  # fmt: skip
_MARKETPLACES = ("ManoMano", "ManoMano", "Amazon", "Cdiscount", "Leroy Merlin Marketplace")
_VARIATIONS = ("accents", "swap", "email_upper", "typo", "capitals")
#: Phone spellings per source (indices into :func:`_format_phone`'s styles).
_PHONE_STYLES = {
    "store": (0, 0, 0, 3, 4),
    "web": (0, 1, 4, 5, 3),
    "callcentre": (5, 5, 2, 0),
    "ecommerce": (1, 5, 0, 3, 6),
}


@dataclass(frozen=True)
class _Address:
    number: str | None
    kind: str
    name: str
    city: str
    postcode: str


@dataclass
class _Person:
    number: int
    title: str
    first: str
    last: str
    birth: date | None
    address: _Address
    mobile: str | None = None
    landline: str | None = None
    email: str | None = None
    login: str = ""
    card: str = ""
    company: str = ""
    legal_form: str = ""
    siret: str = ""
    home_phone: bool = False  # a household member: records mostly give the shared landline
    new_address: _Address | None = None
    sources: list[str] = field(default_factory=list)


@dataclass
class _Spec:
    source: str
    day: date
    person: int
    fields: dict[str, RawValue]
    attributes: dict[str, Any]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _slug(text: str) -> str:
    """ "Le Hénaff" → "lehenaff": for e-mail addresses and logins."""
    return "".join(c for c in _strip_accents(text).lower() if c.isalnum() or c == "-")


def _luhn_key(payload: str) -> str:
    """The digit that, appended to ``payload``, makes the whole pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char)
        if index % 2 == 0:  # doubled once the key is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def _format_phone(digits: str, style: int) -> str:
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    national = digits[1:]
    spaced_international = " ".join([national[0], *pairs[1:]])
    styles = (
        " ".join(pairs),  # 06 12 34 56 78
        f"+33 {spaced_international}",  # +33 6 12 34 56 78
        f"0033{national}",  # 0033612345678
        ".".join(pairs),  # 06.12.34.56.78
        digits,  # 0612345678
        f"+33{national}",  # +33612345678
        "-".join(pairs),  # 06-12-34-56-78
    )
    return styles[style]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Membership tests only (never iterated), so set order cannot break determinism.
        self.used_names: set[tuple[str, str]] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.logins: set[str] = set()
        self.cards: set[str] = set()
        self.sirens: set[str] = set()
        self.web_ids: set[str] = set()

    # ---- people ---------------------------------------------------------------------------

    def people(self) -> list[_Person]:
        rng = self.rng
        # Namesakes: same first and last name, different people (birth dates, phones, towns).
        people = [
            self.individual(
                "M", "Jean", "Martin", (1955, 1962), "Guingamp", ["store", "callcentre"]
            ),
            self.individual("M", "Jean", "Martin", (1984, 1990), "Lannion", ["web", "callcentre"]),
            self.individual("F", "Marie", "Le Gall", (1948, 1953), "Paimpol", ["callcentre"]),
            self.individual("F", "Marie", "Le Gall", (1979, 1985), "Plouisy", ["store", "web"]),
        ]
        for _ in range(_HOUSEHOLDS):
            first = self.individual()
            people += [first, self.partner(first)]
        people += [self.company(name, form) for name, form in _COMPANIES_NAMES[:_COMPANIES]]
        while len(people) < _PEOPLE:
            people.append(self.individual())
        rng.shuffle(people)
        for number, person in enumerate(people, start=1):
            person.number = number
        self.assign_sources(people)
        return people

    def individual(
        self,
        gender: str | None = None,
        first: str | None = None,
        last: str | None = None,
        born: tuple[int, int] = (1938, 2004),
        commune: str | None = None,
        sources: list[str] | None = None,
    ) -> _Person:
        rng = self.rng
        gender = gender or rng.choice("FM")
        namesake = first is not None and last is not None
        while True:
            given = first or rng.choice(_WOMEN if gender == "F" else _MEN)
            surname = last or rng.choice(_SURNAMES)
            if namesake or (given, surname) not in self.used_names:
                break
        self.used_names.add((given, surname))
        birth = date(rng.randint(*born), 1, 1) + timedelta(days=rng.randrange(365))
        address = self.address(commune)
        person = _Person(
            number=0,
            title="Mme" if gender == "F" else "M.",
            first=given,
            last=surname,
            birth=birth if namesake or rng.random() < 0.85 else None,
            address=address,
            mobile=self.mobile() if namesake or rng.random() < 0.9 else None,
            sources=list(sources or []),
        )
        if person.mobile is None or rng.random() < 0.25:
            person.landline = self.landline(address.postcode)
        if namesake or rng.random() < 0.8:
            person.email = self.email(given, surname, birth)
        return person

    def partner(self, first: _Person) -> _Person:
        """Someone living with ``first``: same address and landline, a different first name."""
        rng = self.rng
        gender = "M" if first.title == "Mme" else "F"
        same_name = rng.random() < 0.7
        while True:
            given = rng.choice(_WOMEN if gender == "F" else _MEN)
            surname = first.last if same_name else rng.choice(_SURNAMES)
            if given != first.first and (given, surname) not in self.used_names:
                break
        self.used_names.add((given, surname))
        base = first.birth or date(1970, 6, 1)
        birth = base + timedelta(days=rng.randint(-6 * 365, 6 * 365))
        if first.landline is None:
            first.landline = self.landline(first.address.postcode)
        first.home_phone = True
        partner = _Person(
            number=0,
            title="Mme" if gender == "F" else "M.",
            first=given,
            last=surname,
            birth=birth,
            address=first.address,
            mobile=self.mobile() if rng.random() < 0.5 else None,
            landline=first.landline,
            home_phone=True,
        )
        if rng.random() < 0.7:
            partner.email = self.email(given, surname, birth)
        return partner

    def company(self, name: str, legal_form: str) -> _Person:
        rng = self.rng
        address = self.address()
        domain = _slug(name.replace(" ", "-").replace("'", "-")).replace("--", "-") + ".fr"
        return _Person(
            number=0,
            title="",
            first="",
            last="",
            birth=None,
            address=address,
            landline=self.landline(address.postcode),
            mobile=self.mobile() if rng.random() < 0.3 else None,
            email=f"{rng.choice(('contact', 'accueil', 'compta'))}@{domain}",
            company=name,
            legal_form=legal_form,
            siret=self.siret(),
        )

    def assign_sources(self, people: list[_Person]) -> None:
        rng = self.rng
        free = [index for index, person in enumerate(people) if not person.sources]
        already = sum(1 for person in people if len(person.sources) > 1)
        duplicated = rng.sample(free, _DUPLICATED - already)
        extras = {index: 1 for index in duplicated}
        for index in duplicated[: _TRIPLICATED - 1]:
            extras[index] = 2
        for index in free:
            person = people[index]
            allowed = [s for s in DEMO_SOURCES if not (person.company and s == "web")]
            weights = [35, 25, 25, 15] if not person.company else [50, 0, 25, 25]
            primary = rng.choices(DEMO_SOURCES, weights)[0]
            others = [s for s in allowed if s != primary]
            person.sources = [primary, *rng.sample(others, extras.get(index, 0))]
        for person in people:
            if len(person.sources) > 1 and rng.random() < 0.2 and not person.home_phone:
                person.new_address = self.address(avoid=person.address.city)

    # ---- values ---------------------------------------------------------------------------

    def address(self, commune: str | None = None, avoid: str = "") -> _Address:
        rng = self.rng
        while True:
            city, postcode, _ = rng.choices(_COMMUNES, [c[2] for c in _COMMUNES])[0]
            if commune is not None:
                city, postcode = next((c[0], c[1]) for c in _COMMUNES if c[0] == commune)
            if city != avoid:
                break
        kinds = list(_STREET_KIND_WEIGHTS)
        kind = rng.choices(kinds, [_STREET_KIND_WEIGHTS[k] for k in kinds])[0]
        number: str | None = None
        if kind != "lieu-dit" and (kind != "place" or rng.random() < 0.7):
            number = str(rng.choice((rng.randint(1, 20), rng.randint(1, 80), rng.randint(1, 140))))
            if rng.random() < 0.06:
                number += rng.choice((" bis", " ter"))
        return _Address(number, kind, rng.choice(_STREETS[kind]), city, postcode)

    def mobile(self) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.75:
                prefix = "06" + rng.choice("1245678")  # 063x and 069x are partly unassigned
            else:
                prefix = "07" + rng.choice("5678")
            digits = prefix + f"{rng.randrange(10**7):07d}"
            if digits not in self.phones:
                self.phones.add(digits)
                return digits

    def landline(self, postcode: str) -> str:
        rng = self.rng
        area = {"29": "0298", "35": "0299"}.get(postcode[:2], "0296")
        while True:
            digits = area + str(rng.randint(1, 9)) + f"{rng.randrange(10**5):05d}"
            if digits not in self.phones:
                self.phones.add(digits)
                return digits

    def email(self, first: str, last: str, birth: date) -> str:
        rng = self.rng
        f, la = _slug(first), _slug(last)
        styles: tuple[str, ...] = (
            f"{f}.{la}",
            f"{f[0]}{la}",
            f"{la}.{f}",
            f"{f}{la}{birth.year % 100:02d}",
            f"{f}.{la}{rng.randint(1, 99)}",
            f"{f[0]}.{la}22",
        )
        while True:
            address = f"{rng.choice(styles)}@{rng.choice(_EMAIL_DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address
            styles = tuple(f"{f}.{la}{rng.randint(100, 999)}" for _ in styles)

    def login(self, person: _Person) -> str:
        rng = self.rng
        while True:
            login = rng.choice(
                (
                    f"{_slug(person.first)[0]}{_slug(person.last)}{rng.randint(1, 99)}",
                    f"{_slug(person.first)}.{_slug(person.last)}",
                    f"{_slug(person.first)}{rng.randint(22, 99)}",
                )
            )
            if login not in self.logins:
                self.logins.add(login)
                return login

    def card(self) -> str:
        while True:
            card = f"SC{self.rng.randrange(10**8):08d}"
            if card not in self.cards:
                self.cards.add(card)
                return card

    def siret(self) -> str:
        """A SIRET that passes the Luhn check, and whose SIREN passes it too."""
        rng = self.rng
        while True:
            body = rng.choice("345789") + f"{rng.randrange(10**7):07d}"
            siren = body + _luhn_key(body)
            if siren not in self.sirens and not siren.startswith("356000000"):
                self.sirens.add(siren)
                break
        nic = f"{rng.randint(1, 4):04d}"
        return siren + nic + _luhn_key(siren + nic)

    # ---- records --------------------------------------------------------------------------

    def records_of(self, person: _Person) -> list[_Spec]:
        rng = self.rng
        days = sorted(_START + timedelta(days=rng.randrange(_SPAN_DAYS)) for _ in person.sources)
        order = list(person.sources)
        rng.shuffle(order)
        specs: list[_Spec] = []
        for index, (source, day) in enumerate(zip(order, days, strict=True)):
            variations: frozenset[str] = frozenset()
            if index > 0:
                variations = frozenset(rng.sample(_VARIATIONS, rng.choice((1, 1, 2, 2, 3))))
            address = person.address
            if person.new_address is not None and index > 0:
                address = person.new_address
            if person.company:
                fields, attributes = self.company_record(person, source, variations, address)
            elif source == "store":
                fields, attributes = self.store(person, variations, address)
            elif source == "web":
                fields, attributes = self.web(person, variations, address)
            elif source == "callcentre":
                fields, attributes = self.callcentre(person, variations, address)
            else:
                fields, attributes = self.ecommerce(person, variations, address)
            attributes.update(self.source_attributes(source, day))
            specs.append(_Spec(source, day, person.number, fields, attributes))
        return specs

    def source_attributes(self, source: str, day: date) -> dict[str, Any]:
        rng = self.rng
        if source == "store":
            seller = rng.choice(_SELLERS) if rng.random() < 0.95 else "André Meyer"
            return {"vendeur": seller, "projet": rng.choice(_PROJECTS), "date_visite": str(day)}
        if source == "web":
            newsletter = "oui" if rng.random() < 0.45 else "non"
            return {"newsletter": newsletter, "date_inscription": str(day)}
        if source == "callcentre":
            return {
                "agent": rng.choice(_AGENTS),
                "motif": rng.choice(_REASONS),
                "date_appel": str(day),
            }
        orders = rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 6, 11))
        return {
            "nb_commandes": orders,
            "place_de_marche": rng.choice(_MARKETPLACES),
            "derniere_commande": str(day),
        }

    def names(self, person: _Person, variations: frozenset[str]) -> tuple[str, str]:
        first, last = person.first, person.last
        if "typo" in variations:
            last = _typo(last, self.rng)
        if "accents" in variations:
            first, last = _strip_accents(first), _strip_accents(last)
        return first, last

    def phone_values(self, person: _Person, source: str) -> list[str]:
        rng = self.rng
        numbers = [n for n in (person.mobile, person.landline) if n]
        if not numbers:
            return []
        if person.home_phone and person.landline and rng.random() < 0.8:
            numbers = [person.landline]
        elif len(numbers) == 2 and (source != "store" or rng.random() < 0.7):
            numbers = [numbers[0] if rng.random() < 0.75 else numbers[1]]
        return [_format_phone(n, rng.choice(_PHONE_STYLES[source])) for n in numbers]

    def email_value(self, person: _Person, variations: frozenset[str]) -> str:
        if person.email is None:
            person.email = self.email(person.first, person.last, person.birth or date(1970, 1, 1))
        return person.email.upper() if "email_upper" in variations else person.email

    def street(self, address: _Address, inline_number: bool) -> tuple[str | None, str]:
        spelling = self.rng.choice(_STREET_SPELLINGS[address.kind])
        street = f"{spelling} {address.name}"
        if inline_number and address.number:
            return None, f"{address.number} {street}"
        return address.number, street

    def put_address(
        self, fields: dict[str, RawValue], address: _Address, inline: bool, city_upper: float
    ) -> None:
        number, street = self.street(address, inline)
        if number:
            fields["street_number"] = number
        fields["street"] = street
        fields["postcode"] = address.postcode
        city = address.city
        if self.rng.random() < city_upper:
            city = city.upper()
        elif city.startswith("Saint-") and self.rng.random() < 0.5:
            city = "St-" + city.removeprefix("Saint-")
        fields["city"] = city

    def put_phones(self, fields: dict[str, RawValue], person: _Person, source: str) -> None:
        phones = self.phone_values(person, source)
        if len(phones) == 1:
            fields["phone"] = phones[0]
        elif phones:
            fields["phone"] = phones

    def store(
        self, person: _Person, variations: frozenset[str], address: _Address
    ) -> tuple[dict[str, RawValue], dict[str, Any]]:
        rng = self.rng
        first, last = self.names(person, variations)
        if "swap" in variations:
            first, last = last, first
        if "capitals" in variations or rng.random() < 0.2:
            last = last.upper()
        if rng.random() < 0.15:
            first = f"{person.title} {first}"
        fields: dict[str, RawValue] = {"first_name": first, "last_name": last}
        self.put_phones(fields, person, "store")
        if person.email and (rng.random() < 0.55 or "email_upper" in variations):
            fields["email"] = self.email_value(person, variations)
        if person.birth and rng.random() < 0.4:
            fields["birth_date"] = person.birth.strftime("%d/%m/%Y")
        if rng.random() < 0.9:
            self.put_address(fields, address, inline=True, city_upper=0.3)
        if rng.random() < 0.75:
            person.card = person.card or self.card()
            digits = person.card[2:]
            fields["loyalty_card"] = rng.choice(
                (person.card, f"SC {digits[:4]} {digits[4:]}", f"SC-{digits[:4]}-{digits[4:]}")
            )
        return fields, {}

    def web(
        self, person: _Person, variations: frozenset[str], address: _Address
    ) -> tuple[dict[str, RawValue], dict[str, Any]]:
        rng = self.rng
        first, last = self.names(person, variations)
        if "swap" in variations:
            first, last = last, first
        if "capitals" in variations:
            last = last.upper()
        elif rng.random() < 0.12:
            first, last = first.lower(), last.lower()
        person.login = person.login or self.login(person)
        fields: dict[str, RawValue] = {
            "first_name": first,
            "last_name": last,
            "email": self.email_value(person, variations),
            "web_account": person.login,
        }
        if rng.random() < 0.6:
            self.put_phones(fields, person, "web")
        if person.birth and rng.random() < 0.5:
            fields["birth_date"] = person.birth.isoformat()
        if rng.random() < 0.7:
            self.put_address(fields, address, inline=False, city_upper=0.05)
            if rng.random() < 0.3:
                fields["country"] = "France"
        return fields, {}

    def callcentre(
        self, person: _Person, variations: frozenset[str], address: _Address
    ) -> tuple[dict[str, RawValue], dict[str, Any]]:
        rng = self.rng
        first, last = self.names(person, variations)
        single_word = " " not in last
        style = rng.random()
        if "swap" in variations or style < 0.2:
            full_name = f"{first} {last.upper()}"
        elif single_word and style > 0.8:
            full_name = f"{first} {last}"
        else:
            full_name = f"{last.upper()} {first}"
        if rng.random() < 0.6:
            title = rng.choice(
                ("Mme", "Madame", "MME") if person.title == "Mme" else ("M.", "Monsieur", "M")
            )
            full_name = f"{title} {full_name}"
        fields: dict[str, RawValue] = {"full_name": full_name}
        phones = self.phone_values(person, "callcentre")
        if phones:
            fields["phone"] = phones[0]
        if person.email and (rng.random() < 0.2 or "email_upper" in variations):
            fields["email"] = self.email_value(person, variations)
        if rng.random() < 0.25:
            self.put_address(fields, address, inline=True, city_upper=0.5)
        elif rng.random() < 0.5:
            fields["postcode"] = address.postcode
            fields["city"] = address.city.upper() if rng.random() < 0.5 else address.city
        return fields, {}

    def ecommerce(
        self, person: _Person, variations: frozenset[str], address: _Address
    ) -> tuple[dict[str, RawValue], dict[str, Any]]:
        rng = self.rng
        first, last = self.names(person, variations)
        if "swap" in variations:
            first, last = last, first
        if "capitals" in variations:
            first, last = first.upper(), last.upper()
        fields: dict[str, RawValue] = {
            "first_name": first,
            "last_name": last,
            "email": self.email_value(person, variations),
        }
        if rng.random() < 0.8:
            self.put_phones(fields, person, "ecommerce")
        self.put_address(fields, address, inline=True, city_upper=0.4)
        return fields, {}

    def company_record(
        self, person: _Person, source: str, variations: frozenset[str], address: _Address
    ) -> tuple[dict[str, RawValue], dict[str, Any]]:
        rng = self.rng
        name = person.company
        if person.legal_form and rng.random() < 0.5:
            name = f"{person.legal_form} {name}"
        if "accents" in variations:
            name = _strip_accents(name)
        if "capitals" in variations or "typo" in variations:
            name = name.upper()
        fields: dict[str, RawValue] = {"company_name": name}
        self.put_phones(fields, person, source)
        if source != "callcentre" or rng.random() < 0.3:
            fields["email"] = self.email_value(person, variations)
        if source != "callcentre" or rng.random() < 0.5:
            siret = person.siret
            if rng.random() < 0.5:
                siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
            fields["siret"] = siret
        if source != "callcentre":
            self.put_address(fields, address, inline=True, city_upper=0.3)
        contact = f"{rng.choice(('M.', 'Mme'))} {rng.choice(_SURNAMES)}"
        return fields, {"interlocuteur": contact}

    # ---- spoiling and identifiers ---------------------------------------------------------

    def spoil(self, specs: list[_Spec]) -> None:
        """A few invalid values, as channels send them: normalisation must drop them."""
        rng = self.rng
        spoiled: set[int] = set()

        def pick(key: str, count: int) -> list[_Spec]:
            candidates = [
                i
                for i, spec in enumerate(specs)
                if isinstance(spec.fields.get(key), str) and i not in spoiled
            ]
            chosen = rng.sample(candidates, count)
            spoiled.update(chosen)
            return [specs[i] for i in chosen]

        breakers: tuple[Callable[[str], str], ...] = (
            lambda e: e.replace("@", ".", 1),  # no @-sign
            lambda e: e.rsplit(".", 1)[0],  # "…@orange": no top-level domain
            lambda e: e.replace(".", " ", 1) if "." in e.split("@")[0] else "x " + e,  # space
            lambda e: e.replace("@", "@@", 1),
        )
        for spec, breaker in zip(pick("email", len(breakers)), breakers, strict=True):
            spec.fields["email"] = breaker(str(spec.fields["email"]))
        for spec in pick("phone", 3):
            phone, missing = str(spec.fields["phone"]), 2  # two digits short
            while missing:
                missing -= phone[-1].isdigit()
                phone = phone[:-1]
            spec.fields["phone"] = phone.rstrip(" .-")
        for spec in pick("birth_date", 1):
            year = str(spec.fields["birth_date"]).replace("/", "-").split("-")
            spec.fields["birth_date"] = f"31/02/{max(year, key=len)}"  # no such day

    def identify(self, specs: list[_Spec]) -> list[tuple[IncomingRecord, int]]:
        rng = self.rng
        store_number = 100
        call_numbers: dict[int, int] = {}
        shop_number = 2_400_000
        result: list[tuple[IncomingRecord, int]] = []
        for spec in specs:
            if spec.source == "store":
                store_number += rng.randint(1, 6)
                external_id = f"MAG-{store_number:06d}"
            elif spec.source == "web":
                while True:
                    external_id = f"WEB-{rng.getrandbits(48):012x}"
                    if external_id not in self.web_ids:
                        self.web_ids.add(external_id)
                        break
            elif spec.source == "callcentre":
                year = spec.day.year
                call_numbers[year] = call_numbers.get(year, 0) + rng.randint(1, 3)
                external_id = f"CC-{year}-{call_numbers[year]:04d}"
            else:
                shop_number += rng.randint(1, 400)
                external_id = f"EC-{shop_number}"
            record = IncomingRecord(spec.source, external_id, spec.fields, spec.attributes)
            result.append((record, spec.person))
        return result


def _typo(name: str, rng: random.Random) -> str:
    """One slip of the keyboard in the longest word of a surname ("Kervella" → "Kevrella")."""
    words = name.split(" ")
    index = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[index]
    if len(word) < 4:
        return name + word[-1]
    position = rng.randint(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap" and word[position] != word[position + 1]:
        word = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    elif kind == "drop":
        word = word[:position] + word[position + 1 :]
    else:
        word = word[:position] + word[position] + word[position:]
    words[index] = word
    return " ".join(words)


def _generate(seed: int) -> list[tuple[IncomingRecord, int]]:
    generator = _Generator(seed)
    specs: list[_Spec] = []
    for person in generator.people():
        specs += generator.records_of(person)
    generator.spoil(specs)
    specs.sort(key=lambda s: (s.day, DEMO_SOURCES.index(s.source), s.person))
    return generator.identify(specs)


def demo_records(seed: int = DEFAULT_SEED) -> list[IncomingRecord]:
    """The demo records (about 360), oldest first; the same seed gives the same records."""
    return [record for record, _ in _generate(seed)]


def demo_truth(seed: int = DEFAULT_SEED) -> dict[tuple[str, str], int]:
    """(source, external id) → number of the real person (or company) behind the record."""
    return {(record.source, record.external_id): person for record, person in _generate(seed)}


def expected_people(seed: int = DEFAULT_SEED) -> int:
    """How many distinct real people and companies the demo records describe."""
    return len(set(demo_truth(seed).values()))
