"""Loading and checking the editable reference data files in ``reference/data``."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..i18n.languages import LANGUAGES
from ..i18n.multilingual import MultilingualText

DATA = Path(__file__).parent / "data"


class ReferenceDataError(ValueError):
    """A reference data file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Ministry:
    code: str
    acronym: str
    name: MultilingualText


@dataclass(frozen=True)
class OrganisationType:
    code: str
    name: MultilingualText
    government: bool = False
    countries: frozenset[str] = frozenset()  # empty: offered everywhere


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
    return [OrganisationType(row["code"], MultilingualText(row["name"]), bool(row.get("government")),
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

    seen = set()
    for index, row in enumerate(_check(problems, "organisation_types.yaml", load_yaml) or []):
        where = f"organisation_types.yaml: [{index}]"
        problems += _check_entry(where, row, seen)
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


def _check_entry(where: str, row, seen: set) -> list[str]:
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
    if not isinstance(name, dict) or not isinstance(name.get("en"), str):
        problems.append(f"{where}.name.en: an English name is required")
    else:
        unknown = sorted(set(name) - set(LANGUAGES))
        if unknown:
            problems.append(f"{where}.name: unknown language(s) {', '.join(unknown)}")
    return problems
