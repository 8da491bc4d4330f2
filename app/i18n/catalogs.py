"""The translation workflow: extract, update and compile the gettext catalogues.

Babel's own ``pybabel init`` cannot create a Tetum catalogue (CLDR has no ``tet``
locale), so catalogues are created and updated here through Babel's Python API.
"""
import subprocess
import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

from ..paths import ROOT
from . import TRANSLATIONS
from .languages import LANGUAGES

CATALOG_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]
# Each gettext domain and the Babel mapping that extracts it: the interface, and the toolkit
# modules' own strings (titles, help, labels…, see app/toolkit/extract.py).
DOMAINS = {"messages": "babel.cfg", "toolkit": "babel-toolkit.cfg"}
translate_cli = AppGroup("translate", help="Extract, update and compile translations.")


def catalog_path(language: str, domain: str = "messages") -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str = "messages", template: Path | None = None) -> Path:
    """Extract the interface strings into ``template`` (default ``translations/<domain>.pot``)."""
    template = template or TRANSLATIONS / f"{domain}.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / DOMAINS[domain]),
         "-k", "_l", "-k", "lazy_ngettext:1,2", "--no-location", "--sort-output", "--project", "Lokakarya",
         "--msgid-bugs-address", "translations@lokakarya.invalid",
         "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True)
    if domain == "toolkit":
        with open(template, "rb") as fh:
            catalog = read_po(fh)
        plain_text(catalog)
        with open(template, "wb") as fh:
            write_po(fh, catalog, omit_header=False, width=76)
    return template


def plain_text(catalog: Catalog) -> None:
    """Mark toolkit strings as never %-formatted (they are data): Babel flags "10% of villages"
    as a format string, and msgfmt --check would then refuse every correct translation of it."""
    for message in catalog:
        if message.id and "python-format" in message.flags:
            message.flags.discard("python-format")
            message.flags.add("no-python-format")


def update(template: Path, domain: str = "messages") -> list[Path]:
    """Merge ``template`` into every language's catalogue, creating missing ones."""
    with open(template, "rb") as fh:
        pot = read_po(fh)
    written = []
    for language in CATALOG_LANGUAGES:
        path = catalog_path(language, domain)
        if path.exists():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=language)
        else:
            catalog = Catalog(locale=language, project="Lokakarya")
        catalog.update(pot, no_fuzzy_matching=True)
        if domain == "toolkit":
            plain_text(catalog)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            write_po(fh, catalog, omit_header=False, ignore_obsolete=True, width=100)
        written.append(path)
    return written


def translated(catalog: Catalog) -> tuple[int, int]:
    """How many of the catalogue's messages are translated (not fuzzy, every plural form), of all."""
    messages = [m for m in catalog if m.id]
    done = sum(1 for m in messages if m.string and not m.fuzzy and
               (all(m.string) if isinstance(m.string, tuple) else True))
    return done, len(messages)


def compile_all() -> list[tuple[str, int, int]]:
    """Compile every ``.po`` into ``.mo``; return (file, translated, total) per catalogue."""
    report = []
    for path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")):
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=path.parent.parent.name)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        report.append((str(path.relative_to(TRANSLATIONS)), *translated(catalog)))
    return report


def coverage() -> dict[str, dict[str, tuple[int, int]]]:
    """Per language, per domain: (translated, total)."""
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for language in CATALOG_LANGUAGES:
        for domain in DOMAINS:
            with open(catalog_path(language, domain), "rb") as fh:
                found.setdefault(language, {})[domain] = translated(read_po(fh, locale=language))
    return found


@translate_cli.command("update")
def update_command() -> None:
    """Extract strings and merge them into every language's catalogue."""
    for domain in DOMAINS:
        for path in update(extract(domain), domain):
            click.echo(f"updated {path.relative_to(ROOT)}")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogues and report how much of each is translated."""
    for name, done, total in compile_all():
        click.echo(f"{name}: {done}/{total} translated")


@translate_cli.command("coverage")
def coverage_command() -> None:
    """Print translated/total per language and catalogue (translations/REVIEW.md says which
    a native speaker has checked)."""
    rows = coverage()
    click.echo(f"{'language':<10}" + "".join(f"{domain:>16}" for domain in DOMAINS))
    for language, domains in rows.items():
        cells = "".join(f"{f'{done}/{total}':>16}" for done, total in domains.values())
        click.echo(f"{language:<10}{cells}")
