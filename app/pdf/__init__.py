"""The one way the app makes PDFs: a template and its context in, PDF bytes out.

Every document (agenda, sign-in sheet, certificate) goes through :func:`render_pdf` or,
for HTML built elsewhere (e.g. a sandboxed certificate layout), :func:`render_pdf_string`.
Rules that keep this safe:

- Resources are fetched only through :class:`AppFetcher` (:mod:`.fetcher`): the app's static
  files from disk, uploaded logos from the app's storage (a render fails while the storage
  does not answer). No network, no ``file://``, no other host.
- No user value ever goes into CSS or a ``style`` attribute (even autoescaped, a ``url()``
  there makes the renderer fetch it). Put user text in elements; pull it into page
  margins with ``string-set``.
- Fonts are named per script in ``templates/pdf/_base.css``; tag text with ``lang``.
- Khmer, Lao and Myanmar text gets word-boundary break opportunities before layout
  (:mod:`app.typography`); lines in complex scripts, in HTML and in SVG, carry their exact
  text for copying and search. Every change made to WeasyPrint is in :mod:`.compat`, checked
  when this package is imported and again when the app starts.
"""
import os
import threading

from flask import render_template
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from ..paths import ROOT
from ..typography import add_break_opportunities
from . import compat
from .fetcher import ORIGIN, AppFetcher, ResourceRefused, resource_url

__all__ = ["ORIGIN", "AppFetcher", "ResourceRefused", "render_pdf", "render_pdf_string",
           "render_document", "write_document", "resource_url"]

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

compat.install()


def render_pdf(template: str, **context) -> bytes:
    """Render ``templates/pdf/<template>`` with ``context`` to PDF bytes."""
    return render_pdf_string(render_template(f"pdf/{template}", **context))


def render_pdf_string(html: str, *, css: str | None = None, **options) -> bytes:
    """Turn a complete HTML document into PDF bytes, fetching only the app's own files.

    ``css`` is an extra static stylesheet (a layout's theme), fetched through the same
    fetcher; ``options`` go to WeasyPrint's ``write_pdf`` (e.g. ``pdf_variant="pdf/a-3b"``).
    """
    return write_document(render_document(html, css=css), **options)


def render_document(html: str, *, css: str | None = None, cache: dict | None = None,
                    document_css: str | None = None) -> Document:
    """Lay out a complete HTML document into pages (not yet a PDF); see :func:`write_document`.

    Share ``cache`` between the documents of a batch so each image is decoded and encoded once.
    ``document_css``: a few rules made for this document alone (parsed each time, not kept, so
    they do not push the static ``css`` out of the parsed stylesheets kept for the next render).
    """
    fetcher = AppFetcher.for_app()
    with _lock:  # one font configuration for all renders; Pango/fontconfig are not thread-safe
        font_config, base_css = _shared()
        stylesheets = [base_css] if css is None else [base_css, _stylesheet(css)]
        if document_css is not None:
            stylesheets.append(CSS(string=document_css, base_url=ORIGIN + "/", font_config=font_config,
                                   url_fetcher=fetcher))
        document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
        add_break_opportunities(document.etree_element)
        rendered = document.render(font_config=font_config, stylesheets=stylesheets, cache=cache)
    if fetcher.unavailable is not None:  # an uploaded image could not be read: no PDF
        raise fetcher.unavailable
    return rendered


def write_document(document: Document, **options) -> bytes:
    """Write a laid-out document (or a ``copy()`` of some of its pages) as PDF bytes."""
    with _lock:
        return document.write_pdf(**options)


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
