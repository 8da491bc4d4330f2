"""M7: the coordination mechanism as an organisation chart (the body, its secretariat, its
members grouped by type) and its focal points counted by sex."""
from __future__ import annotations

import math

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, chars_for, empty_note, filled_rows, line, option_label, rect, \
    svg, text, wrap

TABLE = "members"
WIDTH = 680
MARGIN = 8
GAP = 12  # between member columns
PER_COLUMN = 12  # members stacked in one column before the group takes another
GOVERNMENT = {"ministry", "provincial_government", "security_sector", "parliament"}
CIVIL_SOCIETY = {"cso_ngo", "womens_union", "youth_union", "community_group", "faith_traditional_leader"}
LEADS = {"chair", "vice_chair"}
QUIET = {"observer", "adviser"}


@figure("org_chart")
def org_chart(module, answers, ctx) -> Markup:
    """The chart and the count of focal points by sex (the members table prints below)."""
    members = filled_rows(module, TABLE, answers)
    if not members and not answers.get("mechanism_name"):
        return empty_note(_("No mechanism or members yet."))
    head, top_bottom, y = _head(module, answers, ctx)
    parts = [head]
    groups = _groups(members)
    if groups:
        bus = y + 16
        parts.insert(0, line(WIDTH / 2, top_bottom, WIDTH / 2, bus, width=1.2))
        drawing, y = _members(groups, bus)
        parts.append(drawing)
    else:
        parts.append(text(WIDTH / 2, y + 22, _("No members yet."), size=10, fill=PALETTE["muted"]))
        y += 30
    drawing, y = _legend(y + 14)
    parts.append(drawing)
    chart = svg(WIDTH, y + 6, Markup("").join(parts), label=_("Organisation chart"),
                css_class="tk-figure tk-org-chart")
    return Markup('<div class="tk-figure-wrap tk-m7">') + chart + _by_sex(members) + Markup("</div>")


def _head(module, answers, ctx) -> tuple[Markup, float, float]:
    """The mechanism's box and its secretariat beside the line down from it; returns the
    drawing, the box's bottom and the bottom of both."""
    top = _top_lines(module, answers, ctx)
    height = 16 + sum(size * 1.3 for _t, size, _w in top)
    parts = [rect((WIDTH - 480) / 2, 4, 480, height, fill=PALETTE["blue"], stroke=PALETTE["blue_dark"],
                  rx=6, stroke_width="1.5")]
    baseline = 12.0
    for words, size, weight in top:
        baseline += size * 1.3
        parts.append(text(WIDTH / 2, baseline - size * 0.3, words, size=size, weight=weight))
    bottom = y = 4 + height
    secretariat = answers.get("secretariat") or ""
    if secretariat:
        lines = wrap(f"{_('Secretariat')}: {secretariat}", chars_for(250, 9.5), max_lines=3)
        box_height, box_y, left = 12 + len(lines) * 12, y + 14, WIDTH / 2 + 40
        parts.append(line(WIDTH / 2, box_y + box_height / 2, left, box_y + box_height / 2,
                          stroke_dasharray="4 3"))
        parts.append(rect(left, box_y, 260, box_height, fill=PALETTE["grey"], rx=4, stroke=PALETTE["ink"]))
        parts.append(text(left + 130, box_y + 6 + 9.5, lines, size=9.5))
        y = box_y + box_height
    return Markup("").join(parts), bottom, y


def _top_lines(module, answers, ctx) -> list[tuple[str, float, str | None]]:
    """(line, size, weight) for the mechanism's box: name, chair, lead, meetings and CSO seat."""
    found = [(wrap(answers.get("mechanism_name") or _("Coordination mechanism"), 58, 2), 12.5, "bold")]
    for name in ("chair_level", "lead_ministry", "meeting_frequency", "cso_seat"):
        spec = module.field(name)
        value = option_label(module, None, name, answers.get(name), ctx) if spec else ""
        if value:
            found.append((wrap(f"{ctx.tr(spec.label)}: {value}", 84, 2), 9.5, None))
    return [(words, size, weight) for lines, size, weight in found for words in lines]


def _groups(members: list[dict]) -> list[tuple[str, list[dict]]]:
    """(heading, members) for government, civil society and the others, those with members."""
    sorted_ = {"government": [], "civil": [], "other": []}
    for row in members:
        kind = row.get("type") or ""
        key = "government" if kind in GOVERNMENT else "civil" if kind in CIVIL_SOCIETY else "other"
        sorted_[key].append(row)
    names = {"government": _("Government"), "civil": _("Civil society"), "other": _("Other members")}
    return [(f"{names[key]} ({len(rows)})", rows) for key, rows in sorted_.items() if rows]


