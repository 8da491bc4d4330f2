"""M4: one indicator reference sheet per indicator, its SMART scores as a small bar chart."""
from __future__ import annotations

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, esc, filled_rows, line, rect, svg, text, wrap

BAR_LEFT, BAR_WIDTH, BAR_HEIGHT, STEP = 150, 220, 14, 24
LOW = 3  # a score under this should be improved (the module's help says so)


@figure("indicator_sheets")
def indicator_sheets(module, answers, ctx) -> Markup:
    """A reference sheet per indicator (each on its own page in the PDF)."""
    table = module.field("indicators")
    if table is None:
        return Markup("")
    rows = filled_rows(module, "indicators", answers)
    title_column, *others = table.columns
    scores = [c for c in others if c.type.name == "scale"]
    fields = [c for c in others if c.type.name != "scale"]
    sheets = []
    for number, row in enumerate(rows, 1):
        cells = Markup("").join(
            Markup('<tr><th scope="row">{}</th><td>{}</td></tr>').format(
                ctx.tr(column.label), column.type.html(row.get(column.name), column, ctx) or "—")
            for column in fields)
        name = row.get(title_column.name) or "—"
        sheets.append(Markup(
            '<section class="tk-indicator"><p class="tk-kicker">{}</p><h3 class="tk-indicator-name">{}</h3>'
            '<table class="tk-reference">{}</table>'
            '<div class="tk-smart"><h4>{}</h4>{}</div></section>').format(
                _("Indicator reference sheet %(number)d of %(count)d", number=number, count=len(rows)),
                name, cells, _("SMART self-check"),
                smart_chart([(ctx.tr(c.label), row.get(c.name), int(c.get("max", 5))) for c in scores],
                            _("SMART scores of %(indicator)s", indicator=name))))
    if not sheets:
        return Markup('<p class="tk-figure-empty">') + esc(_("No indicators yet.")) + Markup("</p>")
    return Markup('<div class="tk-figure-wrap tk-m4">') + Markup("").join(sheets) + Markup("</div>")


indicator_sheets.replaces = ("indicators",)  # each sheet shows every column: no table after them


def smart_chart(scores: list[tuple[str, object, int]], label: str) -> Markup:
    """Horizontal bars, one per (label, score, maximum); low scores are marked "!"."""
    width = BAR_LEFT + BAR_WIDTH + 60
    parts = []
    for index, (name, value, maximum) in enumerate(scores):
        y = 6 + index * STEP
        parts.append(text(BAR_LEFT - 8, y + BAR_HEIGHT - 3, wrap(name, 24, max_lines=1), size=11,
                          anchor="end"))
        parts.append(rect(BAR_LEFT, y, BAR_WIDTH, BAR_HEIGHT, fill=PALETTE["grey"],
                          stroke=PALETTE["line"]))
        for step in range(1, maximum):
            x = BAR_LEFT + BAR_WIDTH * step / maximum
            parts.append(line(x, y, x, y + BAR_HEIGHT, stroke=PALETTE["paper"], width=1))
        try:
            score = max(0, min(int(value), maximum))
        except (TypeError, ValueError):
            parts.append(text(BAR_LEFT + BAR_WIDTH + 8, y + BAR_HEIGHT - 3, "—", size=11, anchor="start"))
            continue
        low = score < LOW
        parts.append(rect(BAR_LEFT, y, BAR_WIDTH * score / maximum, BAR_HEIGHT,
                          fill=PALETTE["orange_dark"] if low else PALETTE["blue_dark"]))
        parts.append(text(BAR_LEFT + BAR_WIDTH + 8, y + BAR_HEIGHT - 3,
                          f"{score}/{maximum}" + (" !" if low else ""), size=11, anchor="start",
                          weight="bold" if low else None))
    return svg(width, 8 + len(scores) * STEP, Markup("").join(parts), label=label,
               css_class="tk-figure tk-smart-chart")
