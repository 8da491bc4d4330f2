"""Small helpers shared by the figure modules: wrapped and escaped text, a palette, the frame.

Every helper returns :class:`~markupsafe.Markup` (or plain strings for :func:`wrap`) and
escapes what it is given, so a figure never builds SVG from unescaped answers::

    body = rect(10, 10, 120, 40, fill=PALETTE["blue"]) + text(70, 34, wrap(name, 20))
    return svg(400, 300, body, label=_("Problem tree"))

The frame has a ``viewBox``, ``role="img"`` and a ``<title>``, so the result is valid
standalone inline SVG on a web page and in a PDF; CSS sizes it (class ``tk-figure``).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from ...typography import cluster_cuts, line_breaks

# Fills light enough for black text and distinct in grayscale (lightness steps, not hue only);
# "ink" for text and lines, "line" for quiet rules, "<name>_dark" for strokes and accents.
PALETTE: dict[str, str] = {
    "ink": "#1a1a1a",
    "muted": "#666666",
    "line": "#9a9a9a",
    "paper": "#ffffff",
    "grey": "#eeeeee",
    "blue": "#dbe8f6",
    "blue_dark": "#1f4e79",
    "green": "#e2f0d9",
    "green_dark": "#3b6e22",
    "yellow": "#fff2cc",
    "yellow_dark": "#8a6d00",
    "orange": "#fbd9b9",
    "orange_dark": "#a0501a",
    "red": "#f4c7c3",
    "red_dark": "#9c2b23",
    "purple": "#e4dcf1",
    "purple_dark": "#5b3f8c",
}

# An ordered series for categories (bands, levels, sources) from light to dark, so neighbours
# differ in grayscale as well as in colour.
SERIES: tuple[str, ...] = ("#fff2cc", "#cfe2f3", "#b6d7a8", "#f9cb9c", "#b4a7d6", "#a2c4c9")
SERIES_DARK: tuple[str, ...] = ("#8a6d00", "#1f4e79", "#3b6e22", "#a0501a", "#5b3f8c", "#2f6f73")

FONT = "Noto Sans, Noto Sans Thai, Noto Sans Khmer, Noto Sans Lao, Noto Sans Myanmar, sans-serif"


# Scripts whose letters run wider than Latin ones in the Noto fonts (measured, shaped text).
_WIDER = (("\u1000", "\u109f", 1.4), ("\u0e00", "\u0eff", 1.1))


def _width(char: str) -> float:
    """Columns a character takes: 2 for wide (CJK) characters, 0 for combining marks, a little
    more than 1 for Myanmar, Thai and Lao letters."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return next((weight for low, high, weight in _WIDER if low <= char <= high), 1)


def columns(text: str) -> float:
    """The display width of ``text`` in character columns (marks count 0, CJK 2)."""
    return sum(_width(c) for c in text)


def wrap(text, width_chars: int, max_lines: int | None = None) -> list[str]:
    """Split ``text`` into lines of at most ``width_chars`` columns (SVG does not wrap).

    Lines break where Unicode allows (ICU, with dictionaries for Thai, Lao, Khmer and Myanmar
    words); a word longer than a line is cut between letters, never inside one. Line breaks
    in the text are kept. With ``max_lines`` the last kept line ends with "…" when text was
    dropped. Returns plain (unescaped) strings.
    """
    width_chars = max(int(width_chars), 1)
    lines: list[str] = []
    for paragraph in str(text or "").splitlines() or [""]:
        lines.extend(_wrap_paragraph(paragraph.strip(), width_chars) or ([""] if lines else []))
    while lines and not lines[-1]:
        lines.pop()
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and columns(last) + 1 > width_chars:
            last = last[:([0] + cluster_cuts(last))[-1]]
        lines[-1] = last.rstrip() + "…"
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    """Fill lines greedily with the pieces between ICU's line-break opportunities."""
    breaks = line_breaks(paragraph)
    lines, line = [], ""
    for start, end in zip([0, *breaks], [*breaks, len(paragraph)]):
        piece = paragraph[start:end]
        if columns((line + piece).rstrip()) <= width:
            line += piece
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = piece
        while columns(line.rstrip()) > width:  # one word longer than a line
            cut = _cut(line, width)
            lines.append(line[:cut].rstrip())
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _cut(word: str, width: int) -> int:
    """Where to cut ``word``: the last cluster boundary that fits, or its first one."""
    cuts = cluster_cuts(word) or [len(word)]
    fitting = [cut for cut in cuts if columns(word[:cut]) <= width]
    return fitting[-1] if fitting else cuts[0]


