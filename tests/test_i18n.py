"""Interface language: choice, memory, fallbacks, Tetum, catalogues."""
import re
import subprocess

import pytest
from babel.messages.pofile import read_po

from app.i18n import format_date_range, use_language
from app.i18n.catalogs import CATALOG_LANGUAGES, DOMAINS, catalog_path
from app.i18n.languages import LANGUAGES, babel_locale, normalise


def html_lang(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_lang_parameter_switches_and_is_remembered(client):
    assert html_lang(client.get("/")) == "en"
    assert html_lang(client.get("/?lang=vi")) == "vi"
    assert html_lang(client.get("/login")) == "vi"
    assert html_lang(client.get("/?lang=id")) == "id"
    assert html_lang(client.get("/?lang=xx")) == "id"  # unknown codes are ignored


def test_browser_language_is_used_when_nothing_was_chosen(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})) == "vi"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE,in;q=0.8"})) == "id"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"})) == "en"


def test_signed_in_users_preference_comes_before_the_browser(client, make_user, login):
    login(make_user(language="id"))
    assert html_lang(client.get("/", headers={"Accept-Language": "vi"})) == "id"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_renders_pages(client, make_course, language):
    make_course(slug="every-2025")
    for url in ("/", "/courses/every-2025/", "/courses/every-2025/register", "/login", "/courses/missing/"):
        response = client.get(f"{url}?lang={language}")
        assert response.status_code in (200, 404)
        assert html_lang(response) == language


def test_tetum_is_never_handed_to_babel():
    assert str(babel_locale("tet")) == "pt_TL"
    assert normalise("tet") == "tet" and normalise("TL") == "fil" and normalise("in") == "id"


def test_tetum_pages_format_dates_in_portuguese(client, make_course):
    make_course(slug="tetun-2025")
    page = client.get("/courses/tetun-2025/?lang=tet").get_data(as_text=True)
    assert "abr." in page  # 9–11 de abr. de 2025


def test_date_ranges_follow_the_readers_locale(app):
    from datetime import date

    start, end = date(2025, 4, 9), date(2025, 4, 11)
    with app.test_request_context(method="POST"):
        with use_language("vi"):
            assert format_date_range(start, end) == "9\u2009–\u200911 thg 4, 2025"
        with use_language("id"):
            assert format_date_range(start, end) == "9–11 Apr 2025"
        with use_language("tet"):
            assert "2025" in format_date_range(start, end)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_a_catalogue_exists_for_every_language(language, domain):
    assert catalog_path(language, domain).exists()


PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_every_catalogue_is_complete(language, domain):
    """Every string is translated in every language, with the placeholders of its source."""
    with open(catalog_path(language, domain), "rb") as fh:
        catalog = read_po(fh, locale=language)
    untranslated, broken = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(ids[0])
            continue
        # A translation uses the placeholders of its source; one plural form may stand for all.
        singular, plural = (set(PLACEHOLDERS.findall(text)) for text in (ids[0], ids[-1]))
        if any(not singular <= set(PLACEHOLDERS.findall(s)) <= plural for s in strings):
            broken.append(ids[0])
    assert untranslated == [] and broken == []


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_every_catalogue_passes_msgfmt_check(language, domain):
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(catalog_path(language, domain))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_coverage_command_counts_every_catalogue(runner):
    result = runner.invoke(args=["translate", "coverage"])
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()[1:]}
    assert sorted(rows) == sorted(CATALOG_LANGUAGES)
    for counts in rows.values():
        assert all(done == total for done, total in (cell.split("/") for cell in counts))


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogues_are_up_to_date_with_the_code(tmp_path, domain):
    """Every string in the code and the toolkit modules is in the template translators use."""
    from babel.messages.pofile import read_po as read

    from app.i18n.catalogs import TRANSLATIONS, extract

    with open(TRANSLATIONS / f"{domain}.pot", "rb") as fh:
        committed = {m.id for m in read(fh) if m.id}
    template = extract(domain, template=tmp_path / f"{domain}.pot")
    with open(template, "rb") as fh:
        current = {m.id for m in read(fh) if m.id}
    assert current - committed == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_registration_form_renders_in_every_language(client, make_course, language):
    from datetime import date

    make_course(slug="open-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    response = client.get(f"/courses/open-2030/register?lang={language}")
    assert response.status_code == 200 and html_lang(response) == language
    assert 'name="full_name"' in response.get_data(as_text=True)


def test_a_broken_or_partial_catalogue_never_breaks_a_page(client, make_course, tmp_path, monkeypatch):
    """A missing string shows its English source; a catalogue that cannot be read shows English."""
    import shutil

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    import app.i18n as i18n
    from app.toolkit import domain as toolkit_domain

    make_course(slug="partial-2025")
    for language in ("km", "lo"):
        shutil.copytree(i18n.TRANSLATIONS / language, tmp_path / language)
    partial = Catalog(locale="km")
    partial.add("Contact hours", "ម៉ោងសិក្សា")
    with open(tmp_path / "km/LC_MESSAGES/messages.mo", "wb") as fh:
        write_mo(fh, partial)
    (tmp_path / "lo/LC_MESSAGES/messages.mo").write_bytes(b"\x00 not a catalogue \xff")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    i18n.messages.cache.clear()
    toolkit_domain.cache.clear()
    try:
        khmer = client.get("/courses/partial-2025/?lang=km")
        assert khmer.status_code == 200
        assert "ម៉ោងសិក្សា" in khmer.get_data(as_text=True)  # the one string it has
        assert "workshops for women, peace and security" in khmer.get_data(as_text=True)  # the rest: English
        lao = client.get("/courses/partial-2025/?lang=lo")
        assert lao.status_code == 200 and html_lang(lao) == "lo"
        assert "Contact hours" in lao.get_data(as_text=True)
    finally:
        i18n.messages.cache.clear()
        toolkit_domain.cache.clear()
