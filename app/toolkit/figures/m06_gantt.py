"""M6: the reporting calendar as a 12-month Gantt chart: a bar for the period each row
covers, a diamond on its due date, rows numbered as in the table below it."""
from __future__ import annotations

import calendar
from datetime import date

from babel.dates import format_date, get_month_names
from flask_babel import get_locale
from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, SERIES, cell, column_of, empty_note, filled_rows, line, polygon, rect, svg, \
    text, wrap

TABLE = "calendar"
WIDTH = 1000
MONTH = 58  # one month column
LEFT = WIDTH - 8 - 12 * MONTH  # where January (or the first month) starts
HEAD = 38  # the year and month labels
# The most a drawing is high, so a long calendar breaks across landscape pages (the first
# shares its page with the sheet's title).
FIRST_HEIGHT, MAX_HEIGHT = 460, 550
FILLS = (*SERIES, "#d9d9d9", "#f4c7c3", "#e2f0d9", "#ffffff")


def parse(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def add_months(day: date, count: int) -> date:
    months = day.year * 12 + day.month - 1 + count
    return date(months // 12, months % 12 + 1, 1)


def dates(row: dict) -> tuple[date | None, date | None, date | None]:
    """A row's period start, period end and due date (a missing end is the start, and back)."""
    start, end = parse(row.get("period_start")), parse(row.get("period_end"))
    start, end = start or end, end or start
    if start and end and end < start:
        start, end = end, start
    return start, end, parse(row.get("due_date"))


def first_month(rows: list[dict]) -> date:
    """The first of the 12 months shown: of the windows starting in January of a due date's
    year or in a month a row starts or falls due, the one holding the most due dates, then
    the most months of periods; January first, then the earliest."""
    spans = [dates(row) for row in rows]
    candidates = set()
    for start, _end, due in spans:
        for day in (start, due):
            if day:
                candidates.update({date(day.year, day.month, 1), date(day.year, 1, 1)})
    if not candidates:
        return date(date.today().year, 1, 1)

    def score(first: date):
        last = add_months(first, 12)
        dues = sum(1 for _s, _e, due in spans if due and first <= due < last)
        months = sum(max(0, (min(end, last) - max(start, first)).days)
                     for start, end, _due in spans if start and end)
        return dues, months, first.month == 1, -first.toordinal()

    return max(candidates, key=score)


def x_of(day: date, first: date) -> float:
    """Where ``day`` falls across the month columns (may lie outside them)."""
    months = (day.year - first.year) * 12 + day.month - first.month
    days = calendar.monthrange(day.year, day.month)[1]
    return LEFT + (months + (day.day - 1) / days) * MONTH


def end_x(day: date, first: date) -> float:
    """The right edge of ``day`` (a period ending on the 30th fills that day)."""
    days = calendar.monthrange(day.year, day.month)[1]
    return x_of(day, first) + MONTH / days


@figure("gantt")
def gantt(module, answers, ctx) -> Markup:
    """The timeline (in drawings that each fit a page) and a legend by type."""
    spec = module.field(TABLE)
    rows = filled_rows(module, TABLE, answers)
    if spec is None or not rows:
        return empty_note(_("No rows yet."))
    first = first_month(rows)
    types = column_of(module, TABLE, "type")
    order = [value for value, _label in types.options] if types else []
    drawings, chunk, height = [], [], HEAD
    for number, row in enumerate(rows, 1):
        row_height = _row_height(module, row, ctx)
        if chunk and height + row_height > (MAX_HEIGHT if drawings else FIRST_HEIGHT):
            drawings.append(_chart(module, chunk, first, order, ctx))
            chunk, height = [], HEAD
        chunk.append((number, row))
        height += row_height
    drawings.append(_chart(module, chunk, first, order, ctx))
    return Markup('<div class="tk-figure-wrap tk-m6">') + Markup("").join(drawings) + \
        _legend(module, rows, order, ctx) + Markup("</div>")


def _fill(row: dict, order: list[str]) -> str:
    value = row.get("type")
    return FILLS[order.index(value) % len(FILLS)] if value in order else PALETTE["paper"]


def _chart(module, numbered: list[tuple[int, dict]], first: date, order: list[str], ctx) -> Markup:
    heights = [_row_height(module, row, ctx) for _n, row in numbered]
    height = HEAD + sum(heights) + 4
    parts = [_months(first, height)]
    y = HEAD
    for (number, row), row_height in zip(numbered, heights):
        parts.append(_row(module, number, row, y, row_height, first, order, ctx))
        y += row_height
    parts.append(line(LEFT, HEAD, LEFT, height - 4, stroke=PALETTE["ink"]))
    parts.append(line(8, height - 4, WIDTH - 8, height - 4, stroke=PALETTE["ink"]))
    label = _("Reporting calendar, 12 months from %(month)s",
              month=format_date(first, "MMMM y", locale=get_locale() or "en"))
    return svg(WIDTH, height, Markup("").join(parts), label=label, css_class="tk-figure tk-gantt")


def _months(first: date, height: float) -> Markup:
    names = get_month_names("abbreviated", locale=get_locale() or "en")
    parts = []
    for index in range(12):
        month = add_months(first, index)
        x = LEFT + index * MONTH
        if index % 2:
            parts.append(rect(x, HEAD, MONTH, height - 4 - HEAD, fill="#f6f6f6", stroke="none"))
        if index and month.month != 1:
            parts.append(line(x, HEAD - 16, x, height - 4, stroke=PALETTE["line"], width=0.5))
        if index == 0 or month.month == 1:
            parts.append(text(x + 3, 12, str(month.year), size=10, anchor="start", weight="bold"))
            if index:
                parts.append(line(x, 0, x, height - 4, stroke=PALETTE["ink"], width=1.2))
        parts.append(text(x + MONTH / 2, HEAD - 6, names[month.month], size=9.5))
    parts.append(line(8, HEAD, WIDTH - 8, HEAD, stroke=PALETTE["ink"]))
    return Markup("").join(parts)


def _label(module, number: int, row: dict, ctx) -> tuple[list[str], list[str]]:
    """The row's product (up to two lines) and its type and responsible (one muted line)."""
    product = wrap(f"{number}. {row.get('product') or '—'}", 44, max_lines=2)
    facts = " · ".join(part for part in (cell(module, TABLE, "type", row, ctx),
                                         cell(module, TABLE, "responsible", row, ctx)) if part)
    return product, wrap(facts, 54, max_lines=1)


def _row_height(module, row: dict, ctx) -> float:
    product, facts = _label(module, 0, row, ctx)
    return max(28, 12.5 * len(product) + 11 * len(facts) + 8)


def _row(module, number: int, row: dict, y: float, height: float, first: date,
         order: list[str], ctx) -> Markup:
    product, facts = _label(module, number, row, ctx)
    parts = [line(8, y + height, WIDTH - 8, y + height, stroke=PALETTE["line"], width=0.5),
             text(12, y + 14, product, size=10, anchor="start")]
    if facts:
        parts.append(text(12, y + 14 + 12.5 * len(product), facts, size=8.5, anchor="start",
                          fill=PALETTE["muted"]))
    middle = y + height / 2
    last = add_months(first, 12)
    right = LEFT + 12 * MONTH
    start, end, due = dates(row)
    if start and end and start < last and end >= first:
        left_x, right_x = max(x_of(start, first), LEFT), min(end_x(end, first), right)
        parts.append(rect(left_x, middle - 6, max(right_x - left_x, 2), 12, fill=_fill(row, order),
                          stroke=PALETTE["ink"], stroke_width="0.8", class_="tk-bar"))
        if start < first:  # the period began earlier: a notch pointing left
            parts.append(polygon([(left_x + 2, middle), (left_x + 8, middle - 4), (left_x + 8, middle + 4)],
                                 fill=PALETTE["ink"]))
        if end >= last:
            parts.append(polygon([(right_x - 2, middle), (right_x - 8, middle - 4),
                                  (right_x - 8, middle + 4)], fill=PALETTE["ink"]))
    if due and first <= due < last:
        cx = x_of(due, first) + MONTH / calendar.monthrange(due.year, due.month)[1] / 2
        parts.append(polygon([(cx, middle - 8), (cx + 6, middle), (cx, middle + 8), (cx - 6, middle)],
                             fill=PALETTE["ink"], stroke=PALETTE["paper"], stroke_width="1",
                             class_="tk-due"))
    elif due:  # outside the 12 months: say when, on a white label at that edge
        when = format_date(due, "medium", locale=get_locale() or "en")
        before = due < first
        label = _("due %(date)s", date=when)
        label = f"← {label}" if before else f"{label} →"
        width = len(label) * 4.9 + 8
        x = LEFT + 12 if before else right - 12 - width
        parts.append(rect(x, middle - 7, width, 14, fill=PALETTE["paper"], stroke=PALETTE["line"], rx=3))
        parts.append(text(x + width / 2, middle + 3.5, label, size=8.5, fill=PALETTE["ink"]))
    return Markup("").join(parts)


def _legend(module, rows: list[dict], order: list[str], ctx) -> Markup:
    """Swatches for the types used, and the diamond for a due date."""
    used = [value for value in order if any(row.get("type") == value for row in rows)]
    items = [(rect(0, 0, 18, 10, fill=_fill({"type": value}, order), stroke=PALETTE["ink"],
                   stroke_width="0.8"), cell(module, TABLE, "type", {"type": value}, ctx))
             for value in used]
    items.append((polygon([(9, -3), (15, 5), (9, 13), (3, 5)], fill=PALETTE["ink"]), _("Due date")))
    parts, x, y = [], 8, 6
    for swatch, label in items:
        width = 26 + len(label) * 5.6 + 18
        if x + width > WIDTH:
            x, y = 8, y + 20
        parts.append(Markup('<g transform="translate({} {})">{}</g>').format(x, y, swatch))
        parts.append(text(x + 24, y + 9, label, size=9.5, anchor="start"))
        x += width
    return svg(WIDTH, y + 20, Markup("").join(parts), label=_("Legend"),
               css_class="tk-figure tk-gantt tk-legend-strip")
