"""Records as columns: one NumPy array of strings per compared field, "" when missing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
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


#: Names, cities and streets repeat across records: each distinct text is folded once.
_fold = lru_cache(maxsize=1 << 16)(fold)


def match_values(fields: Mapping[str, Any]) -> dict[str, str]:
    """The compared values of one record's normalised fields (see ``records.normalise_record``)."""
    street = " ".join(
        filter(None, (_first(fields.get("street_number")), _first(fields.get("street"))))
    )
    account = _first(fields.get("loyalty_cards")) or _first(fields.get("web_accounts"))
    return {
        "first_name": _fold(_first(fields.get("first_name"))),
        "last_name": _fold(_first(fields.get("last_name")) or _first(fields.get("company_name"))),
        "birth_date": _first(fields.get("birth_date")),
        "email": _first(fields.get("emails")),
        "phone": _first(fields.get("phones")),
        "postcode": _first(fields.get("postcode")),
        "city": _fold(_first(fields.get("city"))),
        "street": _fold(street),
        "national_id": _first(fields.get("national_id")),
        "account": account,
        "siret": _first(fields.get("siret")),
    }


@dataclass(frozen=True, eq=False)
class CodedColumn:
    """A column as codes into its distinct values: ``values[codes[i]]`` is row ``i``'s value.

    ``values[0]`` is always "" (missing), so code 0 means missing and equal codes mean equal
    values: comparisons test equality on integers and work out what they need of each distinct
    value (a street's house number, an e-mail's local part) once, not once per pair.
    """

    values: NDArray[np.str_]
    codes: NDArray[np.int32]
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def objects(self) -> NDArray[np.object_]:
        """The distinct values as Python strings, which RapidFuzz reads without converting."""
        objects: NDArray[np.object_] = self.per_value("objects", lambda v: v.astype(object))
        return objects

    def per_value(self, key: str, compute: Callable[[NDArray[np.str_]], Any]) -> Any:
        """``compute(values)``, worked out once per column and kept."""
        if key not in self._derived:
            self._derived[key] = compute(self.values)
        return self._derived[key]


def code_column(column: NDArray[np.str_]) -> CodedColumn:
    values, inverse = np.unique(column, return_inverse=True)
    codes = inverse.astype(np.int32).reshape(column.shape)
    if len(values) == 0 or values[0] != "":
        values = np.concatenate([np.array([""], dtype=np.str_), values])
        codes += 1
    return CodedColumn(values, codes)


@dataclass
class MatchTable:
    """Columns of compared values, row ``i`` being record ``ids[i]``."""

    ids: NDArray[np.int64]
    columns: dict[str, NDArray[np.str_]]
    _coded: dict[str, CodedColumn] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def coded(self, name: str) -> CodedColumn:
        """The column ``name`` as codes (computed once, then kept)."""
        if name not in self._coded:
            self._coded[name] = code_column(self.columns[name])
        return self._coded[name]

    @classmethod
    def from_fields(cls, ids: Sequence[int], fields: Iterable[Mapping[str, Any]]) -> MatchTable:
        """The table of these records' fields, read one record at a time (a million records'
        fields need not all be in memory at once)."""
        columns: dict[str, list[str]] = {name: [] for name in COLUMNS}
        appenders = [(name, columns[name].append) for name in COLUMNS]
        for record in fields:
            values = match_values(record)
            for name, append in appenders:
                append(values[name])
        return cls(
            np.asarray(ids, dtype=np.int64),
            {name: np.array(values, dtype=np.str_) for name, values in columns.items()},
        )

    @classmethod
    def from_values(cls, ids: Sequence[int], rows: Sequence[Mapping[str, str]]) -> MatchTable:
        columns = {
            name: np.array([row.get(name, "") for row in rows], dtype=np.str_) for name in COLUMNS
        }
        return cls(np.asarray(ids, dtype=np.int64), columns)

    def row(self, index: int) -> dict[str, str]:
        return {name: str(column[index]) for name, column in self.columns.items()}
