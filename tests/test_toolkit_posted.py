"""A save read without a form (app/toolkit/posted.py) reads every post as the module's form does,
with the same values and the same errors, and draws stored answers as the same inputs: over
every module, in three languages, with valid, invalid, hostile and missing inputs."""
import random

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, SelectMultipleField

from app.toolkit import forms, posted
from app.toolkit.fields import Context
from app.toolkit.modules import modules
from app.toolkit.translation import translate

ROW_IDS = ["r1", "r2", "r3", "r4", "r5", "r6"]
NUMBERS = ["", "12", "1250.5", "1.250,5", "1,250.5", "-3", "2023", "0", "12abc", "NaN", "sNaN",
           "-nan", "Infinity", "1e20", "١٢", " 7 ", "7.5", "99999999999999999"]
TEXTS = ["", "Ministry of Home Affairs", "  spaced  ", "Hội Liên hiệp Phụ nữ Việt Nam", "ក្រសួង",
         "=cmd|' /C calc'!A0", "line\r\nbreak", "x" * 600, "nul\x00char", "<script>alert(1)</script>"]
DATES = ["", "2025-04-09", "2025-02-30", "09/04/2025", "1900-01-01", "2200-01-01", "  ", "2030-12-31"]


def leaf_value(field) -> list[str]:
    if isinstance(field, SelectMultipleField):
        return [str(value) for value in field.data or ()]
    if isinstance(field, SelectField):
        return ["" if field.data is None else str(field.data)]
    return [field._value()]


def form_state(form, module) -> dict:
    """Every input's value(s) as the page's form draws them: the reference posted.state must
    give without a form."""
    fields, rows = {}, {}
    for spec in module.fields:
        if spec.type.name == "computed":
            continue
        if spec.type.name == "table":
            rows[spec.name] = [{"row_id": entry.form.row_id.data or "",
                                "cells": {leaf.name[len(entry.name) + 1:]: leaf_value(leaf)
                                          for leaf in forms.leaves(entry)}}
                               for entry in form[spec.name].entries]
        else:
            fields.update((leaf.name, leaf_value(leaf)) for leaf in forms.leaves(form[spec.name]))
    return {"fields": fields, "rows": rows}


def context(module) -> Context:
    references = {column.type.key(column): [("ref1", "A result"), ("ref2", "Another")]
                  for spec in module.fields for column in [spec, *spec.columns]
                  if column.type.name == "reference"}
    return Context(country="VN", answers={}, references=references, translate=translate)


def choice_values(spec, ctx, rng) -> list[str]:
    pairs = spec.type.pairs(spec, ctx)
    good = [value for value, _label in pairs]
    return [rng.choice(good) if good else "", "", "not-an-option", rng.choice(good) if good else "x"]


def inputs(spec, ctx, name: str, rng) -> list[tuple[str, str]]:
    """Posted inputs for one field: usually valid, sometimes wrong, sometimes missing."""
    kind = spec.type.name
    if rng.random() < 0.1:
        return []  # not sent at all
    if kind in ("text", "long_text"):
        return [(name, rng.choice(TEXTS))]
    if kind == "choice":
        return [(name, rng.choice(choice_values(spec, ctx, rng)))]
    if kind == "multi_choice":
        values = choice_values(spec, ctx, rng)
        return [(name, value) for value in rng.sample(values, rng.randint(0, len(values)))]
    if kind == "scale":
        return [(name, rng.choice(["", "1", "3", "5", "9", "x"]))]
    if kind == "number" or kind == "money" and spec.get("currency_field"):
        return [(name, rng.choice(NUMBERS))]
    if kind == "money":
        return [(f"{name}-amount", rng.choice(NUMBERS)),
                (f"{name}-currency", rng.choice(["", "VND", "USD", "XXX", "IDR"]))]
    if kind == "date":
        return [(name, rng.choice(DATES))]
    if kind == "reference":
        return [(f"{name}-row", rng.choice(["", "ref1", "ref2", "gone"])),
                (f"{name}-text", rng.choice(TEXTS))]
    return []


