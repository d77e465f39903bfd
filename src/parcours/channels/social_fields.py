"""Reading a decoded JSON webhook field by field, so that a payload Meta did not send in the
documented shape is refused with the path of the field at fault (STYLE.md, rule 8): ``entry[0].
changes[0].value.messages[0].from is missing``, not a ``KeyError: 'from'``. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
seconds = timedelta(seconds=1)
milliseconds = timedelta(milliseconds=1)
#: 10**11 milliseconds is March 1973, long before any Messenger message, but 10**11 seconds is
#: the year 5138: a "millisecond" date below it was written in seconds (as in Meta's own postback
#: example), and is read as such.
SMALLEST_MILLISECONDS = 10**11


class SocialPayloadError(ValueError):
    """A webhook payload is not what Meta sends; the text names the field at fault."""


class Fields:
    """A JSON object and the path that led to it from the payload's root."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, Mapping):
            where = path or "the payload"
            raise SocialPayloadError(f"{where} must be an object, not {_json_type(value)}")
        self.value: Mapping[str, object] = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def is_true(self, key: str) -> bool:
        return self.value.get(key) is True

    def text(self, key: str) -> str:
        value = self.optional_text(key)
        if value is None:
            state = "is empty" if self.value.get(key) == "" else "is missing"
            raise SocialPayloadError(f"{self.at(key)} {state}")
        return value

    def optional_text(self, key: str) -> str | None:
        """The string, or None when the field is absent, null or empty."""
        value = self.value.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise SocialPayloadError(f"{self.at(key)} must be a string, not {_json_type(value)}")
        return value

    def integer(self, key: str) -> int:
        value = self.optional_integer(key)
        if value is None:
            raise SocialPayloadError(f"{self.at(key)} is missing")
        return value

    def optional_integer(self, key: str) -> int | None:
        """A whole number, given as a JSON number or as a string of digits (Meta does both)."""
        value = self.value.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        shown = _json_type(value) if isinstance(value, bool | list | Mapping) else repr(value)
        raise SocialPayloadError(f"{self.at(key)} must be a whole number, not {shown}")

    def number(self, key: str) -> float:
        value = self.value.get(key)
        if value is None:
            raise SocialPayloadError(f"{self.at(key)} is missing")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SocialPayloadError(f"{self.at(key)} must be a number, not {_json_type(value)}")
        return value

    def date(self, key: str, *, unit: timedelta = seconds) -> datetime:
        value = self.optional_date(key, unit=unit)
        if value is None:
            raise SocialPayloadError(f"{self.at(key)} is missing")
        return value

    def optional_date(self, key: str, *, unit: timedelta = seconds) -> datetime | None:
        """The instant, in UTC, of a Unix date counted in ``unit``."""
        count = self.optional_integer(key)
        if count is None:
            return None
        if unit == milliseconds and count < SMALLEST_MILLISECONDS:
            unit = seconds
        try:
            return EPOCH + count * unit
        except OverflowError:
            raise SocialPayloadError(f"{self.at(key)} is not a date: {count}") from None

    def child(self, key: str) -> Fields:
        value = self.optional_child(key)
        if value is None:
            raise SocialPayloadError(f"{self.at(key)} is missing")
        return value

    def optional_child(self, key: str) -> Fields | None:
        value = self.value.get(key)
        return None if value is None else Fields(value, self.at(key))

    def children(self, key: str, *, required: bool = True) -> list[Fields]:
        """The objects of a list; an absent list is empty when it is not required."""
        items = self._list(key, required)
        return [Fields(item, f"{self.at(key)}[{index}]") for index, item in enumerate(items)]

    def strings(self, key: str) -> list[str]:
        strings: list[str] = []
        for index, item in enumerate(self._list(key, required=True)):
            if not isinstance(item, str) or not item:
                where = f"{self.at(key)}[{index}]"
                raise SocialPayloadError(f"{where} must be a string, not {_json_type(item)}")
            strings.append(item)
        return strings

    def _list(self, key: str, required: bool) -> list[object]:
        value = self.value.get(key)
        if value is None:
            if required:
                raise SocialPayloadError(f"{self.at(key)} is missing")
            return []
        if not isinstance(value, list):
            raise SocialPayloadError(f"{self.at(key)} must be a list, not {_json_type(value)}")
        return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
