"""A column's values as JSON and back, chosen by the column's type (not by the engine), so that
an archive reads the same on SQLite and PostgreSQL: times as ISO 8601 with their offset, dates
as ISO dates, decimals as strings (no float rounding), bytes as base64, JSON as itself."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def kind(column_type: sa.types.TypeEngine) -> str:
    """The name of the encoding of a column's values ("datetime", "json", ...): the one of its
    stored type (a TypeDecorator's implementation)."""
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    for base, name in _KINDS:
        if isinstance(column_type, base):
            return name
    raise TypeError(f"no archive encoding for the column type {column_type!r}")


# Order matters: Float is a Numeric, Enum and Text are Strings, DateTime is not a Date.
_KINDS = ((sa.JSON, "json"), (sa.DateTime, "datetime"), (sa.Date, "date"), (sa.Time, "time"),
          (sa.Float, "float"), (sa.Numeric, "decimal"), (sa.Boolean, "boolean"),
          (sa.Integer, "integer"), (sa.String, "string"), (sa.LargeBinary, "bytes"))


def _iso(value) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


_ENCODE: dict[str, Callable] = {
    "datetime": _iso, "date": _iso, "time": _iso, "decimal": str,
    "bytes": _base64,
}


def encoder(kind_name: str) -> Callable:
    """The function from a column's Python value (not None) to its JSON value."""
    return _ENCODE.get(kind_name, _same)


def _same(value):
    return value


def _checked(expected: type | tuple[type, ...], convert: Callable = _same) -> Callable:
    def decode(value):
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ValueError(f"{value!r} is not of the column's type")
        return convert(value)
    return decode


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None


_DECODE: dict[str, Callable] = {
    "datetime": _checked(str, datetime.fromisoformat),
    "date": _checked(str, date.fromisoformat),
    "time": _checked(str, time.fromisoformat),
    "decimal": _checked(str, _decimal),
    "float": _checked((int, float), float),
    "boolean": _checked(bool),
    "integer": _checked(int),
    "string": _checked(str),
    "bytes": _checked(str, lambda text: base64.b64decode(text, validate=True)),
    "json": _same,
}


def decoder(kind_name: str) -> Callable:
    """The function from a JSON value (not None) back to the column's Python value; raises
    ValueError on a value of another type."""
    return _DECODE[kind_name]


def dumps(row: dict) -> bytes:
    """One row as a line of JSON (UTF-8, the keys in column order)."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=_plain).encode() + b"\n"


def _plain(value):
    """JSON columns may hold mappings that are not dicts (MultilingualText)."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class Codec:
    """A table's rows to JSON lines and back, column by column."""

    def __init__(self, table: sa.Table):
        self.table = table
        self.kinds = {column.key: kind(column.type) for column in table.columns}
        self._encoders = {key: encoder(name) for key, name in self.kinds.items()}
        self._decoders = {key: decoder(name) for key, name in self.kinds.items()}

    def encode(self, row: Mapping) -> bytes:
        return dumps({key: None if (value := row[key]) is None else self._encoders[key](value)
                      for key in self._encoders})

    def decode(self, line: bytes) -> dict:
        """The row a line holds, ready to insert (raises ValueError when it is not one)."""
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(data, dict) or set(data) != set(self._decoders):
            raise ValueError("not a row of this table's columns")
        row = {}
        for key, decode in self._decoders.items():
            try:
                row[key] = None if (value := data[key]) is None else decode(value)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"column {key}: {exc}") from None
        return row
