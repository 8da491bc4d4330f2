"""A worksheet's saved versions: who saved each, what it changed, and restoring an earlier one.

Every save is kept as a :class:`WorksheetRevision` (what it changed, :mod:`.revisions`), so
nothing typed is ever lost: a restore copies an earlier version's answers into a new version,
and overwrites nothing.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from ..auth.models import User
from ..extensions import db
from ..i18n import _
from ..registrations.models import Registration
from .fields import Context
from .models import Worksheet, WorksheetRevision
from .modules import Module
from .operations import SaveRefused, context, lock, record, revision_answers, translate
from .revisions import answers_of

PAGE = 25  # versions a history page shows; older ones are a link away


@dataclass
class Change:
    """One difference between two versions: a field, or a cell or whole row of a table."""

    kind: str  # "changed", "added" (a row) or "removed" (a row)
    label: str
    row: int | None = None  # the row's position (from 1) in the version where it stands
    before: str = ""
    after: str = ""


@dataclass
class Version:
    """One saved version of a sheet, and what it changed from the one before it."""

    version: int
    base_version: int
    who: str
    at: datetime
    conflicts: int
    restored_from: int | None
    changes: list[Change] = field(default_factory=list)


def changes(module: Module, ctx: Context, before: dict, after: dict) -> list[Change]:
    """What differs between the answers ``before`` and ``after``, field by field, row by row."""
    found = []
    for spec in module.fields:
        if spec.type.name == "computed":
            continue
        old, new = before.get(spec.name), after.get(spec.name)
        if spec.type.name == "table":
            found.extend(_table_changes(spec, ctx, old or [], new or []))
        elif _differs(spec, old, new):
            found.append(Change("changed", translate(spec.label), before=_shown(spec, old, ctx),
                                after=_shown(spec, new, ctx)))
    return found


def _table_changes(spec, ctx: Context, old_rows: list, new_rows: list) -> list[Change]:
    table = translate(spec.label)
    columns = [c for c in spec.columns if c.type.name != "computed"]
    old = {row.get("row_id"): row for row in old_rows}
    new_ids = {row.get("row_id") for row in new_rows}
    found = []
    for position, row in enumerate(new_rows, 1):
        earlier = old.get(row.get("row_id"))
        if earlier is None:
            found.append(Change("added", table, position, after=_summary(columns, row, ctx)))
            continue
        for column in columns:
            if _differs(column, earlier.get(column.name), row.get(column.name)):
                found.append(Change("changed", f"{table} › {translate(column.label)}", position,
                                    _shown(column, earlier.get(column.name), ctx),
                                    _shown(column, row.get(column.name), ctx)))
    for position, row in enumerate(old_rows, 1):
        if row.get("row_id") not in new_ids:
            found.append(Change("removed", table, position, before=_summary(columns, row, ctx)))
    return found


def _differs(spec, old, new) -> bool:
    if spec.type.is_empty(old) and spec.type.is_empty(new):
        return False
    return old != new


def _shown(spec, value, ctx: Context) -> str:
    return "" if spec.type.is_empty(value) else spec.type.display(value, spec, ctx)


def _summary(columns, row: dict, ctx: Context) -> str:
    """A row in one line: its filled cells, in column order."""
    return " · ".join(_shown(c, row.get(c.name), ctx) for c in columns
                      if not c.type.is_empty(row.get(c.name)))


def versions(sheet: Worksheet, before: int | None = None, limit: int = PAGE) -> list[Version]:
    """The sheet's saved versions, newest first (only those older than ``before`` if given),
    each with what it changed from the version before it."""
    query = sa.select(WorksheetRevision).where(WorksheetRevision.worksheet_id == sheet.id)
    if before is not None:
        query = query.where(WorksheetRevision.version < before)
    revisions = db.session.scalars(
        query.options(selectinload(WorksheetRevision.registration),
                      defer(WorksheetRevision.answers), defer(WorksheetRevision.changes))
        .order_by(WorksheetRevision.version.desc()).limit(limit + 1)).all()
    users = {user.id: user.name for user in db.session.scalars(sa.select(User).where(
        User.id.in_({r.user_id for r in revisions if r.user_id})))}
    module, ctx = sheet.exercise.module, context(sheet)
    shown = revisions[:limit]
    answers = answers_of(sheet, shown[-1].version - 1, shown[0].version) if shown else {}
    found = []
    for revision in shown:
        who = revision.registration.certificate_name if revision.registration else \
            users.get(revision.user_id, "")
        found.append(Version(revision.version, revision.base_version, who, revision.saved_at,
                             len(revision.conflicts or ()), revision.restored_from,
                             changes(module, ctx, answers.get(revision.version - 1) or {},
                                     answers.get(revision.version) or {}) if module else []))
    return found


def as_version(text) -> int:
    """A version number from a form or query string (0 when it is not one)."""
    text = str(text or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def page_context(sheet: Worksheet, before, here: str) -> dict:
    """What the history list needs: the versions older than ``before`` (newest first when not
    given) and the address of the next, older page, if any."""
    shown = versions(sheet, as_version(before) or None)
    older = f"{here}?before={shown[-1].version}#history-heading" \
        if shown and shown[-1].version > 1 and len(shown) == PAGE else None
    return {"versions": shown, "older_url": older}


def restore(sheet: Worksheet, version: int, *, registration: Registration | None = None,
            user=None) -> int:
    """Make version ``version``'s answers the sheet's newest version; return its number.

    Raises :class:`SaveRefused` (translated) when the sheet is final, the version does not
    exist, or it is the sheet as it stands."""
    if not 0 < version <= sheet.version:
        raise SaveRefused(_("This worksheet has no version %(version)d.", version=version))
    lock(sheet)
    if sheet.status == "final":
        raise SaveRefused(_("This worksheet is final: reopen it first."))
    answers = revision_answers(sheet, version)
    if answers is None:
        raise SaveRefused(_("This worksheet has no version %(version)d.", version=version))
    if answers == (sheet.answers or {}):
        raise SaveRefused(_("Version %(version)d is the same as the worksheet now: nothing to "
                            "restore.", version=version))
    record(sheet, copy.deepcopy(answers), base_version=sheet.version, registration=registration,
           user=user, restored_from=version)
    return sheet.version


def restore_requested(sheet: Worksheet, formdata, **who) -> tuple[bool, str]:
    """Restore the version a history page's button names; say (translated) what happened.

    ``who`` is the ``registration`` or ``user`` restoring. Commit when the first value is true."""
    try:
        version = restore(sheet, as_version(formdata.get("version")), **who)
    except SaveRefused as refused:
        return False, str(refused)
    return True, _("The earlier answers are restored as version %(version)d.", version=version)
