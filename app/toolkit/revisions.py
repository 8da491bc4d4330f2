"""A worksheet's history, stored small: each version keeps what changed since the one before.

A :class:`~.models.WorksheetRevision` holds either the whole sheet (``answers``) or its
``changes`` from the version before it:

- ``set``: the fields (outside tables, or a whole table) given a new value;
- ``unset``: the fields no longer there;
- ``rows``: of each table whose rows all carry a distinct ``row_id``, the rows changed or added
  (whole) and the ids of all its rows in their order (a row not listed was removed).

Versions 1, 1 + :data:`WHOLE_EVERY`, 1 + 2 × :data:`WHOLE_EVERY`… keep the whole sheet, so
rebuilding a version reads at most that many rows, in one query (:func:`answers_of`). A save
that edits one row of a 19-row action plan stores that row and 19 ids, not the plan.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Worksheet, WorksheetRevision

WHOLE_EVERY = 20


def stored_form(version: int, before: dict, after: dict) -> tuple[dict | None, dict | None]:
    """What version ``version`` (``after``, following ``before``) stores: (answers, None) for
    a whole one, else (None, changes)."""
    if version % WHOLE_EVERY == 1:
        return after, None
    return None, changes_between(before, after)


def changes_between(before: dict, after: dict) -> dict:
    """What turns ``before`` into ``after`` (see the module's docstring)."""
    changes: dict = {"set": {}, "unset": [], "rows": {}}
    for name in sorted(set(before) | set(after)):
        if name not in after:
            changes["unset"].append(name)
            continue
        old, new = before.get(name), after[name]
        if name in before and old == new:
            continue
        old_rows, new_rows = _rows_by_id(old), _rows_by_id(new)
        if old_rows is None or new_rows is None:
            changes["set"][name] = new
        else:
            changes["rows"][name] = {
                "order": list(new_rows),
                "changed": [row for row_id, row in new_rows.items() if old_rows.get(row_id) != row]}
    return changes


def apply_changes(before: dict, changes: dict) -> dict:
    """``before`` as ``changes`` leave it (a new dict; rows not changed are shared)."""
    gone = set(changes.get("unset") or ())
    after = {name: value for name, value in before.items() if name not in gone}
    after.update(changes.get("set") or {})
    for name, table in (changes.get("rows") or {}).items():
        old = {row.get("row_id"): row for row in before.get(name) or ()}
        changed = {row["row_id"]: row for row in table["changed"]}
        after[name] = [changed[row_id] if row_id in changed else old[row_id]
                       for row_id in table["order"]]
    return after


def _rows_by_id(value) -> dict | None:
    """A table's rows by ``row_id``, or None when ``value`` is not rows told apart that way."""
    if not isinstance(value, list):
        return None
    rows = {}
    for row in value:
        row_id = row.get("row_id") if isinstance(row, dict) else None
        if not isinstance(row_id, str) or row_id in rows:
            return None
        rows[row_id] = row
    return rows


def chain(sheet_id, low: int, high: int):
    """The condition on :class:`WorksheetRevision` that selects what rebuilding versions
    ``low``..``high`` of sheet ``sheet_id`` reads: from the last whole version at or before
    ``low`` up to ``high``."""
    whole = sa.select(sa.func.max(WorksheetRevision.version)).where(
        WorksheetRevision.worksheet_id == sheet_id, WorksheetRevision.version <= max(low, 1),
        WorksheetRevision.answers.is_not(None)).scalar_subquery()
    return sa.and_(WorksheetRevision.worksheet_id == sheet_id,
                   WorksheetRevision.version >= whole, WorksheetRevision.version <= high)


def rebuild(rows, low: int, high: int) -> dict[int, dict]:
    """Versions ``low``..``high`` (version → answers) from ``rows`` (with ``version``,
    ``answers`` and ``changes``) that :func:`chain` selected, in any order. A version that
    cannot be rebuilt (its history is cut) is left out; version 0 is the empty sheet."""
    found = {0: {}} if low == 0 else {}
    state, last = None, None
    for row in sorted(rows, key=lambda row: row.version):
        if row.answers is not None:
            state = row.answers
        elif state is not None and last == row.version - 1 and row.changes is not None:
            try:
                state = apply_changes(state, row.changes)
            except (KeyError, TypeError, AttributeError):  # changes that do not fit: a cut
                state = None
        else:
            state = None
        last = row.version
        if state is not None and low <= row.version <= high:
            found[row.version] = state
    return found


def answers_of(sheet: Worksheet, low: int, high: int) -> dict[int, dict]:
    """The answers of the sheet's versions ``low``..``high`` (version → answers), one query."""
    if high < 1:
        return {0: {}} if low == 0 else {}
    rows = db.session.execute(sa.select(
        WorksheetRevision.version, WorksheetRevision.answers, WorksheetRevision.changes)
        .where(chain(sheet.id, low, high))).all()
    return rebuild(rows, low, high)


def answers_at(sheet: Worksheet, version: int) -> dict | None:
    """The answers of version ``version`` (None when there is no such version)."""
    return answers_of(sheet, version, version).get(version)
