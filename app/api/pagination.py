"""Cursor pagination for every collection of the API: keyset queries in a stable order.

A page is ``{"items": [...], "next_cursor": "…" | null}``; the cursor is opaque to clients: the
URL-safe base64 of ``[collection, key of the last item]``, where the key is the values of the
collection's sort columns (its id last, so no two items tie). The next page asks for the items
after that key, so items added or removed meanwhile never make a page repeat or skip one.
A cursor that does not decode, or belongs to another collection, is refused (400).
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..i18n import _
from .problems import ApiProblem

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_CURSOR = 500  # characters: a key of a few values is far shorter


@dataclass
class Page:
    items: list
    next_cursor: str | None


def keyset_page(kind: str, query: sa.Select, order: list, limit: int, cursor: str | None) -> Page:
    """One page of ``query``'s rows (ORM entities), ``limit`` long, after ``cursor``, ordered by
    the ``order`` columns (model attributes, ascending, the last one unique)."""
    if cursor:
        query = query.where(_after(order, decode(cursor, kind, order)))
    rows = db.session.scalars(query.order_by(*order).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Page(rows, encode(kind, [getattr(last, column.key) for column in order]) if last else None)


def encode(kind: str, key: list) -> str:
    values = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    text = json.dumps([kind, values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, kind: str, order: list) -> list:
    """The key a cursor holds, each value of its column's type; :class:`ApiProblem` (400)
    for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, values = json.loads(raw.decode())
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise invalid_cursor() from None
    if found_kind != kind or not isinstance(values, list) or len(values) != len(order):
        raise invalid_cursor()
    return [_value(column, value) for column, value in zip(order, values)]


def invalid_cursor() -> ApiProblem:
    return ApiProblem(400, kind="invalid-cursor",
                      detail=_("This cursor is not valid: start again from the first page."),
                      errors={"cursor": [_("This cursor is not valid: start again from the first page.")]})


def _value(column, value):
    """``value`` checked against the column's Python type (integers, text, aware moments)."""
    python_type = getattr(column.type, "impl_instance", column.type).python_type
    if python_type is int and type(value) is int and -2**63 <= value < 2**63:
        return value
    if python_type is str and isinstance(value, str) and len(value) <= MAX_CURSOR:
        return value
    if python_type is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise invalid_cursor() from None
        if moment.tzinfo is not None:
            return moment
    raise invalid_cursor()


def _after(order: list, key: list):
    """Rows after ``key`` in ``order``: (a > x) or (a = x and b > y) or … (typed comparisons,
    which every database reads the same way)."""
    alternatives = []
    for index, column in enumerate(order):
        equal = [order[i] == key[i] for i in range(index)]
        alternatives.append(sa.and_(*equal, column > key[index]))
    return sa.or_(*alternatives)
