"""Text that prints right in every ASEAN script: line-break opportunities and glyph coverage.

Pango breaks Thai lines at words (libthai), but never breaks Khmer or Lao and breaks
Myanmar only at spaces, so long Khmer, Lao and Myanmar text overflows its box. Before
layout, :func:`add_break_opportunities` puts a zero-width space (U+200B) at every word
boundary ICU finds inside runs of those scripts, in text only (never in attributes). Text
wrapped by hand (SVG figures) breaks at :func:`line_breaks`, and cuts a word too long for a
line only at :func:`cluster_cuts`.

:func:`missing_glyphs` tells which characters of a text no installed font can draw, so a
trainer is warned before generating a certificate instead of getting empty boxes.
"""
import bisect
import logging
import re
import subprocess
import threading
import unicodedata
from functools import lru_cache

import icu

log = logging.getLogger(__name__)

ZWSP = "\u200b"

# Scripts Pango cannot break by itself, with the language whose ICU dictionary segments them.
_BREAK_SCRIPTS = {
    "km": "\u1780-\u17ff\u19e0-\u19ff",
    "lo": "\u0e80-\u0eff",
    "my": "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f",
}
_RUN = re.compile("[" + "".join(_BREAK_SCRIPTS.values()) + "]{2,}")
_LANGUAGE_OF_RUN = [(re.compile(f"[{chars}]"), lang) for lang, chars in _BREAK_SCRIPTS.items()]
# Elements whose text is not laid out as lines of the page.
_SKIP = {"head", "title", "style", "script", "template", "svg"}
_local = threading.local()


def _breaker(language: str) -> "icu.BreakIterator":
    """One ICU word iterator per language and thread (they are not thread-safe)."""
    breakers = _local.__dict__.setdefault("breakers", {})
    if language not in breakers:
        breakers[language] = icu.BreakIterator.createWordInstance(icu.Locale(language))
    return breakers[language]


def _breakable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN"


def _break_run(match: re.Match) -> str:
    run = match.group()
    language = next(lang for pattern, lang in _LANGUAGE_OF_RUN if pattern.match(run))
    breaker = _breaker(language)
    breaker.setText(run)  # the run is all BMP, so ICU's UTF-16 offsets are str offsets
    pieces, start = [], 0
    for end in breaker:
        if 0 < end < len(run) and _breakable(run[end - 1]) and _breakable(run[end]):
            pieces.append(run[start:end])
            start = end
    pieces.append(run[start:])
    return ZWSP.join(pieces)


def break_words(text: str) -> str:
    """Return ``text`` with a zero-width space at each word boundary in Khmer, Lao, Myanmar."""
    if not text:
        return text
    return _RUN.sub(_break_run, text)


def add_break_opportunities(root) -> None:
    """Apply :func:`break_words` to the text of an ElementTree, in place; attributes untouched."""

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""  # comments have a function
        if not tag or tag.rsplit("}", 1)[-1].lower() in _SKIP:
            return
        element.text = break_words(element.text)
        for child in element:
            walk(child)
            child.tail = break_words(child.tail)

    walk(root)


# --- Glyph coverage ---------------------------------------------------------------------------

# The fonts the PDF stylesheets name (templates/pdf/_base.css); anything else is a fallback.
STACK = tuple(f"Noto {style}{script}" for style in ("Sans", "Serif")
              for script in ("", " Thai", " Khmer", " Lao", " Myanmar"))

# Unicode's default-ignorable code points (and line ends): never drawn, so never missing.
_IGNORABLE = re.compile("[\t\n\r\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
                        "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
                        "\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                        "\U000e0000-\U000e0fff]")


@lru_cache(maxsize=1)
def stack_coverage() -> frozenset[int]:
    """Code points the stack's installed fonts map (read with fontTools, once per process)."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for family in STACK:
        found = _fc(["fc-match", "--format", "%{family}\t%{file}", f"{family}:style=Regular"])
        name, _tab, path = found.partition("\t")
        if family not in name.split(","):  # fc-match answers with a substitute when not installed
            log.warning("Font %s is not installed; its script falls back to another font", family)
            continue
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


@lru_cache(maxsize=1)
def installed_coverage() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Every installed font's code points as merged ranges (starts, ends), from fontconfig."""
    ranges = []
    for charset in _fc(["fc-list", "--format", "%{charset}\n"]).split():
        low, _dash, high = charset.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple(r[0] for r in merged), tuple(r[1] for r in merged)


