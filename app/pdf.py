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
- Khmer, Lao and Myanmar text gets word-boundary break opportunities before layout, and
  lines in complex scripts carry their exact text for copying and search
  (:mod:`app.typography`).
"""
import logging
import mimetypes
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, request
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from . import ROOT
from .typography import add_break_opportunities, install_actual_text

log = logging.getLogger(__name__)

# Documents resolve their relative URLs against this origin; it names no real host
# (.invalid is reserved), and the fetcher answers for it from disk.
ORIGIN = "https://pdf.invalid"
BASE_CSS = ROOT / "templates" / "pdf" / "_base.css"

_lock = threading.RLock()
_font_config: FontConfiguration | None = None
_base_css: CSS | None = None


def _fresh_lock_in_child() -> None:
    global _lock
    _lock = threading.RLock()


# A process forked while another thread renders would inherit Pango mid-call: hold the render
# lock across every fork (app.certificates.batch forks its workers), release it on both sides.
os.register_at_fork(before=lambda: _lock.acquire(), after_in_parent=lambda: _lock.release(),
                    after_in_child=_fresh_lock_in_child)


# What app.organisations.logos.store names files: token_urlsafe (which may begin with "_" or
# "-", so werkzeug's secure_filename would change it) and the kind.
_LOGO_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(png|jpg|jpeg|svg)")


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
        elif endpoint == "organisations.logo" and _LOGO_NAME.fullmatch(values["name"]):
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


def render_pdf_string(html: str, *, css: str | None = None, **options) -> bytes:
    """Turn a complete HTML document into PDF bytes, fetching only the app's own files.

    ``css`` is an extra static stylesheet (a layout's theme), fetched through the same
    fetcher; ``options`` go to WeasyPrint's ``write_pdf`` (e.g. ``pdf_variant="pdf/a-3b"``).
    """
    return write_document(render_document(html, css=css), **options)


def render_document(html: str, *, css: str | None = None, cache: dict | None = None) -> Document:
    """Lay out a complete HTML document into pages (not yet a PDF); see :func:`write_document`.

    Share ``cache`` between the documents of a batch so each image is decoded and encoded once.
    """
    fetcher = AppFetcher.for_app()
    with _lock:  # one font configuration for all renders; Pango/fontconfig are not thread-safe
        font_config, base_css = _shared()
        stylesheets = [base_css] if css is None else [base_css, _stylesheet(css)]
        document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
        add_break_opportunities(document.etree_element)
        return document.render(font_config=font_config, stylesheets=stylesheets, cache=cache)


def write_document(document: Document, **options) -> bytes:
    """Write a laid-out document (or a ``copy()`` of some of its pages) as PDF bytes."""
    with _lock:
        return document.write_pdf(**options)


def resource_url(endpoint: str, **values) -> str:
    """The URL a PDF uses for an app file (``static`` or ``organisations.logo``), with or
    without a request (a background job has none)."""
    script_root = request.script_root if has_request_context() else ""
    adapter = current_app.url_map.bind(urlsplit(ORIGIN).hostname, script_name=script_root or None)
    return ORIGIN + adapter.build(endpoint, values)


class _ArrayTypesOnce:
    """WeasyPrint's font subsetting asks cffi for ``hb_codepoint_t[N]`` with a new N for almost
    every font of every PDF, and cffi parses each new C type with pycparser (~13 ms). An
    unsized ``hb_codepoint_t[]`` with the same items makes the same array, parsed once."""

    _SIZED = re.compile(r"\[\d+\]$")

    def __init__(self, ffi):
        self._ffi = ffi

    def __getattr__(self, name):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        if init is not None and isinstance(cdecl, str):
            cdecl = self._SIZED.sub("[]", cdecl)
        return self._ffi.new(cdecl, init)


def _tune_weasyprint() -> None:
    """The changes this app makes to WeasyPrint 70 (pinned in setup.cfg), none visible on the
    page: exact text extraction for complex scripts, faster font subsetting, and native
    libraries kept loaded until the process ends."""
    from weasyprint.pdf import fonts

    install_actual_text()
    if not isinstance(fonts.ffi, _ArrayTypesOnce):
        fonts.ffi = _ArrayTypesOnce(fonts.ffi)
    _pin_libraries()


_pinned: list = []


def _pin_libraries() -> None:
    """Open Pango, GObject, HarfBuzz and Fontconfig once more through ctypes, which never
    closes them. At interpreter exit cffi closes WeasyPrint's handles, and a font map still
    waiting for the final garbage collection would then be freed by code no longer mapped
    (a segmentation fault after the tests pass, or when a worker exits)."""
    import ctypes

    for name in ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libpangoft2-1.0.so.0",
                 "libharfbuzz.so.0", "libharfbuzz-subset.so.0", "libfontconfig.so.1"):
        try:
            _pinned.append(ctypes.CDLL(name))
        except OSError:  # another platform's names: nothing to pin
            pass


_tune_weasyprint()


def _shared() -> tuple[FontConfiguration, CSS]:
    """The font configuration and base stylesheet, made once per process (call under _lock)."""
    global _font_config, _base_css
    if _font_config is None:
        _font_config = FontConfiguration()
        _base_css = CSS(string=BASE_CSS.read_text(encoding="utf-8"), font_config=_font_config)
    return _font_config, _base_css


_stylesheets: dict[str, CSS] = {}


def _stylesheet(css: str) -> CSS:
    """A parsed extra stylesheet, kept for the next render (call under _lock)."""
    if css not in _stylesheets:
        if len(_stylesheets) >= 16:
            _stylesheets.pop(next(iter(_stylesheets)))
        _stylesheets[css] = CSS(string=css, base_url=ORIGIN + "/", font_config=_shared()[0],
                                url_fetcher=AppFetcher.for_app())
    return _stylesheets[css]
