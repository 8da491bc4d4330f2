"""The only way a PDF gets a resource: the app's static files from disk, uploaded logos from
the app's storage (``app.storage``: the upload folder, or S3).

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

from ..organisations import logos
from ..static_files import FINGERPRINT_QUERY
from ..storage import StorageUnavailable, storage

log = logging.getLogger(__name__)

# It names no real host (.invalid is reserved); the fetcher answers for it itself.
ORIGIN = "https://pdf.invalid"

# What app.organisations.logos.store names files: token_urlsafe (which may begin with "_" or
# "-", so werkzeug's secure_filename would change it) and the kind. Never SVG: markup is not
# passed on (an SVG stored before uploads were re-encoded is left out).
_LOGO_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(png|jpg)")


class ResourceRefused(ValueError):
    """A document asked for something other than the app's own static files or logos."""


class AppFetcher(URLFetcher):
    """Serve the app's static files and uploaded logos; refuse everything else.

    ``data:`` URLs are decoded in memory. A URL is matched against the app's routes, so a
    template links with ``url_for('static', ...)`` or ``url_for('organisations.logo', ...)``
    exactly as a web page does.

    WeasyPrint leaves out whatever it fails to fetch; a storage that does not answer is kept in
    :attr:`unavailable` instead, for the render to fail (a PDF without its logos must not be
    kept as if it were whole).
    """

    def __init__(self, static_folder: str | Path, script_root: str = ""):
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False,
                         fail_on_errors=False)
        self.static_folder = Path(static_folder).resolve()
        self.script_root = script_root.rstrip("/")
        self.unavailable: StorageUnavailable | None = None
        self.adapter = current_app.url_map.bind(urlsplit(ORIGIN).hostname)

    @classmethod
    def for_app(cls) -> "AppFetcher":
        script_root = request.script_root if has_request_context() else ""
        return cls(current_app.static_folder, script_root)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        try:
            found = self.resolve(url)
            if found is None:
                log.warning("PDF resource refused: %.200s", url)
                raise ResourceRefused(f"Not an app resource: {url[:200]}")
            if isinstance(found, Path):
                data, name = found.read_bytes(), found.name
            else:
                data, name = self.stored(found), found.rsplit("/", 1)[-1]
        except StorageUnavailable as exc:
            self.unavailable = exc
            raise
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def stored(self, key: str) -> bytes:
        """An uploaded image's bytes, if printable."""
        try:
            with storage().open(key) as stream:
                data = stream.read()
        except FileNotFoundError:
            raise ResourceRefused(f"Not stored: {key}") from None
        except StorageUnavailable:
            raise
        except Exception as exc:  # a read cut short: no PDF may be kept without its image
            raise StorageUnavailable(f"{key}: {exc}") from exc
        if not self.printable(data):
            log.warning("PDF logo refused (not an image within the limits): %s", key)
            raise ResourceRefused(f"Not a printable image: {key}")
        return data

    @staticmethod
    def printable(data: bytes) -> bool:
        """Uploaded images are checked when stored, but one stored by an older version was kept
        as sent: its pixels are checked again before a PDF decodes them."""
        return logos.printable(data)

    def resolve(self, url: str) -> Path | str | None:
        """What ``url`` names: a static file on disk (its path), an uploaded image (its storage
        key), or None if it is not one we serve."""
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
        if endpoint == "organisations.logo" and _LOGO_NAME.fullmatch(values["name"]):
            key = logos.key_of(values["name"])
            return key if storage().exists(key) else None
        found = safe_join(str(self.static_folder), values["filename"]) \
            if endpoint == "static" else None
        if found is None:
            return None
        path = Path(found).resolve()  # follow symlinks, then check we are still inside
        return path if path.is_relative_to(self.static_folder) and path.is_file() else None


def resource_url(endpoint: str, **values) -> str:
    """The URL a PDF uses for an app file (``static`` or ``organisations.logo``), with or
    without a request (a background job has none)."""
    script_root = request.script_root if has_request_context() else ""
    adapter = current_app.url_map.bind(urlsplit(ORIGIN).hostname, script_name=script_root or None)
    return ORIGIN + adapter.build(endpoint, values)
