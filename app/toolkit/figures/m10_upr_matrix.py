"""M10: the UPR recommendations as an OHCHR-style matrix grouped by theme, with charts of
their status and the responses, and how many touch each SDG."""
from __future__ import annotations

import re

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, bars, cell, empty_note, esc, filled_rows, svg, table_row, with_sub

TABLE = "recommendations"
WIDTH = 1000
# Status from nothing done to done: lighter to darker, so the order reads in grayscale too.
STATUS_FILLS = ["#ffffff", "#cfe2f3", "#6fa8dc", "#1f4e79"]
RESPONSE_FILLS = ["#3b6e22", "#d9d9d9", "#b6d7a8"]


def tally(rows: list[dict], column: str, options: list[str]) -> dict[str, int]:
    """How many rows have each option of a choice ``column`` (every option, zero or more)."""
    return {value: sum(1 for row in rows if row.get(column) == value) for value in options}


def goal(value: str) -> int | None:
    """The SDG goal of a target's option value: "sdg_16_7" → 16."""
    match = re.fullmatch(r"sdg_(\d+)_\w+", value or "")
    return int(match.group(1)) if match else None


def target(value: str) -> str:
    """A target's short code: "sdg_5_c" → "5.c"."""
    return value.removeprefix("sdg_").replace("_", ".")


def goals(rows: list[dict]) -> dict[int, int]:
    """How many recommendations link to each SDG goal (once per goal, however many targets)."""
    found: dict[int, int] = {}
    for row in rows:
        for number in {goal(value) for value in row.get("sdg_targets") or ()} - {None}:
            found[number] = found.get(number, 0) + 1
    return dict(sorted(found.items()))


@figure("upr_matrix")
def upr_matrix(module, answers, ctx) -> Markup:
    """The counts (SVG) and the matrix grouped by theme (HTML)."""
    spec = module.field(TABLE)
    rows = filled_rows(module, TABLE, answers)
    if spec is None or not rows:
        return empty_note(_("No recommendations yet."))
    columns = {column.name: column for column in spec.columns}
    return Markup('<div class="tk-figure-wrap tk-m10">') + _charts(columns, rows, ctx) + \
        _matrix(module, columns, rows, ctx) + Markup("</div>")


upr_matrix.replaces = (TABLE,)


def _options(columns, name: str) -> list[tuple[str, str]]:
    spec = columns.get(name)
    return list(spec.options) if spec else []


def _charts(columns, rows: list[dict], ctx) -> Markup:
    """Three bar charts side by side: status, response, SDG goals."""
    panel = (WIDTH - 40) / 3
    parts, heights = [], []
    for index, (name, fills) in enumerate((("status", STATUS_FILLS), ("response", RESPONSE_FILLS))):
        options = _options(columns, name)
        counts = tally(rows, name, [value for value, _label in options])
        missing = len(rows) - sum(counts.values())
        items = [(ctx.tr(label), counts[value]) for value, label in options]
        if missing:
            items.append((_("Not given"), missing))
        heading = ctx.tr(columns[name].label) if name in columns else name
        drawing, height = bars(8 + index * (panel + 12), 4, panel, items, heading, label_width=140,
                               fills=fills + [PALETTE["grey"]])
        parts.append(drawing)
        heights.append(height)
    by_goal = goals(rows)
    items = [(_("SDG %(goal)d", goal=number), count) for number, count in by_goal.items()] or \
        [(_("None linked"), 0)]
    drawing, height = bars(8 + 2 * (panel + 12), 4, panel, items, _("Recommendations per SDG"),
                           label_width=90, fills=[PALETTE["purple_dark"]])
    parts.append(drawing)
    heights.append(height)
    label = _("%(count)d recommendations by status, response and SDG", count=len(rows))
    return svg(WIDTH, max(heights) + 8, Markup("").join(parts), label=label,
               css_class="tk-figure tk-upr-charts")


def _matrix(module, columns, rows: list[dict], ctx) -> Markup:
    """The matrix: a band per theme (a row under its first theme), OHCHR's columns."""
    themes = _options(columns, "themes")
    order = [value for value, _label in themes]
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in enumerate(rows, 1):
        chosen = [value for value in row.get("themes") or () if value in order]
        groups.setdefault(chosen[0] if chosen else "", []).append((number, row))
    names = {value: ctx.tr(label) for value, label in themes}
    label = {name: ctx.tr(spec.label) for name, spec in columns.items()}
    head = table_row([_("No."), label.get("text", ""), label.get("recommending_state", ""),
                      label.get("response", ""), label.get("sdg_targets", ""), label.get("status", ""),
                      _("Assessment of implementation")], header=True)
    bodies = []
    for key in [value for value in order if value in groups] + ([""] if "" in groups else []):
        heading = f"{names[key] if key else _('No theme chosen')} ({len(groups[key])})"
        body = [Markup('<tr class="tk-group-row"><th scope="rowgroup" colspan="7">{}</th></tr>')
                .format(heading)]
        body.extend(_row(module, number, row, key, names, ctx) for number, row in groups[key])
        bodies.append(Markup('<tbody class="tk-group">') + Markup("").join(body) + Markup("</tbody>"))
    note = Markup('<p class="tk-figure-note">') + esc(_(
        "A recommendation with several themes is listed under its first theme; its other themes "
        "are named under its text.")) + Markup("</p>")
    return note + Markup('<table class="tk-matrix tk-upr"><thead>{}</thead>{}</table>').format(
        head, Markup("").join(bodies))


def _row(module, number: int, row: dict, theme: str, names: dict, ctx) -> Markup:
    """A recommendation: its cycle, category, NAP result and other themes under its text, the
    responsible agency under its status."""
    def show(name: str, html: bool = False):
        return cell(module, TABLE, name, row, ctx, html=html)

    facts = [item for item in (show("cycle"), show("action_category")) if item]
    if show("linked_result"):
        facts.append(_("NAP result: %(result)s", result=show("linked_result")))
    others = [names[value] for value in row.get("themes") or () if value in names and value != theme]
    if others:
        facts.append(_("Also: %(themes)s", themes=", ".join(others)))
    targets = ", ".join(target(value) for value in row.get("sdg_targets") or ())
    return table_row([(row.get("number") or str(number), "tk-num"),
                      (with_sub(show("text", html=True) or "—", " · ".join(facts)), "tk-text"),
                      show("recommending_state"), show("response"), targets,
                      (with_sub(show("status") or "—", show("responsible")), "tk-status"),
                      show("evidence", html=True) or "—"])
