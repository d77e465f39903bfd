"""Themes and sentiment of free-text survey comments ("verbatims") in French and English (pure).

**Why a lexicon.** Comments arrive in thousands, in two languages, on an on-premise CRM that must
not download models or call a service. A hand-written lexicon (``lexicon.py``) is transparent (an
analyst can read why a comment was scored), fast, and extended by adding a word.

**Method.**

1. *Normalise*: lower-case, accents stripped (NFKD), "n't" read as "not"; tokens are words and
   the punctuation that ends a clause (``, ; :``) or a sentence (``. ! ?``, line breaks; "!!!" is
   one end).
2. *Language*: "en" if more English than French function words, else "fr" (the default). It only
   decides which false friends to ignore ("store" is a blind in French); both lexicons are used.
3. *Units*: at each position the longest lexicon entry wins ("pas de nouvelles" before "pas").
   A clause ends at a comma, at a contrast word ("mais", "but") or at an exception ("sauf").
4. *Clause score*: the sum of word valences (-3 to 3). A booster just before a word adds to its
   strength ("très lent"); a negator among the three words before it multiplies it by -0.75
   ("pas content" is negative, "not bad" mildly positive, "pas de problème" positive-ish); a thing
   the customer expected ("rappelé", "received") is neutral but worth -2 when negated ("jamais
   rappelé"); a "jamais"/"never"/"aucun" that negates nothing counts by itself as a complaint; an
   exception word opens its clause at -1 ("parfait sauf la livraison").
5. *Sentence score*: clauses before the last contrast word count half, the clause after it one
   and a half times ("rapide mais vendeur désagréable" is negative overall); each "!" (up to three)
   adds 0.3 in the direction of the sentence.
6. *Sentiment*: the sum ``s`` of sentence scores normalised to ``s / sqrt(s² + 15)``, the
   normalisation of VADER (Hutto and Gilbert, 2014), so one strong word gives about ±0.6 and
   scores saturate towards ±1 (rounded to four decimals). Polarity: negative at most ``-0.2``,
   positive at least ``0.2``, neutral between: one mild word ("long", valence -0.5) stays neutral.
7. *Themes*: a theme's sentiment is that of the clauses mentioning it, so "livraison rapide mais
   vendeur désagréable" gives delivery positive and staff courtesy negative; when those clauses
   carry no opinion ("la livraison : trois semaines de retard"), the whole sentence is used.
   Themes are reported in the order of ``THEMES``.

**Irritants.** ``rank_irritants`` ranks themes by ``impact = negative × (1 + detractor_mentions /
mentions)``: each negative mention is a customer who complained, and a theme raised mostly by
detractors weighs up to twice as much, because that is where customers are being lost; a single
detractor's comment still cannot outrank a complaint many customers share. Without any detractor
the ranking is by negative mentions.

**Limits.** Words only: no irony (in "super, encore en retard" the "super" is praise), no spelling
correction, no grammar beyond the three-word negation window, no languages other than French and
English; the scores rank and sort comments, they are not a measured satisfaction. To extend the
lexicon, see ``lexicon.py``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from parcours.experience import lexicon
from parcours.experience.lexicon import THEMES

__all__ = ["THEMES", "Irritant", "Language", "Polarity", "Verbatim", "analyse", "polarity"]

Language = Literal["fr", "en"]
Polarity = Literal["negative", "neutral", "positive"]

NEGATIVE_AT_MOST = -0.2
POSITIVE_AT_LEAST = 0.2
ALPHA = 15.0
NEGATION_FACTOR = -0.75
NEGATION_WINDOW = 3
BOOSTER_WINDOW = 2
BEFORE_CONTRAST = 0.5
AFTER_CONTRAST = 1.5
EXCLAMATION_STEP = 0.3
EXCLAMATION_MAX = 3

_TOKEN = re.compile(r"[a-z0-9]+|[.!?;:,\n]")
_NOT = re.compile(r"n['’]t\b")
_SENTENCE_ENDS = frozenset(".!?\n")
_CLAUSE_ENDS = frozenset(",;:")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})

V = TypeVar("V")


class _Patterns(Generic[V]):
    """Lexicon entries (words, ``stem*``, phrases) found at a position, the longest first."""

    def __init__(self, entries: Mapping[str, V]) -> None:
        self._exact: dict[tuple[str, ...], V] = {}
        self._stems: dict[str, V] = {}
        self._stemmed_phrases: list[tuple[tuple[str, ...], V]] = []
        for pattern, value in entries.items():
            words = tuple(pattern.split())
            if len(words) == 1 and words[0].endswith("*"):
                self._stems[words[0][:-1]] = value
            elif any(word.endswith("*") for word in words):
                self._stemmed_phrases.append((words, value))
            else:
                self._exact[words] = value
        self._longest = max((len(pattern.split()) for pattern in entries), default=1)
        self._longest_stem = max(map(len, self._stems), default=0)

    def match(self, tokens: Sequence[str], start: int) -> tuple[int, V] | None:
        for length in range(min(self._longest, len(tokens) - start), 1, -1):
            window = tuple(tokens[start : start + length])
            if window in self._exact:
                return length, self._exact[window]
            for words, value in self._stemmed_phrases:
                if len(words) == length and all(map(_fits, words, window)):
                    return length, value
        token = tokens[start]
        if (token,) in self._exact:
            return 1, self._exact[(token,)]
        for end in range(min(len(token), self._longest_stem), 0, -1):
            if token[:end] in self._stems:
                return 1, self._stems[token[:end]]
        return None


def _fits(pattern: str, token: str) -> bool:
    return token.startswith(pattern[:-1]) if pattern.endswith("*") else token == pattern


def _scan(patterns: _Patterns[V], tokens: Sequence[str]) -> Iterator[tuple[int, int, V | None]]:
    """Each entry found, left to right, as (position, length, value); other tokens one by one."""
    position = 0
    while position < len(tokens):
        length, value = patterns.match(tokens, position) or (1, None)
        yield position, length, value
        position += length


@dataclass(frozen=True)
class _Role:
    """What a unit of text does to the score; a plain word does nothing."""

    valence: float = 0.0
    booster: float = 0.0
    is_negator: bool = False
    alone: float = 0.0
    is_expected: bool = False
    is_negatable: bool = True
    is_contrast: bool = False
    is_exception: bool = False


_PLAIN = _Role()


def _roles() -> dict[str, _Role]:
    """Merge the lexicon's lists into one role per entry ("super" both boosts and praises). A
    phrase that starts with a negator ("rien a redire") already holds its negation."""
    entries = (
        set(lexicon.VALENCE) | set(lexicon.BOOSTERS) | lexicon.NEGATORS | set(lexicon.NEGATOR_ALONE)
    ) | (lexicon.EXPECTED | lexicon.CONTRASTS | lexicon.EXCEPTIONS)
    return {
        pattern: _Role(
            valence=lexicon.VALENCE.get(pattern, 0.0),
            booster=lexicon.BOOSTERS.get(pattern, 0.0),
            is_negator=pattern in lexicon.NEGATORS,
            alone=lexicon.NEGATOR_ALONE.get(pattern, 0.0),
            is_expected=pattern in lexicon.EXPECTED,
            is_negatable=not (" " in pattern and pattern.split()[0] in lexicon.NEGATORS),
            is_contrast=pattern in lexicon.CONTRASTS,
            is_exception=pattern in lexicon.EXCEPTIONS,
        )
        for pattern in entries
    }


def _without(entries: Mapping[str, V], language: Language) -> dict[str, V]:
    ignored = lexicon.FALSE_FRIENDS[language]
    return {pattern: value for pattern, value in entries.items() if pattern not in ignored}


_LANGUAGES: tuple[Language, ...] = ("fr", "en")
_THEME_OF: dict[str, str | None] = dict.fromkeys(lexicon.THEME_SHIELDS)
_THEME_OF.update({term: theme for theme, terms in lexicon.THEME_TERMS.items() for term in terms})
_ROLE_PATTERNS: dict[Language, _Patterns[_Role]] = {
    language: _Patterns(_without(_roles(), language)) for language in _LANGUAGES
}
_THEME_PATTERNS: dict[Language, _Patterns[str | None]] = {
    language: _Patterns(_without(_THEME_OF, language)) for language in _LANGUAGES
}


@dataclass(frozen=True)
class Verbatim:
    """One analysed comment. ``theme_sentiment`` pairs each theme with its sentiment, in the
    order of ``themes`` (a tuple, not a dict, so that a verbatim stays hashable)."""

    language: Language
    sentiment: float
    polarity: Polarity
    themes: tuple[str, ...]
    theme_sentiment: tuple[tuple[str, float], ...]

    def sentiment_of(self, theme: str) -> float | None:
        return dict(self.theme_sentiment).get(theme)

    def polarity_of(self, theme: str) -> Polarity | None:
        score = self.sentiment_of(theme)
        return None if score is None else polarity(score)


def polarity(score: float) -> Polarity:
    if score <= NEGATIVE_AT_MOST:
        return "negative"
    if score >= POSITIVE_AT_LEAST:
        return "positive"
    return "neutral"


def _normalised(score: float) -> float:
    return round(score / math.sqrt(score * score + ALPHA), 4)


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    stripped = "".join(char for char in folded if not unicodedata.combining(char))
    return _TOKEN.findall(_NOT.sub(" not", stripped))


def _language(tokens: Sequence[str]) -> Language:
    french = sum(token in lexicon.STOPWORDS["fr"] for token in tokens)
    english = sum(token in lexicon.STOPWORDS["en"] for token in tokens)
    return "en" if english > french else "fr"


@dataclass
class _Clause:
    sentence: int
    roles: list[_Role]
    weight: float = 1.0


@dataclass
class _Parse:
    clauses: list[_Clause]
    clause_of_token: list[int]
    exclamations: list[int]


def _parse(tokens: Sequence[str], language: Language) -> _Parse:
    """Cut the tokens into clauses of units and weigh each clause around a contrast word."""
    clauses: list[_Clause] = []
    clause_of_token = [0] * len(tokens)
    exclamations = [0]
    current: list[_Role] = []
    sentence_start = 0
    contrast_from: int | None = None

    def close_clause() -> None:
        nonlocal current
        if current:
            clauses.append(_Clause(len(exclamations) - 1, current))
        current = []

    def close_sentence() -> None:
        nonlocal contrast_from, sentence_start
        close_clause()
        if contrast_from is not None:
            for index in range(sentence_start, len(clauses)):
                is_after = index >= contrast_from
                clauses[index].weight = AFTER_CONTRAST if is_after else BEFORE_CONTRAST
        contrast_from = None
        sentence_start = len(clauses)
        exclamations.append(0)

    for position, length, found in _scan(_ROLE_PATTERNS[language], tokens):
        token, role = tokens[position], found or _PLAIN
        if token in _SENTENCE_ENDS:
            exclamations[-1] += token == "!"
            next_token = tokens[position + 1] if position + 1 < len(tokens) else ""
            if next_token not in _SENTENCE_ENDS:  # "!!!" ends one sentence, with three marks
                close_sentence()
        elif token in _CLAUSE_ENDS or role.is_contrast or role.is_exception:
            close_clause()
            contrast_from = len(clauses) if role.is_contrast else contrast_from
        clause_of_token[position : position + length] = [len(clauses)] * length
        if token not in _CLAUSE_ENDS and not role.is_contrast:
            current.append(role)
    close_sentence()
    return _Parse(clauses, clause_of_token, exclamations)


def _is_boosting(roles: Sequence[_Role], index: int) -> bool:
    following = roles[index + 1] if index + 1 < len(roles) else None
    return bool(
        roles[index].booster
        and following is not None
        and (following.valence or following.booster or following.is_expected)
    )


def _clause_score(roles: Sequence[_Role]) -> float:
    total = 0.0
    used_negators: set[int] = set()
    for index, role in enumerate(roles):
        if _is_boosting(roles, index):
            continue
        value = role.valence + (lexicon.EXCEPTION_VALENCE if role.is_exception else 0.0)
        if not value and not role.is_expected:
            continue
        boost = 0.0
        for before in range(index - 1, max(index - BOOSTER_WINDOW, 0) - 1, -1):
            if not _is_boosting(roles, before):
                break
            boost += roles[before].booster
        value = math.copysign(max(abs(value) + boost, 0.0), value) if value else 0.0
        window = range(index - 1, max(index - NEGATION_WINDOW, 0) - 1, -1)
        negator = next((before for before in window if roles[before].is_negator), None)
        if negator is not None and role.is_negatable:
            used_negators.add(negator)
            value = lexicon.NEGATED_EXPECTATION if role.is_expected else value * NEGATION_FACTOR
        total += value
    return total + sum(
        role.alone
        for index, role in enumerate(roles)
        if role.is_negator and index not in used_negators
    )


def analyse(text: str) -> Verbatim:
    """Language, sentiment and themes of one comment (see the module docstring for the method)."""
    tokens = _tokens(text)
    language = _language(tokens)
    parse = _parse(tokens, language)
    clause_scores = [_clause_score(clause.roles) for clause in parse.clauses]
    sentence_scores = [0.0] * len(parse.exclamations)
    for clause, score in zip(parse.clauses, clause_scores, strict=True):
        sentence_scores[clause.sentence] += clause.weight * score
    total = sum(
        score + math.copysign(EXCLAMATION_STEP * min(count, EXCLAMATION_MAX), score)
        if score and count
        else score
        for score, count in zip(sentence_scores, parse.exclamations, strict=True)
    )
    mentions = _theme_clauses(tokens, language, parse.clause_of_token)
    theme_sentiment: list[tuple[str, float]] = []
    for theme in THEMES:
        if theme not in mentions:
            continue
        clauses = mentions[theme]
        raw = sum(clause_scores[index] for index in clauses)
        if not raw:
            sentences = {parse.clauses[index].sentence for index in clauses}
            raw = sum(sentence_scores[sentence] for sentence in sentences)
        theme_sentiment.append((theme, _normalised(raw)))
    sentiment = _normalised(total)
    return Verbatim(
        language=language,
        sentiment=sentiment,
        polarity=polarity(sentiment),
        themes=tuple(theme for theme, _ in theme_sentiment),
        theme_sentiment=tuple(theme_sentiment),
    )


def _theme_clauses(
    tokens: Sequence[str], language: Language, clause_of_token: Sequence[int]
) -> dict[str, set[int]]:
    mentions: dict[str, set[int]] = {}
    for position, _, theme in _scan(_THEME_PATTERNS[language], tokens):
        if theme is not None:
            mentions.setdefault(theme, set()).add(clause_of_token[position])
    return mentions


@dataclass(frozen=True)
class Irritant:
    """A theme as a source of dissatisfaction; ``negative_share`` is a percentage of mentions."""

    theme: str
    mentions: int
    negative: int
    negative_share: float
    detractor_mentions: int
    impact: float


def rank_irritants(items: Iterable[tuple[Verbatim, bool]]) -> list[Irritant]:
    """Themes mentioned negatively at least once, the most irritating first (impact, then
    negative mentions, then key). ``items`` pair a verbatim with whether its author was a
    detractor; the impact formula and why are in the module docstring."""
    mentions: dict[str, int] = {}
    negative: dict[str, int] = {}
    detractors: dict[str, int] = {}
    for verbatim, is_detractor in items:
        for theme, score in verbatim.theme_sentiment:
            mentions[theme] = mentions.get(theme, 0) + 1
            negative[theme] = negative.get(theme, 0) + (polarity(score) == "negative")
            detractors[theme] = detractors.get(theme, 0) + is_detractor
    irritants = [
        Irritant(
            theme=theme,
            mentions=count,
            negative=negative[theme],
            negative_share=100 * negative[theme] / count,
            detractor_mentions=detractors[theme],
            impact=negative[theme] * (1 + detractors[theme] / count),
        )
        for theme, count in mentions.items()
        if negative[theme]
    ]
    return sorted(
        irritants, key=lambda irritant: (-irritant.impact, -irritant.negative, irritant.theme)
    )
