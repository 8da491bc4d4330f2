"""The field types a toolkit module may use, each a small class.

A module file (``toolkit_modules/*/module.yaml``) names a type per field; the class here knows
which keys that field may carry (:meth:`FieldType.check`), the form field a participant types
into (:meth:`FieldType.form_field`), how typed data becomes a stored answer and back
(:meth:`FieldType.to_value`, :meth:`FieldType.to_form`), and how an answer reads on a page, in
a spreadsheet and on paper (:meth:`FieldType.display`). Answers are JSON: text as strings,
numbers and amounts as decimal strings (never floats), dates as ISO strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from flask_babel import get_locale
from markupsafe import Markup, escape
from wtforms import DateField, FieldList, FormField, HiddenField, SelectField, StringField, \
    TextAreaField, ValidationError, validators
from wtforms.fields.core import UnboundField

from ..forms import Form, MultiCheckboxField, choices
from ..i18n import _, _l
from .formulas import formula_names
from .numbers import NumberInput, decimal_string, format_money, format_number
from .options import option_source

REGISTRY: dict[str, "FieldType"] = {}
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
ROW_ID = re.compile(r"[A-Za-z0-9_-]{1,24}")
# the form's own names (``team``, ``delta``: what the page and its script send besides the answers)
RESERVED = {"row_id", "delete", "csrf_token", "version", "save_key", "action", "team", "delta"}
RESERVED_COLUMNS = {"row_id", "delete"}  # a table row's own inputs


@dataclass
class FieldSpec:
    """One field of a module, as its definition file describes it."""

    name: str
    type: "FieldType"
    label: str
    help: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, English label)
    options_from: str = ""  # a named source: ministries, countries, currencies
    columns: list["FieldSpec"] = field(default_factory=list)  # a table's columns
    extra: dict[str, Any] = field(default_factory=dict)  # type-specific keys (min, max, …)

    def get(self, key: str, default=None):
        return self.extra.get(key, default)


@dataclass
class Context:
    """What a field needs to know to offer choices and print itself: the sheet's country,
    the module's other answers (a currency chosen once), rows of referenced worksheets."""

    country: str = ""
    answers: dict = field(default_factory=dict)
    references: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # "M3.results" → rows
    translate: Any = None  # gettext for module strings (the toolkit domain)

    def tr(self, text: str) -> str:
        return self.translate(text) if (self.translate and text) else text


def register(cls):
    REGISTRY[cls.name] = cls()
    return cls


class FieldType:
    """The base of every field type."""

    name = ""
    keys: frozenset[str] = frozenset({"name", "type", "label", "help", "required", "placeholder"})
    extra_keys: frozenset[str] = frozenset()
    in_table = True  # may be a table column

    def check(self, spec: dict, where: str) -> list[str]:
        """Problems with this field's definition (``where`` names it for the message)."""
        unknown = set(spec) - self.keys - self.extra_keys
        return [f"{where}: unknown key {key!r} for type {self.name!r}" for key in sorted(unknown)]

    def spec(self, raw: dict, label: str, help_text: str) -> FieldSpec:
        extra = {key: raw[key] for key in self.extra_keys if key in raw}
        if "placeholder" in raw:
            extra["placeholder"] = raw["placeholder"]
        return FieldSpec(raw["name"], self, label, help_text, bool(raw.get("required")), extra=extra)

    # --- forms -------------------------------------------------------------------------
    def form_field(self, spec: FieldSpec, ctx: Context) -> UnboundField:
        raise NotImplementedError

    def render_kw(self, spec: FieldSpec, ctx: Context) -> dict:
        kw = {}
        if spec.get("placeholder"):
            kw["placeholder"] = ctx.tr(spec.get("placeholder"))
        return kw

    def to_value(self, field, spec: FieldSpec, ctx: Context):
        """The stored answer for a validated, bound form field."""
        return field.data if field.data is not None else self.empty()

    def to_form(self, value, spec: FieldSpec, ctx: Context):
        """The form field's data for a stored answer."""
        return value

    def empty(self):
        return ""

    def is_empty(self, value) -> bool:
        return value in (None, "", [], {})

    # --- reading -----------------------------------------------------------------------
    def display(self, value, spec: FieldSpec, ctx: Context) -> str:
        """The answer as plain text, in the reader's language (pages, spreadsheets, PDFs)."""
        return "" if self.is_empty(value) else str(value)

    def html(self, value, spec: FieldSpec, ctx: Context) -> Markup:
        """The answer as safe HTML (escaped: answers never run as markup)."""
        return escape(self.display(value, spec, ctx))


