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


def validate() -> None:
    """Check every reference file; raise :class:`ReferenceDataError` naming what is wrong."""
    from .countries import _asean, is_country

    problems = []
    members, english = _check(problems, "asean.yaml", _asean)
    for code, member in (members or {}).items():
        if not is_country(code):
            problems.append(f"asean.yaml: members.{code}: not an ISO 3166 country code")
        if member.language not in LANGUAGES:
            problems.append(f"asean.yaml: members.{code}.language: unknown language {member.language!r}")
    for code in english or {}:
        if not is_country(code):
            problems.append(f"asean.yaml: english_names.{code}: not an ISO 3166 country code")

    for country, rows in (_check(problems, "ministries.yaml", load_yaml) or {}).items():
        if not is_country(country):
            problems.append(f"ministries.yaml: {country}: not an ISO 3166 country code")
        seen = set()
        for index, row in enumerate(rows or []):
            where = f"ministries.yaml: {country}[{index}]"
            problems += _check_entry(where, row, seen)
            problems += _check_native_name(where, country, row)

    from .messages import ORGANISATION_TYPE_NAMES

    seen = set()
    for index, row in enumerate(_check(problems, "organisation_types.yaml", load_yaml) or []):
        where = f"organisation_types.yaml: [{index}]"
        problems += _check_entry(where, row, seen, translated=ORGANISATION_TYPE_NAMES)
        for country in (row.get("countries") or []) if isinstance(row, dict) else []:
            if not is_country(country):
                problems.append(f"{where}.countries: {country!r} is not an ISO 3166 country code")
    if problems:
        raise ReferenceDataError("\n".join(problems))


def _check(problems: list, filename: str, loader):
    try:
        return loader(filename) if loader is load_yaml else loader()
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        problems.append(f"{filename}: cannot be read: {exc}")
        return None


def _check_entry(where: str, row, seen: set, translated: frozenset | None = None) -> list[str]:
    """Code and name; ``translated``: the name is one English string the catalogues translate."""
    if not isinstance(row, dict):
        return [f"{where}: expected a mapping with code and name"]
    problems = []
    code = row.get("code")
    if not isinstance(code, str) or not code:
        problems.append(f"{where}.code: missing")
    elif code in seen:
        problems.append(f"{where}.code: {code!r} is used twice")
    seen.add(code)
    name = row.get("name")
    if translated is not None:
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.name: an English name is required")
        elif name not in translated:
            problems.append(f"{where}.name: {name!r} is not in app/reference/messages.py, so it "
                            "cannot be translated: add it there")
    elif not isinstance(name, dict) or not isinstance(name.get("en"), str):
        problems.append(f"{where}.name.en: an English name is required")
    else:
        unknown = sorted(set(name) - set(LANGUAGES))
        if unknown:
            problems.append(f"{where}.name: unknown language(s) {', '.join(unknown)}")
    return problems


def official_languages(country: str) -> list[str]:
    """The country's official languages that the interface has (CLDR), e.g. TL: pt, tet."""
    spoken = get_global("territory_languages").get(country, {})
    return [code for code, info in spoken.items()
            if info.get("official_status") == "official" and code in LANGUAGES]


def _check_native_name(where: str, country: str, row) -> list[str]:
    """A ministry needs its own name in an official language of its country besides English
    (the Philippines names some bodies in English: then that English is given under ``fil``)."""
    name = row.get("name") if isinstance(row, dict) else None
    languages = [code for code in official_languages(country) if code != "en"]
    if not isinstance(name, dict) or not languages or any(
            isinstance(name.get(code), str) and name[code].strip() for code in languages):
        return []
    return [f"{where}.name: the name in {' or '.join(languages)} (the country's own language) "
            "is required"]