def _fc(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("Cannot ask fontconfig (%s): glyph checks see no fonts", error)
        return ""


def _installed(code: int) -> bool:
    starts, ends = installed_coverage()
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def missing_glyphs(text: str) -> set[str]:
    """Return the characters of ``text`` that no installed font can draw (e.g. 李, 🧑, flags)."""
    stack = stack_coverage()
    return {char for char in set(text or "")
            if ord(char) not in stack and not _IGNORABLE.match(char)
            and unicodedata.category(char) not in ("Cc", "Cs")
            and not _installed(ord(char))}


def drawable(text: str) -> str:
    """``text`` without the characters :func:`missing_glyphs` finds (no empty boxes in a PDF)."""
    missing = missing_glyphs(text)
    if not missing:
        return text
    log.info("Dropped characters no font can draw: %s",
             ", ".join(f"U+{ord(char):04X}" for char in sorted(missing)))
    # with the joiners and variation selectors that bound them into one emoji or ideograph
    dropped = re.compile("[\u200d\ufe0e\ufe0f]*(?:" + "|".join(map(re.escape, missing))
                         + ")[\u200d\ufe0e\ufe0f]*")
    return dropped.sub("", text)


# --- Line breaks for text laid out by hand (SVG figures) --------------------------------------

# Never end a line with these: Khmer COENG and Myanmar's stacking virama join the next
# consonant; Thai and Lao vowels written before their consonant belong with it.
_NO_END = frozenset("\u17d2\u1039\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
# Never start a line with these: Thai and Lao following vowels that Unicode's grapheme rules
# separate from their consonant (as ICU does some Myanmar marks, hence the category test too).
_NO_START = frozenset("\u0e30\u0e32\u0e33\u0e45\u0eb0\u0eb2\u0eb3")
# A Myanmar consonant followed by asat or virama closes the syllable before it.
_CLOSES_SYLLABLE = frozenset("\u103a\u1039")


def _icu_offsets(text: str, kind: str) -> list[int]:
    """Boundaries ICU finds in ``text`` (``line`` or ``character``), as str offsets, inside it."""
    iterators = _local.__dict__.setdefault("iterators", {})
    if kind not in iterators:
        create = icu.BreakIterator.createLineInstance if kind == "line" \
            else icu.BreakIterator.createCharacterInstance
        iterators[kind] = create(icu.Locale.getRoot())
    iterator = iterators[kind]
    iterator.setText(text)
    index_of = None
    if any(ord(char) > 0xFFFF for char in text):  # ICU counts UTF-16 units
        index_of, unit = {}, 0
        for index, char in enumerate(text):
            index_of[unit] = index
            unit += 2 if ord(char) > 0xFFFF else 1
    return [index_of[end] if index_of else end for end in iterator if 0 < end < _units(text)]


def _units(text: str) -> int:
    return len(text) + sum(ord(char) > 0xFFFF for char in text)


def line_breaks(text: str) -> list[int]:
    """Offsets inside ``text`` where a line may break (Unicode line breaking, with ICU's
    dictionaries for Thai, Lao, Khmer and Myanmar words)."""
    return _icu_offsets(text, "line") if text else []


def cluster_cuts(text: str) -> list[int]:
    """Offsets inside ``text`` where a word too long for its line may be cut without splitting
    what a reader sees as one letter (a grapheme cluster, a Khmer subscript, a Thai vowel)."""
    if not text:
        return []
    return [cut for cut in _icu_offsets(text, "character")
            if text[cut - 1] not in _NO_END and text[cut] not in _NO_START
            and not unicodedata.category(text[cut]).startswith("M")
            and text[cut + 1:cut + 2] not in _CLOSES_SYLLABLE]
