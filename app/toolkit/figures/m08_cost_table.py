"""M8: the cost table, its subtotals by pillar and by funding source, and a bar of the money
secured against the funding gap."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from markupsafe import Markup

from ...i18n import _
from ..numbers import format_money, format_number
from .registry import figure
from .svg import PALETTE, cell, column_of, empty_note, filled_rows, rect, svg, table_row, text

TABLE = "costs"
FACTORS = ("quantity", "unit_cost", "frequency", "years")  # multiplied into a row's total
WIDTH = 1000


def amount(value) -> Decimal | None:
    """An answer (a decimal string, a number, or a money dict) as a Decimal, None if empty."""
    if isinstance(value, dict):
        value = value.get("amount")
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass
class Sums:
    total: Decimal = Decimal(0)
    secured: Decimal = Decimal(0)

    @property
    def gap(self) -> Decimal:
        return self.total - self.secured

    def add(self, total: Decimal, secured: Decimal) -> None:
        self.total += total
        self.secured += secured


@dataclass
class Totals:
    """The sheet's money: per row (total, secured), by pillar and source value, and overall.
    A missing secured amount counts as nothing secured, so gap = total − secured everywhere."""

    rows: list[tuple[dict, Decimal | None, Decimal]] = field(default_factory=list)
    by_pillar: dict[str, Sums] = field(default_factory=dict)
    by_source: dict[str, Sums] = field(default_factory=dict)
    all: Sums = field(default_factory=Sums)


def totals(module, answers: dict) -> Totals:
    """Add up the filled rows (``answers`` with computed totals worked out)."""
    result = Totals()
    for row in filled_rows(module, TABLE, answers):
        total, secured = amount(row.get("total")), amount(row.get("secured")) or Decimal(0)
        result.rows.append((row, total, secured))
        for key, groups in ((row.get("pillar") or "", result.by_pillar),
                            (row.get("funding_source") or "", result.by_source)):
            groups.setdefault(key, Sums()).add(total or Decimal(0), secured)
        result.all.add(total or Decimal(0), secured)
    return result


@figure("cost_table")
def cost_table(module, answers, ctx) -> Markup:
    """The costs (HTML), the two subtotal tables and the secured-versus-gap bar (SVG)."""
    found = totals(module, answers)
    if not found.rows:
        return empty_note(_("No costs yet."))
    currency = answers.get("currency") or ""

    def money(value) -> str:
        return format_money(value, currency) if value is not None else "—"

    summaries = Markup('<div class="tk-summaries">{}{}</div>').format(
        _summary(column_of(module, TABLE, "pillar"), found.by_pillar, found.all, money, ctx,
                 _("No pillar chosen")),
        _summary(column_of(module, TABLE, "funding_source"), found.by_source, found.all, money, ctx,
                 _("No source chosen")))
    return Markup('<div class="tk-figure-wrap tk-m8">{}{}{}{}</div>').format(
        _caption(module, currency, ctx), _costs(module, found, money, currency, ctx), summaries,
        _gap_bar(found.all, money))


cost_table.replaces = ("currency", TABLE, "grand_total", "secured_total", "gap_total")


def _caption(module, currency: str, ctx) -> Markup:
    chosen = module.field("currency")
    named = chosen.type.display(currency, chosen, ctx) if chosen and currency else ""
    notes = ([_("Currency: %(currency)s", currency=named)] if named else []) + \
        [_("A row without a secured amount counts as nothing secured.")]
    return Markup('<p class="tk-figure-note">{}</p>').format(" · ".join(notes))


def _costs(module, found: Totals, money, currency: str, ctx) -> Markup:
    """The rows with how each total is worked out, and the totals at the foot."""
    labels = {column.name: ctx.tr(column.label) for column in module.field(TABLE).columns}
    calculation = " × ".join(labels.get(name, name) for name in FACTORS)
    head = table_row(["#", labels.get("action", ""), labels.get("pillar", ""), labels.get("cost_item", ""),
                      calculation, (labels.get("total", ""), "tk-money"), labels.get("funding_source", ""),
                      (labels.get("secured", ""), "tk-money"), (labels.get("gap", ""), "tk-money")],
                     header=True)
    body = []
    for number, (row, total, secured) in enumerate(found.rows, 1):
        def show(name: str) -> str:
            return cell(module, TABLE, name, row, ctx)

        body.append(table_row([
            (str(number), "tk-num"), show("action") or "—", show("pillar"), (show("cost_item"), "tk-lead"),
            _calculation(row, currency), (money(total), "tk-money"), show("funding_source"),
            (money(secured), "tk-money"),
            (money(total - secured) if total is not None else "—", "tk-money")]))
    foot = table_row(["", _("Total"), "", "", "", (money(found.all.total), "tk-money"), "",
                      (money(found.all.secured), "tk-money"), (money(found.all.gap), "tk-money")],
                     css_class="tk-total")
    return Markup('<table class="tk-matrix tk-costs"><thead>{}</thead><tbody>{}</tbody><tfoot>{}</tfoot>'
                  '</table>').format(head, Markup("").join(body), foot)


def _calculation(row: dict, currency: str) -> str:
    """"480 person-day × VND 1,200,000 × 1 × 1": how the row's total is worked out."""
    parts = []
    for name in FACTORS:
        number = amount(row.get(name))
        if number is None:
            parts.append("—")
        elif name == "unit_cost":
            parts.append(format_money(number, currency))
        else:
            parts.append(f"{format_number(number)} {row.get('unit') or ''}".strip() if name == "quantity"
                         else format_number(number))
    return " × ".join(parts)


