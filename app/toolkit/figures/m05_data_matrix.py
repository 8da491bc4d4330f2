"""M5: the data collection matrix, indicators grouped by pillar, safeguards under each row,
and a small chart of how many indicators are split by sex, age and the other dimensions."""
from __future__ import annotations

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import bars, cell, column_of, empty_note, esc, filled_rows, svg, table_row

TABLE = "plan"
COLUMNS = ("source", "tool", "collector", "frequency", "disaggregation", "next_collection")
NOTES = ("quality_check", "ethics_safety")


@figure("data_matrix")
def data_matrix(module, answers, ctx) -> Markup:
    """The matrix (HTML) and the disaggregation chart (SVG)."""
    spec = module.field(TABLE)
    rows = list(enumerate(filled_rows(module, TABLE, answers), 1))
    if spec is None or not rows:
        return empty_note(_("No rows yet."))
    columns = {c.name: c for c in spec.columns}
    shown = [name for name in COLUMNS if name in columns]
    head = table_row(["#", ctx.tr(columns["indicator"].label) if "indicator" in columns else _("Indicator"),
                      *(ctx.tr(columns[name].label) for name in shown)], header=True)
    width = 2 + len(shown)
    groups = []
    for label, members in _groups(module, spec, rows, ctx):
        body = [Markup('<tr class="tk-group-row"><th scope="rowgroup" colspan="{}">{}</th></tr>')
                .format(width, label)] if label else []
        for number, row in members:
            notes = _notes(module, columns, row, ctx)
            body.append(table_row([(str(number), "tk-num"),
                                   (cell(module, TABLE, "indicator", row, ctx) or "—", "tk-lead"),
                                   *(cell(module, TABLE, name, row, ctx) for name in shown)],
                                  css_class="tk-has-note" if notes else ""))
            if notes:
                body.append(Markup('<tr class="tk-note-row"><td></td><td colspan="{}">{}</td></tr>')
                            .format(width - 1, notes))
        groups.append(Markup('<tbody class="tk-group">') + Markup("").join(body) + Markup("</tbody>"))
    table = Markup('<table class="tk-matrix tk-data-matrix"><thead>{}</thead>{}</table>').format(
        head, Markup("").join(groups))
    return Markup('<div class="tk-figure-wrap tk-m5">') + table + _coverage(columns, rows, ctx) + \
        Markup("</div>")


data_matrix.replaces = (TABLE,)


def _groups(module, spec, rows, ctx) -> list[tuple[str, list]]:
    """(pillar label, rows) in the order of the pillar options; no label when there is no
    pillar column; rows without a pillar last."""
    pillar = column_of(module, TABLE, "pillar")
    if pillar is None:
        return [("", rows)]
    order = [value for value, _label in pillar.options]
    found: dict[str, list] = {}
    for number, row in rows:
        value = row.get("pillar") or ""
        found.setdefault(value if value in order else "", []).append((number, row))
    groups = [(f"{pillar.type.display(value, pillar, ctx)} ({len(found[value])})", found[value])
              for value in order if value in found]
    if "" in found:
        groups.append((f"{_('No pillar chosen')} ({len(found[''])})", found[""]))
    return groups


def _notes(module, columns, row, ctx) -> Markup:
    """The row's quality check and ethics and safety notes, as one footnote."""
    parts = []
    for name in NOTES:
        value = cell(module, TABLE, name, row, ctx, html=True)
        if value:
            parts.append(Markup('<span class="tk-note"><b>{}:</b> {}</span>').format(
                ctx.tr(columns[name].label), value))
    return Markup(" ").join(parts)


def _coverage(columns, rows, ctx) -> Markup:
    """Bars: how many indicators are split by each dimension (sex first in the options)."""
    spec = columns.get("disaggregation")
    if spec is None:
        return Markup("")
    counts = [(ctx.tr(label), sum(1 for _n, row in rows if value in (row.get("disaggregation") or ())))
              for value, label in spec.options]
    heading = _("Indicators split by each dimension (%(count)d indicators)", count=len(rows))
    drawing, height = bars(4, 4, 460, counts, heading, label_width=150, step=16, size=9.5)
    chart = svg(470, height + 8, drawing, label=heading, css_class="tk-figure tk-chart")
    unsplit = sum(1 for _n, row in rows if "sex" not in (row.get("disaggregation") or ()))
    if not unsplit or "sex" not in dict(spec.options):
        return chart
    return chart + Markup('<p class="tk-figure-note">') + esc(_(
        "%(count)d of %(total)d indicators are not split by sex: they cannot show whether women "
        "and men benefit equally.", count=unsplit, total=len(rows))) + Markup("</p>")