def _length(maximum: int, message) -> list:
    return [validators.Length(max=maximum, message=message)]


@register
class Text(FieldType):
    """One line of text."""

    name = "text"
    extra_keys = frozenset({"max_length"})
    default_max = 500

    def maximum(self, spec: FieldSpec) -> int:
        return int(spec.get("max_length") or self.default_max)

    def check(self, spec, where):
        problems = super().check(spec, where)
        if "max_length" in spec and not (isinstance(spec["max_length"], int) and
                                         0 < spec["max_length"] <= 20000):
            problems.append(f"{where}: max_length must be a whole number from 1 to 20000")
        return problems

    def form_field(self, spec, ctx):
        maximum = self.maximum(spec)
        return StringField(ctx.tr(spec.label), _length(maximum, _l(
            "Keep this under %(max)d characters: shorten it or split it.", max=maximum)),
            description=ctx.tr(spec.help), render_kw=self.render_kw(spec, ctx))

    def to_value(self, field, spec, ctx):
        return (field.data or "").strip()


@register
class LongText(Text):
    """Several paragraphs."""

    name = "long_text"
    default_max = 10000

    def form_field(self, spec, ctx):
        maximum = self.maximum(spec)
        return TextAreaField(ctx.tr(spec.label), _length(maximum, _l(
            "Keep this under %(max)d characters: shorten it or split it.", max=maximum)),
            description=ctx.tr(spec.help), render_kw={"rows": 4, **self.render_kw(spec, ctx)})

    def to_value(self, field, spec, ctx):
        return (field.data or "").strip().replace("\r\n", "\n")

    def html(self, value, spec, ctx):
        return Markup("<br>").join(escape(line) for line in self.display(value, spec, ctx).split("\n"))


class _Choices(FieldType):
    extra_keys = frozenset({"options", "options_from"})
    sources = ("ministries", "countries", "currencies")

    def check(self, spec, where):
        problems = super().check(spec, where)
        options, source = spec.get("options"), spec.get("options_from")
        if bool(options) == bool(source):
            problems.append(f"{where}: give either options (a list) or options_from "
                            f"({', '.join(self.sources)})")
        if source and source not in self.sources:
            problems.append(f"{where}: options_from {source!r} is not one of {', '.join(self.sources)}")
        if options is not None:
            if not isinstance(options, list):
                problems.append(f"{where}: options must be a list")
                return problems
            seen = set()
            for number, option in enumerate(options, 1):
                if not (isinstance(option, dict) and set(option) == {"value", "label"} and
                        isinstance(option["value"], str) and NAME.fullmatch(option["value"]) and
                        isinstance(option["label"], str) and option["label"].strip()):
                    problems.append(f"{where}: option {number} needs a value (lower_case_code) and "
                                    f"a label, and nothing else")
                elif option["value"] in seen:
                    problems.append(f"{where}: option value {option['value']!r} appears twice")
                else:
                    seen.add(option["value"])
        return problems

    def spec(self, raw, label, help_text):
        spec = super().spec(raw, label, help_text)
        spec.options = [(option["value"], option["label"]) for option in raw.get("options") or ()]
        spec.options_from = raw.get("options_from") or ""
        return spec

    def pairs(self, spec: FieldSpec, ctx: Context) -> list[tuple[str, str]]:
        """(value, label) pairs in the reader's language."""
        if spec.options_from:
            return option_source(spec.options_from, ctx.country)
        return [(value, ctx.tr(label)) for value, label in spec.options]

    def label_of(self, value: str, spec: FieldSpec, ctx: Context) -> str:
        return dict(self.pairs(spec, ctx)).get(value, value)


