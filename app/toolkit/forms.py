"""A worksheet's form, built from its module, and the answers read back from it."""
from __future__ import annotations

import re
import secrets
from decimal import Decimal

from wtforms import HiddenField, TextAreaField, validators

from ..forms import Form
from ..i18n import _l
from .fields import Context, FieldSpec, row_id_ok
from .formulas import evaluate
from .numbers import decimal_string
from .modules import Module


class WorksheetForm(Form):
    """The fields every worksheet form carries besides the module's own."""

    version = HiddenField()
    save_key = HiddenField()


def new_row_id() -> str:
    return secrets.token_urlsafe(6)


def build(module: Module, ctx: Context, formdata=None, answers: dict | None = None) -> WorksheetForm:
    """The module's form, filled from ``formdata`` (a save) or from stored ``answers``."""
    attributes = {}
    for spec in module.fields:
        unbound = spec.type.form_field(spec, ctx)
        if unbound is not None:
            attributes[spec.name] = unbound
    form_class = type(f"Worksheet{module.key}Form", (WorksheetForm,), attributes)
    data = form_data(module, ctx, answers or {}) if formdata is None else None
    return form_class(formdata=formdata, data=data)


def form_data(module: Module, ctx: Context, answers: dict) -> dict:
    data = {}
    for spec in module.fields:
        if spec.type.name == "computed":
            continue
        value = answers.get(spec.name, spec.type.empty())
        if spec.type.name == "table":
            data[spec.name] = [
                {"row_id": row.get("row_id", ""), "delete": "",
                 **{column.name: column.type.to_form(row.get(column.name, column.type.empty()), column, ctx)
                    for column in spec.columns if column.type.name != "computed"}}
                for row in value or ()]
        else:
            data[spec.name] = spec.type.to_form(value, spec, ctx)
    return data


def table_sizes(module: Module, formdata) -> dict[str, int]:
    """How many rows each table of ``formdata`` has (counted before the form is built)."""
    sizes = {}
    for spec in module.tables():
        pattern = re.compile(rf"{re.escape(spec.name)}-(\d+)-")
        sizes[spec.name] = len({match.group(1) for key in formdata.keys()
                                if (match := pattern.match(key))})
    return sizes


class Invalid:
    """Marks an answer that failed its check: the stored value stays as it was."""


INVALID = Invalid()


def read(form: WorksheetForm, module: Module, ctx: Context) -> tuple[dict, dict[str, list[str]]]:
    """The answers typed into ``form`` and the errors by input name; a field that fails its
    check reads as :data:`INVALID`, so the caller keeps the stored value."""
    form.validate()
    answers, errors = {}, {}
    for spec in module.fields:
        if spec.type.name == "computed":
            continue
        field = form[spec.name]
        if spec.type.name == "table":
            rows = []
            for entry in field.entries:
                row_form = entry.form
                if row_form.delete.data == "1":
                    continue
                row_id = row_form.row_id.data if row_id_ok(row_form.row_id.data) else new_row_id()
                row = {"row_id": row_id}
                for column in spec.columns:
                    if column.type.name == "computed":
                        continue
                    cell = row_form[column.name]
                    found = list(leaf_errors(cell))
                    if found:
                        errors.update(found)
                        row[column.name] = INVALID
                    else:
                        row[column.name] = column.type.to_value(cell, column, ctx)
                rows.append(row)
            answers[spec.name] = rows
        else:
            found = list(leaf_errors(field))
            if found:
                errors.update(found)
                answers[spec.name] = INVALID
            else:
                answers[spec.name] = spec.type.to_value(field, spec, ctx)
    return answers, errors


def leaves(field):
    """The inputs of ``field``: itself, or those of its sub-form or rows."""
    if field.type == "FormField":
        for sub in field.form:
            yield from leaves(sub)
    elif field.type == "FieldList":
        for entry in field.entries:
            yield from leaves(entry)
    else:
        yield field


def marks(field, errors: dict, hint_id: str = "") -> dict:
    """The aria-invalid and aria-describedby (its hint, its errors' list) of input ``field``,
    as keyword arguments of its widget (False leaves an attribute out)."""
    bad = field.name in errors
    described = " ".join(part for part in (hint_id, f"{field.id}-error" if bad else "") if part)
    return {"aria-invalid": "true" if bad else False, "aria-describedby": described or False}


