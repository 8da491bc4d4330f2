"""What a participant's worksheet page shows: a save's errors and conflicts placed at their
inputs, the typed cells that did not save put back in their boxes (the page's inputs as plain
values, for the script, come from :func:`app.toolkit.posted.state`)."""
from __future__ import annotations

import re

from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from . import forms, operations, posted
from .translation import translate
from .forms import leaves
from .fields import Context
from .models import Worksheet, WorksheetRevision
from .modules import Module
from .revisions import answers_of

TEXT_TYPES = ("text", "long_text")


# --- a form's values, input by input -----------------------------------------------------------

def unsaved_sheet(exercise, registration) -> Worksheet:
    """A sheet to show before anyone has saved one: empty, version 0, never stored (linked to
    the exercise and person without touching their collections, so it stays out of the session)."""
    sheet = Worksheet(answers={}, version=0, status="draft", exercise_id=exercise.id)
    group = operations.team_owner(exercise.course, registration) \
        if exercise.mode == "team" and operations.grouped(exercise.course) else None
    for name, value in (("exercise", exercise), ("registration", registration), ("comments", []),
                        ("saved_by", None), ("delegation", None), ("group", group)):
        set_committed_value(sheet, name, value)
    return sheet


def computed_display(module: Module, answers: dict, ctx: Context) -> dict:
    """Computed fields as text: {"fields": {name: text}, "rows": {table: {row_id: {column: text}}}}."""
    full = forms.computed(module, answers, ctx)
    shown = {"fields": {}, "rows": {}}
    for spec in module.fields:
        if spec.type.name == "computed":
            shown["fields"][spec.name] = spec.type.display(full.get(spec.name), spec, ctx)
        columns = [column for column in spec.columns if column.type.name == "computed"]
        if columns:
            shown["rows"][spec.name] = {
                row["row_id"]: {column.name: column.type.display(row.get(column.name), column, ctx)
                                for column in columns}
                for row in full.get(spec.name) or () if row.get("row_id")}
    return shown


# --- where an input is: (field, row_id, column) ---------------------------------------------------

def place(module: Module, form, name: str) -> tuple[tuple, str] | None:
    """The cell (field, row_id, column) an input ``name`` of ``form`` belongs to, and the rest
    of its name ("-amount"); None when it is no cell of the module."""
    for spec in module.fields:
        if spec.type.name == "table":
            found = re.fullmatch(rf"{re.escape(spec.name)}-(\d+)-([a-z0-9_]+)(-.*)?", name)
            if found and int(found.group(1)) < len(form[spec.name].entries):
                entry = form[spec.name].entries[int(found.group(1))]
                return (spec.name, entry.form.row_id.data, found.group(2)), found.group(3) or ""
        elif name == spec.name or name.startswith(spec.name + "-"):
            return (spec.name, None, None), name[len(spec.name):]
    return None


def locate(form, cell: tuple):
    """The bound field of ``cell`` in ``form``, or None."""
    name, row_id, column = cell
    if name not in form:
        return None
    if row_id is None:
        return form[name]
    entry = next((entry for entry in form[name].entries if entry.form.row_id.data == row_id), None)
    return entry.form[column] if entry is not None and column in entry.form else None


def typed_names(module: Module, formdata) -> dict[str, list[int]]:
    """Each table's row numbers as the page sent them (the form renumbers them 0, 1, 2…)."""
    return {spec.name: posted.row_numbers(formdata, spec.name) for spec in module.tables()}


def page_errors(module: Module, formdata, errors: dict) -> dict[str, list[str]]:
    """``errors`` named as the inputs of the page that sent ``formdata``."""
    numbers, renamed = typed_names(module, formdata), {}
    for name, messages in errors.items():
        found = re.fullmatch(r"([a-z0-9_]+)-(\d+)-(.*)", name)
        if found and found.group(1) in numbers and int(found.group(2)) < len(numbers[found.group(1)]):
            name = f"{found.group(1)}-{numbers[found.group(1)][int(found.group(2))]}-{found.group(3)}"
        renamed[name] = messages
    return renamed


def put_back(source, target) -> None:
    """Show in ``target`` what was typed into ``source`` (the same cell of another form)."""
    for typed, shown in zip(leaves(source), leaves(target)):
        shown.process(MultiDict([(shown.name, value) for value in typed.raw_data or ()]))


