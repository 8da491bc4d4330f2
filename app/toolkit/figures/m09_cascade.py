"""M9: the localization cascade in three columns, national → provincial → local, a box per
row and arrows from each national action to the places that take it up."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, cell, chars_for, column_of, empty_note, filled_rows, line, polygon, rect, svg, \
    text, wrap

TABLE = "cascade"
WIDTH = 1000
COLUMNS = ((8, 290), (352, 300), (700, 292))  # (left, width): national, provincial, local
HEAD = 34
GAP = 10  # between boxes in a column
PIECE = 4  # rows per national action in one band; more continue in the next band
# A longer cascade is split into drawings that each fit a landscape page (the first one shares
# its page with the sheet's title).
FIRST_HEIGHT, MAX_HEIGHT = 460, 550
SIZE = 9.5
LINE = SIZE * 1.3
# The details of a place, in order: (column, lines at most).
DETAILS = (("local_lead", 2), ("local_adaptation", 3), ("local_partners", 2), ("local_indicator", 2),
           ("local_budget", 1), ("report_to", 2))


@dataclass
class Box:
    x: float
    y: float
    width: float
    lines: list[tuple[str, str | None]]  # (text, weight: "bold", "label" for "Label: …", None)

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 10

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


@figure("cascade")
def cascade(module, answers, ctx) -> Markup:
    """The cascade, split into bands (a national action and up to four places each)."""
    rows = filled_rows(module, TABLE, answers)
    if module.field(TABLE) is None or not rows:
        return empty_note(_("No rows yet."))
    bands = []
    for action, members in _by_action(module, rows, ctx):
        for start in range(0, len(members), PIECE):
            bands.append((action, members[start:start + PIECE], start > 0))
    drawings, current, height = [], [], 0.0
    for band in bands:
        drawn, band_height = _band(module, band, ctx)
        if current and HEAD + height + band_height > (MAX_HEIGHT if drawings else FIRST_HEIGHT):
            drawings.append(_frame(module, current, height, ctx))
            current, height = [], 0.0
        current.append((drawn, band_height))
        height += band_height
    drawings.append(_frame(module, current, height, ctx))
    return Markup('<div class="tk-figure-wrap tk-m9">') + Markup("").join(drawings) + Markup("</div>")


def _by_action(module, rows: list[dict], ctx) -> list[tuple[str, list[dict]]]:
    """Rows grouped by their national action, in the order each first appears."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        action = cell(module, TABLE, "national_action", row, ctx) or _("No national action chosen")
        groups.setdefault(action, []).append(row)
    return list(groups.items())


def _place(module, row: dict, width: float, ctx) -> list[tuple[str, str | None]]:
    """The lines of a place's box: its name in bold, then labelled details."""
    chars = chars_for(width - 12, SIZE)
    lines = [(words, "bold") for words in wrap(row.get("province") or "—", chars, 2)]
    spec = module.field(TABLE)
    labels = {column.name: ctx.tr(column.label) for column in spec.columns}
    for name, most in DETAILS:
        value = cell(module, TABLE, name, row, ctx)
        if value and name in labels:
            found = wrap(f"{labels[name]}: {value}", chars, most)
            label = f"{labels[name]}:"
            first = (found[0], "label" if found[0].startswith(label) else None)
            lines.extend([first, *((words, None) for words in found[1:])])
    return lines


