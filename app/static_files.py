"""Static files: fingerprinted URLs cached for a year, and the favicon at its usual address.

Templates (and PDFs) link a static file one way, ``url_for('static', filename=...)``; a URL
default adds ``?v=`` and the first 12 hex digits of the file's SHA-256, so a changed file gets
a new URL. An answer to the current fingerprint may be kept a year without asking again
(``immutable``); any other (no fingerprint, an old one, ``/favicon.ico``) for five minutes,
then revalidated with its ETag.
"""
import hashlib
import os
import re
from functools import lru_cache

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"
# What a fingerprinted URL's query is (app.pdf.fetcher accepts it too).
FINGERPRINT_QUERY = re.compile(r"v=[0-9a-f]{12}")


def configure(app: Flask) -> None:
    """Fingerprint ``url_for('static', ...)``, set static answers' lifetimes, serve /favicon.ico."""
    app.url_defaults(add_fingerprint)
    app.after_request(set_lifetime)
    app.session_interface = SessionsSkippingStaticFiles()
    # Browsers ask for /favicon.ico by themselves: the static view answers it there too.
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"},
                     view_func=app.view_functions["static"])


def fingerprint(filename: str) -> str | None:
    """The fingerprint of static file ``filename`` as it is on disk now (None: no such file)."""
    path = safe_join(current_app.static_folder, filename)
    try:
        found = os.stat(path) if path else None
        return _digest(path, found.st_mtime_ns, found.st_size) if found else None
    except OSError:  # none, or a folder
        return None


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:12]


def add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values:
        version = fingerprint(values.get("filename", ""))
        if version:
            values["v"] = version


def set_lifetime(response):
    if request.endpoint == "static" and response.status_code in (200, 206, 304):
        version = request.args.get("v")
        current = version is not None and version == fingerprint(request.view_args["filename"])
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response


class SessionsSkippingStaticFiles(SecureCookieSessionInterface):
    """A static file does not depend on the session: no ``Vary: Cookie`` or refreshed cookie on
    it (Flask-Login looks at the session on every answer), which would have browsers and
    proxies ask for a year-long file again whenever the cookie changes."""

    def save_session(self, app, session, response):
        if request.endpoint != "static" or session.modified:
            super().save_session(app, session, response)
