"""The registry of figures: each figure module registers its drawing function under a name."""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

FIGURES: dict[str, Callable] = {}


def figure(name: str):
    def register(function):
        FIGURES[name] = function
        return function
    return register


def draw(module, answers: dict, ctx) -> Markup:
    """The module's figure for these answers, or nothing when it has none."""
    function = FIGURES.get(module.figure)
    return function(module, answers, ctx) if function else Markup("")
