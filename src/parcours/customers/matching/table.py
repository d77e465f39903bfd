"""Records as columns: one NumPy array of strings per compared field, "" when missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from parcours.customers.normalise import fold

COLUMNS = (
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "postcode",
    "city",
    "street",
    "national_id",
    "account",
    "siret",
)


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def match_values(fields: Mapping[str, Any]) -> dict[str, str]:
    """The compared values of one record's normalised fields (see ``records.normalise_record``)."""
    street = " ".join(
        filter(None, (_first(fields.get("street_number")), _first(fields.get("street"))))
    )
    account = _first(fields.get("loyalty_cards")) or _first(fields.get("web_accounts"))
    return {
        "first_name": fold(_first(fields.get("first_name"))),
        "last_name": fold(_first(fields.get("last_name")) or _first(fields.get("company_name"))),
        "birth_date": _first(fields.get("birth_date")),
        "email": _first(fields.get("emails")),
        "phone": _first(fields.get("phones")),
        "postcode": _first(fields.get("postcode")),
        "city": fold(_first(fields.get("city"))),
        "street": fold(street),
        "national_id": _first(fields.get("national_id")),
        "account": account,
        "siret": _first(fields.get("siret")),
    }


@dataclass
class MatchTable:
    """Columns of compared values, row ``i`` being record ``ids[i]``."""

    ids: NDArray[np.int64]
    columns: dict[str, NDArray[np.str_]]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_fields(cls, ids: Sequence[int], fields: Sequence[Mapping[str, Any]]) -> MatchTable:
        rows = [match_values(record) for record in fields]
        columns = {
            name: np.array([row[name] for row in rows], dtype=np.str_)
            if rows
            else np.array([], dtype=np.str_)
            for name in COLUMNS
        }
        return cls(np.asarray(ids, dtype=np.int64), columns)

    @classmethod
    def from_values(cls, ids: Sequence[int], rows: Sequence[Mapping[str, str]]) -> MatchTable:
        columns = {
            name: np.array([row.get(name, "") for row in rows], dtype=np.str_) for name in COLUMNS
        }
        return cls(np.asarray(ids, dtype=np.int64), columns)

    def row(self, index: int) -> dict[str, str]:
        return {name: str(column[index]) for name, column in self.columns.items()}
