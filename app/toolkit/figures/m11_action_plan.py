"""M11: the one-page country action plan: the top three priorities, the actions in a compact
table, and a signature block for the people who sign it off."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_skeleton
from flask_babel import get_locale
from markupsafe import Markup

from ...i18n import _
from ..numbers import format_money
from .registry import figure
from .m08_cost_table import amount
from .svg import cell, column_of, filled_rows, table_row, with_sub

TABLE = "actions"
SIGNATURES = 3  # lines drawn at least, named or blank
PER_LINE = 4  # signatures side by side
NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•–])\s*")


def priorities(text: str) -> list[str]:
    """The priorities typed one per line, without their "1." or "-" in front."""
    return [line for line in (NUMBERING.sub("", raw).strip() for raw in (text or "").splitlines()) if line]


def signers(text: str) -> list[str]:
    """The sign-off names (split on commas, semicolons and new lines), padded with blank
    lines to at least three."""
    names = [name.strip() for name in re.split(r"[,;\n]", text or "") if name.strip()]
    return names + [""] * max(0, SIGNATURES - len(names))


@figure("action_plan")
def action_plan(module, answers, ctx) -> Markup:
    """The plan as one landscape page (HTML; it has no drawing)."""
    rows = filled_rows(module, TABLE, answers)
    top = Markup('<div class="tk-plan-top">{}{}</div>').format(
        _priorities(module, answers, ctx), _summary(module, rows, ctx))
    table = _table(module, rows, ctx) if rows else \
        Markup('<p class="tk-figure-empty">{}</p>').format(_("No actions yet."))
    return Markup('<div class="tk-figure-wrap tk-m11">{}{}{}</div>').format(
        top, table, _signatures(answers.get("sign_off") or ""))


action_plan.replaces = (TABLE, "top_priorities", "sign_off")


def _priorities(module, answers, ctx) -> Markup:
    spec = module.field("top_priorities")
    heading = ctx.tr(spec.label) if spec else _("Top 3 priorities, next 6 months")
    items = priorities(answers.get("top_priorities") or "")
    listed = Markup("<ol>{}</ol>").format(Markup("").join(Markup("<li>{}</li>").format(item)
                                                          for item in items)) \
        if items else Markup('<p class="tk-figure-empty">—</p>')
    return Markup('<section class="tk-priorities"><h3>{}</h3>{}</section>').format(heading, listed)


def _table(module, rows: list[dict], ctx) -> Markup:
    """The actions, one line each: who, with whom, when, with what money, how we know."""
    label = {column.name: ctx.tr(column.label) for column in module.field(TABLE).columns}
    head = table_row([("#", "tk-w-num"), *((label.get(name, ""), f"tk-w-{name}") for name in (
        "action", "responsible", "partners")), (_("When"), "tk-w-when"),
        (label.get("resources_amount", ""), "tk-w-resources"),
        (label.get("indicator", ""), "tk-w-indicator"), (label.get("status", ""), "tk-w-status")],
        header=True)
    body = []
    for number, row in enumerate(rows, 1):
        def show(name: str) -> str:
            return cell(module, TABLE, name, row, ctx)

        body.append(table_row([(str(number), "tk-num"), (show("action"), "tk-lead"), show("responsible"),
                               show("partners"), (_period(row), "tk-when"),
                               with_sub(show("resources_amount"), show("resources_note")),
                               show("indicator"), (show("status"), "tk-status")]))
    return Markup('<table class="tk-matrix tk-plan"><thead>{}</thead><tbody>{}</tbody></table>').format(
        head, Markup("").join(body))


def _month(value) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ""
    return format_skeleton("yMMM", day, locale=get_locale() or "en")


def _period(row: dict) -> str:
    start, end = _month(row.get("start") or ""), _month(row.get("end") or "")
    if start and end:
        return start if start == end else f"{start} – {end}"
    return start or end or ""


def _summary(module, rows: list[dict], ctx) -> Markup:
    """The number of actions, the resources needed per currency and the count per status."""
    sums: dict[str, Decimal] = {}
    for row in rows:
        value = row.get("resources_amount")
        number = amount(value)
        if number is not None:
            currency = value.get("currency", "") if isinstance(value, dict) else ""
            sums[currency] = sums.get(currency, Decimal(0)) + number
    facts = [_("%(count)d actions", count=len(rows))]
    if sums:
        amounts = " + ".join(format_money(total, currency) for currency, total in sums.items())
        facts.append(_("Resources needed: %(amounts)s", amounts=amounts))
    status = column_of(module, TABLE, "status")
    for value, label in status.options if status else ():
        count = sum(1 for row in rows if row.get("status") == value)
        if count:
            facts.append(f"{ctx.tr(label)}: {count}")
    return Markup('<section class="tk-plan-facts">{}</section>').format(
        Markup("").join(Markup("<p>{}</p>").format(fact) for fact in facts))


def _signatures(text: str) -> Markup:
    """A signature line per name (at least three), each with a date line."""
    cells = [Markup('<td><div class="tk-sign-space"></div><div class="tk-sign-line">{}</div>'
                    '<div class="tk-sign-date">{}</div></td>').format(name or Markup("&nbsp;"), _("Date:"))
             for name in signers(text)]
    rows = Markup("").join(Markup("<tr>{}</tr>").format(Markup("").join(cells[start:start + PER_LINE]))
                           for start in range(0, len(cells), PER_LINE))
    return Markup('<section class="tk-signatures"><h3>{}</h3><table>{}</table></section>').format(
        _("Signed off by"), rows)