@register
class Choice(_Choices):
    """One of a list."""

    name = "choice"

    def form_field(self, spec, ctx):
        return SelectField(ctx.tr(spec.label), choices=choices([("", "—"), *self.pairs(spec, ctx)]),
                           description=ctx.tr(spec.help), validate_choice=True, default="")

    def to_value(self, field, spec, ctx):
        return field.data or ""

    def display(self, value, spec, ctx):
        return self.label_of(value, spec, ctx) if value else ""


@register
class MultiChoice(_Choices):
    """Any of a list, as checkboxes."""

    name = "multi_choice"

    def form_field(self, spec, ctx):
        return MultiCheckboxField(ctx.tr(spec.label), choices=choices(self.pairs(spec, ctx)),
                                  description=ctx.tr(spec.help))

    def to_value(self, field, spec, ctx):
        return list(field.data or [])

    def empty(self):
        return []

    def display(self, value, spec, ctx):
        return ", ".join(self.label_of(item, spec, ctx) for item in value or ())


@register
class Number(FieldType):
    """A number, optionally whole and between bounds."""

    name = "number"
    # grouping: false prints years as 2023; if_empty: the value formulas use when left blank
    extra_keys = frozenset({"min", "max", "whole", "grouping", "if_empty"})

    def check(self, spec, where):
        problems = super().check(spec, where)
        for key in ("min", "max"):
            if key in spec and not isinstance(spec[key], (int, float)):
                problems.append(f"{where}: {key} must be a number")
        return problems

    def form_field(self, spec, ctx):
        return NumberInput(ctx.tr(spec.label), minimum=spec.get("min"), maximum=spec.get("max"),
                           whole=bool(spec.get("whole")), description=ctx.tr(spec.help),
                           render_kw={"inputmode": "decimal", **self.render_kw(spec, ctx)})

    def to_value(self, field, spec, ctx):
        return decimal_string(field.number)

    def to_form(self, value, spec, ctx):
        return Decimal(value) if value not in (None, "") else ""

    def display(self, value, spec, ctx):
        if value in (None, ""):
            return ""
        return format_number(value) if spec.get("grouping", True) else str(value)


@register
class Scale(Number):
    """A score on a short scale, 1–5 unless the module says otherwise."""

    name = "scale"

    def form_field(self, spec, ctx):
        low, high = int(spec.get("min", 1)), int(spec.get("max", 5))
        return SelectField(ctx.tr(spec.label), choices=choices(
            [("", "—"), *((str(n), str(n)) for n in range(low, high + 1))]),
            description=ctx.tr(spec.help), default="")

    def to_value(self, field, spec, ctx):
        return int(field.data) if field.data else ""

    def to_form(self, value, spec, ctx):
        return str(value) if value not in (None, "") else ""

    def display(self, value, spec, ctx):
        if value in (None, ""):
            return ""
        return f"{value}/{int(spec.get('max', 5))}"