def _band(module, band, ctx) -> tuple[Markup, float]:
    """One national action and its places, laid out from y = 0 (the frame moves it down)."""
    action, rows, continued = band
    (nx, nw), (px, pw), (lx, lw) = COLUMNS
    title = _("%(action)s (continued)", action=action) if continued else action
    national = Box(nx, 0, nw, [(words, "bold") for words in wrap(title, chars_for(nw - 12, SIZE), 8)])
    parts = [_draw(national, PALETTE["blue"], PALETTE["blue_dark"])]
    provincial, y = [], 0.0
    for row in rows:
        if row.get("level") != "local":
            box = Box(px, y, pw, _place(module, row, pw, ctx))
            provincial.append(((row.get("province") or "").strip().casefold(), box))
            parts += [_draw(box, PALETTE["yellow"], PALETTE["yellow_dark"]), _arrow(national, box)]
            y = box.bottom + GAP
    # A local place beside the province its name contains; those with none under them all,
    # last, so their arrows from the national action cross nothing.
    places = [(row, next((box for name, box in provincial
                          if name and name in (row.get("province") or "").casefold()), None))
              for row in rows if row.get("level") == "local"]
    top, bottoms = 0.0, [national.bottom, y - GAP]
    for row, parent in sorted(places, key=lambda place: place[1] is None):
        box = Box(lx, max(parent.y if parent else y, top), lw, _place(module, row, lw, ctx))
        parts += [_draw(box, PALETTE["green"], PALETTE["green_dark"]), _arrow(parent or national, box)]
        top = box.bottom + GAP
        bottoms.append(box.bottom)
    return Markup("").join(parts), max(bottoms) + 18


def _draw(box: Box, fill: str, stroke: str) -> Markup:
    parts = [rect(box.x, box.y, box.width, box.height, fill=fill, stroke=stroke, rx=4, stroke_width="1.2")]
    for index, (words, weight) in enumerate(box.lines):
        x, y = box.x + 6, box.y + 5 + SIZE + index * LINE
        if weight == "label":  # "Local lead: …" with the label in bold
            label, rest = words.split(":", 1)
            parts.append(Markup('<text x="{}" y="{}" font-size="{}" fill="{}"><tspan font-weight="bold">'
                                '{}:</tspan>{}</text>').format(round(x, 1), round(y, 1), SIZE,
                                                               PALETTE["ink"], label, rest))
        else:
            parts.append(text(x, y, words, size=SIZE, anchor="start", weight=weight))
    return Markup("").join(parts)


def _arrow(source: Box, target: Box) -> Markup:
    """An elbow from ``source``'s right side to the middle of ``target``'s left side."""
    x, y = source.x + source.width, max(source.y + 8, min(source.middle, target.middle))
    bend = x + 18
    end_y = target.middle
    parts = [line(x, y, bend, y, width=1.2)]
    if abs(end_y - y) > 0.5:
        parts.append(line(bend, y, bend, end_y, width=1.2))
    parts.append(line(bend, end_y, target.x - 6, end_y, width=1.2))
    parts.append(polygon([(target.x, end_y), (target.x - 8, end_y - 4.5), (target.x - 8, end_y + 4.5)],
                         fill=PALETTE["ink"]))
    return Markup("").join(parts)


def _frame(module, bands: list[tuple[Markup, float]], height: float, ctx) -> Markup:
    """The column headings and the bands under them, one below the other."""
    level = column_of(module, TABLE, "level")
    names = dict(level.options) if level else {}
    headings = (_("National"), ctx.tr(names.get("provincial", "")) or _("Provincial"),
                ctx.tr(names.get("local", "")) or _("Local"))
    parts = []
    for (x, width), heading in zip(COLUMNS, headings):
        parts.append(rect(x, 0, width, 24, fill=PALETTE["ink"], stroke="none", rx=3))
        parts.append(text(x + width / 2, 16.5, heading, size=11.5, weight="bold", fill=PALETTE["paper"]))
    y = HEAD
    for index, (drawn, band_height) in enumerate(bands):
        if index:
            parts.append(line(8, y - 9, WIDTH - 8, y - 9, stroke=PALETTE["line"], width=0.5,
                              stroke_dasharray="2 3"))
        parts.append(Markup('<g transform="translate(0 {})">{}</g>').format(round(y, 1), drawn))
        y += band_height
    label = _("Localization cascade: national, provincial, local")
    return svg(WIDTH, y, Markup("").join(parts), label=label, css_class="tk-figure tk-cascade")
