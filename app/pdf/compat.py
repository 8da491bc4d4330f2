"""Every change this app makes to WeasyPrint 70 (pinned in setup.cfg), each checked when applied.

None of them shows on the page; each works around something WeasyPrint 70 does:

- ``actual text``: WeasyPrint maps each glyph to one text once per font (its ToUnicode CMap),
  so where Thai, Khmer, Lao or Myanmar reuse a glyph in several clusters, or draw marks apart
  from their base, copying and pdftotext lose or reorder characters. Every line of such text,
  in HTML and in SVG, is wrapped in an /ActualText span with its exact words (PDF 1.7 §14.9.4).
- ``whole SVG text``: WeasyPrint lays out SVG ``<text>`` one character at a time, so Khmer,
  Thai, Lao and Myanmar lose their shaping (dotted circles, unstacked subscripts). A run of
  such text without per-character positions is laid out whole, as HTML text is.
- ``array types once``: font subsetting asks cffi for ``hb_codepoint_t[N]`` with a new N for
  almost every font, and cffi parses each new C type (~13 ms); an unsized type is parsed once.
- ``pinned libraries``: at interpreter exit cffi closes WeasyPrint's native libraries while a
  font map may still wait for the last garbage collection (a segmentation fault after the
  tests pass, or when a worker exits); ctypes handles, never closed, keep them loaded.

:func:`install` applies them and checks that each took effect on the installed WeasyPrint;
otherwise it raises :class:`WeasyPrintIncompatible` naming the patch and the version, so a
WeasyPrint upgrade stops the app at start-up instead of printing wrong PDFs.
"""
from __future__ import annotations

import ctypes
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pydyf
import weasyprint

from ..typography import ZWSP

TESTED = "70.0"
COMPLEX = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\ua9e0-\ua9ff"
                     "\uaa60-\uaa7f]")


class WeasyPrintIncompatible(RuntimeError):
    """A patch of :mod:`app.pdf.compat` did not take effect on the installed WeasyPrint."""

    def __init__(self, patch: str, reason: str):
        self.patch = patch
        super().__init__(
            f"WeasyPrint {weasyprint.__version__}: the patch {patch!r} (app/pdf/compat.py) did "
            f"not take effect: {reason}. It was written for WeasyPrint {TESTED}; adapt it to "
            f"this version or install weasyprint=={TESTED}.")


def _code_names(function) -> set[str]:
    code = getattr(function, "__code__", None)
    return set(code.co_names) | set(code.co_varnames) if code else set()


def _require(patch: str, condition: bool, reason: str) -> None:
    if not condition:
        raise WeasyPrintIncompatible(patch, reason)


# --- actual text and whole SVG text ------------------------------------------------------------

ACTUAL_TEXT = "actual text"
WHOLE_SVG_TEXT = "whole SVG text"
_TEXT_TAGS = ("a", "text", "textPath", "tspan")


def _actual_text(stream, text: str) -> bool:
    """Open an /ActualText span for ``text`` on ``stream`` when it needs one; True if opened."""
    if not text or not COMPLEX.search(text):
        return False
    stream.begin_marked_content("Span", pydyf.Dictionary(
        {"ActualText": pydyf.String(text.replace(ZWSP, ""))}))
    return True


def _apply_actual_text() -> None:
    draw = importlib.import_module("weasyprint.draw")
    original = getattr(draw, "draw_text", None)
    _require(ACTUAL_TEXT, callable(original), "weasyprint.draw.draw_text is missing")
    if getattr(original, "actual_text", False):
        return

    def draw_text(stream, textbox, *args, **kwargs):
        opened = _actual_text(stream, getattr(textbox, "text", ""))
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            if opened:
                stream.end_marked_content()

    draw_text.actual_text = True
    draw_text.original = original
    draw.draw_text = draw_text