def post(module, ctx, rng) -> MultiDict:
    data = []
    for spec in module.fields:
        if spec.type.name == "table":
            numbers = sorted(rng.sample(range(8), rng.randint(0, 5)))
            for index in numbers:
                prefix = f"{spec.name}-{index}"
                data.append((f"{prefix}-row_id", rng.choice(ROW_IDS)))
                if rng.random() < 0.15:
                    data.append((f"{prefix}-delete", "1"))
                for column in spec.columns:
                    data += inputs(column, ctx, f"{prefix}-{column.name}", rng)
        else:
            data += inputs(spec, ctx, spec.name, rng)
    return MultiDict(data)




@pytest.mark.parametrize("language", ["en", "vi", "km"])
def test_a_post_reads_the_same_without_a_form(app, language):
    rng = random.Random(f"posted-{language}")
    compared = 0
    with app.test_request_context(f"/?lang={language}"):
        for module in modules().values():
            ctx = context(module)
            for _ in range(40):
                formdata = post(module, ctx, rng)
                expected = forms.read(forms.build(module, ctx, formdata=formdata), module, ctx)
                assert posted.read(module, ctx, formdata) == expected, (module.key, formdata)
                compared += 1
    assert compared == 40 * len(modules())


@pytest.mark.parametrize("language", ["en", "vi", "km"])
def test_stored_answers_show_as_the_same_inputs_without_a_form(app, language):
    rng = random.Random(f"state-{language}")
    with app.test_request_context(f"/?lang={language}"):
        for module in modules().values():
            ctx = context(module)
            examples = [forms.computed(module, (module.example or {}).get("answers") or {}, ctx), {}]
            for _ in range(20):  # answers as saves store them
                answers, _errors = posted.read(module, ctx, post(module, ctx, rng))
                examples.append(forms.keep_stored(answers, {}))
            for answers in examples:
                ctx.answers = answers
                expected = form_state(forms.build(module, ctx, answers=answers), module)
                assert posted.state(module, ctx, answers) == expected, module.key


def test_nan_and_infinity_are_refused_as_numbers(app):
    module = modules()["M8"]
    ctx = context(module)
    number = next(column for spec in module.tables() for column in spec.columns
                  if column.type.name == "number")
    table = next(spec for spec in module.tables() if number in spec.columns)
    with app.test_request_context("/"):
        for text in ("NaN", "sNaN", "-nan", "Infinity", "-inf"):
            name = f"{table.name}-0-{number.name}"
            answers, errors = posted.read(module, ctx, MultiDict([(f"{table.name}-0-row_id", "r1"),
                                                                  (name, text)]))
            assert answers[table.name][0][number.name] is forms.INVALID
            assert errors[name] == ["Type a number here, such as 1,250.5."], text


SAMPLES = ["12", "1250.5", "1.250,5", "1,250.5", "1,250", "1.250", "12,50", "1.25", "-3", "-1,234.5",
           "1,234,567.89", "1.234.567,89", "0,5", "1 234,5", "10,000,000", "1e5"]


@pytest.mark.parametrize("language", ["en", "vi", "id", "ms", "fil", "th", "km", "lo", "my", "pt", "tet"])
def test_numbers_read_quickly_as_babel_reads_them(app, language):
    """parse_number reads a number written the locale's way without Babel's strict parsing
    (slow: it formats the number again to compare); what Babel accepts reads the same."""
    from babel import numbers as babel_numbers
    from flask_babel import get_locale

    from app.toolkit.numbers import parse_number

    with app.test_request_context(f"/?lang={language}"):
        for text in SAMPLES:
            plain = text.replace(" ", "")
            try:
                expected = babel_numbers.parse_decimal(plain, locale=get_locale(), strict=True)
            except babel_numbers.NumberFormatError:
                continue
            assert parse_number(text) == expected, (language, text)
