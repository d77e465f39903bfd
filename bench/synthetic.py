"""Synthetic French customers for benchmarks, streamed to CSV or JSON Lines.

    python bench/synthetic.py OUT.csv 1000000 [--seed 0] [--duplicate-rate 0.1]
    python bench/synthetic.py OUT.jsonl 1000000

Columns: ``id,first_name,last_name,email,phone,birth_date,street,postcode,city,loyalty_card``,
ids ``C0000001``, ``C0000002``… Nothing is kept in memory: a person's details are a pure function
of ``(seed, person number)`` (a SplitMix64 hash picked apart into table indices), so a row that is a
re-appearance of an earlier person (``duplicate_rate`` of the rows, under a new id) recomputes that
person instead of remembering it, and varies it the way another channel would: another phone
format, the e-mail in capitals, accents lost. E-mails, mobile numbers and loyalty cards are
unique to a person (up to ten million people), so the only true duplicates are the re-appearances.
Same seed, same file.

:func:`iter_rows` gives the rows with the person number (the truth, for deduplication benchmarks).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

HEADER = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "street",
    "postcode",
    "city",
    "loyalty_card",
)

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB

_FIRST_NAMES = (
    "Marie", "Jean", "Anne", "Pierre", "Hélène", "Yann", "Nathalie", "Michel", "Isabelle",
    "Philippe", "Sylvie", "Alain", "Catherine", "Patrick", "Françoise", "Erwan", "Nolwenn",
    "Loïc", "Gaëlle", "Ronan", "Maëlle", "Gwenaël", "Soizic", "Tanguy", "Katell", "Goulven",
    "Rozenn", "Corentin", "Élodie", "Jérôme", "Cécile", "Stéphane", "Mélanie", "François",
    "Chloé", "Frédéric", "Léa", "Hervé", "Zoé", "Gaël", "Sophie", "Joël", "Monique", "Noël",
    "Jacqueline", "Benoît", "Brigitte", "André", "Céline", "René", "Aurélie", "Gérard", "Émilie",
    "Bernard", "Camille", "Christophe", "Manon", "Sébastien", "Inès", "Kévin", "Noémie",
    "Mickaël", "Maïwenn", "Maël", "Enora", "Killian", "Morgane", "Yannick", "Annaïg",
    "Jean-Pierre", "Gwenola", "Jean-François", "Solenn", "Pierre-Yves", "Armelle", "Jean-Yves",
    "Yvonne", "Yves", "Denise", "Guénolé", "Geneviève", "Armel", "Thérèse", "Malo", "Josiane",
    "Hugo", "Marie-Thérèse", "Lucas", "Anne-Sophie", "Raphaël", "Bernadette", "Clément",
    "Véronique", "Anthony", "Valérie", "Grégory", "Karine", "Ludovic", "Laëtitia", "Thierry",
    "Typhaine", "Pascal", "Lénaïg", "Didier", "Clémence", "Daniel", "Agathe", "Marcel", "Océane",
    "Louis", "Justine", "Brieuc", "Anaïs", "Mathéo", "Gwenaëlle", "Théo", "Léna", "Nicolas",
)  # fmt: skip
_LAST_NAMES = (
    "Martin", "Le Gall", "Bernard", "Le Goff", "Thomas", "Le Bihan", "Petit", "Le Roux",
    "Robert", "Le Guen", "Richard", "Le Corre", "Durand", "Le Floch", "Dubois", "Le Moal",
    "Moreau", "Le Cam", "Laurent", "Le Bras", "Simon", "Le Guillou", "Michel", "Le Du",
    "Lefèvre", "Le Meur", "Leroy", "Le Hénaff", "Roux", "Le Quéré", "David", "Le Béchec",
    "Bertrand", "Le Calvez", "Morel", "Le Coz", "Fournier", "Le Graët", "Girard", "Le Saux",
    "Bonnet", "Tanguy", "Dupont", "Morvan", "Lambert", "Jégou", "Fontaine", "Guéguen",
    "Rousseau", "Quéméner", "Vincent", "Kerhervé", "Muller", "Kervella", "Lefebvre", "Kerdraon",
    "Faure", "Kerleau", "André", "Riou", "Mercier", "Prigent", "Blanc", "Hamon", "Guérin",
    "Cadiou", "Boyer", "Scouarnec", "Garnier", "Even", "Chevalier", "Rolland", "François",
    "Nédélec", "Legrand", "Hénaff", "Gauthier", "Ollivier", "Garcia", "Mével", "Perrin",
    "Derrien", "Robin", "Guillou", "Clément", "Briand", "Morin", "Lozac'h", "Nicolas",
    "L'Hostis", "Henry", "Corlay", "Roussel", "Geffroy", "Mathieu", "Thépaut", "Gautier",
    "Coadic", "Masson", "Raoul", "Marchand", "Trémel", "Duval", "Perrot", "Denis", "Le Bris",
    "Dumont", "Guillaume", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
    "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal",
)  # fmt: skip
_STREETS = (
    "rue de Brest", "rue Notre-Dame", "r. Saint-Yves", "rue de la Trinité", "rue Jean Jaurès",
    "rue Victor Hugo", "rue des Ponts Saint-Michel", "rue de la Madeleine", "rue de la Gare",
    "r. des Écoles", "rue Saint-Nicolas", "rue de Montbareil", "rue Ernest Renan",
    "rue Anatole Le Braz", "rue Théodore Botrel", "rue des Capucins", "rue de l'Église",
    "rue Pasteur", "rue Auguste Pavie", "rue du Port", "rue de Tréguier", "r. de Kerprat",
    "avenue du Général de Gaulle", "av. de la Libération", "avenue Jean Monnet",
    "av de Kernilien", "avenue Aristide Briand", "boulevard Clemenceau", "bd Jean Jaurès",
    "boulevard de la Marne", "bd Sainte-Anne", "boulevard Charner", "place du Centre",
    "pl. du Vally", "place de l'Église", "place du Champ au Roy", "pl du Martray",
    "chemin de Kerhré", "chem. du Moulin", "chemin de Traou Bigot", "chemin des Douaniers",
    "impasse des Hortensias", "imp. des Camélias", "impasse des Ajoncs", "impasse des Mimosas",
    "impasse du Verger", "allée des Genêts", "route de Lannion", "rte de Saint-Brieuc",
)  # fmt: skip
_LIEUX_DITS = (
    "lieu-dit Kerguiniou", "lieu-dit Kervoas", "ld Traou Long", "lieu-dit Goas Hamon",
    "lieu-dit Kernévez", "Lieu-dit Lanvern", "lieu-dit Kerhuel", "ld Poul Ranet",
)  # fmt: skip
#: (city, postcode, weight)
_COMMUNES = (
    ("Guingamp", "22200", 12), ("Plouisy", "22200", 3), ("Grâces", "22200", 3),
    ("Pabu", "22200", 3), ("Ploumagoar", "22970", 3), ("Bégard", "22140", 3),
    ("Belle-Isle-en-Terre", "22810", 2), ("Callac", "22160", 2), ("Saint-Brieuc", "22000", 14),
    ("Plérin", "22190", 4), ("Ploufragan", "22440", 3), ("Trégueux", "22950", 3),
    ("Langueux", "22360", 3), ("Lannion", "22300", 8), ("Perros-Guirec", "22700", 3),
    ("Tréguier", "22220", 2), ("Paimpol", "22500", 4), ("Lamballe-Armor", "22400", 4),
    ("Dinan", "22100", 5), ("Loudéac", "22600", 3), ("Morlaix", "29600", 5),
    ("Brest", "29200", 12), ("Quimper", "29000", 8), ("Rennes", "35000", 16),
    ("Saint-Malo", "35400", 6), ("Vannes", "56000", 6), ("Lorient", "56100", 6),
    ("Nantes", "44000", 12), ("Paris", "75015", 6), ("Paris", "75011", 5),
)  # fmt: skip
_DOMAINS = (
    "orange.fr", "wanadoo.fr", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "free.fr",
    "laposte.net", "hotmail.fr", "hotmail.com", "sfr.fr", "yahoo.fr", "outlook.fr", "bbox.fr",
    "icloud.com", "neuf.fr",
)  # fmt: skip
_MOBILE_PREFIXES = (
    "061", "062", "064", "065", "066", "067", "068", "061", "062", "066", "067", "068",
    "075", "076", "077", "078",
)  # fmt: skip


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _slug(text: str) -> str:
    return "".join(c for c in _plain(text).lower() if c.isalnum() or c == "-")


def _spread(values: tuple[str, ...] | list[str], size: int) -> list[str]:
    """``size`` entries cycling through ``values``: earlier values come up slightly more often."""
    return [values[i % len(values)] for i in range(size)]


def _tables() -> dict[str, list[str]]:
    firsts = _spread(_FIRST_NAMES, 256)
    lasts = _spread(_LAST_NAMES, 256)
    streets = _spread(list(_STREETS) + list(_LIEUX_DITS), 256)
    communes: list[tuple[str, str]] = []
    for city, postcode, weight in _COMMUNES:
        communes += [(city, postcode)] * weight
    communes = [communes[i * len(communes) // 256] for i in range(256)]
    start, span = date(1935, 1, 1), (date(2006, 12, 31) - date(1935, 1, 1)).days
    tables = {
        "first": firsts,
        "first_plain": [_plain(name) for name in firsts],
        "first_slug": [_slug(name) for name in firsts],
        "first_initial": [_slug(name)[0] for name in firsts],
        "last": lasts,
        "last_plain": [_plain(name) for name in lasts],
        "last_slug": [_slug(name) for name in lasts],
        "street": [street if street.startswith(("l", "L")) else f" {street}" for street in streets],
        "number": [str(1 + i) for i in range(128)],
        "city": [city for city, _ in communes],
        "postcode": [postcode for _, postcode in communes],
        "domain": _spread(_DOMAINS, 16),
        "mobile": _spread(_MOBILE_PREFIXES, 16),
        "birth": [(start + timedelta(days=i * span // 32768)).isoformat() for i in range(32768)],
    }
    for name, values in tables.items():
        for value in values:
            # Values go into CSV and JSON lines unquoted and unescaped: none may need it.
            if any(c in value for c in ',"\\\n\r'):
                raise AssertionError(f"unsafe value in table {name}: {value!r}")
    return tables


_TABLES = _tables()


def iter_rows(
    n: int, seed: int = 0, duplicate_rate: float = 0.1
) -> Iterator[tuple[str, str, str, str, str, str, str, str, str, str, int]]:
    """``n`` rows: the ten :data:`HEADER` fields then the person number (0-based; the truth)."""
    rng = random.Random(seed)
    random_ = rng.random
    bits = rng.getrandbits
    key = (seed * _GOLDEN + 0x2545F4914F6CDD1D) & _MASK
    t = _TABLES
    first_t, first_plain, first_slug, first_initial = (
        t["first"],
        t["first_plain"],
        t["first_slug"],
        t["first_initial"],
    )
    last_t, last_plain, last_slug = t["last"], t["last_plain"], t["last_slug"]
    street_t, number_t, city_t, postcode_t = t["street"], t["number"], t["city"], t["postcode"]
    domain_t, mobile_t, birth_t = t["domain"], t["mobile"], t["birth"]
    people = 0
    for row in range(1, n + 1):
        again = people > 0 and random_() < duplicate_rate
        if again:
            person = int(random_() * people)
            variation = bits(8)
        else:
            person = people
            people += 1
            variation = 0
        # SplitMix64 of (seed, person): every detail of the person comes from these bits.
        z = (person * _GOLDEN + key) & _MASK
        z = ((z ^ (z >> 30)) * _M1) & _MASK
        z = ((z ^ (z >> 27)) * _M2) & _MASK
        h = z ^ (z >> 31)
        z = (h + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * _M1) & _MASK
        z = ((z ^ (z >> 27)) * _M2) & _MASK
        h2 = z ^ (z >> 31)

        fi, li = h & 255, (h >> 8) & 255
        if variation & 3 == 3:  # typed without accents
            first, last = first_plain[fi], last_plain[li]
        else:
            first, last = first_t[fi], last_t[li]
        style = (h >> 16) & 3
        if style == 0:
            local = f"{first_slug[fi]}.{last_slug[li]}{person}"
        elif style == 1:
            local = f"{first_initial[fi]}{last_slug[li]}{person}"
        elif style == 2:
            local = f"{last_slug[li]}.{first_slug[fi]}{person}"
        else:
            local = f"{first_slug[fi]}{last_slug[li]}{person}"
        email = f"{local}@{domain_t[(h >> 18) & 15]}"
        if variation & 4:
            email = email.upper()

        # A bijection on 0..10**7-1: no two of the first ten million people share a number.
        d = f"{mobile_t[h2 & 15]}{(person * 7_654_321 + key) % 10_000_000:07d}"
        phone_style = ((h2 >> 28) + (1 + (variation >> 3) % 3 if again else 0)) & 3
        if phone_style == 0:
            phone = f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:8]} {d[8:]}"
        elif phone_style == 1:
            phone = f"+33 {d[1]} {d[2:4]} {d[4:6]} {d[6:8]} {d[8:]}"
        elif phone_style == 2:
            phone = f"0033{d[1:]}"
        else:
            phone = f"{d[:2]}.{d[2:4]}.{d[4:6]}.{d[6:8]}.{d[8:]}"

        street = street_t[(h >> 22) & 255]
        if street[0] == " ":
            street = number_t[(h >> 30) & 127] + street
        commune = (h >> 37) & 255
        card = f"SC{person:09d}" if (h >> 45) & 1 else ""
        yield (
            f"C{row:07d}",
            first,
            last,
            email,
            phone,
            birth_t[(h >> 46) & 32767],
            street,
            postcode_t[commune],
            city_t[commune],
            card,
            person,
        )


_CSV_LINE = "{},{},{},{},{},{},{},{},{},{}\n"
_JSON_LINE = (
    '{{"id":"{}","first_name":"{}","last_name":"{}","email":"{}","phone":"{}",'
    '"birth_date":"{}","street":"{}","postcode":"{}","city":"{}","loyalty_card":"{}"}}\n'
)
_JSON_LINE_NO_CARD = (
    '{{"id":"{}","first_name":"{}","last_name":"{}","email":"{}","phone":"{}",'
    '"birth_date":"{}","street":"{}","postcode":"{}","city":"{}","loyalty_card":null}}\n'
)
_BATCH = 4096


def write_csv(path: str | Path, n: int, seed: int = 0, duplicate_rate: float = 0.1) -> int:
    """Write ``n`` rows and the header to ``path`` (UTF-8); returns the number of rows."""
    line = _CSV_LINE.format
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        batch: list[str] = []
        append = batch.append
        for row in iter_rows(n, seed, duplicate_rate):
            append(line(*row))
            if len(batch) >= _BATCH:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    return n


def write_jsonl(path: str | Path, n: int, seed: int = 0, duplicate_rate: float = 0.1) -> int:
    """Write ``n`` JSON objects, one a line, with the CSV's fields (no card → ``null``)."""
    with_card, without_card = _JSON_LINE.format, _JSON_LINE_NO_CARD.format
    with open(path, "w", encoding="utf-8", newline="") as out:
        batch: list[str] = []
        append = batch.append
        for row in iter_rows(n, seed, duplicate_rate):
            append(with_card(*row) if row[9] else without_card(*row))
            if len(batch) >= _BATCH:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out", help="output file; .jsonl or .ndjson for JSON Lines, else CSV")
    parser.add_argument("n", type=int, help="number of rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duplicate-rate", type=float, default=0.1)
    args = parser.parse_args(argv)
    writer = write_jsonl if str(args.out).endswith((".jsonl", ".ndjson")) else write_csv
    started = time.perf_counter()
    rows = writer(args.out, args.n, seed=args.seed, duplicate_rate=args.duplicate_rate)
    elapsed = time.perf_counter() - started
    rate = rows / elapsed if elapsed else float("inf")
    print(f"{rows} rows in {elapsed:.2f} s ({rate:,.0f} rows/s) → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
