"""The one way the app makes absolute URLs: from ``BASE_URL``, never from the request.

Emails, QR codes, certificates, calendars and PDFs carry links that leave the site. They are
built here, against the address in ``BASE_URL``, so that a request sent with a forged
``Host`` header cannot make the app mail or print a link to another site. Pages link to
each other with plain relative ``url_for``.
"""
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, request

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class BadBaseURL(ValueError):
    """``BASE_URL`` is not an absolute http(s) address of a site."""


def normalise_base_url(url: str) -> str:
    """``url`` without a trailing slash, checked to be an http(s) address with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise BadBaseURL(f"BASE_URL is not an http(s) address like https://training.example.org: {url!r}")
    return parts._replace(path=parts.path.rstrip("/")).geturl()


def base_host(url: str) -> str:
    """The host name of a base URL, without port (what ``TRUSTED_HOSTS`` compares)."""
    return urlsplit(url).hostname or ""


def external_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` on the site named by ``BASE_URL``.

    Takes the same arguments as ``url_for`` (``_anchor`` included); ``_external`` and
    ``_scheme`` are refused because the scheme and host are BASE_URL's.
    """
    if "_external" in values or "_scheme" in values:
        raise TypeError("external_url takes its scheme and host from BASE_URL")
    app = current_app
    if endpoint.startswith("."):
        blueprint = request.blueprint if has_request_context() else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    anchor = values.pop("_anchor", None)
    method = values.pop("_method", None)
    app.inject_url_defaults(endpoint, values)
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, method=method, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def verify_url(certificate) -> str:
    """The address printed and QR-encoded on a certificate."""
    return external_url("certificates.verify", code=certificate.code)