def _check_actual_text() -> None:
    draw = importlib.import_module("weasyprint.draw")
    _require(ACTUAL_TEXT, getattr(getattr(draw, "draw_text", None), "actual_text", False),
             "weasyprint.draw.draw_text is not the wrapper")
    caller = getattr(draw, "draw_inline_level", None)
    _require(ACTUAL_TEXT, getattr(caller, "__globals__", None) is vars(draw)
             and "draw_text" in _code_names(caller),
             "HTML text (weasyprint.draw.draw_inline_level) no longer draws through draw_text")
    _require(ACTUAL_TEXT, getattr(getattr(importlib.import_module("weasyprint.svg"), "text", None),
                                  "actual_text", False),
             "SVG text (weasyprint.svg.text) is not the wrapper")


class _Run(str):
    """Text that iterates as one piece: WeasyPrint's per-character loop lays it out whole."""

    def __iter__(self):
        yield str(self)


def _laid_out_whole(node) -> bool:
    """Whether ``node`` asks for nothing per character (positions, rotation, spacing)."""
    for name in ("x", "y", "dx", "dy"):
        if len(str(node.attrib.get(name, "")).replace(",", " ").split()) > 1:
            return False
    return not any(node.get(name) for name in ("rotate", "letter-spacing", "textLength"))


def _apply_whole_svg_text() -> None:
    """Lay out complex-script SVG text whole, inside an /ActualText span (both patches)."""
    package = importlib.import_module("weasyprint.svg")
    tags = getattr(package, "TAGS", None)
    current = getattr(package, "text", None)
    _require(WHOLE_SVG_TEXT, isinstance(tags, dict) and callable(current),
             "weasyprint.svg has no TAGS table or text function")
    if getattr(current, "whole_runs", False):
        return
    original = current
    _require(WHOLE_SVG_TEXT, "letters_positions" in _code_names(original),
             "weasyprint.svg.text no longer lays out text per character as this patch expects")

    def text(svg, node, font_size):
        value = node._etree_node.text
        if not value or not COMPLEX.search(value):
            return original(svg, node, font_size)
        stream = svg.stream
        opened = _actual_text(stream, value)
        if _laid_out_whole(node):
            node._etree_node.text = _Run(value)
        try:
            return original(svg, node, font_size)
        finally:
            node._etree_node.text = value
            if opened:
                stream.end_marked_content()

    text.whole_runs = text.actual_text = True
    text.original = original
    for tag in _TEXT_TAGS:
        if tags.get(tag) is original:
            tags[tag] = text
    package.text = text  # draw_node compares TAGS[tag] with this name for text-anchor


def _check_whole_svg_text() -> None:
    package = importlib.import_module("weasyprint.svg")
    wrapper = getattr(package, "text", None)
    _require(WHOLE_SVG_TEXT, getattr(wrapper, "whole_runs", False),
             "weasyprint.svg.text is not the wrapper")
    tags = getattr(package, "TAGS", {})
    _require(WHOLE_SVG_TEXT, all(tags.get(tag) is wrapper for tag in ("text", "tspan")),
             "weasyprint.svg.TAGS does not draw <text> and <tspan> through the wrapper")
    _require(WHOLE_SVG_TEXT, {"TAGS", "text"} <= _code_names(getattr(package.SVG, "draw_node", None)),
             "weasyprint.svg.SVG.draw_node no longer finds text drawing in TAGS")


# --- array types once --------------------------------------------------------------------------

ARRAY_TYPES_ONCE = "array types once"


class ArrayTypesOnce:
    """cffi's ``ffi`` with ``new("hb_codepoint_t[N]", items)`` made as an unsized array."""

    _SIZED = re.compile(r"\[\d+\]$")

    def __init__(self, ffi):
        self._ffi = ffi

    def __getattr__(self, name):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        if init is not None and isinstance(cdecl, str):
            cdecl = self._SIZED.sub("[]", cdecl)
        return self._ffi.new(cdecl, init)


