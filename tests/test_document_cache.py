"""Documents rendered once: the agenda and worksheet PDFs come from a cache keyed by everything
they show, so any change to what they show gives a new PDF and nothing else renders again
(stored certificates: test_certificate_files.py; country packs made by a job: test_pack_jobs.py)."""
import os
import threading
import time as clock
from datetime import date, time

import pytest
from document_cache_support import (SLUG, Renders, answers, cache_folder, course, person,  # noqa: F401 (fixtures)
                                    png, sheet, text, whole)

from app.agenda.operations import SessionDetails, save_session
from app.certificates import operations as certificates
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import cache
from app.toolkit import operations as toolkit


# --- the agenda -----------------------------------------------------------------------------

AGENDA = f"/courses/{SLUG}/agenda.pdf"


def test_the_agenda_pdf_is_rendered_once_and_revalidated(client, course):
    renders = Renders("agenda")
    first, second = client.get(AGENDA + "?lang=en"), client.get(AGENDA + "?lang=en")
    assert renders.since() == 1
    assert first.data == second.data and whole(first.data) and "Mapping actors" in text(first.data)
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    assert client.get(AGENDA + "?lang=en", headers={"If-None-Match": etag}).status_code == 304
    assert "meet.example.org" not in text(first.data)  # never a meeting link on the public one


def edit_session(course, db):
    session = course.sessions[0]
    save_session(course, session, SessionDetails(
        day=date(2030, 4, 9), start=time(9), end=time(12),
        title=MultilingualText(en="Mapping allies"), online_url=session.online_url,
        leads=[(lead.speaker_id, lead.role) for lead in session.leads]))
    return "Mapping allies"


def rename_speaker(course, db):
    course.speakers[0].name = "Dr. Ana Reyes"
    return "Dr. Ana Reyes"


def retitle_course(course, db):
    course.title = MultilingualText(en="Localizing the WPS agenda at home")
    return "Localizing the WPS agenda at home"


def new_logo(course, db):
    course.organisation_links[0].organisation.logo = logos.store(png((200, 30, 30)))
    return None  # the same words, another image


def add_donor(course, db):
    course.organisation_links.append(CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en="UN Women"), acronym="UN Women"), role="donor"))
    return "UN Women"


def languages_setting(course, db):
    settings = certificates.settings_for(course)
    settings.language_mode, settings.fixed_language1, settings.fixed_language2 = "pair", "en", "th"
    return "กำหนดการ"  # "Agenda" in Thai, the pair's second language


@pytest.mark.parametrize("change", [edit_session, rename_speaker, retitle_course, new_logo,
                                    add_donor, languages_setting])
def test_the_agenda_pdf_changes_with_what_it_shows(client, course, db, change):
    renders = Renders("agenda")
    before = client.get(AGENDA + "?lang=en").data
    assert client.get(AGENDA + "?lang=en").data == before and renders.since() == 1
    shown = change(course, db)
    db.session.commit()
    after = client.get(AGENDA + "?lang=en").data
    assert renders.since() == 1 and after != before and whole(after)
    if shown:
        assert shown in text(after) and shown not in text(before)


def test_the_agenda_pdf_is_cached_per_language(client, course):
    renders = Renders("agenda")
    english, vietnamese = client.get(AGENDA + "?lang=en").data, client.get(AGENDA + "?lang=vi").data
    assert renders.since() == 2 and english != vietnamese
    heading = "chương trình"  # "agenda", in capitals on the page
    assert heading in text(vietnamese).lower() and heading not in text(english).lower()
    client.get(AGENDA + "?lang=vi")
    assert renders.since() == 0


def test_a_new_version_of_the_app_renders_again(client, course, monkeypatch):
    renders = Renders("agenda")
    client.get(AGENDA)
    monkeypatch.setattr(cache, "app_version", lambda: "a later release")
    client.get(AGENDA)
    client.get(AGENDA)
    assert renders.since() == 2


def test_the_apps_version_covers_its_code_templates_and_translations(tmp_path, monkeypatch):
    for path in ("app/agenda/documents.py", "templates/pdf/agenda.html",
                 "translations/vi/LC_MESSAGES/messages.mo", "toolkit_modules/M1/module.yaml",
                 "certificate_layouts/default/template.html"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"one")
    monkeypatch.setattr(cache, "ROOT", tmp_path)
    seen = set()
    try:
        for path in ("app/agenda/documents.py", "templates/pdf/agenda.html",
                     "translations/vi/LC_MESSAGES/messages.mo", "toolkit_modules/M1/module.yaml",
                     "certificate_layouts/default/template.html"):
            cache.app_version.cache_clear()
            seen.add(cache.app_version())
            (tmp_path / path).write_bytes(b"two")
        cache.app_version.cache_clear()
        seen.add(cache.app_version())
    finally:
        cache.app_version.cache_clear()
    assert len(seen) == 6  # each change gave another version


def test_a_participants_agenda_pdf_is_cached_for_them_with_their_join_links(client, course, db):
    renders = Renders("agenda")
    ha, nam = person(course, db, "ha@example.org"), person(course, db, "nam@example.org")
    mine = client.get(f"/p/{ha.token}/agenda.pdf")
    assert client.get(f"/p/{ha.token}/agenda.pdf").data == mine.data and renders.since() == 1
    assert f"/p/{ha.token}/join/" in text(mine.data).replace(" ", "")
    assert mine.headers["Cache-Control"] == "private, no-store"  # their links: no copies kept
    theirs = client.get(f"/p/{nam.token}/agenda.pdf").data
    assert renders.since() == 1 and f"/p/{nam.token}/join/" in text(theirs).replace(" ", "")
    assert ha.token not in text(theirs).replace(" ", "")


