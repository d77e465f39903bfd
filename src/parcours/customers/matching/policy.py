"""The strong conflicts that forbid an automatic merge (no NumPy here: settings import it).

``national_id``, ``birth_date`` (years more than 5 apart), ``siret``: two values that disagree.
``household``: different first names and no personal identifier in common (e-mail, national id,
card or account, exact birth date): two people of one home share a landline and an address.
"""

CONFLICT_RULES = ("national_id", "birth_date", "siret", "household")
DEFAULT_CONFLICTS = frozenset(CONFLICT_RULES)
