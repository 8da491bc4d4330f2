"""Checking the editable reference data files at start-up: each problem named by file and
entry (the loading itself is in :mod:`.data` and :mod:`.countries`)."""
import yaml

from ..i18n.languages import LANGUAGES
from .countries import _asean, is_country
from .data import ReferenceDataError, load_yaml, official_languages


def validate() -> None:
    """Check every reference file; raise :class:`ReferenceDataError` naming what is wrong."""
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
