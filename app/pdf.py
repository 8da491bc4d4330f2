"""The one way the app makes PDFs: a template and its context in, PDF bytes out.

Every document (agenda, sign-in sheet, certificate) goes through :func:`render_pdf` or,
for HTML built elsewhere (e.g. a sandboxed certificate layout), :func:`render_pdf_string`.
Rules that keep this safe:

- Resources are fetched only through :class:`AppFetcher`: the app's static files and
  uploaded logos, found by path on disk. No network, no ``file://``, no other host.
- No user value ever goes into CSS or a ``style`` attribute (even autoescaped, a ``url()``
  there makes the renderer fetch it). Put user text in elements; pull it into page
  margins with ``string-set``.
- Fonts are named per script in ``templates/pdf/_base.css``; tag text with ``lang``.
"""
import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, request
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

from . import ROOT

log = logging.getLogger(__name__)

# Documents resolve their relative URLs against this origin; it names no real host
# (.invalid is reserved), and the fetcher answers for it from disk.
ORIGIN = "https://pdf.invalid"
BASE_CSS = ROOT / "templates" / "pdf" / "_base.css"

_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_base_css: CSS | None = None


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
        from .organisations import logos

        script_root = request.script_root if has_request_context() else ""
        return cls(current_app.static_folder, logos.folder(), script_root)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.resolve(url)
        if path is None:
            log.warning("PDF resource refused: %.200s", url)
            raise ResourceRefused(f"Not an app resource: {url[:200]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def resolve(self, url: str) -> Path | None:
        """The file on disk that ``url`` names, or None if it is not one we serve."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN or parts.query \
                or not path.startswith(self.script_root + "/"):
            return None
        try:
            endpoint, values = self.adapter.match(path[len(self.script_root):], method="GET")
        except HTTPException:
            return None
        if endpoint == "static":
            found, root = safe_join(str(self.static_folder), values["filename"]), self.static_folder
        elif endpoint == "organisations.logo" and secure_filename(values["name"]) == values["name"]:
            found, root = str(self.logo_folder / values["name"]), self.logo_folder
        else:
            return None
        if found is None:
            return None
        path = Path(found).resolve()  # follow symlinks, then check we are still inside
        return path if path.is_relative_to(root) and path.is_file() else None


def render_pdf(template: str, **context) -> bytes:
    """Render ``templates/pdf/<template>`` with ``context`` to PDF bytes."""
    return render_pdf_string(render_template(f"pdf/{template}", **context))


def render_pdf_string(html: str, **options) -> bytes:
    """Turn a complete HTML document into PDF bytes, fetching only the app's own files.

    ``options`` go to WeasyPrint's ``write_pdf`` (e.g. ``pdf_variant="pdf/a-3b"``); extra
    stylesheets are not accepted, as a ``CSS`` object fetches its imports on its own.
    """
    fetcher = AppFetcher.for_app()
    with _lock:  # one font configuration for all renders; Pango/fontconfig are not thread-safe
        font_config, base_css = _shared()
        document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
        return document.write_pdf(font_config=font_config, stylesheets=[base_css], **options)


def _shared() -> tuple[FontConfiguration, CSS]:
    """The font configuration and base stylesheet, made once per process (call under _lock)."""
    global _font_config, _base_css
    if _font_config is None:
        _font_config = FontConfiguration()
        _base_css = CSS(string=BASE_CSS.read_text(encoding="utf-8"), font_config=_font_config)
    return _font_config, _base_css
