"""Verbatim analysis on comments as customers write them, with scores computed by hand.

A valence ``s`` normalises to ``s / sqrt(s² + 15)``: one word of valence 1.5 gives 0.3612, 2 gives
0.4588, 3 gives 0.6124; a negated word counts -0.75 times its valence.
"""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.experience import lexicon
from parcours.experience.verbatims import (
    THEMES,
    Irritant,
    Verbatim,
    analyse,
    polarity,
    rank_irritants,
)

# (comment, language, themes in THEMES order, polarity): a furniture and bedding showroom, a bank,
# an insurer and their contact centres.
COMMENTS = [
    (
        "Très bon accueil en magasin, le vendeur m'a bien conseillé pour mon canapé.",
        "fr",
        ("staff_courtesy", "staff_competence", "store"),
        "positive",
    ),
    (
        "Matelas livré avec deux semaines de retard et le livreur n'a même pas prévenu.",
        "fr",
        ("waiting_time", "delivery", "communication"),
        "negative",
    ),
    (
        "Le canapé est arrivé abîmé, le SAV ne répond pas depuis un mois. Inadmissible !",
        "fr",
        ("product_quality", "after_sales", "reachability"),
        "negative",
    ),
    (
        "Lit arrivé avec un pied cassé, échange fait rapidement par le SAV.",
        "fr",
        ("product_quality", "after_sales"),
        "neutral",
    ),
    (
        "Livraison et montage impeccables, les livreurs étaient très sympas.",
        "fr",
        ("delivery", "staff_courtesy"),
        "positive",
    ),
    (
        "Showroom magnifique mais les prix sont exorbitants.",
        "fr",
        ("price", "store"),
        "negative",
    ),
    (
        "Je ne suis pas du tout satisfait de la qualité du matelas.",
        "fr",
        ("product_quality",),
        "negative",
    ),
    (
        "Conseillère très compétente et à l'écoute, je recommande cette agence.",
        "fr",
        ("staff_courtesy", "staff_competence", "store"),
        "positive",
    ),
    (
        "Impossible de joindre mon conseiller, personne ne rappelle jamais.",
        "fr",
        ("reachability",),
        "negative",
    ),
    (
        "Ma conseillère bancaire est injoignable, le standard ne fait que transférer.",
        "fr",
        ("reachability",),
        "negative",
    ),
    (
        "Attente beaucoup trop longue au téléphone, 45 minutes avant d'avoir quelqu'un.",
        "fr",
        ("waiting_time",),
        "negative",
    ),
    ("Frais bancaires trop élevés pour un service minimal.", "fr", ("price",), "negative"),
    (
        "L'appli plante tout le temps depuis la mise à jour, impossible de me connecter.",
        "fr",
        ("website_app",),
        "negative",
    ),
    ("Application bancaire simple et efficace.", "fr", ("website_app",), "positive"),
    (
        "Le prélèvement a été fait deux fois et le remboursement traîne.",
        "fr",
        ("billing",),
        "negative",
    ),
    ("Je n'ai toujours pas reçu ma facture.", "fr", ("billing",), "negative"),
    ("Il a fallu relancer trois fois pour être remboursé.", "fr", ("billing",), "negative"),
    (
        "Sinistre déclaré il y a trois mois, toujours pas indemnisé et aucune nouvelle.",
        "fr",
        ("communication", "claims"),
        "negative",
    ),
    (
        "Expert passé très vite après le dégât des eaux, indemnisation correcte.",
        "fr",
        ("claims",),
        "positive",
    ),
    ("Pas de nouvelles de mon dossier depuis 3 semaines.", "fr", ("communication",), "negative"),
    ("Prix corrects, personnel aimable.", "fr", ("price", "staff_courtesy"), "positive"),
    ("Rien à redire, tout était parfait.", "fr", (), "positive"),
    ("J'ai pris rendez-vous en agence pour ouvrir un compte.", "fr", ("store",), "neutral"),
    (
        "Great service, the advisor was really helpful and knowledgeable.",
        "en",
        ("staff_courtesy", "staff_competence"),
        "positive",
    ),
    (
        "I was on hold for 40 minutes and nobody called me back.",
        "en",
        ("waiting_time", "reachability"),
        "negative",
    ),
    (
        "Waited three weeks for a callback that never came.",
        "en",
        ("waiting_time", "reachability"),
        "negative",
    ),
    (
        "The sofa arrived damaged and the delivery driver was rude.",
        "en",
        ("delivery", "staff_courtesy", "product_quality"),
        "negative",
    ),
    (
        "The mattress is very comfortable and the price was reasonable.",
        "en",
        ("price", "product_quality"),
        "positive",
    ),
    ("Fees are too expensive for what you get.", "en", ("price",), "negative"),
    ("The app keeps crashing and I can't log in.", "en", ("website_app",), "negative"),
    (
        "The website is easy to use and the prices are fair.",
        "en",
        ("price", "website_app"),
        "positive",
    ),
    (
        "Very disappointed with the after-sales service: my warranty claim was ignored.",
        "en",
        ("after_sales", "claims"),
        "negative",
    ),
    ("Quick refund, thank you!", "en", ("billing",), "positive"),
    (
        "I never received my invoice and no one kept me informed.",
        "en",
        ("billing", "communication"),
        "negative",
    ),
    (
        "Excellent claims handling, the loss adjuster came within two days.",
        "en",
        ("claims",),
        "positive",
    ),
    (
        "Not bad, but the store was crowded and the parking is a nightmare.",
        "en",
        ("store",),
        "negative",
    ),
    (
        "Branch closed without notice, nobody informed me.",
        "en",
        ("store", "communication"),
        "negative",
    ),
    (
        "The call centre advisor solved my problem in five minutes, great job!",
        "en",
        (),
        "positive",
    ),
    ("I called to change my address.", "en", (), "neutral"),
]
COMMENT_IDS = [
    "showroom-welcome-and-advice",
    "mattress-late-no-warning",
    "sofa-damaged-after-sales-silent",
    "bed-broken-but-quick-exchange",
    "delivery-and-assembly-flawless",
    "showroom-beautiful-prices-not",
    "mattress-quality-disappoints",
    "bank-adviser-competent",
    "bank-adviser-never-calls-back",
    "switchboard-transfers",
    "contact-centre-long-wait",
    "bank-fees-too-high",
    "app-crashes-after-update",
    "bank-app-simple",
    "direct-debit-twice",
    "invoice-not-received",
    "refund-chased-three-times",
    "claim-unpaid-no-news",
    "water-damage-expert-fast",
    "no-news-of-file",
    "fair-prices-kind-staff",
    "nothing-to-add-perfect",
    "branch-appointment-factual",
    "en-advisor-helpful",
    "en-on-hold-no-callback",
    "en-callback-never-came",
    "en-sofa-damaged-rude-driver",
    "en-mattress-comfortable",
    "en-fees-expensive",
    "en-app-login",
    "en-website-easy",
    "en-warranty-claim-ignored",
    "en-quick-refund",
    "en-invoice-never-received",
    "en-claims-handling-excellent",
    "en-store-crowded",
    "en-branch-closed",
    "en-call-centre-solved",
    "en-factual-call",
]


