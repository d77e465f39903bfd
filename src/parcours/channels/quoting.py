"""The new part of a customer's reply: the quoted history and the signature cut off.

The thread already holds every earlier message, so an agent (and the case timeline) needs only
what the customer added. Mail clients mark the history in a few ways, learnt from the French and
English clients our customers use: ``>`` lines; an attribution line (Gmail, Apple Mail,
Thunderbird: "Le … a écrit :", "On … wrote:"); Outlook's separator or its header block ("De :",
"Envoyé :", "Objet :"). A forward is not history but content the customer sends us, so a forward
marker stops the search and what follows it is kept. Outlook marks replies and forwards alike, so
an Outlook forward is cut like a reply (``InboundEmail.text`` still has it).
"""

from __future__ import annotations

import re

#: "Le lun. 3 mars 2025 à 10:02, Marie <m@x.fr> a écrit :", "On Mon, Mar 3, 2025 at 10:02 AM
#: Marie <m@x.fr> wrote:": a time, a year or a numeric date, so that prose ending in "wrote:" stays.
ATTRIBUTION = re.compile(
    r"(?:Le|On)\s(?=.*(?:\d{1,2}[:h]\d{2}|\d{4}|\d{1,2}/\d{1,2}/\d{2})).*\s(?:a\s+écrit|wrote)\s*:",
    re.IGNORECASE,
)
ORIGINAL_MESSAGE = re.compile(
    r"-{3,}\s*(?:original message|message d['’]origine|message original)\s*-{3,}", re.IGNORECASE
)
RULE = re.compile(r"_{10,}")
FORWARD = re.compile(
    r"(?:begin forwarded message|début du message réexpédié)\s*:"
    r"|-{3,}\s*(?:forwarded message|message transféré|message réexpédié)\s*-{3,}",
    re.IGNORECASE,
)
FROM = re.compile(r"\*?(?:De|From)\s*\*?\s*:", re.IGNORECASE)
SENT = re.compile(r"\*?(?:Envoyé|Sent|Date)\s*\*?\s*:", re.IGNORECASE)
SUBJECT = re.compile(r"\*?(?:Objet|Subject)\s*\*?\s*:", re.IGNORECASE)
#: Outlook's header block flattened on one line: "From: … Sent: … To: … Subject: …".
SENT_WITHIN = re.compile(r"\b(?:Envoyé|Sent)\s*\*?\s*:", re.IGNORECASE)
SUBJECT_WITHIN = re.compile(r"\b(?:Objet|Subject)\s*\*?\s*:", re.IGNORECASE)
MOBILE_SIGNATURE = re.compile(
    r"(?:Envoyé (?:de|depuis) mon|Sent from my|Obtenir Outlook pour|Get Outlook for)"
    r"(?:\s+\S+){1,5}",
    re.IGNORECASE,
)
#: An attribution wrapped by the sender's client spans at most this many lines and characters
#: (the bound also keeps the pattern fast on a hostile one-megabyte line).
ATTRIBUTION_LINES = 3
ATTRIBUTION_LENGTH = 400
#: Lines after "De :"/"From:" in which Outlook's header block has its "Envoyé :" and "Objet :".
HEADER_BLOCK_LINES = 6


def strip_quoted_reply(text: str) -> str:
    """What the sender wrote: ``text`` without the quoted history, the ``-- `` signature and the
    "Sent from my iPhone" line; the original text (stripped) if nothing would be left."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    forward = next((i for i, line in enumerate(lines) if FORWARD.fullmatch(line.strip())), None)
    region = lines if forward is None else lines[:forward]
    history = _history_start(region)
    if history is not None:
        region, forward = region[:history], None
    signature = next((i for i, line in enumerate(region) if _is_signature(line)), len(region))
    kept = [line for line in region[:signature] if not line.lstrip().startswith(">")]
    parts = ["\n".join(kept).strip()]
    if forward is not None:
        parts.append("\n".join(lines[forward:]).strip())
    reply = "\n\n".join(part for part in parts if part)
    return reply or text.strip()


def _history_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _is_attribution(lines[index : index + ATTRIBUTION_LINES]):
            return index
        if ORIGINAL_MESSAGE.fullmatch(stripped) or (
            FROM.match(stripped)
            and (
                _is_one_line_header_block(stripped)
                or _is_header_block(lines[index + 1 : index + HEADER_BLOCK_LINES])
            )
        ):
            return _with_rule_above(lines, index)
    return None


def _is_attribution(lines: list[str]) -> bool:
    """The first line starts with "Le"/"On" and the date (clients wrap after it, near the
    address); the wrapped lines that follow are not blank."""
    first = lines[0].strip()
    if not first.startswith(("Le ", "On ")) or not any(char.isdigit() for char in first):
        return False
    for count in range(1, len(lines) + 1):
        if not lines[count - 1].strip():
            return False
        wrapped = " ".join(line.strip() for line in lines[:count])
        if len(wrapped) <= ATTRIBUTION_LENGTH and ATTRIBUTION.fullmatch(wrapped):
            return True
    return False


def _is_one_line_header_block(line: str) -> bool:
    """Searched one after the other: a single pattern with two ``.*`` takes quadratic time."""
    sent = SENT_WITHIN.search(line)
    return sent is not None and SUBJECT_WITHIN.search(line, sent.end()) is not None


def _is_header_block(following: list[str]) -> bool:
    stripped = [line.strip() for line in following]
    return any(SENT.match(line) for line in stripped) and any(
        SUBJECT.match(line) for line in stripped
    )


def _with_rule_above(lines: list[str], index: int) -> int:
    """Outlook draws a rule (underscores) or its separator above the header block: cut there."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and (
        RULE.fullmatch(lines[above].strip()) or ORIGINAL_MESSAGE.fullmatch(lines[above].strip())
    ):
        return above
    return index


def _is_signature(line: str) -> bool:
    return line in ("-- ", "--") or MOBILE_SIGNATURE.fullmatch(line.strip()) is not None
