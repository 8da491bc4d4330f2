"""A worksheet PDF's pages: each sheet's pages and the header running at their top under a name
of its own, with a top margin as tall as that header printed (:func:`lay_out`). The rest of the
page is in templates/pdf/toolkit/toolkit.css. Sheets are :class:`app.toolkit.documents.Sheet`
(not imported: documents uses this module)."""
from __future__ import annotations

import math
import re
import threading

from ..i18n import current_language
from ..pdf import render_document

# A sheet's page (the rest of it is in toolkit.css): its size by its module's orientation, and a
# top margin (mm) of at least TOP_MARGIN that holds its header, the gap under the header
# (toolkit.css: @top-center's padding-bottom) and, above it, the edge a printer leaves blank.
PAGES = {"portrait": "A4 portrait", "landscape": "A4 landscape"}
TOP_MARGIN, HEADER_GAP, PRINTER_EDGE = 33, 3, 6


def lay_out(html: str, css: str, sheets: list):
    """``html`` (document.html of ``sheets``, styled by ``css``) laid out, each page's top margin
    as tall as its header needs: laid out again (once) when a header printed taller or shorter
    than the margin it was given, which was what the same header needed last time
    (:data:`_margins`), else the usual :data:`TOP_MARGIN`."""
    keys = {sheet.anchor: _margin_key(sheet) for sheet in sheets}
    margins = {anchor: _margins.get(key, TOP_MARGIN) for anchor, key in keys.items()}
    images: dict = {}  # each logo and image decoded once for both layouts

    def layout(margins: dict[str, int]):
        return render_document(html, css=css, cache=images,
                               document_css=sheet_pages(sheets, margins))

    document = layout(margins)
    needed = {**margins, **header_margins(document)}
    with _margins_lock:
        for anchor, key in keys.items():
            if key not in _margins and len(_margins) >= MARGINS_KEPT:
                _margins.pop(next(iter(_margins)))
            _margins[key] = needed[anchor]
    return layout(needed) if needed != margins else document


# The top margin (mm) a header needed when last laid out in this process, by what sets its height
# (a hint: every layout is measured, and laid out again if the hint was wrong).
_margins: dict[tuple, int] = {}
_margins_lock = threading.Lock()
MARGINS_KEPT = 1024


def _margin_key(sheet) -> tuple:
    """Most of what sets a sheet's header's height: the facts it prints but the time of the last
    save (about as long each time), the organisers by id, acronym and logo. What it leaves out
    (a renamed organisation) costs a second layout, never a clipped header."""
    h = sheet.header
    return (current_language(), sheet.page, h.course, h.session, h.country, h.group, h.facilitators,
            h.language, h.status, tuple((o.id, o.acronym, o.logo) for o in h.organisers))


def header_margins(document) -> dict[str, int]:
    """The top margin (mm) each sheet's header needs (by the sheet's anchor), read from where it
    printed: its height, the gap under it and the edge a printer leaves blank, at least
    :data:`TOP_MARGIN`."""
    heights: dict[str, float] = {}
    for page in document.pages:
        for name, (_x1, top, _x2, bottom) in page.anchors.items():
            if name.endswith("-head"):
                anchor = name.removesuffix("-head")
                heights[anchor] = max(heights.get(anchor, 0.0), (bottom - top) * 25.4 / 96)
    return {anchor: max(TOP_MARGIN, math.ceil(height + HEADER_GAP + PRINTER_EDGE))
            for anchor, height in heights.items()}


def sheet_pages(sheets: list, margins: dict[str, int]) -> str:
    """Each sheet's pages and the header running at their top, under a name of its own, its
    anchor (WeasyPrint lays a page out twice where a running element's name comes back, as it
    would on the first page of every sheet of a pack after the first), with the top margin
    ``margins`` gives (mm, by anchor). Only names made here, the module's orientation and
    whole numbers go into this CSS."""
    rules = []
    for sheet in sheets:
        name = sheet.anchor
        if not re.fullmatch(r"sheet-\d+(-\d+)?", name) or sheet.page not in PAGES:
            raise ValueError(f"not a sheet's page: {name!r}, {sheet.page!r}")
        rules.append(f"@page {name} {{ size: {PAGES[sheet.page]}; margin-top: {int(margins[name])}mm; "
                     f"@top-center {{ content: element({name}); }} }}\n"
                     f"#{name} {{ page: {name}; }}\n"
                     f"#{name} > header.sheet-head {{ position: running({name}); }}\n")
    return "".join(rules)