@pytest.mark.parametrize(("text", "language", "themes", "expected"), COMMENTS, ids=COMMENT_IDS)
def test_a_real_comment_gets_its_language_themes_and_polarity(
    text: str, language: str, themes: tuple[str, ...], expected: str
):
    verbatim = analyse(text)

    assert (verbatim.language, verbatim.themes, verbatim.polarity) == (language, themes, expected)


def test_the_corpus_has_at_least_25_comments_in_both_languages():
    assert len(COMMENTS) == len(COMMENT_IDS) >= 25
    assert {language for _, language, _, _ in COMMENTS} == {"fr", "en"}


def test_fast_delivery_but_rude_salesman_splits_the_themes_around_but():
    # Given "rapide" (1.5) before "mais" and "désagréable" (-2) after it
    # When analysed
    verbatim = analyse("Livraison rapide mais vendeur désagréable")

    # Then each theme takes its own clause: 1.5/√17.25 and -2/√19; overall the clause after
    # "mais" weighs 1.5 and the one before 0.5: 0.75 - 3 = -2.25, -2.25/√20.0625
    assert verbatim.theme_sentiment == (("delivery", 0.3612), ("staff_courtesy", -0.4588))
    assert verbatim.polarity_of("delivery") == "positive"
    assert verbatim.polarity_of("staff_courtesy") == "negative"
    assert (verbatim.sentiment, verbatim.polarity) == (-0.5023, "negative")
    assert verbatim.sentiment_of("price") is None


def test_a_theme_in_a_clause_without_opinion_takes_its_sentence():
    # "livraison" stands alone before the colon; the sentence is -1.5 (retard) - 3 (inadmissible).
    verbatim = analyse("Livraison : trois semaines de retard, inadmissible.")

    assert verbatim.theme_sentiment == (("waiting_time", -0.3612), ("delivery", -0.7579))


