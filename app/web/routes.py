"""Routes collected per views module and mounted on the feature's blueprint by its
``views/__init__.py``: a views package's modules need not import the package (no cycle)."""
from collections.abc import Callable

from flask import Blueprint


class Routes:
    """Like ``Blueprint.route``, recorded now and added to a blueprint by :meth:`register`."""

    def __init__(self):
        self.rules: list[tuple[str, str | None, Callable, dict]] = []

    def route(self, rule: str, *, endpoint: str | None = None, **options):
        def decorate(view: Callable) -> Callable:
            self.rules.append((rule, endpoint, view, options))
            return view

        return decorate

    def register(self, bp: Blueprint) -> None:
        for rule, endpoint, view, options in self.rules:
            bp.add_url_rule(rule, endpoint, view, **options)
