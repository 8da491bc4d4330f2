"""Names as people write them: NFC, in their tradition's order, searchable in any form.

Scripts come from ICU (the Unicode Script property), categories from Unicode: no code-point
ranges are written here.
"""
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import icu
from babel.core import get_global

from ..forms import is_invisible as _is_invisible  # spaces, controls, ZWSP, bidi controls, fillers
from ..i18n import _, current_language
from ..i18n.languages import LANGUAGES, babel_locale
from ..reference import asean_members, member


def nfc(text: str | None) -> str:
    """Unicode-normalise (NFC) and trim; nothing else is changed."""
    return unicodedata.normalize("NFC", (text or "").strip())


def certificate_name(full_name: str, family_name: str = "", given_names: str = "",
                     name_order: str = "given_first", honorific: str = "") -> str:
    """The name as it will be printed: the parts in the person's order, or the passport name."""
    family, given = nfc(family_name), nfc(given_names)
    if name_order == "single" or not (family and given):
        name = nfc(full_name)
    elif name_order == "family_first":
        name = f"{family} {given}"
    else:
        name = f"{given} {family}"
    honorific = nfc(honorific)
    return f"{honorific} {name}" if honorific else name


def search_key(*names: str) -> str:
    """Every name form, case- and accent-folded, for searching ("nguyen thi ha" finds Nguyễn Thị Hà)."""
    return " ".join(fold(name) for name in names if name)


def fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def default_certificate_language(country: str) -> str:
    """The national language of an ASEAN country; English elsewhere."""
    found = member(country)
    return found.language if found else "en"


# What a passport's Latin name may hold besides letters: hyphens, apostrophes, full stops.
NAME_PUNCTUATION = frozenset("-\u2010\u2011'\u2019\u02bc.")
_LATIN, _COMMON, _INHERITED = (icu.UScriptCode.LATIN, icu.UScriptCode.COMMON,
                               icu.UScriptCode.INHERITED)


def script_code(char: str) -> int:
    """The Unicode Script of ``char`` (an ``icu.UScriptCode``)."""
    return icu.Script.getScript(ord(char)).getScriptCode()


def _is_letter_or_mark(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def _is_control(char: str) -> bool:
    """Never part of a name: control characters and the bidi controls that reorder text."""
    return (unicodedata.category(char) == "Cc"
            or icu.Char.hasBinaryProperty(char, icu.UProperty.BIDI_CONTROL))


@dataclass(frozen=True)
class NameProblem:
    """Why a name is refused: ``kind`` is "invisible", "control", "script" or "character"."""

    kind: str
    character: str = ""

    @property
    def script(self) -> str:
        """The ISO 15924 code of the other script a Latin name was written in ("Khmr")."""
        if self.kind != "script":
            return ""
        return icu.Script.getScript(ord(self.character)).getShortName()

    def message(self, native_field: str) -> str:
        """The refusal in the reader's language; ``native_field`` names the native-script field."""
        if self.kind == "invisible":
            return _("This name has no visible letters: it is made only of spaces or invisible "
                     "characters.")
        if self.kind == "control":
            return _("This name contains an invisible control character (%(character)s): "
                     "remove it.", character=shown(self.character))
        if self.kind == "script":
            return _("Write this name in Latin letters, exactly as printed in the passport. "
                     "The name in %(script)s script goes in the field “%(field)s”.",
                     script=script_name(self.script), field=native_field)
        return _("“%(character)s” cannot be part of this name: use Latin letters, spaces, hyphens, "
                 "apostrophes and full stops, as printed in the passport.",
                 character=shown(self.character))


def shown(char: str) -> str:
    """A character as a reader can see it: itself, or its code point when it is invisible."""
    return f"U+{ord(char):04X}" if _is_invisible(char) else char


def script_name(code: str, language: str | None = None) -> str:
    """The script's name from CLDR in the reader's language ("Khmer", "Chữ Khơ-me")."""
    name = babel_locale(language or current_language()).scripts.get(code)
    return name or icu.Script(icu.Script.getCode(code)[0]).getName()  # CLDR lacks a few


def visible_name_problem(text: str | None) -> NameProblem | None:
    """Refuse a name of invisible characters only, or one holding control characters.

    Zero-width spaces and joiners inside a name are kept: Khmer, Thai and Myanmar text uses them.
    """
    text = unicodedata.normalize("NFC", text or "")
    if not text:
        return None
    control = next((char for char in text if _is_control(char)), None)
    if control is not None:
        return NameProblem("control", control)
    if all(_is_invisible(char) for char in text):
        return NameProblem("invisible")
    return None


def passport_name_problem(text: str | None) -> NameProblem | None:
    """Refuse what a passport's Latin name cannot hold: other scripts, digits, symbols, controls.

    Allowed: Latin letters with any diacritics (precomposed or combining), spaces, hyphens,
    apostrophes and full stops.
    """
    problem = visible_name_problem(text)
    if problem is not None:
        return problem
    previous = ""
    for char in unicodedata.normalize("NFC", text or ""):
        script = script_code(char)
        category = unicodedata.category(char)
        if category[0] == "L" and script == _LATIN:
            pass
        elif category == "Mn" and script == _INHERITED and previous:
            pass  # a combining accent on the letter before it
        elif category == "Zs" or char in NAME_PUNCTUATION:
            pass
        elif _is_letter_or_mark(char) and script not in (_COMMON, _INHERITED):
            return NameProblem("script", char)
        else:
            return NameProblem("character", char)
        previous = char if category[0] == "L" else previous if category == "Mn" else ""
    return None


@lru_cache(maxsize=1)
def native_scripts() -> dict[str, str]:
    """Unicode script code -> language, for the languages of the interface and of ASEAN
    members' official languages (CLDR): {"Thai": "th", "Khmr": "km", "Hani": "zh", …}."""
    territories = get_global("territory_languages")
    languages = list(LANGUAGES)
    for country in asean_members(date.max):
        languages += [code for code, info in territories.get(country, {}).items()
                      if info.get("official_status") == "official"]
    found: dict[str, str] = {}
    for language in languages:
        for code in icu.Script.getCode(language):
            if code not in (_LATIN, _COMMON, _INHERITED):
                found.setdefault(icu.Script(code).getShortName(), language.split("_")[0])
    return found


def script_language(text: str) -> str:
    """The language to tag native-script text with (for fonts and screen readers), "und" when
    the text is Latin or its script's language is unknown."""
    for char in text:
        code = script_code(char)
        if code in (_LATIN, _COMMON, _INHERITED):
            continue
        short = icu.Script(code).getShortName()
        likely = get_global("likely_subtags").get(f"und_{short}", "und")
        return native_scripts().get(short) or likely.split("_")[0]
    return "und"
