"""Three-way merge of worksheet answers: no teammate's edit is ever silently overwritten.

A save says which version it started from (``base``). If others saved since (``theirs``), each
field and each table cell is merged on its own: what only one side changed is kept; rows either
side added are kept (by their ``row_id``); where both changed the same thing differently, the
stored answer stays theirs and the save reports a conflict carrying both values, so the person
saving sees what changed and chooses (or keeps both).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Conflict:
    field: str  # top-level field name
    row_id: str | None  # the table row, or None
    column: str | None  # the table column, or None
    mine: object
    theirs: object

    def as_dict(self) -> dict:
        return {"field": self.field, "row_id": self.row_id, "column": self.column,
                "mine": self.mine, "theirs": self.theirs}


def merge(tables: set[str], base: dict, mine: dict, theirs: dict) -> tuple[dict, list[Conflict]]:
    """Merge ``mine`` (started from ``base``) into ``theirs``; ``tables`` names the table fields."""
    # a new top level; what it shares with ``theirs`` (rows, lists) is replaced, never changed
    result, conflicts = dict(theirs), []
    for name in sorted(set(base) | set(mine) | set(theirs)):
        if name not in mine:
            continue  # the save does not carry this field (e.g. a column its form lacks)
        if name in tables:
            _put(result, name, _merge_rows(name, base.get(name) or [], mine.get(name) or [],
                                           theirs.get(name) or [], conflicts))
        else:
            value = _merge_value(base.get(name), mine.get(name), theirs.get(name))
            if value is _CONFLICT:
                conflicts.append(Conflict(name, None, None, mine.get(name), theirs.get(name)))
            else:
                _put(result, name, value)
    return result, conflicts


_EMPTY = (None, "", [], {})


def _put(answers: dict, key: str, value) -> None:
    """Set ``key``, but leave it absent when it is absent and ``value`` is empty: an absent
    answer and an empty one are the same (:func:`_same`), and a save that changes nothing must
    store no new version (a sheet may lack keys: a field added to the module later)."""
    if key in answers or value not in _EMPTY:
        answers[key] = value


_CONFLICT = object()


def _same(a, b) -> bool:
    """Whether two answers are the same; ticks (a list of choices) in any order are: a form
    posts them in the options' order, whatever order they were stored in."""
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(v, str) for v in a + b):
        return sorted(a) == sorted(b)
    return (a in _EMPTY and b in _EMPTY) or a == b


def _merge_value(base, mine, theirs):
    if _same(mine, base) or _same(mine, theirs):
        return theirs
    if _same(theirs, base):
        return mine
    return _CONFLICT


def _merge_rows(name: str, base: list, mine: list, theirs: list, conflicts: list) -> list:
    base_rows = {row.get("row_id"): row for row in base}
    my_rows = {row.get("row_id"): row for row in mine}
    their_rows = {row.get("row_id"): row for row in theirs}
    merged = []
    for row_id, their_row in their_rows.items():
        if row_id in my_rows:
            merged.append(_merge_row(name, row_id, base_rows.get(row_id, {}), my_rows[row_id],
                                     their_row, conflicts))
        elif row_id in base_rows and _row_same(base_rows[row_id], their_row):
            continue  # I deleted it and nobody changed it since
        else:
            merged.append(their_row)  # they added it, or changed a row I deleted: keep it
    for row_id, my_row in my_rows.items():
        if row_id in their_rows:
            continue
        if row_id not in base_rows or not _row_same(base_rows[row_id], my_row):
            merged.append(my_row)  # I added it, or edited a row they deleted: keep my work
    return merged


def _row_same(a: dict, b: dict) -> bool:
    return all(_same(a.get(key), b.get(key)) for key in set(a) | set(b))


def _merge_row(name: str, row_id: str, base: dict, mine: dict, theirs: dict, conflicts: list) -> dict:
    row = dict(theirs)
    for column in set(mine) | set(theirs):
        if column == "row_id" or column not in mine:
            continue
        value = _merge_value(base.get(column), mine.get(column), theirs.get(column))
        if value is _CONFLICT:
            conflicts.append(Conflict(name, row_id, column, mine.get(column), theirs.get(column)))
        else:
            _put(row, column, value)
    return row
