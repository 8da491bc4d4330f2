"""Loading and checking the editable reference data files in ``reference/data``."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from babel.core import get_global

from ..i18n.languages import LANGUAGES
from ..i18n.multilingual import MultilingualText

DATA = Path(__file__).parent / "data"


class ReferenceDataError(ValueError):
    """A reference data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Ministry:
    code: str
    acronym: str
    name: MultilingualText  # English and the name(s) the ministry uses in its country

    def native_language(self, language: str) -> str | None:
        """The language of the ministry's own name: the reader's if it has one, else its first."""
        if language != "en" and language in self.name:
            return language
        return next((code for code in self.name if code != "en"), None)

    def label(self, language: str | None = None) -> str:
        """"English name (ACRONYM) — native name", native first when the reader reads it."""
        from ..i18n import current_language

        language = language or current_language()
        english = self.name.get("en", "") + (f" ({self.acronym})" if self.acronym else "")
        own = self.native_language(language)
        native = self.name.get(own, "") if own else ""
        if not native or native == self.name.get("en"):
            return english  # named in English by its own government
        return f"{native} — {english}" if own == language else f"{english} — {native}"


@dataclass(frozen=True)
class OrganisationType:
    code: str
    name: str  # English; translated through the catalogues (see messages.py)
    government: bool = False
    countries: frozenset[str] = frozenset()  # empty: offered everywhere

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        from ..i18n import _

        return _(self.name)


def load_yaml(filename: str):
    with open(DATA / filename, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def _ministries() -> dict[str, list[Ministry]]:
    return {
        country: [Ministry(row["code"], row.get("acronym") or "", MultilingualText(row["name"]))
                  for row in rows or []]
        for country, rows in load_yaml("ministries.yaml").items()
    }


def ministries(country: str) -> list[Ministry]:
    """Return the ministries and agencies listed for ``country`` (may be empty)."""
    return _ministries().get(country, [])


@lru_cache(maxsize=1)
def _organisation_types() -> list[OrganisationType]:
    return [OrganisationType(row["code"], row["name"], bool(row.get("government")),
                             frozenset(row.get("countries") or ()))
            for row in load_yaml("organisation_types.yaml")]


def organisation_types(country: str | None = None) -> list[OrganisationType]:
    """Return the organisation types offered to people from ``country`` (all when None)."""
    return [kind for kind in _organisation_types()
            if country is None or not kind.countries or country in kind.countries]


def official_languages(country: str) -> list[str]:
    """The country's official languages that the interface has (CLDR), e.g. TL: pt, tet."""
    spoken = get_global("territory_languages").get(country, {})
    return [code for code, info in spoken.items()
            if info.get("official_status") == "official" and code in LANGUAGES]
