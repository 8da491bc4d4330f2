"""Computed fields' formulas: + - * / over field names, and ``sum(table.column)``."""
from __future__ import annotations

import ast
import operator
from decimal import Decimal

LARGEST = Decimal("1e18")  # computed values beyond this are not shown (no budget is this big)

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv}


def formula_names(formula: str) -> set[str]:
    """The field names a formula reads (raises SyntaxError or ValueError if it is not one)."""
    tree = ast.parse(formula, mode="eval")
    names, tables = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "sum" and len(node.args) == 1
                    and isinstance(node.args[0], ast.Attribute)):
                raise ValueError("only sum(table.column) may be called")
            if not isinstance(node.args[0].value, ast.Name):
                raise ValueError("write sum(table.column)")
            names.add(f"{node.args[0].value.id}.{node.args[0].attr}")
            tables.add(node.args[0].value)
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Constant,
                                   ast.Load, ast.Attribute, *_OPERATORS)):
            raise ValueError(f"{type(node).__name__} is not allowed")
    names -= {node.id for node in tables}
    return {name for name in names if name != "sum"}


def evaluate(formula: str, values: dict, tables: dict | None = None) -> Decimal | None:
    """Evaluate a formula of + - * / over ``values`` (Decimal), and ``sum(table.column)``
    over ``tables``; None when an input is missing or a division by zero."""

    def run(node):
        if isinstance(node, ast.Expression):
            return run(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            if value is None:
                raise LookupError(node.id)
            return value
        if isinstance(node, ast.UnaryOp):
            return -run(node.operand)
        if isinstance(node, ast.BinOp):
            return _OPERATORS[type(node.op)](run(node.left), run(node.right))
        if isinstance(node, ast.Call):
            argument = node.args[0]
            return sum((value for value in (tables or {}).get(f"{argument.value.id}.{argument.attr}", [])
                        if value is not None), Decimal(0))
        raise ValueError(type(node).__name__)

    try:
        result = run(ast.parse(formula, mode="eval"))
    except (LookupError, ArithmeticError):
        return None
    # Each input is below 10^15; products of several can be absurd: show nothing, never crash.
    return result if result.is_finite() and abs(result) < LARGEST else None
