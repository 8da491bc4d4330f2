"""What every request under /api/ goes through: no cookies, a Bearer token, rate limits.

- Cookies never reach the API: its requests get an empty session that is never saved, so a
  browser's staff session cannot act through the API (no cross-site request forgery to guard
  against) and no API response sets a cookie.
- A token is sent as ``Authorization: Bearer <token>``. Unknown, revoked or expired: 401; a
  read token asking to write: 403. The token's owner is ``current_user`` for the request (so the
  pages' rights and the audit log's actor apply), and ``g.api_token`` says the request came
  through the API (the audit log's channel).
- Limits per token (or per address without one) and per address, values in the config.
"""
import hashlib

from flask import current_app, g, request
from flask.sessions import SessionInterface
from flask_babel import refresh
from webargs import core
from webargs.flaskparser import FlaskParser

from ..database import SAFE_METHODS
from ..extensions import client_address
from ..i18n import _
from . import operations
from .problems import PREFIX, ApiProblem, is_api_request

PUBLIC_MARK = "api_public"


def public(view):
    """Mark an API view that answers without a token (the index, its description, its docs,
    checking a certificate)."""
    setattr(view, PUBLIC_MARK, True)
    return view


class CookielessApi(SessionInterface):
    """The app's session interface, but for /api/ requests: an empty session, never saved."""

    def __init__(self, pages: SessionInterface):
        self.pages = pages

    def open_session(self, app, request):
        if request.path.startswith(PREFIX):
            return self.pages.session_class()
        return self.pages.open_session(app, request)

    def save_session(self, app, session, response):
        if not is_api_request():
            self.pages.save_session(app, session, response)

    def make_null_session(self, app):
        return self.pages.make_null_session(app)

    def is_null_session(self, obj) -> bool:
        return self.pages.is_null_session(obj)

    def __getattr__(self, name):  # cookie names, serializers: the pages' own
        return getattr(self.pages, name)


def bearer_secret() -> str | None:
    """The token of the request's ``Authorization: Bearer …`` header, if it has one."""
    scheme, _sep, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate():
    """Before every /api/ request: nobody is signed in, unless a valid token says who."""
    if not is_api_request():
        return None
    g._login_user = current_app.login_manager.anonymous_user()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, PUBLIC_MARK, False):
        return None  # an unknown address (404 follows), or one open to anybody
    secret = bearer_secret()
    if secret is None:
        raise ApiProblem(401, kind="token-required",
                         headers={"WWW-Authenticate": 'Bearer realm="Lokakarya"'})
    token = operations.authenticate(secret)
    if token is None:
        raise ApiProblem(401, kind="invalid-token",
                         detail=_("This API token is unknown, revoked or expired."),
                         headers={"WWW-Authenticate": 'Bearer realm="Lokakarya", error="invalid_token"'})
    if request.method not in SAFE_METHODS and token.scope != "write":
        raise ApiProblem(403, kind="read-only-token",
                         detail=_("This token may only read. Create a token with write access to "
                                  "change anything."),
                         headers={"WWW-Authenticate":
                                  'Bearer realm="Lokakarya", error="insufficient_scope", scope="write"'})
    g.api_token = token
    g._login_user = token.user
    g.pop("language", None)  # the owner's preferred language now applies
    refresh()
    operations.note_use(token)
    return None


def token_key() -> str:
    """Rate-limit key: the token (its digest), else the client's address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:32]
    return "address:" + client_address()


def address_key() -> str:
    return "address:" + client_address()


class ApiParser(FlaskParser):
    """webargs' parser for the API's bodies: JSON only (415 for anything else), and a body that
    is not JSON a 400 however it fails (nesting too deep, integers too long)."""

    def _raw_load_json(self, req):
        body = req.get_data(cache=True)
        if not core.is_json(req.mimetype):
            if body:
                raise ApiProblem(415)
            return core.missing
        try:
            return core.parse_json(body)
        except (ValueError, RecursionError) as error:
            if isinstance(error, ValueError) and getattr(error, "doc", None) == "":
                return core.missing  # an empty body: the fields are missing
            raise ApiProblem(400, kind="invalid-json", detail=_("The body is not valid JSON.")) from None
