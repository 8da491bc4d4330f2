"""The interface languages and how each maps onto a CLDR locale."""
from functools import lru_cache

from babel import Locale

# Every page accepts ?lang= with one of these (a stable promise: links carry it).
LANGUAGES = ("en", "vi", "id", "ms", "fil", "th", "km", "lo", "my", "pt", "tet")

# Languages with a gettext catalogue but no CLDR locale: format dates and numbers with
# another locale, and never hand the code itself to Babel.
FORMAT_LOCALES = {"tet": "pt_TL"}

# Accept-Language and ?lang= aliases seen in the wild.
ALIASES = {"in": "id", "tl": "fil", "pt-tl": "pt", "tdt": "tet"}

# Endonyms CLDR lacks.
_ENDONYMS = {"tet": "Tetun"}
_NAMES_IN = {"tet": {"en": "Tetum", "id": "Tetun", "pt": "tétum"}}


def normalise(code: str | None) -> str | None:
    """Return the interface language for ``code`` (any case, aliases allowed), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    code = ALIASES.get(code, code)
    if code in LANGUAGES:
        return code
    primary = code.split("-", 1)[0]
    primary = ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def babel_locale(language: str) -> Locale:
    """Return the CLDR locale that formats dates and numbers for ``language``."""
    return _locale(FORMAT_LOCALES.get(language, language))


@lru_cache(maxsize=None)
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def endonym(language: str) -> str:
    """Return the language's name in itself, e.g. "Tiếng Việt"."""
    if language in _ENDONYMS:
        return _ENDONYMS[language]
    name = _locale(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def language_name(language: str, reader: str) -> str:
    """Return the name of ``language`` in the ``reader``'s language."""
    special = _NAMES_IN.get(language)
    if special:
        return special.get(reader) or special.get("en")
    name = babel_locale(reader).languages.get(language) or endonym(language)
    return name[:1].upper() + name[1:]
