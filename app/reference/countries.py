"""Country names from CLDR in the reader's language, and ASEAN membership over time."""
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale

from ..i18n import current_language
from ..i18n.languages import babel_locale
from .data import load_yaml


@dataclass(frozen=True)
class Member:
    """An ASEAN member (or observer) with the dates that make it one."""

    code: str
    language: str
    joined: date | None
    observer_since: date | None = None

    def is_member(self, on: date) -> bool:
        return self.joined is not None and self.joined <= on


@lru_cache(maxsize=1)
def _asean() -> tuple[dict[str, Member], dict[str, str]]:
    data = load_yaml("asean.yaml")
    members = {
        code: Member(code=code, language=row["language"], joined=row.get("joined"),
                     observer_since=row.get("observer_since"))
        for code, row in data["members"].items()
    }
    return members, dict(data.get("english_names") or {})


def member(code: str) -> Member | None:
    """Return ASEAN membership data for ``code``, or None for other countries."""
    return _asean()[0].get(code)


def asean_members(on: date | None = None) -> list[str]:
    """Return the codes of the member states on ``on`` (default: today), ordered by name."""
    on = on or date.today()
    codes = [m.code for m in _asean()[0].values() if m.is_member(on)]
    return sorted(codes, key=lambda code: country_name(code, "en"))


def is_country(code: str | None) -> bool:
    """Tell whether ``code`` is a current ISO 3166 alpha-2 country known to CLDR."""
    return bool(code) and code in _territories("en")


def country_name(code: str, language: str | None = None) -> str:
    """Return the country's name in ``language`` (ASEAN style in English)."""
    language = language or current_language()
    if language == "en" and code in _asean()[1]:
        return _asean()[1][code]
    return _territories(language).get(code, code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Return (code, name) pairs: ASEAN members and observers first, then the world."""
    language = language or current_language()
    names = {code: country_name(code, language) for code in _territories(language)}
    asean = set(_asean()[0])
    key = lambda code: (code not in asean, _collation_key(names[code]))  # noqa: E731
    return [(code, names[code]) for code in sorted(names, key=key)]


@lru_cache(maxsize=None)
def _territories(language: str) -> dict[str, str]:
    """Countries only: two-letter codes, minus CLDR's pseudo-regions."""
    locale: Locale = babel_locale(language)
    return {code: name for code, name in locale.territories.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


# Two-letter CLDR territories that are not countries one can come from.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def _collation_key(name: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
