"""M2: the problem tree (effects above, the core problem as trunk, causes as roots by level),
and the objective tree below it when the group reworded the boxes positively."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from ...i18n import _
from .registry import figure
from .svg import PALETTE, SERIES, Placed, box, box_rows, connect, filled_rows, line, svg, text, wrap

WIDTH = 720
LABELS = 112  # the column naming each band
AREA = WIDTH - LABELS - 10  # where the boxes go
BAND_GAP = 30
LEVELS = ("immediate", "underlying", "root")


@dataclass
class Band:
    """A level of the tree: its name, its boxes' texts, and the rows it was laid out in."""

    label: str
    texts: list[str]
    fill: str
    below_core: bool
    rows: list[list[Placed]] = field(default_factory=list)

    def place(self, top: float) -> float:
        self.rows = box_rows(self.texts or ["—"], LABELS, AREA, top, max_lines=5)
        return self.bottom

    @property
    def top(self) -> float:
        return self.rows[0][0].y

    @property
    def bottom(self) -> float:
        return self.rows[-1][0].bottom

    def bus(self, trunk: float) -> Markup:
        """The lines joining this band's row nearest the core to the trunk."""
        if self.below_core:
            return connect(self.rows[0], trunk, self.top - BAND_GAP / 2)
        return connect(self.rows[-1], trunk, self.bottom + BAND_GAP / 2)


def draw_tree(core: str, effects: list[str], causes: dict[str, list[str]], labels: dict[str, str],
              title: str, core_fill: str, fills: list[str]) -> Markup:
    """One tree: effect boxes, the core box, cause boxes by level; lines drawn under the boxes.

    ``labels`` names the bands: "effects", "core" and each level of ``causes``."""
    effect_band = Band(labels["effects"], effects, fills[0], False)
    core_band = Band(labels["core"], [core or "—"], core_fill, False)
    cause_bands = [Band(labels[level], texts, fills[1 + i % (len(fills) - 1)], True)
                   for i, (level, texts) in enumerate(causes.items()) if texts]
    y = 8.0
    for band in (effect_band, core_band, *cause_bands):
        y = band.place(y) + BAND_GAP
    trunk = LABELS + AREA / 2
    end = cause_bands[-1].top - BAND_GAP / 2 if cause_bands else core_band.bottom
    parts = [band.bus(trunk) for band in (effect_band, *cause_bands)]
    parts.append(line(trunk, effect_band.bottom + BAND_GAP / 2, trunk, end, width=2.5))
    for band in (effect_band, core_band, *cause_bands):
        is_core = band is core_band
        for placed in (placed for row in band.rows for placed in row):
            parts.append(box(placed.x, placed.y, placed.width, placed.height, placed.label,
                             fill=band.fill, size=11 if is_core else 10, max_lines=5,
                             weight="bold" if is_core else None,
                             color=PALETTE["paper"] if is_core else None))
        name = wrap(band.label, 16, max_lines=3)
        middle = (band.top + band.bottom) / 2 - (len(name) - 1) * 6 + 4
        parts.append(text(4, middle, name, size=10, anchor="start", weight="bold",
                          fill=PALETTE["muted"]))
    return svg(WIDTH, y - BAND_GAP + 8, Markup("").join(parts), label=title)


@figure("problem_tree")
def problem_tree(module, answers, ctx) -> Markup:
    """The problem tree, then the objective tree if any box was reworded as an objective."""
    labels = {"immediate": _("Immediate causes"), "underlying": _("Underlying causes"),
              "root": _("Root causes"), "": _("Other causes"), "effects": _("Effects"),
              "core": _("Core problem")}
    causes = filled_rows(module, "causes", answers)
    effects = filled_rows(module, "effects", answers)

    def by_level(column: str) -> dict[str, list[str]]:
        grouped = {level: [] for level in (*LEVELS, "")}
        for row in causes:
            if row.get(column):
                grouped[row.get("level") if row.get("level") in LEVELS else ""].append(str(row[column]))
        return grouped

    objectives = [str(r["objective"]) for r in effects if r.get("objective")]
    reworded = by_level("objective")
    both = bool(answers.get("core_objective") or objectives or any(reworded.values()))
    parts = [Markup('<div class="tk-figure-wrap tk-m2">')]
    if both:
        parts.append(Markup('<h3 class="tk-figure-title">') + _("Problem tree") + Markup("</h3>"))
    parts.append(draw_tree(
        str(answers.get("core_problem") or ""), [str(r["effect"]) for r in effects if r.get("effect")],
        by_level("cause"), labels, _("Problem tree"), PALETTE["red_dark"],
        [PALETTE["orange"], SERIES[0], SERIES[1], SERIES[4], PALETTE["grey"]]))
    if both:
        labels.update(effects=_("Results"), core=_("Core objective"))
        parts.append(Markup('<h3 class="tk-figure-title">') + _("Objective tree") + Markup("</h3>"))
        parts.append(draw_tree(str(answers.get("core_objective") or ""), objectives, reworded, labels,
                               _("Objective tree"), PALETTE["green_dark"],
                               [PALETTE["green"], SERIES[0], SERIES[1], SERIES[4], PALETTE["grey"]]))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)
