"""The only way a PDF gets a resource: the app's static files and uploaded logos, from disk.

Documents resolve their relative URLs against :data:`ORIGIN`; :class:`AppFetcher` answers for
it by matching the URL against the app's routes. No network, no ``file://``, no other host.
"""
import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, request
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from ..static_files import FINGERPRINT_QUERY

log = logging.getLogger(__name__)

# It names no real host (.invalid is reserved); the fetcher answers for it from disk.
ORIGIN = "https://pdf.invalid"

# What app.organisations.logos.store names files: token_urlsafe (which may begin with "_" or
# "-", so werkzeug's secure_filename would change it) and the kind. Never SVG: markup is not
# passed on (an SVG stored before uploads were re-encoded is left out).
_LOGO_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(png|jpg)")


class ResourceRefused(ValueError):
    """A document asked for something other than the app's own static files or logos."""


class AppFetcher(URLFetcher):
    """Serve the app's static files and uploaded logos from disk; refuse everything else.

    ``data:`` URLs are decoded in memory. A URL is matched against the app's routes, so a
    template links with ``url_for('static', ...)`` or ``url_for('organisations.logo', ...)``
    exactly as a web page does.
    """

    def __init__(self, static_folder: str | Path, logo_folder: str | Path, script_root: str = ""):
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False,
                         fail_on_errors=False)
        self.static_folder = Path(static_folder).resolve()
        self.logo_folder = Path(logo_folder).resolve()
        self.script_root = script_root.rstrip("/")
        self.adapter = current_app.url_map.bind(urlsplit(ORIGIN).hostname)

    @classmethod
    def for_app(cls) -> "AppFetcher":
        from ..organisations import logos

        script_root = request.script_root if has_request_context() else ""
        return cls(current_app.static_folder, logos.folder(), script_root)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.resolve(url)
        if path is None:
            log.warning("PDF resource refused: %.200s", url)
            raise ResourceRefused(f"Not an app resource: {url[:200]}")
        data = path.read_bytes()
        if path.parent == self.logo_folder and not self.printable(data):
            log.warning("PDF logo refused (not an image within the limits): %s", path.name)
            raise ResourceRefused(f"Not a printable image: {path.name}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    @staticmethod
    def printable(data: bytes) -> bool:
        """Uploaded images are checked when stored, but one stored by an older version was kept
        as sent: its pixels are checked again before a PDF decodes them."""
        from ..organisations import logos

        return logos.printable(data)

    def resolve(self, url: str) -> Path | None:
        """The file on disk that ``url`` names, or None if it is not one we serve."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN \
                or not path.startswith(self.script_root + "/"):
            return None
        try:
            endpoint, values = self.adapter.match(path[len(self.script_root):], method="GET")
        except HTTPException:
            return None
        if parts.query and not (endpoint == "static" and FINGERPRINT_QUERY.fullmatch(parts.query)):
            return None  # the only query allowed: a static file's fingerprint (url_for adds it)
        if endpoint == "static":
            found, root = safe_join(str(self.static_folder), values["filename"]), self.static_folder
        elif endpoint == "organisations.logo" and _LOGO_NAME.fullmatch(values["name"]):
            found, root = str(self.logo_folder / values["name"]), self.logo_folder
        else:
            return None
        if found is None:
            return None
        path = Path(found).resolve()  # follow symlinks, then check we are still inside
        return path if path.is_relative_to(root) and path.is_file() else None


def resource_url(endpoint: str, **values) -> str:
    """The URL a PDF uses for an app file (``static`` or ``organisations.logo``), with or
    without a request (a background job has none)."""
    script_root = request.script_root if has_request_context() else ""
    adapter = current_app.url_map.bind(urlsplit(ORIGIN).hostname, script_name=script_root or None)
    return ORIGIN + adapter.build(endpoint, values)
