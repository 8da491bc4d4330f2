"""Figures drawn on the server as SVG (no JavaScript) for worksheet pages and PDFs.

Each module names its figure (``figure: power_interest``); a function registered here with
:func:`figure` draws it from the sheet's answers (computed fields included)::

    @figure("power_interest")
    def power_interest(module, answers, ctx) -> Markup: ...

It returns safe markup (an ``<svg>`` element, perhaps with an HTML table beside it), every
answer escaped. Text in SVG is wrapped by :func:`wrap` since SVG does not wrap by itself.
"""
from __future__ import annotations

from .registry import FIGURES, draw, figure  # noqa: F401 - the package's interface
# Each module registers its figure when imported (they import the registry, not this package).
from . import m01_power_interest, m02_problem_tree, m03_results_hierarchy, m04_indicator_sheets  # noqa: E402,F401
from . import m05_data_matrix, m06_gantt, m07_org_chart, m08_cost_table, m09_cascade, m10_upr_matrix, m11_action_plan  # noqa: E402,F401
