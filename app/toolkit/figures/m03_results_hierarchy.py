"""M3: the results hierarchy, impact → outcomes → outputs → activities, coloured by horizon."""
from __future__ import annotations

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, box, box_rows, connect, filled_rows, rect, svg, text, wrap

WIDTH = 900
LABELS = 120
AREA = WIDTH - LABELS - 10
LEVELS = ("impact", "outcome", "output", "activity", "")
HORIZONS = ("short", "medium", "long")
# Light to darker, so the horizons differ in grayscale too; each box also names its horizon.
FILLS = {"short": "#fff2cc", "medium": "#c9def2", "long": "#a9cf98", "": PALETTE["grey"]}
LEVEL_GAP, LEGEND, SIZE = 34, 34, 11


def level_names() -> dict[str, str]:
    return {"impact": _("Impact"), "outcome": _("Outcomes"), "output": _("Outputs"),
            "activity": _("Activities"), "": _("Level not set")}


def horizon_names() -> dict[str, str]:
    return {"short": _("Short term"), "medium": _("Medium term"), "long": _("Long term"),
            "": _("No horizon")}


@figure("results_hierarchy")
def results_hierarchy(module, answers, ctx) -> Markup:
    """Rows of result boxes per level, joined top-down, with a legend of the horizon colours."""
    results = [row for row in filled_rows(module, "results", answers) if row.get("statement")]
    by_level = {level: [] for level in LEVELS}
    for row in results:
        by_level[row.get("level") if row.get("level") in LEVELS else ""].append(row)
    horizons = horizon_names()
    options = _horizon_options(module, ctx)
    parts, tiers = [_legend(options)], []
    y = LEGEND + 10
    for level, rows in by_level.items():
        if not rows and level == "":
            continue
        horizon = [row.get("horizon") if row.get("horizon") in HORIZONS else "" for row in rows]
        placed = box_rows([row["statement"] for row in rows] or ["—"], LABELS, AREA, y, per_row=5,
                          size=SIZE, max_lines=4, data=horizon or [None])
        tiers.append((level, placed))
        y = placed[-1][0].bottom + 14 + LEVEL_GAP  # the horizon tag sits below each box
    trunk = LABELS + AREA / 2
    lines = []
    for (_level, upper), (_next, lower) in zip(tiers, tiers[1:]):  # one bus between two levels
        bus = lower[0][0].y - LEVEL_GAP / 2
        lines += [connect(upper[-1], trunk, bus), connect(lower[0], trunk, bus)]
    parts = lines + parts
    names = level_names()
    for level, rows in tiers:
        for placed in (placed for row in rows for placed in row):
            parts.append(box(placed.x, placed.y, placed.width, placed.height, placed.label,
                             fill=FILLS.get(placed.data or "", PALETTE["grey"]), size=SIZE, max_lines=4,
                             weight="bold" if level == "impact" else None))
            if placed.data is not None:
                parts.append(text(placed.x + 3, placed.bottom + 11, horizons[placed.data], size=8.5,
                                  anchor="start", fill=PALETTE["muted"]))
        top, bottom = rows[0][0].y, rows[-1][0].bottom
        name = wrap(names[level], 16, max_lines=2)
        parts.append(text(4, (top + bottom) / 2 - (len(name) - 1) * 6 + 4, name, size=11,
                          anchor="start", weight="bold", fill=PALETTE["muted"]))
    return Markup('<div class="tk-figure-wrap tk-m3">') + \
        svg(WIDTH, y - LEVEL_GAP + 4, Markup("").join(parts), label=_("Results hierarchy")) + \
        Markup("</div>")


def _horizon_options(module, ctx) -> dict[str, str]:
    """The module's own horizon labels ("Short (up to 2 years)"), translated."""
    table = module.field("results")
    spec = next((c for c in table.columns if c.name == "horizon"), None) if table else None
    pairs = dict(spec.type.pairs(spec, ctx)) if spec else {}
    fallback = horizon_names()
    return {horizon: pairs.get(horizon) or fallback[horizon] for horizon in HORIZONS}


def _legend(options: dict[str, str]) -> Markup:
    parts = [text(4, 20, _("Horizon:"), size=11, anchor="start", weight="bold")]
    x = LABELS
    for horizon, label in options.items():
        parts.append(rect(x, 8, 26, 16, fill=FILLS[horizon], stroke=PALETTE["ink"], rx=3))
        parts.append(text(x + 32, 20, label, size=11, anchor="start"))
        x += 32 + len(label) * 6.2 + 28
    return Markup("").join(parts)