def esc(value) -> Markup:
    """``value`` as escaped text, safe inside an SVG element or attribute."""
    return escape("" if value is None else str(value))


def attrs(**values) -> Markup:
    """Escaped attributes (``stroke_width`` → ``stroke-width``); None values are left out."""
    parts = [f' {name.rstrip("_").replace("_", "-")}="{esc(value)}"'
             for name, value in values.items() if value is not None]
    return Markup("".join(parts))


def element(tag: str, content: Markup | None = None, **attributes) -> Markup:
    """``<tag …/>``, or ``<tag …>content</tag>`` (``content`` must already be safe markup)."""
    if content is None:
        return Markup(f"<{tag}{attrs(**attributes)}/>")
    return Markup(f"<{tag}{attrs(**attributes)}>") + Markup(content) + Markup(f"</{tag}>")


def text(x: float, y: float, lines, size: float = 11, anchor: str = "middle",
         weight: str | None = None, fill: str | None = None, line_height: float = 1.25,
         **extra) -> Markup:
    """A ``<text>`` at (x, y) (baseline of the first line), one ``<tspan>`` per line.

    ``lines`` is a string or a list from :func:`wrap`; everything is escaped.
    """
    if isinstance(lines, str):
        lines = [lines]
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{_n(0 if i == 0 else size * line_height)}">{esc(line)}</tspan>'
        for i, line in enumerate(lines))
    return element("text", Markup(spans), x=_n(x), y=_n(y), font_size=_n(size), text_anchor=anchor,
                   font_weight=weight, fill=fill or PALETTE["ink"], **extra)


def rect(x: float, y: float, width: float, height: float, fill: str = "none",
         stroke: str | None = None, rx: float | None = None, **extra) -> Markup:
    """A rectangle; ``stroke`` defaults to the ink colour when there is no fill."""
    stroke = stroke or (PALETTE["ink"] if fill == "none" else None)
    return element("rect", x=_n(x), y=_n(y), width=_n(width), height=_n(height), fill=fill,
                   stroke=stroke, rx=rx, **extra)


def line(x1: float, y1: float, x2: float, y2: float, stroke: str | None = None,
         width: float = 1, **extra) -> Markup:
    """A straight line."""
    return element("line", x1=_n(x1), y1=_n(y1), x2=_n(x2), y2=_n(y2),
                   stroke=stroke or PALETTE["ink"], stroke_width=_n(width), **extra)


def circle(cx: float, cy: float, r: float, fill: str = "none", stroke: str | None = None,
           **extra) -> Markup:
    """A circle."""
    return element("circle", cx=_n(cx), cy=_n(cy), r=_n(r), fill=fill, stroke=stroke, **extra)