def _apply_array_types_once() -> None:
    fonts = importlib.import_module("weasyprint.pdf.fonts")
    ffi = getattr(fonts, "ffi", None)
    _require(ARRAY_TYPES_ONCE, ffi is not None, "weasyprint.pdf.fonts.ffi is missing")
    if not isinstance(ffi, ArrayTypesOnce):
        fonts.ffi = ArrayTypesOnce(ffi)


def _check_array_types_once() -> None:
    fonts = importlib.import_module("weasyprint.pdf.fonts")
    _require(ARRAY_TYPES_ONCE, isinstance(getattr(fonts, "ffi", None), ArrayTypesOnce),
             "weasyprint.pdf.fonts.ffi is not the proxy")
    subset = getattr(getattr(fonts, "Font", None), "_harfbuzz_subset", None)
    _require(ARRAY_TYPES_ONCE, getattr(subset, "__globals__", None) is vars(fonts)
             and "ffi" in _code_names(subset),
             "font subsetting (weasyprint.pdf.fonts.Font._harfbuzz_subset) no longer uses "
             "weasyprint.pdf.fonts.ffi")


# --- pinned libraries --------------------------------------------------------------------------

PINNED_LIBRARIES = "pinned libraries"
_SONAMES = ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libpangoft2-1.0.so.0",
            "libharfbuzz.so.0", "libharfbuzz-subset.so.0", "libfontconfig.so.1")
_PREFIXES = ("libgobject-2.0.", "libpango-1.0.", "libpangoft2-1.0.", "libharfbuzz", "libfontconfig.")
_MAPS = Path("/proc/self/maps")
pinned: dict[str, ctypes.CDLL] = {}


def mapped_libraries() -> set[str] | None:
    """Paths of WeasyPrint's native libraries loaded in this process (None without /proc)."""
    try:
        lines = _MAPS.read_text().splitlines()
    except OSError:
        return None
    paths = {parts[5] for parts in (line.split(None, 5) for line in lines) if len(parts) == 6}
    return {path for path in paths if Path(path).name.startswith(_PREFIXES)}


def _apply_pinned_libraries() -> None:
    mapped = mapped_libraries()
    for name in sorted(mapped) if mapped is not None else _SONAMES:
        if name not in pinned:
            try:
                pinned[name] = ctypes.CDLL(name)
            except OSError:  # another platform's names: checked below where /proc tells
                pass


def _check_pinned_libraries() -> None:
    mapped = mapped_libraries()
    if mapped is None:  # no /proc (macOS): nothing to compare with
        return
    _require(PINNED_LIBRARIES, any(Path(path).name.startswith("libpango-1.0.") for path in mapped),
             "no Pango library this patch knows is loaded")
    missing = sorted(Path(path).name for path in mapped - set(pinned))
    _require(PINNED_LIBRARIES, not missing, f"not held open: {', '.join(missing)}")


# --- all of them -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Patch:
    name: str
    apply: Callable[[], None]
    check: Callable[[], None]


PATCHES = (
    Patch(WHOLE_SVG_TEXT, _apply_whole_svg_text, _check_whole_svg_text),  # first: SVG's actual text
    Patch(ACTUAL_TEXT, _apply_actual_text, _check_actual_text),
    Patch(ARRAY_TYPES_ONCE, _apply_array_types_once, _check_array_types_once),
    Patch(PINNED_LIBRARIES, _apply_pinned_libraries, _check_pinned_libraries),
)


def install() -> None:
    """Apply every patch (again, harmlessly) and check each took effect, or raise
    :class:`WeasyPrintIncompatible`."""
    for patch in PATCHES:
        try:
            patch.apply()
            patch.check()
        except WeasyPrintIncompatible:
            raise
        except Exception as error:  # an internal renamed or reshaped: say which patch broke
            raise WeasyPrintIncompatible(patch.name, f"{type(error).__name__}: {error}") from error
