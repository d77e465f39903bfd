"""Identity resolution over the whole base, on SQLite and PostgreSQL: the true duplicates of a
small French base become one customer, households and namesakes stay apart, people's decisions
hold, and running it again changes nothing."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, or_, select

from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.matching.model import MatchModel
from parcours.customers.matching.scoring import explain
from parcours.customers.matching.table import MatchTable
from parcours.customers.merging import mark_different, merge_customers
from parcours.customers.models import (
    Customer,
    Identifier,
    MatchModelVersion,
    MatchReview,
    Merge,
    SourceRecord,
)
from parcours.customers.resolution import (
    ResolveReport,
    ReviewError,
    accept_review,
    list_reviews,
    reject_review,
    resolve,
)
from parcours.db import Database
from tests.factories import snapshot

AUTO, REVIEW = 0.95, 0.5
COMPARED_FIELDS = ["first_name", "last_name", "birth_date", "email", "phone", "postcode", "city",
                   "street", "national_id", "account", "siret"]  # fmt: skip
Key = tuple[str, str]


def till(
    external_id: str,
    first: str,
    last: str,
    phone: str,
    birth: str,
    street: str,
    postcode: str,
    city: str,
    card: str = "",
) -> IncomingRecord:
    """The showroom till: French dates, the street number in the street, a loyalty card."""
    return IncomingRecord("store", external_id, {
        "first_name": first, "last_name": last, "phone": phone, "birth_date": birth,
        "street": street, "postcode": postcode, "city": city, "loyalty_card": card,
    })  # fmt: skip


def website(
    external_id: str,
    first: str,
    last: str,
    email: str,
    birth: str,
    street: str,
    postcode: str,
    city: str,
    phone: str = "",
) -> IncomingRecord:
    """Website accounts: an e-mail, a login, ISO dates."""
    return IncomingRecord("web", external_id, {
        "first_name": first, "last_name": last, "email": email, "birth_date": birth,
        "street": street, "postcode": postcode, "city": city, "phone": phone,
        "web_account": external_id.lower(),
    })  # fmt: skip


def call_centre(
    external_id: str, full_name: str, phone: str, street: str, postcode: str, city: str
) -> IncomingRecord:
    """Call-centre tickets: "Mme LE GOFF Hélène" and the number the switchboard shows."""
    return IncomingRecord("callcentre", external_id, {
        "full_name": full_name, "phone": phone, "street": street, "postcode": postcode,
        "city": city,
    })  # fmt: skip


#: The real person behind each group of records (the truth is never in the records).
PEOPLE: dict[str, list[IncomingRecord]] = {
    # The same person in two or three channels, typed in differently each time
    "hélène le goff": [
        till("MAG-101", "Hélène", "Le Goff", "06 12 34 56 78", "14/03/1972", "12 r. de Brest",
             "22200", "GUINGAMP", card="FID 0101"),
        website("WEB-101", "helene", "LE GOFF", "helene.legoff@orange.fr", "1972-03-14",
                "12 rue de Brest", "22200", "Guingamp"),
        call_centre("CC-101", "Mme LE GOFF Hélène", "+33 6 12 34 56 78", "12 rue de Brest",
                    "22200", "Guingamp"),
    ],
    "yann prigent": [
        till("MAG-102", "Yann", "Prigent", "06 23 45 67 89", "02/11/1985", "4 pl. du Centre",
             "22500", "Paimpol"),
        website("WEB-102", "Yann", "Prigen", "yann.prigent@gmail.com", "1985-11-02",
                "4 place du Centre", "22500", "Paimpol"),
    ],
    "gwenaëlle kerhervé": [
        website("WEB-103", "Gwenaëlle", "Kerhervé", "gwen.kerherve@free.fr", "1990-06-21",
                "lieu-dit Kervoas", "22140", "Bégard"),
        till("MAG-103", "Gwenaelle", "KERHERVE", "06 45 67 89 01", "21/06/1990", "ld Kervoas",
             "22140", "BEGARD"),
    ],
    "loïc tanguy": [
        till("MAG-104", "Loïc", "Tanguy", "06.56.78.90.12", "30/09/1964", "8 av. Jean Monnet",
             "22300", "Lannion"),
        website("WEB-104", "Loic", "Tanguy", "loic.tanguy@wanadoo.fr", "1964-09-30",
                "8 avenue Jean Monnet", "22300", "Lannion", phone="0033656789012"),
        call_centre("CC-104", "M. TANGUY Loïc", "02 96 37 11 22", "8 avenue Jean Monnet",
                    "22300", "Lannion"),
    ],
    "soizic le bihan": [  # day and month swapped on the website
        till("MAG-105", "Soizic", "Le Bihan", "06 67 89 01 23", "09/01/1978",
             "22 chem. du Moulin", "22970", "Ploumagoar"),
        website("WEB-105", "Soizic", "Le Bihan", "soizic.lb@laposte.net", "1978-09-01",
                "22 chemin du Moulin", "22970", "Ploumagoar"),
    ],
    "erwan guéguen": [
        website("WEB-106", "Erwan", "Gueguen", "erwan.gueguen@sfr.fr", "1981-05-17",
                "3 imp. des Lilas", "22000", "St-Brieuc"),
        call_centre("CC-106", "GUEGUEN Erwan", "06 78 90 12 34", "3 impasse des Lilas", "22000",
                    "Saint-Brieuc"),
        till("MAG-106", "Erwan", "Guéguen", "+33 6 78 90 12 34", "17/05/1981",
             "3 impasse des Lilas", "22000", "Saint-Brieuc"),
    ],
    "nolwenn le corre": [
        till("MAG-107", "Nolwenn", "Le Corre", "06 89 01 23 45", "25/12/1969", "7 rue Pasteur",
             "22300", "Lannion"),
        website("WEB-107", "Nolwen", "Le Corre", "nolwenn.lecorre@orange.fr", "1969-12-25",
                "7 rue Pasteur", "22300", "Lannion"),
    ],
    "gaël kervella": [  # first and last names swapped on the website
        till("MAG-108", "Gaël", "Kervella", "06 72 12 34 56", "17/08/1979", "6 rue Victor Hugo",
             "22000", "Saint-Brieuc"),
        website("WEB-108", "Kervella", "Gaël", "gael.kervella@gmail.com", "1979-08-17",
                "6 rue Victor Hugo", "22000", "Saint-Brieuc"),
    ],
    "anne-sophie derrien": [
        till("MAG-109", "Anne-Sophie", "Derrien", "06 73 23 45 67", "08/07/1991",
             "13 impasse des Camélias", "22970", "Ploumagoar"),
        website("WEB-109", "Anne", "Derrien", "as.derrien@free.fr", "1991-07-08",
                "13 impasse des Camélias", "22970", "Ploumagoar"),
    ],
    # Moved house between the two records: see test_customers_who_moved_house_are_joined
    "hervé cadiou": [
        till("MAG-110", "Hervé", "Cadiou", "06 74 01 02 03", "29/10/1955",
             "45 rue des Ponts Saint-Michel", "22200", "Guingamp"),
        website("WEB-110", "Herve", "Cadiou", "herve.cadiou@wanadoo.fr", "1955-10-29",
                "2 rue du Port", "22500", "Paimpol"),
    ],
    "katell jégou": [
        till("MAG-111", "Katell", "Jégou", "06 75 01 02 03", "23/05/1988", "2 chemin de Kerhré",
             "22810", "Belle-Isle-en-Terre"),
        website("WEB-111", "Katell", "Jegou", "katell.jegou@gmail.com", "1988-05-23",
                "18 rue de la Poterie", "22300", "Lannion"),
    ],
    # A household: a mother and her son share the landline and the address
    "yvonne le bras": [
        till("MAG-201", "Yvonne", "Le Bras", "02 96 21 45 67", "11/02/1946", "5 rue Saint-Yves",
             "22200", "Guingamp"),
    ],
    "ronan le bras": [
        till("MAG-202", "Ronan", "Le Bras", "02 96 21 45 67", "30/08/1975", "5 rue Saint-Yves",
             "22200", "Guingamp"),
        website("WEB-202", "Ronan", "Le Bras", "ronan.lebras@gmail.com", "1975-08-30",
                "5 r. St-Yves", "22200", "Guingamp"),
    ],
    # A couple sharing a landline
    "jean martin, pabu": [
        till("MAG-203", "Jean", "Martin", "02 96 43 12 00", "02/03/1951", "3 r. de Brest",
             "22200", "Pabu"),
    ],
    "marie martin, pabu": [
        till("MAG-204", "Marie", "Martin", "+33 2 96 43 12 00", "21/07/1953", "3 rue de Brest",
             "22200", "Pabu"),
    ],
    # Namesakes: same first and last names, other birth dates, other towns
    "jean martin, saint-brieuc": [
        till("MAG-205", "Jean", "Martin", "06 11 99 88 77", "05/10/1987", "14 bd Clemenceau",
             "22000", "Saint-Brieuc"),
        website("WEB-205", "Jean", "MARTIN", "jean.martin87@gmail.com", "1987-10-05",
                "14 boulevard Clemenceau", "22000", "Saint-Brieuc"),
    ],
    "marie le gall, lannion": [
        till("MAG-206", "Marie", "Le Gall", "06 22 33 44 55", "03/04/1960",
             "7 rue Ernest Renan", "22300", "Lannion"),
    ],
    "marie le gall, morlaix": [
        website("WEB-206", "Marie", "Le Gall", "marie.legall92@hotmail.fr", "1992-12-19",
                "2 place du Marché", "29600", "Morlaix"),
    ],
    "anne riou, guingamp": [
        till("MAG-207", "Anne", "Riou", "06 33 44 55 66", "14/02/1983", "9 rue Notre-Dame",
             "22200", "Guingamp"),
    ],
    "anne riou, paimpol": [
        website("WEB-207", "Anne", "Riou", "anne.riou@bbox.fr", "1985-07-09", "31 rue du Port",
                "22500", "Paimpol"),
    ],
}  # fmt: skip
#: Everyone else, seen once.
OTHERS = [
    till("MAG-301", "Nolwenn", "Morvan", "06 01 02 03 04", "12/12/1970", "1 rue Pasteur",
         "22200", "Guingamp"),
    till("MAG-302", "Pierre", "Hamon", "06 01 02 03 05", "01/01/1959", "18 rue de la Gare",
         "22140", "Bégard"),
    till("MAG-305", "Rozenn", "Le Corre", "06 01 02 03 08", "04/04/1966",
         "11 avenue de la Libération", "22300", "Lannion"),
    till("MAG-308", "Stéphane", "Le Floch", "06 01 02 03 11", "15/03/1974", "lieu-dit Kernévez",
         "22390", "Bourbriac"),
    till("MAG-309", "Benoît", "Corlay", "06 01 02 03 12", "22/02/1977", "8 rue de la Trinité",
         "22200", "Plouisy"),
    till("MAG-310", "Anaïs", "Geffroy", "06 01 02 03 13", "10/10/1993",
         "15 avenue de Kernilien", "22200", "Plouisy"),
    website("WEB-301", "Élodie", "Quéméner", "elodie.quemener@gmail.com", "1994-02-27",
            "20 rue de la Madeleine", "22140", "Bégard"),
    website("WEB-302", "Mathéo", "Nédélec", "matheo.nedelec@free.fr", "2001-06-06",
            "5 avenue du Trieux", "22260", "Pontrieux"),
    website("WEB-303", "Françoise", "Le Moal", "f.lemoal@orange.fr", "1949-11-11",
            "3 place du Martray", "22220", "Tréguier"),
    website("WEB-304", "Brieuc", "Scouarnec", "brieuc.scouarnec@laposte.net", "1983-09-19",
            "10 rue de Tréguier", "22300", "Lannion"),
    website("WEB-305", "Armelle", "Guillou", "armelle.guillou@sfr.fr", "1968-01-30",
            "lieu-dit Traou Long", "22540", "Louargat"),
    website("WEB-306", "Corentin", "Thépaut", "corentin.thepaut@gmail.com", "1996-04-15",
            "7 rue Saint-Nicolas", "22200", "Guingamp"),
    website("WEB-307", "Maëlle", "Rolland", "maelle.rolland@wanadoo.fr", "1986-12-03",
            "1 boulevard de la Marne", "22000", "Saint-Brieuc"),
    website("WEB-308", "Tanguy", "Le Cam", "tanguy.lecam@gmail.com", "1980-05-25",
            "9 rue Anatole Le Braz", "22700", "Perros-Guirec"),
    website("WEB-309", "Isabelle", "Even", "isabelle.even@orange.fr", "1962-03-08",
            "4 impasse des Ajoncs", "22190", "Plérin"),
    call_centre("CC-301", "M. BRIAND Joël", "02 96 70 80 90", "4 rue des Écoles", "22290",
                "Lanvollon"),
    call_centre("CC-302", "Mme PERROT Sylvie", "06 70 80 90 01", "16 rue Jean Jaurès", "22500",
                "Paimpol"),
    call_centre("CC-303", "M. LE ROUX Alain", "02 96 11 12 13", "lieu-dit Kerhuel", "22160",
                "Callac"),
    call_centre("CC-304", "Mme HÉNAFF Monique", "02 96 14 15 16", "2 rue de Montbareil", "22200",
                "Guingamp"),
]  # fmt: skip
RECORDS = [record for records in PEOPLE.values() for record in records] + OTHERS
#: People the model does not join yet: their records differ in the whole address.
MOVED = ("hervé cadiou", "katell jégou")


def keys(records: list[IncomingRecord]) -> frozenset[Key]:
    return frozenset((record.source, record.external_id) for record in records)


TRUTH = {keys(records) for records in PEOPLE.values()} | {keys([record]) for record in OTHERS}
MOVED_KEYS = {keys(PEOPLE[person]) for person in MOVED}
HOUSEHOLDS = [
    (keys(PEOPLE["yvonne le bras"]), keys(PEOPLE["ronan le bras"])),
    (keys(PEOPLE["jean martin, pabu"]), keys(PEOPLE["marie martin, pabu"])),
]


def given_the_base(db: Database, records: list[IncomingRecord] = RECORDS) -> None:
    with db.transaction(write=True) as session:
        outcomes = ingest_batch(session, records)
    assert [
        (o.external_id, o.status) for o in outcomes if o.dropped or o.status == "rejected"
    ] == []


def run_resolve(db: Database, conflicts: frozenset[str] | None = None) -> ResolveReport:
    if conflicts is None:
        return resolve(db, auto=AUTO, review=REVIEW)
    return resolve(db, auto=AUTO, review=REVIEW, conflicts=conflicts)


def groups(db: Database) -> set[frozenset[Key]]:
    """The records of each live customer."""
    with db.sessions() as session:
        members: dict[int, set[Key]] = defaultdict(set)
        for source, external_id, customer_id in session.execute(
            select(SourceRecord.source, SourceRecord.external_id, SourceRecord.customer_id)
        ):
            members[customer_id].add((source, external_id))
        live = set(session.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None))))
    assert set(members) == live
    return {frozenset(records) for records in members.values()}


def customer_of(db: Database, external_id: str) -> int:
    with db.sessions() as session:
        customer_id = session.scalar(
            select(SourceRecord.customer_id).where(SourceRecord.external_id == external_id)
        )
    assert customer_id is not None
    return customer_id


def pending_pairs(db: Database) -> list[tuple[frozenset[Key], frozenset[Key]]]:
    """The pending reviews, each as the records of its two customers."""
    by_customer: dict[int, set[Key]] = defaultdict(set)
    with db.sessions() as session:
        for source, external_id, customer_id in session.execute(
            select(SourceRecord.source, SourceRecord.external_id, SourceRecord.customer_id)
        ):
            by_customer[customer_id].add((source, external_id))
        reviews = list_reviews(session)
        return [
            (frozenset(by_customer[r.customer_a_id]), frozenset(by_customer[r.customer_b_id]))
            for r in reviews
        ]


def review_between(db: Database, first: str, second: str) -> int:
    """The id of the pending review between the customers of two records."""
    pair = {customer_of(db, first), customer_of(db, second)}
    with db.sessions() as session:
        (review_id,) = [
            r.id for r in list_reviews(session) if {r.customer_a_id, r.customer_b_id} == pair
        ]
    return review_id


def settled(found: set[frozenset[Key]]) -> set[frozenset[Key]]:
    """The customers of everyone but the people who moved house (see MOVED)."""
    return {group for group in found if not any(group <= moved for moved in MOVED_KEYS)}


def as_set(pairs: list[tuple[frozenset[Key], frozenset[Key]]]) -> set[frozenset[frozenset[Key]]]:
    return {frozenset(pair) for pair in pairs}


def test_resolve_joins_true_duplicates_and_keeps_households_and_namesakes_apart(db: Database):
    # Given a base where ingestion joined only the records sharing an e-mail or a phone
    given_the_base(db)
    after_ingest = groups(db)
    split = [people for people in TRUTH - MOVED_KEYS if people not in after_ingest]
    assert len(split) == 11
    customers_to_merge = sum(1 for group in after_ingest if any(group < p for p in split))

    # When the whole base is resolved
    report = run_resolve(db)

    # Then each true duplicate is one customer, and nobody else was joined
    resolved = groups(db)
    assert settled(resolved) == TRUTH - MOVED_KEYS
    assert resolved - settled(resolved) <= {
        frozenset({record}) for moved in MOVED_KEYS for record in moved
    }
    assert (report.records, report.merges, report.customers_merged, report.reviews) == (
        len(RECORDS), len(split), customers_to_merge, len(HOUSEHOLDS)
    )  # fmt: skip
    # The households are left to a person, and nobody else is
    assert as_set(pending_pairs(db)) == as_set(HOUSEHOLDS)
    with db.sessions() as session:
        merges = list(session.scalars(select(Merge).order_by(Merge.id)))
        saved = session.get(MatchModelVersion, report.model_version)
        assert saved is not None
        assert (saved.trained_on, saved.parameters["version"]) == (
            len(RECORDS),
            report.model_version,
        )
    assert len(report.model_version) == 12
    assert len(merges) == report.merges
    for merge in merges:
        assert (merge.kind, merge.decided_by, merge.model_version, merge.undone_at) == (
            "automatic", f"model {report.model_version}", report.model_version, None
        )  # fmt: skip
        assert merge.score is not None and merge.score >= AUTO
        assert [item["field"] for item in merge.evidence] == COMPARED_FIELDS
        assert all(set(item) == {"field", "level", "left", "right", "weight"}
                   for item in merge.evidence)  # fmt: skip
        agreeing = {item["field"] for item in merge.evidence if item["level"] == "exact"}
        assert {"last_name", "postcode"} <= agreeing or {"street"} <= agreeing


@pytest.mark.xfail(
    strict=True,
    reason="a duplicate whose whole address changed gets about 1e-13: on a small base EM sets "
    "m(postcode, city, street 'different') at the 1e-6 floor, about -15 to -20 bits each, "
    "against +15 for the same name and exact birth date; neither merged nor sent to review",
)
def test_customers_who_moved_house_are_joined(db: Database):
    given_the_base(db)

    run_resolve(db)

    assert groups(db) >= MOVED_KEYS


def test_resolving_again_merges_nothing_and_asks_nothing_twice(db: Database):
    given_the_base(db)
    first = run_resolve(db)
    state, reviews = snapshot(db), pending_pairs(db)

    second = run_resolve(db)

    assert (second.merges, second.customers_merged, second.reviews) == (0, 0, 0)
    assert second.model_version == first.model_version
    assert snapshot(db) == state
    assert pending_pairs(db) == reviews
    with db.sessions() as session:
        counts = [
            session.scalar(select(func.count()).select_from(table))
            for table in (Merge, MatchReview, MatchModelVersion)
        ]
    assert counts == [first.merges, first.reviews, 1]


def test_customers_marked_as_different_people_are_not_joined_by_resolve(db: Database):
    # Given Hélène's till and web customers, which resolve would join, marked as different people
    given_the_base(db)
    till_customer, web_customer = customer_of(db, "MAG-101"), customer_of(db, "WEB-101")
    with db.transaction(write=True) as session:
        mark_different(session, till_customer, web_customer, decided_by="tester")

    run_resolve(db)

    # Then they stay apart, the pair is not asked about, and everyone else resolves as before
    helene = keys(PEOPLE["hélène le goff"])
    apart = {helene - {("web", "WEB-101")}, frozenset({("web", "WEB-101")})}
    assert {group for group in groups(db) if group & helene} == apart
    assert settled(groups(db)) - apart == TRUTH - MOVED_KEYS - {helene}
    assert as_set(pending_pairs(db)) == as_set(HOUSEHOLDS)
    assert (customer_of(db, "MAG-101"), customer_of(db, "WEB-101")) == (
        till_customer,
        web_customer,
    )


def test_a_rejected_match_is_not_merged_nor_asked_again(db: Database):
    # Given the model sure that the Le Bras mother and son are one person, and a person rejecting it
    given_the_base(db)
    run_resolve(db)
    review_id = review_between(db, "MAG-201", "WEB-202")
    with db.transaction(write=True) as session:
        review = session.get(MatchReview, review_id)
        assert review is not None and review.probability >= AUTO
        reject_review(session, review_id, decided_by="tester")

    # When resolving again, even with the household rule switched off
    report = run_resolve(db, conflicts=frozenset())

    # Then they stay apart and the pair is not queued again
    assert customer_of(db, "MAG-201") != customer_of(db, "WEB-202")
    assert customer_of(db, "MAG-202") == customer_of(db, "WEB-202")
    assert keys(PEOPLE["yvonne le bras"]) in groups(db)
    assert keys(PEOPLE["ronan le bras"]) in groups(db)
    le_bras = [customer_of(db, "MAG-201"), customer_of(db, "MAG-202")]
    with db.sessions() as session:
        statuses = [
            (r.status, r.decided_by)
            for r in session.scalars(
                select(MatchReview).where(
                    or_(
                        MatchReview.customer_a_id.in_(le_bras),
                        MatchReview.customer_b_id.in_(le_bras),
                    )
                )
            )
        ]
    assert statuses == [("rejected", "tester")]
    assert report.reviews == 0


# Lucie in three channels: the website, the till (a first name and a town only) and the app. The
# app record is the website's with a one-day typo in the birth date, so ingestion keeps it apart,
# and it scores exactly 1.0 against the website record. An agent merged the app record into the
# till customer, then said the till customer and the website customer are different people.
LUCIE = {"first_name": "Lucie", "last_name": "Kerdraon", "email": "lucie.kerdraon@orange.fr",
         "phone": "06 76 11 22 33", "birth_date": "1990-01-01", "street": "3 rue des Capucins",
         "postcode": "22200", "city": "Guingamp", "national_id": "2 90 01 22 123 456 78",
         "loyalty_card": "FID 9000"}  # fmt: skip


def national_id(number: int) -> str:
    """A valid French NIR: 13 digits and their key."""
    body = f"1{60 + number}0522{100 + number}{100 + number}"
    return body + f"{97 - int(body) % 97:02d}"


def test_a_person_s_decision_holds_against_a_match_scored_exactly_one(db: Database):
    # Given a base where a few people gave a national id, so that sharing one weighs
    lucie = [
        IncomingRecord("web", "WEB-900", LUCIE),
        IncomingRecord("store", "MAG-900", {"first_name": "Lucie", "last_name": "Kerdraon",
                                            "city": "Guingamp"}),
        IncomingRecord("app", "APP-900", {**LUCIE, "birth_date": "1990-01-02"}),
    ]  # fmt: skip
    others = [
        IncomingRecord(r.source, r.external_id, {**r.fields, "national_id": national_id(n)})
        if n < 12 else r
        for n, r in enumerate(OTHERS)
    ]  # fmt: skip
    given_the_base(db, [*lucie, *others, *RECORDS[: -len(OTHERS)]])
    web, till_customer, app = (customer_of(db, r.external_id) for r in lucie)
    assert len({web, till_customer, app}) == 3
    with db.transaction(write=True) as session:
        merge_customers(session, [till_customer, app], decided_by="tester")
        mark_different(session, till_customer, web, decided_by="tester")

    # When the base is resolved
    report = run_resolve(db)

    # Then (the app record being certain to match the website's) the person's decision holds
    with db.sessions() as session:
        saved = session.get(MatchModelVersion, report.model_version)
        assert saved is not None
        model = MatchModel.from_json(saved.parameters)
        fields = list(session.scalars(
            select(SourceRecord.fields).where(SourceRecord.external_id.in_(["WEB-900", "APP-900"]))
        ))  # fmt: skip
    assert explain(model, MatchTable.from_fields([1, 2], fields), 0, 1)[0] == 1.0
    assert customer_of(db, "APP-900") == customer_of(db, "MAG-900") == till_customer
    assert customer_of(db, "WEB-900") == web
    assert report.merges == 11  # the same merges as without Lucie
    assert as_set(pending_pairs(db)) == as_set(HOUSEHOLDS)


def test_accepting_a_review_merges_the_two_customers_with_the_review_s_evidence(db: Database):
    given_the_base(db)
    run_resolve(db)
    review_id = review_between(db, "MAG-203", "MAG-204")
    with db.sessions() as session:
        review = session.get(MatchReview, review_id)
        assert review is not None
        expected = (review.probability, review.evidence, review.model_version)
    jean, marie = customer_of(db, "MAG-203"), customer_of(db, "MAG-204")

    with db.transaction(write=True) as session:
        merge_id = accept_review(session, review_id, decided_by="tester")

    with db.sessions() as session:
        merge = session.get(Merge, merge_id)
        review = session.get(MatchReview, review_id)
        assert merge is not None and review is not None
        assert (merge.kind, merge.decided_by, merge.target_customer_id) == (
            "review",
            "tester",
            min(jean, marie),
        )
        assert (merge.score, merge.evidence, merge.model_version) == expected
        assert (review.status, review.decided_by, review.merge_id) == (
            "accepted",
            "tester",
            merge_id,
        )
        assert review.decided_at is not None
        identifiers = session.scalars(
            select(Identifier.customer_id).where(Identifier.kind == "phone").distinct()
        ).all()
    assert customer_of(db, "MAG-203") == customer_of(db, "MAG-204") == min(jean, marie)
    assert max(jean, marie) not in identifiers


@pytest.mark.parametrize("first", ["accept", "reject"])
@pytest.mark.parametrize("second", ["accept", "reject"])
def test_a_review_is_decided_once(db: Database, first: str, second: str):
    given_the_base(db)
    run_resolve(db)
    review_id = review_between(db, "MAG-203", "MAG-204")
    decide = {
        "accept": lambda session, by: accept_review(session, review_id, decided_by=by),
        "reject": lambda session, by: reject_review(session, review_id, decided_by=by),
    }
    with db.transaction(write=True) as session:
        decide[first](session, "tester")
    state = snapshot(db)

    with pytest.raises(ReviewError) as refused, db.transaction(write=True) as session:
        decide[second](session, "someone else")

    status = {"accept": "accepted", "reject": "rejected"}[first]
    assert str(refused.value) == f"match review {review_id} was already {status} by tester"
    assert snapshot(db) == state


def test_an_unknown_review_is_refused(db: Database):
    given_the_base(db)

    with pytest.raises(ReviewError) as accepting, db.transaction(write=True) as session:
        accept_review(session, 999999, decided_by="tester")
    with pytest.raises(ReviewError) as rejecting, db.transaction(write=True) as session:
        reject_review(session, 999999, decided_by="tester")

    assert str(accepting.value) == str(rejecting.value) == "no match review with id 999999"