def test_what_is_excepted_from_praise_is_negative():
    # "sauf" opens its clause at -1: -1/√16 for the themes; overall 3 - 1 = 2, 2/√19.
    verbatim = analyse("Tout parfait sauf le délai de livraison.")

    assert verbatim.theme_sentiment == (("waiting_time", -0.25), ("delivery", -0.25))
    assert (verbatim.sentiment, verbatim.polarity) == (0.4588, "positive")


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("pas content", -0.3612),
        ("Je ne suis pas satisfait.", -0.3612),
        ("not happy", -0.3612),
        ("I wouldn't recommend this bank.", -0.3612),
        ("Je ne recommande pas ce magasin.", -0.3612),
        ("Vendeur pas très aimable.", -0.47),
        ("Not very helpful.", -0.47),
        ("Far from perfect.", -0.5023),
        ("Jamais rappelé.", -0.4588),
        ("never called back", -0.4588),
        ("Pas de problème", 0.2789),
        ("Aucun souci", 0.2789),
        ("sans problème", 0.2789),
        ("Never had a problem with them.", 0.2789),
        ("not bad", 0.3612),
        ("Pas mal", 0.2789),
        ("No complaints at all.", 0.2789),
        ("Il n'y a rien à redire.", 0.5423),
        ("Je ne peux que recommander ce magasin.", 0.4588),
    ],
    ids=[
        "pas-content",
        "ne-pas-satisfait",
        "not-happy",
        "wouldnt-recommend",
        "ne-recommande-pas",
        "pas-tres-aimable-boosted-then-negated",
        "not-very-helpful",
        "far-from-perfect",
        "jamais-rappele-expected-and-negated",
        "never-called-back",
        "pas-de-probleme-positive-ish",
        "aucun-souci",
        "sans-probleme",
        "never-had-a-problem",
        "not-bad-mildly-positive",
        "pas-mal-mildly-positive",
        "no-complaints",
        "n-y-a-rien-a-redire-not-negated-twice",
        "ne-peux-que-is-not-a-negation",
    ],
)
def test_negation_flips_or_completes_the_words_that_follow(text: str, sentiment: float):
    assert analyse(text).sentiment == sentiment


def test_a_negator_ends_at_the_clause_so_the_next_clause_keeps_its_sense():
    # Given "pas de retard" (positive-ish), a comma, then "parfait" (3), which "pas" must not flip
    verbatim = analyse("Pas de retard, parfait.")

    # Then 1.125 + 3 = 4.125, 4.125/√32.015625
    assert verbatim.sentiment == 0.729


def test_intensifiers_and_exclamation_marks_strengthen_the_opinion():
    # lent -1.5; très adds 0.75; each "!" adds 0.3 towards the sentence's sign.
    assert analyse("lent").sentiment == -0.3612
    assert analyse("très lent").sentiment == -0.5023
    assert analyse("Parfait").sentiment == 0.6124
    assert analyse("Parfait !").sentiment == 0.6486
    assert analyse("Parfait !!!!!!").sentiment == analyse("Parfait !!!").sentiment == 0.7096


@pytest.mark.parametrize(
    ("with_accents", "without_accents"),
    [
        ("Le délai de livraison était trop long", "Le delai de livraison etait trop long"),
        ("TRÈS DÉÇU", "tres decu"),
        ("Conseillère à l'écoute, très compétente", "conseillere a l ecoute, tres competente"),
        ("Problème réglé, SAV efficace", "probleme regle, sav efficace"),
    ],
    ids=["delai", "capitals-and-cedilla", "apostrophe-and-grave", "sav-in-capitals"],
)
def test_accents_and_case_do_not_change_the_analysis(with_accents: str, without_accents: str):
    assert analyse(with_accents) == analyse(without_accents)


def test_accented_and_plain_spellings_give_their_themes():
    verbatim = analyse("Le délai de livraison était trop long")

    assert verbatim.theme_sentiment == (("waiting_time", -0.3071), ("delivery", -0.3071))


@pytest.mark.parametrize(
    "text",
    [
        "Rendez-vous pris par appel, très apprécié",
        "Mon appartement est petit",
        "J'ai appelé trois fois",
        "Appréciation globale : bien",
    ],
    ids=["appel", "appartement", "appele", "appreciation"],
)
def test_app_does_not_match_words_that_start_with_app(text: str):
    assert "website_app" not in analyse(text).themes


