"""The JSON API's errors as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/`` is one: refusals raised by the API itself (:class:`ApiProblem`), the
HTTP errors Flask and its extensions raise (404 for an unknown address, 405, 413, 429 from the
rate limiter, 500), and invalid parameters or bodies (webargs' 400 and 422, whose messages become
the ``errors`` member, field → messages). ``app/core/errors.py`` hands the errors of ``/api/``
addresses here, and renders its translated pages for every other address. Titles and details
are in the request's language (``?lang=``, the token owner's preference, ``Accept-Language``).
"""
import json
from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from ..i18n import _, _l

PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
# Problem types of our own (RFC 9457 §3.1.1: a URI, not meant to be fetched); the others are
# "about:blank": the status code says it all.
TYPE = "urn:lokakarya:problem:"
PATH_SAFE = "/:@!$&'()*+,;=-._~"  # what a URI's path keeps as it is (RFC 3986); the rest %-encoded

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Authentication required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("This action is not allowed here"),
    409: _l("Conflict with the current state"),
    413: _l("The request is too large"),
    415: _l("Unsupported media type"),
    422: _l("The data is not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is unavailable for a moment"),
}
DETAILS = {
    400: _l("Check the address and its parameters."),
    401: _l("Send a valid API token in the Authorization header: “Bearer” followed by the token."),
    403: _l("The token's account may not do this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not take this method."),
    409: _l("The request conflicts with the current state of the resource."),
    413: _l("The request body is too large."),
    415: _l("Send the request body as JSON (Content-Type: application/json)."),
    422: _l("Some values are not valid: see errors."),
    429: _l("Please wait a minute and try again."),
    500: _l("The error has been logged. Please try again later."),
    503: _l("The database does not answer. Your entries were not saved; please try again shortly."),
}

# Messages of marshmallow and webargs that reach the ``errors`` member, in the catalogues (the
# first ones under the wording the forms already use); others are ours, translated already.
N_ = str  # marks a message for extraction (Babel's default keyword) without translating it
BUILT_IN_MESSAGES = {
    "Missing data for required field.": N_("This field is required."),
    "Not a valid integer.": N_("Not a valid integer value."),
    "Not a valid string.": N_("Not a valid string."),
    "Not a valid utf-8 string.": N_("Not a valid string."),
    "Not a valid boolean.": N_("Not a valid boolean."),
    "Field may not be null.": N_("This field may not be null."),
    "Unknown field.": N_("Unknown field."),
    "Invalid input type.": N_("Invalid input type."),
    "Invalid value.": N_("Invalid value."),
    "Number too large.": N_("Number too large."),
    "Invalid JSON body.": N_("The body is not valid JSON."),
}


class ApiProblem(Exception):
    """A refusal of the API: ``status``, and optionally its own ``kind`` (the problem type),
    ``detail``, field ``errors`` and response ``headers``."""

    def __init__(self, status: int, *, kind: str | None = None, detail: str | None = None,
                 errors: dict[str, list[str]] | None = None, headers: dict | None = None):
        super().__init__(detail or kind or str(status))
        self.status, self.kind, self.detail = status, kind, detail
        self.errors, self.headers = errors, headers or {}


def is_api_request() -> bool:
    """Whether the current request is one for the JSON API (its errors are problems)."""
    return request.path.startswith(PREFIX)


def problem(status: int, *, kind: str | None = None, detail: str | None = None,
            errors: dict[str, list[str]] | None = None, headers=None) -> Response:
    """The problem details response for ``status``."""
    body = {"type": TYPE + kind if kind else "about:blank",
            "title": str(TITLES.get(status) or TITLES[500 if status >= 500 else 400]),
            "status": status,
            "detail": str(detail or DETAILS.get(status) or DETAILS[500 if status >= 500 else 400]),
            "instance": quote(request.path, safe=PATH_SAFE)}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                          mimetype=MEDIA_TYPE)
    response.headers.extend(headers or {})
    return response


def from_api_problem(error: ApiProblem) -> Response:
    return problem(error.status, kind=error.kind, detail=error.detail, errors=error.errors,
                   headers=error.headers)


def from_http_exception(error: HTTPException) -> Response:
    """The problem for an HTTP error raised under /api/ (routing, abort, limits, webargs)."""
    status = error.code or 500
    headers = [(name, value) for name, value in error.get_headers()
               if name.lower() not in ("content-type", "content-length")]
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages:
        headers += list((data.get("headers") or {}).items())
        errors = field_errors(messages)
        kind = "invalid-body" if status == 422 else "invalid-parameters"
        if messages.get("json") == ["Invalid JSON body."]:
            return problem(400, kind="invalid-json", detail=_("The body is not valid JSON."),
                           headers=headers)
        return problem(status, kind=kind, errors=errors, headers=headers)
    return problem(status, headers=headers)


def field_errors(messages: dict) -> dict[str, list[str]]:
    """webargs' messages ({location: {field: [messages]}}) as {field: [messages]}, nested fields
    named with dots, each message in the reader's language."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                name = "" if key == "_schema" else str(key)
                walk(f"{prefix}.{name}" if prefix and name else prefix or name, item)
        else:
            items = value if isinstance(value, (list, tuple)) else [value]
            flat.setdefault(prefix or "body", []).extend(translated(item) for item in items)

    for location, value in messages.items():
        walk("" if location in ("json", "query", "view_args", "headers") else str(location), value)
    return flat


def translated(message) -> str:
    """A validation message in the reader's language: marshmallow's and webargs' own through
    :data:`BUILT_IN_MESSAGES`, ours as they are (translated when raised)."""
    text = str(message)
    known = BUILT_IN_MESSAGES.get(text)
    return _(known) if known else text
