"""Case references (``PAR-2026-000123``): made from a yearly sequence, and found again in what
customers send back — an e-mail subject ("Re: [PAR-2026-000123] Votre devis"), an SMS, a chat
message — whatever the case of the letters or the separators they typed."""

from __future__ import annotations

import re

PREFIX = "PAR"
_FOUND = re.compile(r"\bPAR[-_ ]?(\d{4})[-_ ]?(\d{6})\b", re.IGNORECASE)


def make_reference(year: int, number: int) -> str:
    if not 1 <= number <= 999_999:
        raise ValueError(f"case number out of range: {number}")
    return f"{PREFIX}-{year:04d}-{number:06d}"


def find_references(text: str) -> list[str]:
    """References in a text, canonical and in order of appearance, each once."""
    found: list[str] = []
    for match in _FOUND.finditer(text):
        if int(match.group(2)) == 0:
            continue
        reference = make_reference(int(match.group(1)), int(match.group(2)))
        if reference not in found:
            found.append(reference)
    return found