@pytest.mark.parametrize(
    "text",
    ["The app is slow", "L'appli est lente", "Application bancaire lente", "Bug sur le site"],
    ids=["app", "appli", "application", "site"],
)
def test_the_app_and_the_website_are_one_theme(text: str):
    assert analyse(text).theme_sentiment == (("website_app", -0.3612),)


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        ("Livret A ouvert sans souci", ()),
        ("Le livreur a livré la livraison", ("delivery",)),
        ("J'ai commandé des stores pour le salon.", ()),
        ("The store was great.", ("store",)),
        ("Aucun retour de votre part", ("communication",)),
        ("Retour du canapé refusé", ("after_sales",)),
        ("Je suis de retour en magasin", ("store",)),
        ("It was kind of slow", ()),
        ("Staff were kind", ("staff_courtesy",)),
    ],
    ids=[
        "livret-is-not-delivery",
        "livr-words-are-delivery",
        "stores-are-blinds-in-french",
        "store-in-english",
        "aucun-retour-is-no-reply",
        "retour-is-a-return",
        "de-retour-is-being-back",
        "kind-of-is-not-kindness",
        "kind-is-kindness",
    ],
)
def test_terms_match_whole_words_and_the_longest_phrase(text: str, themes: tuple[str, ...]):
    assert analyse(text).themes == themes


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le conseiller était très aimable", "fr"),
        ("The adviser was very kind", "en"),
        ("Parfait", "fr"),
        ("Great", "fr"),
    ],
    ids=["french", "english", "no-function-word-french", "no-function-word-defaults-to-french"],
)
def test_the_language_is_guessed_from_function_words_and_defaults_to_french(
    text: str, language: str
):
    assert analyse(text).language == language


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "...", "!!!"], ids=repr)
def test_an_empty_comment_is_neutral_without_themes(text: str):
    assert analyse(text) == Verbatim("fr", 0.0, "neutral", (), ())


def test_a_very_long_comment_is_analysed():
    # Given 3,000 repetitions of a mixed comment, and a single word of 200,000 letters
    text = "Livraison rapide mais vendeur désagréable, le SAV ne répond jamais !!! " * 3000

    verbatim = analyse(text)
    single_word = analyse("a" * 200_000)

    assert verbatim.themes == ("delivery", "staff_courtesy", "after_sales", "reachability")
    assert -1.0 <= verbatim.sentiment <= 1.0
    assert verbatim.polarity == "negative"
    assert single_word == Verbatim("fr", 0.0, "neutral", (), ())


def test_a_verbatim_is_hashable():
    verbatim = analyse("Livraison rapide mais vendeur désagréable")

    assert {verbatim, analyse("Livraison rapide mais vendeur désagréable")} == {verbatim}


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (-0.2, "negative"),
        (-0.1999, "neutral"),
        (0.0, "neutral"),
        (0.1999, "neutral"),
        (0.2, "positive"),
    ],
    ids=["minus-0.2", "just-above-minus-0.2", "zero", "just-below-0.2", "0.2"],
)
def test_polarity_thresholds_are_inclusive_at_plus_and_minus_0_2(score: float, expected: str):
    assert polarity(score) == expected


def _verbatim(*theme_sentiment: tuple[str, float]) -> Verbatim:
    return Verbatim("fr", 0.0, "neutral", tuple(t for t, _ in theme_sentiment), theme_sentiment)


def test_irritants_are_ranked_by_negative_mentions_weighted_by_detractor_share():
    # Given six comments (True: a detractor)
    items = [
        (_verbatim(("delivery", -0.5), ("staff_courtesy", 0.4)), True),
        (_verbatim(("delivery", -0.3)), True),
        (_verbatim(("delivery", 0.5), ("website_app", -0.3)), False),
        (_verbatim(("price", -0.4), ("delivery", -0.25)), False),
        (_verbatim(("price", -0.6), ("billing", -0.2)), True),
        (_verbatim(("staff_courtesy", -0.1)), True),
    ]

    # When ranked
    ranking = rank_irritants(items)

    # Then delivery: 4 mentions, 3 negative, 2 by detractors: 3 × (1 + 2/4) = 4.5;
    # price: 2, 2, 1: 2 × 1.5 = 3; billing: 1, 1, 1: 1 × 2 = 2; website_app: 1, 1, 0: 1;
    # staff courtesy is never negative (-0.1 is neutral) and is left out.
    assert ranking == [
        Irritant("delivery", 4, 3, 75.0, 2, 4.5),
        Irritant("price", 2, 2, 100.0, 1, 3.0),
        Irritant("billing", 1, 1, 100.0, 1, 2.0),
        Irritant("website_app", 1, 1, 100.0, 0, 1.0),
    ]