def display_form(sheet: Worksheet, ctx: Context, formdata, result) -> tuple:
    """The stored answers after a save, with the cells that did not save (errors, conflicts)
    showing what was typed; and the errors by the displayed input names."""
    module = sheet.exercise.module
    form = forms.build(module, ctx, answers=sheet.answers)
    typed = forms.build(module, ctx, formdata=formdata)
    errors, cells = {}, {(c["field"], c["row_id"], c["column"]) for c in result.conflicts}
    for name, messages in result.errors.items():
        found = place(module, typed, name)
        target = locate(form, found[0]) if found else None
        if target is not None:
            cells.add(found[0])
            errors[target.name + found[1]] = messages
    for cell in cells:
        source, target = locate(typed, cell), locate(form, cell)
        if source is not None and target is not None:
            put_back(source, target)
    return form, errors


def trim_rows(module: Module, formdata) -> MultiDict:
    """``formdata`` with each table cut to the rows it may have (a refused save is shown back)."""
    numbers, kept = typed_names(module, formdata), MultiDict()
    for key, value in formdata.items(multi=True):
        found = re.match(r"([a-z0-9_]+)-(\d+)-", key)
        if found and found.group(1) in numbers:
            spec = module.field(found.group(1))
            if int(found.group(2)) not in numbers[spec.name][:spec.type.maximum(spec)]:
                continue
        kept.add(key, value)
    return kept


def blank_rows(form, module: Module) -> dict:
    """An empty row per table, numbered ``__i__``, for the page's script to copy."""
    rows = {}
    for spec in module.tables():
        field = form[spec.name]
        entry = field.meta.bind_field(field._form, field.unbound_field, dict(
            name=f"{field.name}-__i__", id=f"{field.id}-__i__", _meta=field.meta,
            translations=field._translations))
        entry.process(None)
        rows[spec.name] = entry
    return rows


# --- conflicts ------------------------------------------------------------------------------------

def cell_value(answers: dict, cell: tuple):
    name, row_id, column = cell
    if row_id is None:
        return answers.get(name)
    row = next((row for row in answers.get(name) or () if row.get("row_id") == row_id), {})
    return row.get(column)


def changed_by(sheet: Worksheet, base_version: int | None, cell: tuple) -> str:
    """Who last changed ``cell`` since ``base_version`` ("" when unknown)."""
    if base_version is None:
        return ""
    revisions = list(sheet.revisions.filter(WorksheetRevision.version > base_version).options(
        defer(WorksheetRevision.answers), defer(WorksheetRevision.changes))
        .order_by(None).order_by(WorksheetRevision.version.desc()))
    answers = answers_of(sheet, base_version, sheet.version)
    for revision in revisions:
        later, earlier = answers.get(revision.version), answers.get(revision.version - 1)
        if later is not None and earlier is not None and \
                cell_value(later, cell) != cell_value(earlier, cell):
            return revision.registration.certificate_name if revision.registration else ""
    return ""


def conflict_notes(sheet: Worksheet, ctx: Context, conflicts: list[dict], base_version) -> list[dict]:
    """Each conflict with what a page needs to show it: the field's label, who changed it,
    both values as text, and theirs as input values."""
    module, notes = sheet.exercise.module, []
    for conflict in conflicts:
        cell = (conflict["field"], conflict["row_id"], conflict["column"])
        spec = module.field(cell[0])
        if spec is None:
            continue
        if cell[1] is not None:
            spec = next((column for column in spec.columns if column.name == cell[2]), None)
            if spec is None:
                continue
        values = posted.inputs(conflict["theirs"], spec, ctx)
        notes.append({**conflict, "label": translate(spec.label), "type": spec.type.name,
                      "name": changed_by(sheet, base_version, cell),
                      "mine_text": spec.type.display(conflict["mine"], spec, ctx),
                      "theirs_text": spec.type.display(conflict["theirs"], spec, ctx),
                      "values": values, "key": cell_key(*cell)})
    return notes


def cell_key(name: str, row_id: str | None = None, column: str | None = None) -> str:
    return f"{name}:{row_id or ''}:{column or ''}"


# --- the worked example ---------------------------------------------------------------------------

