"""The one registry of template helpers: every global the templates call is registered here
once, under a name no other feature uses. Registering a name twice fails at start-up, so two
features can no longer overwrite each other's helper (as agenda's ``role_label`` once hid the
staff accounts' one)."""
from collections.abc import Callable

from flask import Flask

from ..forms import error_links
from ..reference import country_name
from ..links import external_url


class DuplicateHelper(RuntimeError):
    """Two helpers were registered under one template name."""


class Registry:
    """Template helpers by name, installed into an app's Jinja globals."""

    def __init__(self):
        self.helpers: dict[str, Callable] = {}

    def add(self, function: Callable, name: str | None = None) -> Callable:
        name = name or function.__name__
        if name in self.helpers:
            raise DuplicateHelper(f"template helper {name!r} is registered twice: "
                                  f"{_where(self.helpers[name])} and {_where(function)}")
        self.helpers[name] = function
        return function

    def helper(self, name: str | None = None):
        """Decorator: register a function as the template helper ``name`` (its own name)."""
        return lambda function: self.add(function, name)

    def install(self, app: Flask) -> None:
        """Put every helper into ``app``'s templates; a name already there is a clash too."""
        taken = set(app.jinja_env.globals) & set(self.helpers)
        if taken:
            raise DuplicateHelper(f"template helpers clash with existing globals: {sorted(taken)}")
        app.jinja_env.globals.update(self.helpers)


def _where(function: Callable) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)}"


registry = Registry()
helper = registry.helper
add_helper = registry.add
# Shared by every feature's pages; here because app.reference sits below app.i18n.
add_helper(country_name, "country_name")
add_helper(external_url, "external_url")
add_helper(error_links, "error_links")  # the error summary of a failed form (_macros.html)