def test_equal_impacts_are_ranked_by_negative_mentions_then_by_key():
    # price: 2 negative of 4 mentions, no detractor: 2; waiting_time and after_sales: 1 × (1 + 1/1)
    items = [
        (_verbatim(("price", -0.5), ("waiting_time", -0.5)), True),
        (_verbatim(("price", -0.5), ("after_sales", -0.5)), True),
        (_verbatim(("price", 0.5)), False),
        (_verbatim(("price", 0.5)), False),
    ]

    ranking = rank_irritants(items)

    assert [(irritant.theme, irritant.impact) for irritant in ranking] == [
        ("price", 3.0),
        ("after_sales", 2.0),
        ("waiting_time", 2.0),
    ]


def test_without_detractors_irritants_are_ranked_by_negative_mentions():
    # Given analysed comments, none from a detractor: the weight is 1 throughout
    items = [
        (analyse("Livraison en retard, livreur désagréable"), False),
        (analyse("Livraison trop lente"), False),
        (analyse("Prix trop élevés"), False),
        (analyse("Vendeur très aimable"), False),
    ]

    ranking = rank_irritants(items)

    # Then delivery (two negative) leads; the others tie at one and follow by key
    assert [(i.theme, i.mentions, i.negative, i.impact) for i in ranking] == [
        ("delivery", 2, 2, 2.0),
        ("price", 1, 1, 1.0),
        ("staff_courtesy", 2, 1, 1.0),
        ("waiting_time", 1, 1, 1.0),
    ]


def test_no_comment_gives_no_irritant():
    assert rank_irritants([]) == []


def test_every_lexicon_entry_is_lower_case_ascii_words():
    allowed = set(string.ascii_lowercase + string.digits + " *")
    entries = [
        *(term for terms in lexicon.THEME_TERMS.values() for term in terms),
        *lexicon.THEME_SHIELDS,
        *lexicon.VALENCE,
        *lexicon.NEGATORS,
        *lexicon.NEGATOR_ALONE,
        *lexicon.EXPECTED,
        *lexicon.BOOSTERS,
        *lexicon.CONTRASTS,
        *lexicon.EXCEPTIONS,
        *(word for words in lexicon.STOPWORDS.values() for word in words),
    ]

    assert [entry for entry in entries if not set(entry) <= allowed or not entry.strip()] == []
    assert all(unicodedata.is_normalized("NFKD", entry) for entry in entries)


def test_each_theme_has_two_labels_and_terms_and_no_term_has_two_themes():
    terms = [term for theme_terms in lexicon.THEME_TERMS.values() for term in theme_terms]

    assert list(lexicon.THEME_TERMS) == list(THEMES)
    assert all(label_fr and label_en for label_fr, label_en in THEMES.values())
    assert sorted(term for term in set(terms) if terms.count(term) > 1) == []
    assert set(lexicon.THEME_SHIELDS).isdisjoint(terms)


def test_the_lexicon_refuses_an_entry_with_two_values():
    with pytest.raises(ValueError, match="'lent' has two values"):
        lexicon._scored({-1.5: "lent, lente", -1.0: "lent"})


def test_no_function_word_counts_for_both_languages():
    assert lexicon.STOPWORDS["fr"].isdisjoint(lexicon.STOPWORDS["en"])


_WORDS = sorted(
    {term.rstrip("*") for term in [*lexicon.VALENCE, *lexicon.BOOSTERS, *lexicon.NEGATORS]}
    | {"livraison", "app", "!", ",", ".", "mais", "but", "sauf", "rappel", "\n"}
)


@given(st.text())
def test_sentiment_is_always_within_minus_one_and_one(text: str):
    verbatim = analyse(text)

    assert -1.0 <= verbatim.sentiment <= 1.0
    assert all(-1.0 <= score <= 1.0 for _, score in verbatim.theme_sentiment)
    assert verbatim.polarity == polarity(verbatim.sentiment)


@given(st.lists(st.sampled_from(_WORDS), max_size=60))
def test_sentiment_of_any_mix_of_lexicon_words_is_within_minus_one_and_one(words: list[str]):
    verbatim = analyse(" ".join(words))

    assert -1.0 <= verbatim.sentiment <= 1.0
    assert all(-1.0 <= score <= 1.0 for _, score in verbatim.theme_sentiment)