def _members(groups: list[tuple[str, list[dict]]], bus: float) -> tuple[Markup, float]:
    """The group headings under a bus from the mechanism, members stacked below each."""
    spans = [max(1, math.ceil(len(rows) / PER_COLUMN)) for _heading, rows in groups]
    total = sum(spans)
    column = (WIDTH - 2 * MARGIN - GAP * (total - 1)) / total
    parts, bottoms, x = [], [], MARGIN
    centres = []
    for (heading, rows), span in zip(groups, spans):
        width = span * column + (span - 1) * GAP
        centres.append(x + width / 2)
        head_top = bus + 16
        parts.append(line(x + width / 2, bus, x + width / 2, head_top, width=1.2))
        lines = wrap(heading, chars_for(width - 10, 10.5), 2)
        head_height = 10 + len(lines) * 13
        parts.append(rect(x, head_top, width, head_height, fill=PALETTE["yellow"], rx=4,
                          stroke=PALETTE["yellow_dark"], stroke_width="1.2"))
        parts.append(text(x + width / 2, head_top + 5 + 10.5, lines, size=10.5, weight="bold"))
        per = math.ceil(len(rows) / span)
        for index in range(span):
            chunk = rows[index * per:(index + 1) * per]
            left = x + index * (column + GAP)
            drawing, bottom = _stack(chunk, left, column, head_top + head_height)
            parts.append(drawing)
            bottoms.append(bottom)
        x += width + GAP
    parts.insert(0, line(min(centres + [WIDTH / 2]), bus, max(centres + [WIDTH / 2]), bus, width=1.2))
    return Markup("").join(parts), max(bottoms)


def _stack(rows: list[dict], left: float, width: float, top: float) -> tuple[Markup, float]:
    """Member boxes one under another, hung from a line down their left side."""
    parts, y = [], top + 8
    spine = left + 8
    size = 9 if width > 120 else 8
    for row in rows:
        lines = wrap(row.get("organisation") or "—", chars_for(width - 24, size), 3)
        height = 8 + len(lines) * size * 1.25
        role = row.get("role") or ""
        parts.append(line(spine, y + height / 2, left + 16, y + height / 2))
        parts.append(rect(left + 16, y, width - 16, height, fill=PALETTE["paper"], rx=3,
                          stroke=PALETTE["ink"], stroke_width="2" if role in LEADS else "0.8",
                          stroke_dasharray="4 2" if role in QUIET else None))
        parts.append(text(left + 16 + (width - 16) / 2, y + 4 + size, lines, size=size,
                          weight="bold" if role in LEADS else None))
        last_middle = y + height / 2
        y += height + 6
    if rows:
        parts.insert(0, line(spine, top, spine, last_middle))
    return Markup("").join(parts), y


def _legend(y: float) -> tuple[Markup, float]:
    """What the box borders mean."""
    parts = []
    for index, (label, stroke_width, dash, weight) in enumerate((
            (_("Chair or vice-chair"), "2", None, "bold"),
            (_("Member"), "0.8", None, None),
            (_("Observer or adviser"), "0.8", "4 2", None))):
        x = MARGIN + index * 220
        parts.append(rect(x, y, 26, 14, fill=PALETTE["paper"], stroke=PALETTE["ink"], rx=3,
                          stroke_width=stroke_width, stroke_dasharray=dash))
        parts.append(text(x + 34, y + 11, label, size=9.5, anchor="start", weight=weight))
    return Markup("").join(parts), y + 16


def _by_sex(members: list[dict]) -> Markup:
    """A bar of the members' focal points: women, men and not stated."""
    if not members:
        return Markup("")
    women = sum(1 for row in members if row.get("sex") == "female")
    men = sum(1 for row in members if row.get("sex") == "male")
    other = len(members) - women - men
    heading = _("Focal points by sex: %(women)d women, %(men)d men, %(other)d not stated",
                women=women, men=men, other=other)
    parts, x, width = [], MARGIN, WIDTH - 2 * MARGIN
    for count, fill, ink, label in ((women, PALETTE["purple_dark"], PALETTE["paper"], _("Women")),
                                    (men, PALETTE["purple"], PALETTE["ink"], _("Men")),
                                    (other, PALETTE["paper"], PALETTE["ink"], _("Not stated"))):
        if not count:
            continue
        share = width * count / len(members)
        parts.append(rect(x, 22, share, 22, fill=fill, stroke=PALETTE["ink"], stroke_width="0.8"))
        words = f"{label} {count} ({round(100 * count / len(members))}%)"
        if share > len(words) * 5.6 + 6:
            parts.append(text(x + share / 2, 37, words, size=10, fill=ink, weight="bold"))
        else:
            parts.append(text(x + share / 2, 37, str(count), size=10, fill=ink, weight="bold"))
        x += share
    parts.insert(0, text(MARGIN, 14, heading, size=10.5, anchor="start", weight="bold"))
    return svg(WIDTH, 50, Markup("").join(parts), label=heading, css_class="tk-figure tk-sex-bar")