def example(module: Module) -> list[dict]:
    """The module's worked example as labelled text, in the reader's language."""
    raw = module.example or {}
    answers = raw.get("answers") or {}
    ctx = Context(country=raw.get("country", ""), answers=answers, translate=translate)
    answers = forms.computed(module, answers, ctx)

    def shown(spec, value) -> str:
        text = spec.type.display(value, spec, ctx)
        return translate(text.strip()) if spec.type.name in (*TEXT_TYPES, "reference") else text

    items = []
    for spec in module.fields:
        value = answers.get(spec.name)
        if spec.type.is_empty(value):
            continue
        if spec.type.name == "table":
            rows = [[(translate(column.label), shown(column, row.get(column.name)))
                     for column in spec.columns if not column.type.is_empty(row.get(column.name))]
                    for row in value]
            items.append({"label": translate(spec.label), "rows": rows})
        else:
            items.append({"label": translate(spec.label), "text": shown(spec, value)})
    return items


# --- a save, from the page's form to the operation ---------------------------------------------

def read_form(sheet: Worksheet, formdata) -> operations.Typed:
    """Read what was typed into the sheet's form as plain data for :func:`operations.save`.

    Tables that bring more rows than allowed are only counted (the save refuses them): building a
    form of 10,000 rows would take long for nothing."""
    module = sheet.exercise.module
    if module is None:
        return operations.Typed({})
    sizes = forms.table_sizes(module, formdata)
    if any(size > module.field(name).type.maximum(module.field(name)) for name, size in sizes.items()):
        return operations.Typed({}, table_sizes=sizes)
    ctx = operations.context(sheet)
    answers, errors = posted.read(module, ctx, formdata)
    if formdata.get("delta") != "1":
        return operations.Typed(answers, errors, sizes)
    # Only the rows that changed were sent, and the ids of those removed (worksheet.js): a table
    # with neither is as it was.
    removed = {}
    for spec in module.tables():
        gone = [row_id for row_id in formdata.getlist(f"{spec.name}-removed") if row_id]
        gone += [first for index in posted.row_numbers(formdata, spec.name)
                 if posted.first(formdata, f"{spec.name}-{index}-delete") == "1"
                 and (first := posted.first(formdata, f"{spec.name}-{index}-row_id"))]
        if gone or sizes.get(spec.name):
            removed[spec.name] = gone
        else:
            answers.pop(spec.name, None)
    return operations.Typed(answers, errors, removed=removed)


def typed_context(sheet: Worksheet, formdata) -> Context:
    """What a refused save held, read into ``sheet``'s context (its answers, computed fields
    worked out; cells that fail their check left out), for the page to show it back read-only."""
    module = sheet.exercise.module
    ctx = operations.context(sheet)
    typed = posted.read(module, ctx, trim_rows(module, formdata))[0]
    ctx.answers = forms.computed(module, forms.keep_stored(typed, {}), ctx)
    return ctx


def with_stored_rows(sheet: Worksheet, formdata, version: int | None) -> MultiDict:
    """A post of the light page (its rows drawn by its script, ``delta``) that came without them:
    the rows of the version the page showed (``version``; else the stored ones) put in as its
    inputs, but those it sent or names as removed, so that the post reads, and shows back, as a
    post of the whole form (and merges as one: rows a teammate changed since stay theirs)."""
    module = sheet.exercise.module
    whole = MultiDict([(name, value) for name, value in formdata.items(multi=True)
                       if name != "delta" and not name.endswith("-removed")])
    if module is None:
        return whole
    shown = (operations.revision_answers(sheet, version) if sheet.id is not None and version is not None
             else None)
    rows = posted.state(module, operations.context(sheet), sheet.answers if shown is None else shown)["rows"]
    for table, table_rows in rows.items():
        numbers = posted.row_numbers(whole, table)
        skip = {whole.get(f"{table}-{number}-row_id") for number in numbers}
        skip.update(formdata.getlist(f"{table}-removed"))
        number = max(numbers, default=-1) + 1
        for row in table_rows:
            if row["row_id"] in skip:
                continue
            for name, values in row["cells"].items():
                whole.setlist(f"{table}-{number}-{name}", values)
            number += 1
    return whole


def save_form(sheet: Worksheet, formdata, **options) -> operations.SaveResult:
    """Save what ``formdata`` holds (see :func:`operations.save` for the options)."""
    return operations.save(sheet, read_form(sheet, formdata), **options)
