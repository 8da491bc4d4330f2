"""The report's charts, drawn on the server as SVG by pygal from the tables themselves (so a
chart never shows a figure its table hides).

pygal is told to add no JavaScript (``js=[]``) and no XML declaration; it still writes a
configuration ``<script>`` and comments, which are removed from the tree. Text uses the app's
Noto fonts (Khmer, Thai, Lao and Myanmar labels render), on white, in blues that stay apart
in grayscale. A chart is decoration beside its table, which is the accessible version.
"""
import sys
from urllib.parse import quote

import pygal
from flask_babel import format_decimal
from markupsafe import Markup
from pygal.style import Style

from ..i18n import _
from ..toolkit.figures.svg import FONT
from .tables import PERCENT, Table

# pygal appends a finder for its map plugins (pygal.maps.*) that has no find_spec: every later
# import of a missing module (openpyxl tries numpy) then raises an ImportWarning. No maps here.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

SVG = "{http://www.w3.org/2000/svg}"
# Light to dark (ordinal: worksheet progress, the 1–5 scale), apart in grayscale too.
ORDINAL = ("#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b")
CATEGORIES = ("#1f4e79", "#9ecae1", "#bdbdbd", "#a0501a", "#f9cb9c")
WIDTH = 760
LABEL = 34  # characters of a bar's label; the table beside it has the whole text


def style(colours) -> Style:
    return Style(font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
                 value_font_family=FONT, value_label_font_family=FONT, tooltip_font_family=FONT,
                 title_font_family=FONT, legend_font_family=FONT, no_data_font_family=FONT,
                 background="#ffffff", plot_background="#ffffff", foreground="#1a1a1a",
                 foreground_strong="#1a1a1a", foreground_subtle="#d0d0d0", opacity="1",
                 opacity_hover="1", transition="0s", colors=tuple(colours),
                 label_font_size=12, major_label_font_size=12, legend_font_size=12,
                 value_font_size=11, tooltip_font_size=12)


def series(table: Table) -> list[tuple[str, list[float | None]]]:
    """The values drawn: one list per series, percentages as 0–100, the table's last row at
    the bottom of the chart (pygal draws horizontal bars upwards)."""
    drawn = []
    for index in table.chart.series:
        column = table.columns[index]
        scale = 100 if column.kind == PERCENT else 1
        drawn.append((column.header, [None if value is None else value * scale
                                      for value in reversed(table.column(index))]))
    return drawn


def label(text: str, longest: int = LABEL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= longest else text[:longest - 1].rstrip() + "…"


def drawable(table: Table) -> bool:
    """Whether the table has a chart with something to show (not only zeros or hidden cells)."""
    return bool(table.chart and table.rows) and any(
        value for _name, values in series(table) for value in values)


def svg(table: Table) -> str | None:
    """The table's chart as SVG text (None when there is nothing to draw)."""
    if not drawable(table):
        return None
    drawn = series(table)
    percent = any(table.columns[index].kind == PERCENT for index in table.chart.series)
    ordinal = table.key.startswith(("worksheets_", "evaluation_"))
    kind = pygal.HorizontalStackedBar if table.chart.kind == "stacked" else pygal.HorizontalBar
    chart = kind(js=[], disable_xml_declaration=True, width=WIDTH,
                 height=max(150, 70 + len(table.rows) * 26 * (1 if table.chart.kind == "stacked" else len(drawn))),
                 style=style(ORDINAL if ordinal else CATEGORIES), legend_at_bottom=True,
                 legend_at_bottom_columns=min(len(drawn), 5), truncate_label=-1, truncate_legend=-1,
                 show_y_guides=False, show_x_guides=True, print_values=False, margin=8,
                 range=(0, 100) if percent else None,
                 value_formatter=lambda value: format_decimal(value, "#,##0.#"),
                 explicit_size=False)
    chart.x_labels = [label(row[0]) for row in reversed(table.rows)]
    for name, values in drawn:
        chart.add(name, values)
    tree = chart.render_tree()
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.tag in ("script", SVG + "script"):
            element.getparent().remove(element)  # comments, processing instructions, scripts
    from lxml import etree

    return etree.tostring(tree, encoding="unicode")


def image(table: Table) -> Markup | None:
    """The chart as an ``<img>`` of SVG (data: URL): its own document, so the page's Content
    Security Policy (no inline style) leaves pygal's styles alone; the alt text names it and
    the table beside it gives the figures."""
    drawn = svg(table)
    if drawn is None:
        return None
    data = quote(drawn, safe="/=:;,()._-")  # percent-encoded, not base64: it compresses well
    return Markup('<img class="chart" src="data:image/svg+xml;charset=utf-8,{}" alt="{}">').format(
        Markup(data), _("Chart: %(title)s (the figures are in the table)", title=table.title))
