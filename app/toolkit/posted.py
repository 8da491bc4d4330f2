"""A worksheet save read straight from the posted inputs, without building a form.

The page (fill.html, worksheet.js) posts the inputs WTForms draws: ``actions-3-owner``, a
money field's ``budget-amount`` and ``budget-currency``, a reference's ``link-row`` and
``link-text``. :func:`read` reads them with each field type's own rules (the same checks and
messages as its form field: :func:`app.toolkit.numbers.check_number`, the length and date
rules below) and gives what :func:`app.toolkit.forms.read` gives for the same post; and
:func:`state` gives the inputs of stored answers as :func:`app.toolkit.filling.form_state` does
from a form. A test holds each pair equal over every module. Saving thus costs no form: no
class made, no field bound per row and input.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import ngettext
from wtforms import ValidationError

from ..forms import clean_line, clean_text
from ..i18n import _
from .fields import Context, FieldSpec, row_id_ok
from .forms import INVALID, new_row_id
from .numbers import check_number, decimal_string, format_number
from .options import is_option


class Refused(ValueError):
    """An input that fails its check: the message says why."""


def too_long(maximum: int) -> str:
    return _("Keep this under %(max)d characters: shorten it or split it.", max=maximum)


def date_range_error(low: date, high: date) -> str:
    from babel.dates import format_date
    from flask_babel import get_locale

    return _("Choose a date between %(low)s and %(high)s.",
             low=format_date(low, "medium", locale=get_locale()),
             high=format_date(high, "medium", locale=get_locale()))


# --- one input --------------------------------------------------------------------------------

def first(formdata, name: str, one_line: bool = False):
    """The input's value as WTForms reads it: the first one sent, None when not sent; with
    ``one_line`` (a StringField's input), its line ends are spaces, as the form's filter makes
    them (:func:`app.forms.clean_line`)."""
    values = formdata.getlist(name) if name in formdata else []
    return (clean_line if one_line else clean_text)(values[0]) if values else None


def text(formdata, name: str, maximum: int, long: bool = False) -> str:
    value = first(formdata, name, one_line=not long)
    if value is not None and len(value) > maximum:
        raise Refused(too_long(maximum))
    value = (value or "").strip()
    return value.replace("\r\n", "\n") if long else value


def one_of(formdata, name: str, allowed, default: str = "") -> str:
    """The chosen value, one of ``allowed`` (a predicate) or empty."""
    value = first(formdata, name)
    value = default if value is None else value
    if value and not allowed(value):
        raise Refused(_("Not a valid choice."))
    return value


def number(formdata, name: str, spec: FieldSpec, minimum=None) -> str:
    value = first(formdata, name, one_line=True)  # a NumberInput is a one-line StringField
    if value in (None, ""):
        return ""
    try:
        return decimal_string(check_number(value, minimum=minimum, maximum=spec.get("max"),
                                           whole=bool(spec.get("whole"))))
    except ValidationError as refused:
        raise Refused(str(refused.args[0])) from None


def offered(spec: FieldSpec, ctx: Context):
    """Whether a value is one of the field's options (by code: no labels, no translation)."""
    if spec.options_from:
        return lambda value: is_option(spec.options_from, ctx.country, value)
    values = {code for code, _label in spec.options}
    return values.__contains__


def on_scale(spec: FieldSpec):
    low, high = int(spec.get("min", 1)), int(spec.get("max", 5))
    return {str(n) for n in range(low, high + 1)}.__contains__


# --- one field (a cell of a row, or a top-level field): its value, or errors by input ------------

def field(formdata, name: str, spec: FieldSpec, ctx: Context):
    """(value, {input name: [messages]}) of the field posted as ``name``; the value is
    :data:`INVALID` when an input fails its check."""
    kind = spec.type.name
    try:
        if kind in ("text", "long_text"):
            return text(formdata, name, spec.type.maximum(spec), long=kind == "long_text"), {}
        if kind == "choice":
            return one_of(formdata, name, offered(spec, ctx)), {}
        if kind == "scale":
            value = one_of(formdata, name, on_scale(spec))
            return (int(value) if value else ""), {}
        if kind == "multi_choice":
            return multi(formdata, name, spec, ctx), {}
        if kind == "number":
            return number(formdata, name, spec, minimum=spec.get("min")), {}
        if kind == "date":
            return posted_date(formdata, name, spec), {}
        if kind == "money" and spec.get("currency_field"):
            return number(formdata, name, spec, minimum=spec.get("min", 0)), {}
    except Refused as refused:
        return INVALID, {name: [str(refused)]}
    if kind == "money":
        return money(formdata, name, spec, ctx)
    if kind == "reference":
        return reference(formdata, name, spec, ctx)
    raise ValueError(f"{kind} is not read from a post")  # computed and table are not inputs


def multi(formdata, name: str, spec: FieldSpec, ctx: Context) -> list[str]:
    values = [clean_text(value) for value in formdata.getlist(name)] if name in formdata else []
    acceptable = offered(spec, ctx)
    wrong = [value for value in set(values) if not acceptable(value)]
    if wrong:
        raise Refused(ngettext("'%(value)s' is not a valid choice for this field.",
                               "'%(value)s' are not valid choices for this field.", len(wrong),
                               value="', '".join(wrong)))
    return values


def posted_date(formdata, name: str, spec: FieldSpec) -> str:
    values = formdata.getlist(name) if name in formdata else []
    if not values or not values[0].strip():
        return ""  # left empty: no check (WTForms' Optional)
    try:
        value = datetime.strptime(" ".join(values), "%Y-%m-%d").date()
    except (ValueError, TypeError):
        raise Refused(_("Not a valid date value.")) from None
    low, high = spec.type.bounds(spec)
    if not low <= value <= high:
        raise Refused(date_range_error(low, high))
    return value.isoformat()


def money(formdata, name: str, spec: FieldSpec, ctx: Context):
    errors = {}
    try:
        amount = number(formdata, f"{name}-amount", spec, minimum=spec.get("min", 0))
    except Refused as refused:
        amount, errors[f"{name}-amount"] = INVALID, [str(refused)]
    try:
        currency = one_of(formdata, f"{name}-currency",
                          lambda value: is_option("currencies", ctx.country, value))
    except Refused as refused:
        currency, errors[f"{name}-currency"] = INVALID, [str(refused)]
    if errors:
        return INVALID, errors
    return ({"amount": amount, "currency": currency} if amount else ""), {}


def reference(formdata, name: str, spec: FieldSpec, ctx: Context):
    try:
        typed = text(formdata, f"{name}-text", 500)
    except Refused as refused:
        return INVALID, {f"{name}-text": [str(refused)]}
    row = first(formdata, f"{name}-row") or ""
    labels = dict(ctx.references.get(spec.type.key(spec), []))
    if row and row in labels:
        return {"row": row, "text": labels[row]}, {}
    return ({"row": "", "text": typed} if typed else ""), {}


# --- the whole sheet -----------------------------------------------------------------------------

def row_numbers(formdata, table: str) -> list[int]:
    """A table's row numbers as posted (``actions-3-…``), in order."""
    pattern = re.compile(rf"{re.escape(table)}-(\d+)-")
    return sorted({int(found.group(1)) for key in formdata.keys() if (found := pattern.match(key))})


def read(module, ctx: Context, formdata) -> tuple[dict, dict[str, list[str]]]:
    """The answers posted for ``module`` and the errors by input name, as
    :func:`app.toolkit.forms.read` gives them for the same post."""
    answers, errors = {}, {}
    for spec in module.fields:
        kind = spec.type.name
        if kind == "computed":
            continue
        if kind != "table":
            answers[spec.name], found = field(formdata, spec.name, spec, ctx)
            errors.update(found)
            continue
        rows = []
        for position, index in enumerate(row_numbers(formdata, spec.name)):
            prefix = f"{spec.name}-{index}"
            if first(formdata, f"{prefix}-delete") == "1":
                continue
            posted_id = first(formdata, f"{prefix}-row_id") or ""
            row = {"row_id": posted_id if row_id_ok(posted_id) else new_row_id()}
            for column in spec.columns:
                if column.type.name != "computed":
                    row[column.name], found = field(formdata, f"{prefix}-{column.name}", column, ctx)
                    # named as the form names it: rows numbered 0, 1, 2… (filling.page_errors
                    # gives them back the page's numbers)
                    errors.update((f"{spec.name}-{position}-{column.name}{name[len(prefix) + len(column.name) + 1:]}",
                                   messages) for name, messages in found.items())
            rows.append(row)
        answers[spec.name] = rows
    return answers, errors


# --- stored answers as the page's inputs ----------------------------------------------------------

def inputs(value, spec: FieldSpec, ctx: Context) -> dict[str, list[str]]:
    """The input values a stored answer shows as, by the rest of the input's name ("" for the
    field's own input, "-amount" and "-currency" of an amount, "-row" and "-text" of a link)."""
    kind = spec.type.name
    if kind == "multi_choice":
        return {"": [str(item) for item in value or ()]}
    if kind == "number" or kind == "money" and spec.get("currency_field"):
        return {"": [format_number(Decimal(value)) if value not in (None, "") else ""]}
    if kind == "money":
        value = value if isinstance(value, dict) else {}
        amount = value.get("amount")
        return {"-amount": [format_number(Decimal(amount)) if amount not in (None, "") else ""],
                "-currency": [str(value.get("currency") or "")]}
    if kind == "reference":
        form = spec.type.to_form(value, spec, ctx)
        return {"-row": [str(form.get("row") or "")],
                "-text": [clean_line(str(form.get("text") or ""))]}
    if kind == "date":
        return {"": [value or ""]}
    if kind == "text":  # a one-line input: an answer stored with line ends shows them as spaces
        return {"": [clean_line("" if value is None else str(value))]}
    return {"": ["" if value is None else str(value)]}


def state(module, ctx: Context, answers: dict) -> dict:
    """Every input's value(s) for ``answers``, as :func:`app.toolkit.filling.form_state` gives
    them from a form filled with the same answers."""
    fields, rows = {}, {}
    for spec in module.fields:
        kind = spec.type.name
        if kind == "computed":
            continue
        value = answers.get(spec.name, spec.type.empty())
        if kind != "table":
            fields.update((spec.name + rest, values) for rest, values in inputs(value, spec, ctx).items())
            continue
        rows[spec.name] = []
        for row in value or ():
            cells = {"row_id": [str(row.get("row_id", ""))], "delete": [""]}
            for column in spec.columns:
                if column.type.name != "computed":
                    cells.update((column.name + rest, values) for rest, values in inputs(
                        row.get(column.name, column.type.empty()), column, ctx).items())
            rows[spec.name].append({"row_id": row.get("row_id", ""), "cells": cells})
    return {"fields": fields, "rows": rows}