def box(x: float, y: float, width: float, height: float, label, fill: str = PALETTE["grey"],
        stroke: str = PALETTE["ink"], size: float = 10, max_lines: int | None = None,
        weight: str | None = None, color: str | None = None) -> Markup:
    """A rounded box with ``label`` wrapped and centred in it (text cut with "…" if too long);
    ``color`` is the text's colour (ink by default)."""
    chars = chars_for(width - 8, size)
    fit = max(1, int((height - 6) // (size * 1.25)))
    lines = wrap(label, chars, max_lines=min(max_lines or fit, fit))
    top = y + height / 2 - (len(lines) - 1) * size * 1.25 / 2 + size * 0.35
    return rect(x, y, width, height, fill=fill, stroke=stroke, rx=4) + \
        text(x + width / 2, top, lines, size=size, weight=weight, fill=color)


def box_height(label, width: float, size: float = 10, max_lines: int = 4, padding: float = 12) -> float:
    """The height :func:`box` needs to show ``label`` in ``width`` on at most ``max_lines``."""
    count = max(1, len(wrap(label, chars_for(width - 8, size), max_lines=max_lines)))
    return lines_height(count, size) + padding


@dataclass
class Placed:
    """A box laid out by :func:`box_rows`: where it is, its label, and any data of the caller."""

    x: float
    y: float
    width: float
    height: float
    label: str
    data: Any = None

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height


def box_rows(labels: list, left: float, width: float, top: float, per_row: int = 4,
             gap: float = 10, row_gap: float = 8, size: float = 10, max_lines: int = 4,
             lone_width: float = 0.6, data: list | None = None) -> list[list[Placed]]:
    """Lay out boxes for ``labels`` in centred rows of at most ``per_row``, from ``top`` down.

    Boxes in a row share a width and the height of the tallest label; a lone box takes
    ``lone_width`` of the row. ``data`` (one item per label) rides along on each box.
    Draw them with :func:`box`; the last row's bottom is ``rows[-1][0].bottom``.
    """
    rows, y = [], top
    for start in range(0, len(labels), per_row):
        chunk = labels[start:start + per_row]
        count = len(chunk)
        each = (width - gap * (count - 1)) / count if count > 1 else width * lone_width
        height = max(box_height(label, each, size, max_lines) for label in chunk)
        x = left + (width - (each * count + gap * (count - 1))) / 2
        rows.append([Placed(x + i * (each + gap), y, each, height, str(label),
                            data[start + i] if data else None) for i, label in enumerate(chunk)])
        y += height + row_gap
    return rows


def connect(row: list[Placed], trunk: float, bus: float, width: float = 1.2) -> Markup:
    """A horizontal bus at height ``bus`` reaching ``trunk``, and a stem from it to each box of
    ``row`` (to the box's top when the bus is above the row, else to its bottom)."""
    centres = [placed.centre for placed in row]
    parts = [line(min(centres + [trunk]), bus, max(centres + [trunk]), bus, width=width)]
    for placed in row:
        end = placed.y if bus < placed.y else placed.bottom
        parts.append(line(placed.centre, bus, placed.centre, end, width=width))
    return Markup("").join(parts)


def chars_for(width: float, size: float = 11) -> int:
    """About how many characters of font ``size`` fit on a line ``width`` units wide."""
    return max(1, int(width / (size * 0.55)))


def lines_height(count: int, size: float = 11, line_height: float = 1.25) -> float:
    """The height ``count`` lines of text take."""
    return count * size * line_height


def filled_rows(module, table: str, answers: dict) -> list[dict]:
    """The rows of ``table`` that have something typed in them, in their order.

    Row *n* of this list is the row printed as number *n* in the worksheet's table, so a
    figure that numbers rows (M1's dots) matches the table below it.
    """
    spec = module.field(table)
    if spec is None:
        return []
    return [row for row in answers.get(table) or ()
            if isinstance(row, dict) and any(not column.type.is_empty(row.get(column.name))
                                             for column in spec.columns
                                             if column.type.name != "computed")]


def option_label(module, table: str | None, column: str, value, ctx) -> str:
    """The reader's label for a choice ``value`` of a field (``table`` None: a top-level field)."""
    spec = module.field(table) if table else None
    field = next((c for c in spec.columns if c.name == column), None) if spec else module.field(column)
    if field is None or value in (None, ""):
        return "" if value is None else str(value)
    return field.type.display(value, field, ctx)


def svg(width: float, height: float, body, label: str = "", css_class: str = "tk-figure") -> Markup:
    """The ``<svg>`` element around ``body``: viewBox, role="img", aria-label and <title>.

    ``width``/``height`` are the drawing's units (also its intrinsic size); CSS may scale it.
    """
    title = element("title", esc(label)) if label else Markup("")
    return element("svg", title + Markup(body), xmlns="http://www.w3.org/2000/svg",
                   viewBox=f"0 0 {_n(width)} {_n(height)}", width=_n(width), height=_n(height),
                   role="img", aria_label=label or None, class_=css_class, font_family=FONT)


def _n(value: float) -> str:
    """A number for an attribute: no needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


# --- added for the figures of M5–M11 ------------------------------------------------------

def polygon(points, fill: str = "none", stroke: str | None = None, **extra) -> Markup:
    """A closed shape through ``points`` ([(x, y), …]), e.g. M6's due-date diamonds."""
    path = " ".join(f"{_n(float(x))},{_n(float(y))}" for x, y in points)
    return Markup(f"<polygon{attrs(points=path, fill=fill, stroke=stroke, **extra)}/>")


def empty_note(message: str) -> Markup:
    """A short note where a figure has nothing to draw yet."""
    return Markup('<p class="tk-figure-empty">') + esc(message) + Markup("</p>")


def column_of(module, table: str, name: str):
    """The column ``name`` of the module's table ``table`` (a FieldSpec), or None."""
    spec = module.field(table)
    return next((c for c in spec.columns if c.name == name), None) if spec else None


def cell(module, table: str, column: str, row: dict, ctx, html: bool = False):
    """A row's answer in ``column`` as the reader sees it: plain text, or safe HTML
    (long text keeps its line breaks) with ``html``; "" when the column does not exist."""
    field = column_of(module, table, column)
    if field is None:
        return Markup("") if html else ""
    value = row.get(column)
    if field.type.is_empty(value):
        return Markup("") if html else ""
    return field.type.html(value, field, ctx) if html else field.type.display(value, field, ctx)


def bars(x: float, y: float, width: float, items: list[tuple[str, int]], heading: str = "",
         label_width: float = 130, step: float = 20, size: float = 10,
         fills: list[str] | None = None) -> tuple[Markup, float]:
    """A small horizontal bar chart of (label, count) at (x, y), ``width`` wide, with its count
    at the end of each bar; returns the drawing and the height it takes."""
    parts, top = [], y
    if heading:
        parts.append(text(x, y + size + 1, wrap(heading, chars_for(width, size + 1), 1), size=size + 1,
                          anchor="start", weight="bold"))
        top += size + 10
    room = width - label_width - 34
    biggest = max([count for _label, count in items] + [1])
    for index, (label, count) in enumerate(items):
        row = top + index * step
        baseline = row + step / 2 + size * 0.35
        parts.append(text(x + label_width - 6, baseline, wrap(label, chars_for(label_width - 6, size), 1),
                          size=size, anchor="end"))
        parts.append(rect(x + label_width, row + 3, room, step - 6, fill=PALETTE["grey"]))
        if count:
            fill = fills[index % len(fills)] if fills else PALETTE["blue_dark"]
            parts.append(rect(x + label_width, row + 3, room * count / biggest, step - 6, fill=fill,
                              stroke=PALETTE["ink"], stroke_width="0.5"))
        parts.append(text(x + label_width + room * count / biggest + 5, baseline, str(count),
                          size=size, anchor="start", weight="bold"))
    return Markup("").join(parts), top - y + len(items) * step


def table_row(cells, css_class: str = "", header: bool = False) -> Markup:
    """A ``<tr>`` of escaped cells (safe Markup is kept as it is); a cell may be a
    (content, class) pair; ``header`` makes them column headings."""
    tag, scope = ("th", ' scope="col"') if header else ("td", "")
    parts = []
    for item in cells:
        content, name = item if isinstance(item, tuple) else (item, "")
        parts.append(Markup("<{}{}{}>{}</{}>").format(Markup(tag), Markup(scope),
                                                     Markup(' class="{}"').format(name) if name else "",
                                                     content, Markup(tag)))
    opening = Markup('<tr class="{}">').format(css_class) if css_class else Markup("<tr>")
    return opening + Markup("").join(parts) + Markup("</tr>")


def with_sub(main, sub) -> Markup:
    """``main`` (escaped unless safe) with a quieter line ``sub`` under it when there is one."""
    if not sub:
        return esc(main)
    return Markup('{}<span class="tk-sub">{}</span>').format(main, sub)
