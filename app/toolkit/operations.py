"""What can be done with exercises and worksheets, independent of the web layer."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..database import utcnow
from ..extensions import db
from ..i18n import _
from ..registrations.models import Registration, WorkingGroup
from . import forms, revisions
from .teams import (  # noqa: F401 - who fills which sheet, part of this module's interface
    SaveRefused, Team, TeamChanged, check_team, country_team, fills_worksheets, find_sheet,
    find_sheets, find_team, group_members, grouped, held_sheets, may_edit, may_fill,
    no_group_message, owner_column, owner_of, sheet_for, team_for, team_key, team_members,
    team_name, team_of, team_owner)
from .translation import translate
from .fields import Context
from .merge import merge
from .models import Exercise, Worksheet, WorksheetComment, WorksheetRevision
from .modules import Module


@dataclass
class SaveResult:
    worksheet: Worksheet
    version: int
    conflicts: list[dict] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    reopened: bool = False
    repeated: bool = False  # the same save arrived twice; the first one counted
    recorded: bool = False  # this save made a new version

    def as_json(self) -> dict:
        sheet = self.worksheet
        return {"version": self.version, "status": sheet.status, "conflicts": self.conflicts,
                "errors": self.errors, "reopened": self.reopened,
                "saved_at": sheet.saved_at.isoformat() if sheet.saved_at else None,
                "saved_by": sheet.saved_by.certificate_name if sheet.saved_by else None}


def exercise_for(course, key: str) -> Exercise | None:
    """The course's exercise of module ``key`` (e.g. "M11"), if the course uses it."""
    return db.session.scalar(sa.select(Exercise).where(Exercise.course_id == course.id,
                                                       Exercise.module_key == key))


# --- context: choices and references ---------------------------------------------------------

def context(sheet: Worksheet, answers: dict | None = None) -> Context:
    """What the sheet's fields need: its country, answers, and the rows they may refer to."""
    module = sheet.exercise.module
    references = {}
    for key in sorted(module.references()) if module else ():
        references[key] = reference_rows(sheet, key)
    answers = answers if answers is not None else sheet.answers
    if module:
        _keep_linked_rows(module, answers, references)
    return Context(country=sheet.country, answers=answers, references=references, translate=translate)


def _keep_linked_rows(module: Module, answers: dict, references: dict) -> None:
    """Offer rows this sheet links to even when they are gone from the other sheet (deleted, or
    emptied for a moment by a teammate), labelled as saved, so a save never drops the link."""
    for spec in module.fields:
        for column in spec.columns or [spec]:
            if column.type.name != "reference":
                continue
            rows = references.setdefault(column.type.key(column), [])
            known = {row_id for row_id, _label in rows}
            values = [row.get(column.name) for row in answers.get(spec.name) or ()] \
                if spec.columns else [answers.get(spec.name)]
            for value in values:
                if isinstance(value, dict) and value.get("row") and value["row"] not in known:
                    rows.append((value["row"], value.get("text") or value["row"]))
                    known.add(value["row"])


def reference_rows(sheet: Worksheet, key: str) -> list[tuple[str, str]]:
    """(row_id, label) of the rows ``key`` ("M3.results") names, from the sheets of the same
    person or team (country or working group): the team's sheet and the person's own, or the
    team's sheet and all the team members' own."""
    module_key, table = key.split(".", 1)
    from .modules import get

    target = get(module_key)
    spec = next((s for s in target.fields if s.name == table), None) if target else None
    exercise = db.session.scalar(sa.select(Exercise).where(
        Exercise.course_id == sheet.exercise.course_id, Exercise.module_key == module_key))
    if exercise is None or spec is None or spec.type.name != "table":
        return []
    query = sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id)
    team = sheet.group or sheet.delegation
    if team is None and sheet.exercise.mode == "team" and sheet.registration is not None:
        team = team_owner(sheet.exercise.course, sheet.registration)  # a team sheet not saved yet
    if team is not None and sheet.registration_id is None:
        member_of = Registration.group_id if isinstance(team, WorkingGroup) else Registration.delegation_id
        members = sa.select(Registration.id).where(member_of == team.id)
        if sheet.registration is not None:  # a team sheet not saved yet: the page's reader too
            members = members.union(sa.select(sa.literal(sheet.registration.id)))
        query = query.where(sa.or_(owner_column(team) == team.id, Worksheet.registration_id.in_(members)))
    else:
        registration = sheet.registration
        own = Worksheet.registration_id == registration.id
        team = team_owner(sheet.exercise.course, registration)  # never "… IS NULL": that is everyone's
        query = query.where(sa.or_(own, owner_column(team) == team.id) if team else own)
    label_column = _label_column(sheet.exercise.module, key)
    rows = []
    for other in db.session.scalars(query.order_by(Worksheet.id)):
        for row in other.answers.get(table) or ():
            label = str(row.get(label_column) or "").strip()
            if label and row.get("row_id"):
                rows.append((row["row_id"], label[:200]))
    return rows