def error_links(module: Module, form, errors: dict) -> list[tuple[str, str, str]]:
    """(input id, label, message) of every input of ``form`` with ``errors`` (by input name),
    in page order, labelled by the headings the page shows above it ("Actions · Row 2 ·
    Resources needed · Amount"): the worksheet's error summary."""
    from ..i18n import _
    from .translation import translate

    def labelled(field, above: list[str]):
        """(input, its labels from the outermost) for each input of ``field``."""
        if field.type in ("HiddenField", "CSRFTokenField"):
            return
        if field.type == "FormField":
            for sub in field.form:
                yield from labelled(sub, [*above, str(field.label.text)])
        else:
            yield field, [*above, str(field.label.text)]

    links = []
    for spec in module.fields:
        if spec.name not in form:
            continue
        field, inputs = form[spec.name], []
        if field.type == "FieldList":
            row = translate(spec.get("row_label")) if spec.get("row_label") else _("Row")
            for number, entry in enumerate(field.entries, 1):
                for column in entry.form:
                    inputs += labelled(column, [str(field.label.text), f"{row} {number}"])
        else:
            inputs += labelled(field, [])
        links += [(leaf.id, " · ".join(labels), str(message))
                  for leaf, labels in inputs for message in errors.get(leaf.name, ())]
    return links


def leaf_errors(field):
    """(input name, messages) for each input of ``field`` that has errors."""
    for leaf in leaves(field):
        if leaf.errors:
            yield leaf.name, [str(message) for message in leaf.errors]


def keep_stored(answers: dict, stored: dict) -> dict:
    """Replace :data:`INVALID` answers by what is stored (so a bad entry changes nothing)."""
    result = {}
    for name, value in answers.items():
        if value is INVALID:
            result[name] = stored.get(name, "")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            stored_rows = {row.get("row_id"): row for row in stored.get(name) or ()}
            result[name] = [{column: (stored_rows.get(row["row_id"], {}).get(column, "")
                                      if cell is INVALID else cell)
                             for column, cell in row.items()} for row in value]
        else:
            result[name] = value
    return result


def computed(module: Module, answers: dict, ctx: Context) -> dict:
    """``answers`` with every computed field worked out (decimal strings), rows included."""
    result = dict(answers)
    tables = {}
    for spec in module.tables():
        rows = []
        for row in answers.get(spec.name) or ():
            row = dict(row)
            for column in spec.columns:
                if column.type.name == "computed":
                    value = evaluate(column.get("formula"), _numbers(spec.columns, row))
                    row[column.name] = decimal_string(value)
            rows.append(row)
        result[spec.name] = rows
        for column in spec.columns:
            if column.type.name in ("number", "money", "computed", "scale"):
                tables[f"{spec.name}.{column.name}"] = [
                    _number(column, row.get(column.name)) for row in rows]
    for spec in module.fields:
        if spec.type.name == "computed":
            value = evaluate(spec.get("formula"), _numbers(module.fields, result), tables)
            result[spec.name] = decimal_string(value)
    return result


def _numbers(specs: list[FieldSpec], values: dict) -> dict:
    return {spec.name: number for spec in specs
            if (number := _number(spec, values.get(spec.name))) is not None}


def _number(spec: FieldSpec, value) -> Decimal | None:
    if isinstance(value, dict):
        value = value.get("amount")
    if value in (None, ""):
        value = spec.get("if_empty")  # e.g. "times a year" left blank counts as 1
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def missing_required(module: Module, answers: dict) -> list[str]:
    """Labels (English) of required fields left empty, for a submit."""
    missing = []
    for spec in module.fields:
        value = answers.get(spec.name)
        if spec.type.name == "table":
            for row in value or ():
                if any(not column.type.is_empty(row.get(column.name)) for column in spec.columns):
                    missing.extend(column.label for column in spec.columns
                                   if column.required and column.type.is_empty(row.get(column.name))
                                   and column.label not in missing)
        elif spec.required and spec.type.is_empty(value):
            missing.append(spec.label)
    return missing


class CommentForm(Form):
    """A trainer's comment on a worksheet or one of its fields."""

    field = HiddenField()
    text = TextAreaField(_l("Comment"), [validators.InputRequired(), validators.Length(max=2000)])


class ReturnForm(Form):
    """Send a worksheet back for revision, saying why."""

    text = TextAreaField(_l("What should be revised?"), [validators.InputRequired(),
                                                         validators.Length(max=2000)])