@register
class Money(FieldType):
    """An amount and its ISO 4217 currency; in a table the currency may come from a field
    chosen once for the sheet (``currency_field``)."""

    name = "money"
    extra_keys = frozenset({"currency_field", "min", "if_empty"})

    def check(self, spec, where):
        problems = super().check(spec, where)
        if "currency_field" in spec and not isinstance(spec["currency_field"], str):
            problems.append(f"{where}: currency_field must name a field of the module")
        return problems

    def form_field(self, spec, ctx):
        if spec.get("currency_field"):
            return NumberInput(ctx.tr(spec.label), minimum=spec.get("min", 0), description=ctx.tr(spec.help),
                               render_kw={"inputmode": "decimal"})
        amount = NumberInput(_l("Amount"), minimum=spec.get("min", 0), render_kw={"inputmode": "decimal"})

        class MoneyForm(Form):
            class Meta:
                csrf = False
            currency = SelectField(_l("Currency"), choices=choices(
                [("", "—"), *option_source("currencies", ctx.country)]), default="")

        MoneyForm.amount = amount
        return FormField(MoneyForm, ctx.tr(spec.label), description=ctx.tr(spec.help))

    def currency(self, value, spec, ctx) -> str:
        if spec.get("currency_field"):
            return ctx.answers.get(spec.get("currency_field")) or ""
        return (value or {}).get("currency", "") if isinstance(value, dict) else ""

    def to_value(self, field, spec, ctx):
        if spec.get("currency_field"):
            return decimal_string(field.number)
        amount = decimal_string(field.form.amount.number)
        return {"amount": amount, "currency": field.form.currency.data or ""} if amount else ""

    def to_form(self, value, spec, ctx):
        if spec.get("currency_field"):
            return Decimal(value) if value not in (None, "") else ""
        value = value or {}
        amount = value.get("amount")
        return {"amount": Decimal(amount) if amount not in (None, "") else "",
                "currency": value.get("currency", "")}

    def empty(self):
        return ""

    def is_empty(self, value):
        if isinstance(value, dict):
            return value.get("amount") in (None, "")
        return super().is_empty(value)

    def amount(self, value) -> Decimal | None:
        raw = value.get("amount") if isinstance(value, dict) else value
        return Decimal(str(raw)) if raw not in (None, "") else None

    def display(self, value, spec, ctx):
        amount = self.amount(value)
        return "" if amount is None else format_money(amount, self.currency(value, spec, ctx))


@register
class Date(FieldType):
    """A calendar date, by default within 1990–2100."""

    name = "date"
    extra_keys = frozenset({"min", "max"})

    def bounds(self, spec) -> tuple[date, date]:
        return (date.fromisoformat(str(spec.get("min", "1990-01-01"))),
                date.fromisoformat(str(spec.get("max", "2100-12-31"))))

    def check(self, spec, where):
        problems = super().check(spec, where)
        try:
            self.bounds(spec)
        except ValueError:
            problems.append(f"{where}: min and max must be dates written YYYY-MM-DD")
        return problems

    def form_field(self, spec, ctx):
        low, high = self.bounds(spec)

        def in_range(form, field):
            if field.data and not low <= field.data <= high:
                raise ValidationError(_("Choose a date between %(low)s and %(high)s.",
                                        low=format_date(low, "medium", locale=get_locale()),
                                        high=format_date(high, "medium", locale=get_locale())))

        return DateField(ctx.tr(spec.label), [validators.Optional(), in_range],
                         description=ctx.tr(spec.help),
                         render_kw={"min": low.isoformat(), "max": high.isoformat()})

    def to_value(self, field, spec, ctx):
        return field.data.isoformat() if field.data else ""

    def to_form(self, value, spec, ctx):
        return date.fromisoformat(value) if value else None

    def display(self, value, spec, ctx):
        if not value:
            return ""
        return format_date(date.fromisoformat(value), "medium", locale=get_locale() or "en")