def _label_column(module: Module, key: str) -> str:
    for spec in module.fields:
        for column in [spec, *spec.columns]:
            if column.type.name == "reference" and column.type.key(column) == key:
                return column.get("label_column")
    return ""


# --- saving ----------------------------------------------------------------------------------

def lock(sheet: Worksheet) -> Worksheet:
    """Take the worksheet's row for this transaction (PostgreSQL; SQLite POSTs already
    hold the database), so saves to one sheet queue up rather than interleave; ``sheet`` holds
    the row as locked (one statement, none when it was found so: ``sheet_for(for_update=True)``)."""
    if sheet.id in held_sheets():
        return sheet
    # The row must be fetched: populate_existing refreshes only the objects a result yields,
    # and the version read before the lock may be a teammate's older one.
    db.session.scalars(sa.select(Worksheet).where(Worksheet.id == sheet.id).with_for_update()
                       .execution_options(populate_existing=True)).one()
    held_sheets().add(sheet.id)
    return sheet


def revision_answers(sheet: Worksheet, version: int) -> dict | None:
    """The answers of the sheet's version ``version`` ({} for 0, None when there is none)."""
    if version == sheet.version:
        return sheet.answers or {}
    return revisions.answers_at(sheet, version)


@dataclass
class Typed:
    """What one save brings, as plain data: read from the form by the page
    (:func:`app.toolkit.filling.read_form`), so that no operation builds a form."""

    answers: dict  # by field; forms.INVALID where a check failed (the stored value stays)
    errors: dict[str, list[str]] = field(default_factory=dict)  # by input name
    table_sizes: dict[str, int] = field(default_factory=dict)  # rows sent per table
    # None: every row was sent; else only the rows that changed, and these ids removed by table
    removed: dict[str, list[str]] | None = None


def with_changed_rows(answers: dict, removed: dict[str, list[str]], base: dict) -> dict:
    """The whole answers a save of changed rows only stands for: each table of ``removed`` is
    its ``base`` rows without the removed ones, a sent row in its row's place, new rows after."""
    answers = dict(answers)
    for name, gone in removed.items():
        gone = set(gone)
        sent = {row["row_id"]: row for row in answers.get(name) or ()}
        kept = [sent.pop(row.get("row_id"), row) for row in base.get(name) or ()
                if row.get("row_id") not in gone]
        answers[name] = kept + [row for row_id, row in sent.items() if row_id not in gone]
    return answers


def save(sheet: Worksheet, typed: Typed, *, base_version: int | None, save_key: str | None = None,
         registration: Registration | None = None, user=None) -> SaveResult:
    """Merge what was typed (``typed``, from ``base_version``) into the sheet.

    Fields that fail their check keep their stored value and come back in ``errors``; fields
    a teammate changed meanwhile come back in ``conflicts`` (the stored value stays theirs).
    The same ``save_key`` twice counts once. Raises :class:`SaveRefused` when nothing may change.
    """
    module = sheet.exercise.module
    if module is None:
        raise SaveRefused(_("This exercise is not available at the moment."))
    if save_key and len(save_key) > 64:
        raise SaveRefused(_("This save could not be read. Reload the page; your typing is kept."))
    lock(sheet)
    if base_version is None or not 0 <= base_version <= sheet.version:
        base_version = sheet.version
    earlier, base = revisions_for_save(sheet, save_key, base_version)
    if earlier is not None and earlier.worksheet_id == sheet.id:
        return SaveResult(sheet, sheet.version, earlier.conflicts, repeated=True)
    if earlier is not None:
        raise SaveRefused(_("This save could not be read. Reload the page; your typing is kept."))
    if sheet.status == "final":
        raise SaveRefused(_("The trainers have marked this worksheet final; it can no longer be "
                            "changed. Copy your text elsewhere and ask them to reopen it."))
    if base is None:
        base, base_version = sheet.answers, sheet.version
    answers, sizes = typed.answers, typed.table_sizes
    if typed.removed is not None:
        if any(len(gone) > module.field(name).type.maximum(module.field(name))
               for name, gone in typed.removed.items()):  # more than the table ever had
            raise SaveRefused(_("This save could not be read. Reload the page; your typing is kept."))
        answers = with_changed_rows(answers, typed.removed, base)
        sizes = {name: len(answers[name]) for name in typed.removed}
    for name, size in sizes.items():
        maximum = module.field(name).type.maximum(module.field(name))
        if size > maximum:
            raise SaveRefused(_("The table “%(table)s” can have at most %(max)d rows; this save "
                                "has %(count)d. Nothing was saved.", table=translate(module.field(name).label),
                                max=maximum, count=size))
    errors = typed.errors
    mine = forms.keep_stored(answers, base)
    answers, conflicts = merge({spec.name for spec in module.tables()}, base, mine, sheet.answers or {})
    conflicts = [conflict.as_dict() for conflict in conflicts]
    result = SaveResult(sheet, sheet.version, conflicts, errors)
    if answers == (sheet.answers or {}):
        return result  # nothing new (a repeat of this save changes nothing either)
    result.reopened = sheet.status == "submitted"
    result.version = record(sheet, answers, base_version=base_version, registration=registration,
                            user=user, save_key=save_key, conflicts=conflicts)
    result.recorded = True
    return result


