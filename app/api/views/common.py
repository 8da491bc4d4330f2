"""The API's blueprint, and what its views share: documented refusals, page answers."""
from http import HTTPStatus
from urllib.parse import urlencode

from flask import Blueprint as PlainBlueprint, request, url_for
from flask_smorest import Blueprint

from ..gate import ApiParser
from ..pagination import Page

PREFIX = "/api/v1"


class ApiBlueprint(Blueprint):
    """flask-smorest's blueprint, reading bodies with the API's parser; each operation's
    ``operationId`` is its endpoint's name. ``page_route`` adds a route that the OpenAPI
    document leaves out (the docs page, the token page)."""

    ARGUMENTS_PARSER = ApiParser()

    def route(self, rule: str, *, parameters=None, tags=None, **options):
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorate(view):
            manual = view.__dict__.setdefault("_apidoc", {}).setdefault("manual_doc", {})
            manual.setdefault("operationId", options.get("endpoint") or view.__name__)
            return register(view)

        return decorate

    def page_route(self, rule: str, **options):
        def decorate(view):
            PlainBlueprint.add_url_rule(self, rule, view_func=view, **options)
            return view

        return decorate


bp = ApiBlueprint("api", __name__)


def refusals(*codes: int):
    """Document the problem responses an operation may give (the problem schema, by status)."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate


# What every operation needing a token may answer: no or a bad token, not allowed, too many.
TOKEN = (401, 403, 429)
LINK_HEADER = {"Link": {"description": 'RFC 8288: the next page, rel="next" (absent on the last page)',
                        "schema": {"type": "string"}}}


def paged(page: Page, limit: int):
    """A page's body and its ``Link: <…>; rel="next"`` header (the same query, the next cursor)."""
    headers = {}
    if page.next_cursor:
        args = [(name, value) for name, value in request.args.items(multi=True)
                if name not in ("cursor", "limit")]
        args += [("limit", str(limit)), ("cursor", page.next_cursor)]
        headers["Link"] = f'<{url_for(request.endpoint, **request.view_args)}?{urlencode(args)}>; rel="next"'
    return {"items": page.items, "next_cursor": page.next_cursor}, 200, headers
