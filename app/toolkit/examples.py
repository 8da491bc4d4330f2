"""Answers written by hand (a module's worked example, the demo course's worksheets) turned
into stored answers: row ids added, numbers as decimal strings, amounts with their currency."""
from __future__ import annotations

from decimal import Decimal

from .fields import FieldSpec
from .numbers import decimal_string
from .modules import Module


def stored_answers(module: Module, values: dict, prefix: str = "ex") -> dict:
    """``values`` (as a module's ``example.answers`` writes them) in the stored form."""
    answers = {}
    for spec in module.fields:
        if spec.name not in values or spec.type.name == "computed":
            continue
        value = values[spec.name]
        if spec.type.name == "table":
            answers[spec.name] = [
                {"row_id": f"{prefix}{number}",
                 **{column.name: _stored(column, row[column.name]) for column in spec.columns
                    if column.name in row and column.type.name != "computed"}}
                for number, row in enumerate(value or (), 1)]
        else:
            answers[spec.name] = _stored(spec, value)
    return answers


def _stored(spec: FieldSpec, value):
    kind = spec.type.name
    if value is None:
        return spec.type.empty()
    if kind == "number":
        return decimal_string(Decimal(str(value)))
    if kind == "scale":
        return int(value)
    if kind == "money":
        if isinstance(value, dict):
            return {"amount": decimal_string(Decimal(str(value.get("amount")))),
                    "currency": value.get("currency", "")}
        return decimal_string(Decimal(str(value)))
    if kind == "reference":
        return value if isinstance(value, dict) else {"row": "", "text": str(value)}
    if kind in ("date", "text", "long_text", "choice"):
        return str(value).strip()
    return value
