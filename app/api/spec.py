"""The API's OpenAPI 3.1 document, built by flask-smorest and apispec from the views' schemas.

The only change to flask-smorest's ``Api``: errors. It would answer every HTTP error of the whole
site as JSON; here the site's pages keep their translated error pages, the API's errors are
problem details (app/api/problems.py), and the document describes them as such.
"""
from http import HTTPStatus

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from .problems import MEDIA_TYPE
from .schemas import ProblemSchema

TITLE, VERSION = "Lokakarya API", "1.0"
DESCRIPTION = """\
What the staff pages show of the courses a staff member manages, for their own systems: courses
and their agenda, registrations (read, register, change status), attendance (read, record),
worksheet answers, certificates (read, and verify by code without a token), the donor report.

**Tokens.** Create a personal token on the page /manage/account/tokens and send it as
`Authorization: Bearer <token>`. A token has its owner's rights (a trainer: the team's courses;
an admin: all) and a scope: read, or read and write. Cookies never authenticate the API.

**Pages.** Collections answer `{"items": [...], "next_cursor": "…"}`; pass `?cursor=` with the
`next_cursor` (also in the `Link: <…>; rel="next"` header) for the next page; `?limit=` sets the
page's length (default 50, at most 200). `next_cursor` is null on the last page.

**Errors** are RFC 9457 problem details (`application/problem+json`), titled in the request's
language (`?lang=` or `Accept-Language`); invalid input lists `errors` by field.
"""
TAGS = [
    ("Index", "The API's index and its OpenAPI document"),
    ("Courses", "The courses the token's owner manages, and their agenda"),
    ("Registrations", "Who registered, registering someone, changing a status"),
    ("Attendance", "Who attended each session"),
    ("Worksheets", "The answers of the toolkit's worksheets"),
    ("Certificates", "Issued certificates, and verifying one by its code"),
    ("Reports", "The donor report's figures"),
]
# Headers some problems carry, documented with them.
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": "Bearer, with error=\"invalid_token\" when a token was sent"},
    403: {"WWW-Authenticate": "Bearer error=\"insufficient_scope\" for a read token's write"},
    405: {"Allow": "The methods the address takes"},
    429: {"Retry-After": "Seconds to wait"},
}


class LokakaryaApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app=None):
        super().__init__(app, spec_kwargs={
            "title": TITLE, "version": VERSION, "openapi_version": "3.1.0",
            "info": {"description": DESCRIPTION}, "security": [{"bearerToken": []}]})

    def _init_spec(self, **options):
        super()._init_spec(**options)
        self.spec.components.security_scheme("bearerToken", {
            "type": "http", "scheme": "bearer", "bearerFormat": "lk_…",
            "description": "A personal API token, from /manage/account/tokens"})
        for name, description in TAGS:
            self.spec.tag({"name": name, "description": description})

    def _register_error_handlers(self):
        """None: errors go through app/core/errors.py and app/api/problems.py."""

    def _register_pagination_header(self):
        """None: pages carry their cursor in the body and a Link header, not flask-smorest's."""

    def _register_etag_headers(self):
        """None: no conditional requests."""

    def _register_responses(self):
        """Every error status as a problem (application/problem+json), by its status name."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
                headers = PROBLEM_HEADERS.get(status.value, {})
                if headers:
                    response["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                           for name, text in headers.items()}
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error", "schema": ProblemSchema}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