@register
class Reference(FieldType):
    """A row of another worksheet of the same person or team (M4's result from M3), or
    free text when that sheet has no rows yet. Stored as ``{"row": id, "text": label}``."""

    name = "reference"
    extra_keys = frozenset({"module", "field", "label_column"})

    def check(self, spec, where):
        problems = super().check(spec, where)
        for key in ("module", "field", "label_column"):
            if not isinstance(spec.get(key), str):
                problems.append(f"{where}: a reference needs {key} (e.g. module: M3, field: results, "
                                f"label_column: statement)")
        return problems

    def key(self, spec) -> str:
        return f"{spec.get('module')}.{spec.get('field')}"

    def form_field(self, spec, ctx):
        rows = ctx.references.get(self.key(spec), [])

        class ReferenceForm(Form):
            class Meta:
                csrf = False
            row = SelectField(_l("Choose"), choices=choices([("", "—"), *rows]), validate_choice=False,
                              default="")
            text = StringField(_l("or type it"), _length(500, _l(
                "Keep this under %(max)d characters: shorten it or split it.", max=500)))

        return FormField(ReferenceForm, ctx.tr(spec.label), description=ctx.tr(spec.help))

    def to_value(self, field, spec, ctx):
        data = field.data or {}
        labels = dict(ctx.references.get(self.key(spec), []))
        row = data.get("row") or ""
        if row and row in labels:
            return {"row": row, "text": labels[row]}
        text = (data.get("text") or "").strip()
        return {"row": "", "text": text} if text else ""

    def to_form(self, value, spec, ctx):
        if isinstance(value, dict):
            return {"row": value.get("row", ""), "text": "" if value.get("row") else value.get("text", "")}
        return {"row": "", "text": value or ""}

    def is_empty(self, value):
        return not (isinstance(value, dict) and (value.get("row") or value.get("text"))) and \
            super().is_empty(value)

    def display(self, value, spec, ctx):
        if not isinstance(value, dict):
            return value or ""
        labels = dict(ctx.references.get(self.key(spec), []))
        return labels.get(value.get("row") or "", value.get("text", ""))


@register
class Computed(FieldType):
    """A value worked out from others (M8's totals and funding gap), never typed."""

    name = "computed"
    extra_keys = frozenset({"formula", "format", "currency_field"})

    def check(self, spec, where):
        problems = super().check(spec, where)
        try:
            formula_names(str(spec.get("formula", "")))
        except (SyntaxError, ValueError) as error:
            problems.append(f"{where}: formula {spec.get('formula')!r} is not a sum of fields "
                            f"({error})")
        if spec.get("format", "number") not in ("number", "money"):
            problems.append(f"{where}: format must be number or money")
        return problems

    def form_field(self, spec, ctx):
        return None  # nothing to type

    def display(self, value, spec, ctx):
        if value in (None, ""):
            return ""
        if spec.get("format") == "money":
            return format_money(value, ctx.answers.get(spec.get("currency_field") or "") or "")
        return format_number(value)


@register
class Table(FieldType):
    """Rows of columns of the other types, added and removed by the user."""

    name = "table"
    extra_keys = frozenset({"columns", "max_rows", "min_rows", "row_label"})
    in_table = False
    default_max = 200

    def maximum(self, spec) -> int:
        return int(spec.get("max_rows") or self.default_max)

    def check(self, spec, where):
        problems = super().check(spec, where)
        columns = spec.get("columns")
        if not isinstance(columns, list) or not columns:
            problems.append(f"{where}: a table needs a list of columns")
        if "max_rows" in spec and not (isinstance(spec["max_rows"], int) and 0 < spec["max_rows"] <= 500):
            problems.append(f"{where}: max_rows must be a whole number from 1 to 500")
        return problems

    def form_field(self, spec, ctx):
        class RowForm(Form):
            class Meta:
                csrf = False
            row_id = HiddenField()
            delete = HiddenField()

        for column in spec.columns:
            unbound = column.type.form_field(column, ctx)
            if unbound is not None:
                setattr(RowForm, column.name, unbound)
        return FieldList(FormField(RowForm), ctx.tr(spec.label), description=ctx.tr(spec.help),
                         min_entries=0)

    def empty(self):
        return []

    def is_empty(self, value):
        return not value

    def display(self, value, spec, ctx):
        return _("%(count)d rows", count=len(value or ()))


def row_id_ok(value: str) -> bool:
    return bool(ROW_ID.fullmatch(value or ""))
