"""M1: the power–interest grid, actors as numbered dots, with a legend of their names."""
from __future__ import annotations

import math
from collections import defaultdict

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, circle, esc, filled_rows, line, rect, svg, text

CELL = 80  # one score step on either axis
LEFT, TOP = 64, 12  # room for the influence axis on the left
SIZE = 5 * CELL


def score(value) -> int | None:
    """A 1–5 score from an answer, or None when missing or out of range."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 5 else None


def spots(count: int) -> tuple[list[tuple[float, float]], float]:
    """Offsets from a cell's centre for ``count`` dots sharing it, and the dot radius."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    step = min(24.0, (CELL - 6) / columns)
    radius = min(10.0, step / 2 - 1)
    offsets = []
    for index in range(count):
        row, column = divmod(index, columns)
        in_row = min(columns, count - row * columns)  # centre a short last row
        offsets.append(((column - (in_row - 1) / 2) * step, (row - (rows - 1) / 2) * step))
    return offsets, radius


def x_of(interest: float) -> float:
    return LEFT + (interest - 0.5) * CELL


def y_of(influence: float) -> float:
    return TOP + (5.5 - influence) * CELL


@figure("power_interest")
def power_interest(module, answers, ctx) -> Markup:
    """The grid (influence up, interest across) with one numbered dot per scored actor."""
    table = module.field("actors")
    columns = {c.name: c for c in table.columns} if table else {}
    influence_label = ctx.tr(columns["influence"].label) if "influence" in columns else _("Influence")
    interest_label = ctx.tr(columns["interest"].label) if "interest" in columns else _("Interest")
    actors = filled_rows(module, "actors", answers)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for number, row in enumerate(actors, 1):
        influence, interest = score(row.get("influence")), score(row.get("interest"))
        if influence and interest:
            cells[(interest, influence)].append(number)

    body = [_quadrants(), _grid(influence_label, interest_label)]
    for (interest, influence), numbers in sorted(cells.items()):
        offsets, radius = spots(len(numbers))
        for number, (dx, dy) in zip(numbers, offsets):
            cx, cy = x_of(interest) + dx, y_of(influence) + dy
            body.append(circle(cx, cy, radius, fill=PALETTE["blue_dark"], stroke=PALETTE["paper"],
                               stroke_width="1.5", class_="tk-dot"))
            body.append(text(cx, cy + radius * 0.4, str(number), size=round(radius * 1.05, 1),
                             weight="bold", fill=PALETTE["paper"]))
    title = _("Power–interest grid")
    drawing = svg(LEFT + SIZE + 12, TOP + SIZE + 52, Markup("").join(body), label=title)
    return Markup('<div class="tk-figure-wrap tk-m1">') + drawing + \
        _legend(actors, influence_label, interest_label) + Markup("</div>")


def _quadrants() -> Markup:
    middle = x_of(3), y_of(3)
    half = SIZE / 2
    parts = []
    for (x, y), fill, label, top in (
            ((LEFT, TOP), PALETTE["yellow"], _("Keep satisfied"), True),
            ((middle[0], TOP), PALETTE["red"], _("Manage closely"), True),
            ((LEFT, middle[1]), PALETTE["grey"], _("Monitor"), False),
            ((middle[0], middle[1]), PALETTE["blue"], _("Keep informed"), False)):
        parts.append(rect(x, y, half, half, fill=fill))
        baseline = y + 15 if top else y + half - 7
        parts.append(text(x + half / 2, baseline, label, size=12, weight="bold",
                          fill=PALETTE["ink"], class_="tk-quadrant"))
    return Markup("").join(parts)


def _grid(influence_label: str, interest_label: str) -> Markup:
    parts = []
    for value in range(1, 6):  # ticks at the scores, outside the plot
        parts.append(line(x_of(value), TOP + SIZE, x_of(value), TOP + SIZE + 5))
        parts.append(line(LEFT - 5, y_of(value), LEFT, y_of(value)))
        parts.append(text(x_of(value), TOP + SIZE + 16, str(value), size=11))
        parts.append(text(LEFT - 10, y_of(value) + 4, str(value), size=11, anchor="end"))
    parts.append(line(x_of(3), TOP, x_of(3), TOP + SIZE, width=1.5))
    parts.append(line(LEFT, y_of(3), LEFT + SIZE, y_of(3), width=1.5))
    parts.append(rect(LEFT, TOP, SIZE, SIZE, stroke=PALETTE["ink"], stroke_width="1.5"))
    parts.append(text(LEFT + SIZE / 2, TOP + SIZE + 40, f"{interest_label} →", size=12, weight="bold"))
    centre = TOP + SIZE / 2
    parts.append(text(20, centre, f"{influence_label} →", size=12, weight="bold",
                      transform=f"rotate(-90 20 {centre:g})"))
    return Markup("").join(parts)


def _legend(actors: list[dict], influence_label: str, interest_label: str) -> Markup:
    if not actors:
        return Markup('<p class="tk-legend empty">') + esc(_("No actors yet.")) + Markup("</p>")
    items = []
    for number, row in enumerate(actors, 1):
        influence, interest = score(row.get("influence")), score(row.get("interest"))
        scores = f"{influence_label} {influence} · {interest_label} {interest}" if influence and interest \
            else _("not on the grid: give both scores")
        items.append(Markup('<li value="{}"><span class="name">{}</span> '
                            '<span class="scores">({})</span></li>').format(number, row.get("actor") or "—",
                                                                           scores))
    return Markup('<ol class="tk-legend">') + Markup("").join(items) + Markup("</ol>")