def revisions_for_save(sheet: Worksheet, save_key: str | None, base_version: int):
    """The revision that already holds ``save_key`` (a repeated save), if any, and the answers
    of the save's base version (None when gone): one statement at most (none for a save from
    the version stored now, without a key)."""
    wanted = [WorksheetRevision.save_key == save_key] if save_key else []
    older = 0 < base_version < sheet.version
    if older:
        wanted.append(revisions.chain(sheet.id, base_version, base_version))
    found = db.session.execute(sa.select(
        WorksheetRevision.worksheet_id, WorksheetRevision.version, WorksheetRevision.save_key,
        WorksheetRevision.conflicts, WorksheetRevision.answers, WorksheetRevision.changes)
        .where(sa.or_(*wanted))).all() if wanted else []
    earlier = next((row for row in found if save_key and row.save_key == save_key), None)
    if not older:
        return earlier, {} if base_version == 0 else sheet.answers or {}
    chained = [row for row in found if row.worksheet_id == sheet.id and row.version <= base_version]
    return earlier, revisions.rebuild(chained, base_version, base_version).get(base_version)


def record(sheet: Worksheet, answers: dict, *, base_version: int, registration=None, user=None,
           save_key: str | None = None, conflicts: list | None = None,
           restored_from: int | None = None) -> int:
    """Store ``answers`` as the sheet's next version, kept in its history (as what changed
    since the version before, :mod:`.revisions`); return it.

    A sheet sent for review, or returned, is a draft again once its answers change."""
    if sheet.status in ("submitted", "returned"):
        sheet.status = "draft"
    whole, changes = revisions.stored_form(sheet.version + 1, sheet.answers or {}, answers)
    sheet.version += 1
    sheet.answers = answers
    sheet.saved_at = utcnow()
    sheet.saved_by = registration
    db.session.add(WorksheetRevision(
        worksheet=sheet, version=sheet.version, base_version=base_version, answers=whole,
        changes=changes, registration=registration, user_id=getattr(user, "id", None), save_key=save_key or None,
        conflicts=conflicts or [], restored_from=restored_from))
    return sheet.version


def submit(sheet: Worksheet, registration: Registration) -> list[str]:
    """Send the sheet for review; return the (translated) labels of required fields left
    empty instead, if any."""
    module = sheet.exercise.module
    missing = [translate(label) for label in forms.missing_required(module, sheet.answers or {})]
    if missing:
        return missing
    sheet.status = "submitted"
    sheet.submitted_at = utcnow()
    return []


def set_status(sheet: Worksheet, status: str, user, comment: str = "") -> None:
    """A trainer returns a sheet for revision (with a comment), marks it final, or reopens it."""
    sheet.status = status
    if comment:
        db.session.add(WorksheetComment(worksheet=sheet, field="", text=comment, user=user))


def add_comment(sheet: Worksheet, field: str, text: str, user) -> WorksheetComment:
    module = sheet.exercise.module
    if field and (module is None or module.field(field) is None):
        field = ""
    comment = WorksheetComment(worksheet=sheet, field=field, text=text.strip(), user=user)
    db.session.add(comment)
    return comment