# --- worksheets ----------------------------------------------------------------------------

def test_a_worksheet_pdf_is_cached_and_a_save_gives_a_new_one(client, course, db, sheet, login):
    holder = sheet.registration
    url = f"/p/{holder.token}/worksheets/M1.pdf?lang=en"
    renders = Renders("worksheet")
    first = client.get(url)
    assert client.get(url).data == first.data and renders.since() == 1
    assert "Women's Union" in text(first.data)
    toolkit.record(sheet, answers("Ministry of Foreign Affairs"), base_version=sheet.version,
                   registration=holder)
    db.session.commit()
    after = client.get(url).data
    assert renders.since() == 1
    assert "Ministry of Foreign Affairs" in text(after) and "Women's Union" not in text(after)
    login(course.trainers[0])
    staff = f"/courses/{SLUG}/exercises/M1/sheets/{sheet.id}.pdf?lang=en"
    assert client.get(staff).headers["Cache-Control"] == "private, no-cache"
    client.get(staff)
    assert renders.since() == 1


def test_the_country_pack_is_cached_and_follows_saves(client, course, db, sheet):
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    renders = Renders("worksheet")
    first = client.get(url).data
    assert client.get(url).data == first and renders.since() == 1
    toolkit.record(sheet, answers("Provincial women's union"), base_version=sheet.version,
                   registration=sheet.registration)
    db.session.commit()
    assert "Provincial women's union" in text(client.get(url).data) and renders.since() == 1


def test_a_blank_handout_is_cached_per_course_and_language(client, course, db, sheet):
    url = f"/toolkit/M1/blank.pdf?course={SLUG}&lang=en"
    renders = Renders("worksheet")
    first = client.get(url)
    assert client.get(url).data == first.data and renders.since() == 1
    assert first.headers["Cache-Control"] == "no-cache" and "09:00–13:00" in text(first.data)
    toolkit.record(sheet, answers("Someone else"), base_version=sheet.version)  # not on a blank
    db.session.commit()
    client.get(url)
    assert renders.since() == 0
    client.get(f"/toolkit/M1/blank.pdf?course={SLUG}&lang=vi")
    assert renders.since() == 1
    edit_session(course, db)  # its header gives the session's time: now 09:00–12:00
    db.session.commit()
    assert "09:00–12:00" in text(client.get(url).data) and renders.since() == 1


# --- reading writes nothing, files are whole ------------------------------------------------

def test_getting_documents_writes_nothing_to_the_database(client, course, db, sheet, writes):
    holder = sheet.registration
    certificates.issue(holder)  # nothing stored yet: the download renders and stores it
    db.session.commit()
    writes.clear()
    for url in (f"/p/{holder.token}/certificate.pdf", AGENDA, f"/p/{holder.token}/agenda.pdf",
                f"/p/{holder.token}/worksheets/M1.pdf", f"/p/{holder.token}/worksheets/pack.pdf",
                f"/toolkit/M1/blank.pdf?course={SLUG}"):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200 and whole(response.data), url
    assert writes == []


def test_a_cut_cache_file_is_never_served(client, course, cache_folder):
    good = client.get(AGENDA).data
    [path] = cache_folder.glob("??/*.pdf")
    path.write_bytes(good[: len(good) // 3])
    renders = Renders("agenda")
    served = client.get(AGENDA)
    assert renders.since() == 1 and served.data == good
    assert path.read_bytes() == good


def test_a_render_that_fails_leaves_no_file(app, cache_folder, monkeypatch):
    def broken() -> bytes:
        raise RuntimeError("the renderer stopped")

    with pytest.raises(RuntimeError):
        cache.get_or_render("f" * 48, broken)
    assert not cache.path_of("f" * 48).exists()
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        cache.get_or_render("e" * 48, lambda: b"%PDF-1.7\n%%EOF\n")
    assert not cache.path_of("e" * 48).exists()
    assert [p.name for p in cache_folder.rglob(".part-*")] == []  # nothing half-written left


def test_requests_for_the_same_document_at_once_render_it_once(app):
    calls, results = [], []
    start = threading.Barrier(6)

    def render() -> bytes:
        calls.append(1)
        clock.sleep(0.3)
        return b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"

    def ask() -> None:
        with app.app_context():
            start.wait()
            results.append(cache.get_or_render("a" * 48, render).read_bytes())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 6 and len(set(results)) == 1


def test_the_cache_keeps_to_its_size(app, cache_folder, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_CACHE_MAX_BYTES", 3000)
    data = b"%PDF-1.7\n" + b"x" * 990 + b"\n%%EOF\n"
    for index, name in enumerate(("1" * 48, "2" * 48, "3" * 48, "4" * 48)):
        path = cache.get_or_render(name, lambda: data)
        os.utime(path, (clock.time() - 3600 + index, clock.time() - 3600 + index))
    cache.trim(force=True)
    kept = sorted(p.name[0] for p in cache_folder.glob("??/*.pdf"))
    assert kept == ["3", "4"]  # the least recently served went first, down to 80 %
