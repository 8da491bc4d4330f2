"""Security headers, refusing unknown hosts, and refusing debug mode outside development."""
import os
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Uploaded files (images, re-encoded on upload) must never run script, even when opened directly.
UPLOAD_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def configure(app: Flask) -> None:
    """Install the response headers and check the debug setting."""
    if app.debug and os.environ.get("FLASK_DEBUG") is None and not app.testing:
        raise RuntimeError("Debug mode is only for development: set FLASK_DEBUG=1 explicitly.")
    if os.environ.get("LOKAKARYA_PROXY_FIX", "").lower() in {"1", "true", "yes"}:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.wsgi_app = ProbesAnyHost(app.wsgi_app, urlsplit(app.config["BASE_URL"]).netloc)
    app.url_map.converters["int"] = BoundedInt
    # Flask refuses hosts outside TRUSTED_HOSTS (app.config); this runs first so the refusal
    # is the translated 400 page.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.before_request(refuse_control_characters)
    app.after_request(add_headers)


class ProbesAnyHost:
    """Health checks and Prometheus ask by IP or ``localhost`` (a container's HEALTHCHECK, a load
    balancer, a scraper): answer /healthz, /readyz and /metrics whatever their Host. They return
    no links, so no host leaks (/metrics checks the client's address itself)."""

    PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(self, wsgi_app, host: str):
        self.wsgi_app, self.host = wsgi_app, host

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in self.PATHS:
            environ["HTTP_HOST"] = self.host
        return self.wsgi_app(environ, start_response)


class BoundedInt(IntegerConverter):
    """``<int:…>`` URL arguments that fit a database integer (larger ones are simply not found)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def refuse_untrusted_host():
    """Answer a request whose Host is not trusted with the 400 page, built without that host.

    Flask found the host untrusted and left the request without URLs; the error page gets
    links relative to BASE_URL's host, and nothing later can read the refused header.
    """
    error = request.routing_exception
    if not isinstance(error, SecurityError):
        return
    base = urlsplit(current_app.config["BASE_URL"])
    request.host = base.netloc
    request_ctx.url_adapter = current_app.url_map.bind(
        base.netloc, script_name=request.script_root or "/", url_scheme=request.scheme, subdomain="")
    raise error


def refuse_control_characters():
    """Query strings with control characters are malformed (and PostgreSQL refuses NUL)."""
    from .forms import CONTROL_CHARACTERS

    if any(CONTROL_CHARACTERS.search(value) for value in request.args.values()):
        abort(400)


def add_headers(response):
    """Set the security headers, and keep pages with personal data out of shared caches."""
    headers = response.headers
    uploaded = request.endpoint == "organisations.logo"
    headers.setdefault("Content-Security-Policy", UPLOAD_CSP if uploaded else CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # A password reset link works until used: its page names it to nobody, not even to us
    # (its styles and scripts would otherwise carry it in their Referer), and is not cached.
    reset_link = request.endpoint == "auth.reset_password"
    headers.setdefault("Referrer-Policy", "no-referrer" if reset_link else "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages may hold personal data: do not let shared caches keep them.
        headers["Cache-Control"] = "no-store" if reset_link or _is_private() else "no-cache"
    return response


def _is_private() -> bool:
    """Staff pages and participants' personal pages (/p/<token>/) hold personal data."""
    from flask_login import current_user

    return request.path.startswith("/p/") or bool(current_user and current_user.is_authenticated)