def _summary(choice, groups: dict, overall: Sums, money, ctx, missing: str) -> Markup:
    """A small table of total, secured and gap per option of the ``choice`` column, and their sum."""
    if choice is None:
        return Markup("")
    order = [value for value, _label in choice.options]
    keys = [value for value in order if value in groups] + [key for key in groups if key not in order]
    head = table_row([ctx.tr(choice.label), (_("Total"), "tk-money"), (_("Secured"), "tk-money"),
                      (_("Gap"), "tk-money"), (_("Share"), "tk-money")], header=True)
    body = []
    for key in keys:
        sums = groups[key]
        share = f"{round(100 * sums.total / overall.total)}%" if overall.total else "—"
        name = choice.type.display(key, choice, ctx) if key else missing
        body.append(table_row([name, (money(sums.total), "tk-money"), (money(sums.secured), "tk-money"),
                               (money(sums.gap), "tk-money"), (share, "tk-money")]))
    foot = table_row([_("Total"), (money(overall.total), "tk-money"), (money(overall.secured), "tk-money"),
                      (money(overall.gap), "tk-money"), ("100%" if overall.total else "—", "tk-money")],
                     css_class="tk-total")
    caption = _("Subtotals by %(column)s", column=ctx.tr(choice.label))
    return Markup('<table class="tk-matrix tk-subtotals"><caption>{}</caption><thead>{}</thead>'
                  '<tbody>{}</tbody><tfoot>{}</tfoot></table>').format(caption, head, Markup("").join(body),
                                                                       foot)


def _gap_bar(overall: Sums, money) -> Markup:
    """One bar as long as the total: the secured part dark, the gap light, both labelled."""
    title = _("Secured and funding gap")
    left, width, top = 8, WIDTH - 16, 26
    parts = [text(left, 15, title, size=12, anchor="start", weight="bold")]
    if overall.total <= 0:
        parts.append(text(left, top + 16, _("No total cost yet."), size=11, anchor="start"))
        return svg(WIDTH, top + 26, Markup("").join(parts), label=title, css_class="tk-figure tk-gap-bar")
    secured = min(max(overall.secured, Decimal(0)), overall.total)
    share = float(secured / overall.total)
    split = left + width * share
    parts.append(rect(left, top, width, 30, fill=PALETTE["red"], stroke=PALETTE["ink"]))
    if share:
        parts.append(rect(left, top, width * share, 30, fill=PALETTE["green_dark"], stroke=PALETTE["ink"]))
    secured_words = _("Secured: %(amount)s (%(share)d%%)", amount=money(overall.secured),
                      share=round(100 * share))
    if overall.gap >= 0:
        gap_words = _("Gap: %(amount)s (%(share)d%%)", amount=money(overall.gap),
                      share=100 - round(100 * share))
    else:
        gap_words = _("Secured exceeds the total by %(amount)s", amount=money(-overall.gap))
    parts.append(text(left, top + 50, secured_words, size=11.5, anchor="start", weight="bold",
                      fill=PALETTE["green_dark"]))
    parts.append(text(left + width, top + 50, gap_words, size=11.5, anchor="end", weight="bold",
                      fill=PALETTE["red_dark"]))
    parts.append(rect(split - 1, top - 4, 2, 38, fill=PALETTE["ink"]))
    total_words = _("Total cost: %(amount)s", amount=money(overall.total))
    parts.append(text(left + width, 15, total_words, size=11, anchor="end"))
    return svg(WIDTH, top + 58, Markup("").join(parts), label=f"{title}: {secured_words}; {gap_words}",
               css_class="tk-figure tk-gap-bar")
