"""Documents rendered once: the agenda and worksheet PDFs come from a cache keyed by everything
they show, so any change to what they show gives a new PDF and nothing else renders again
(stored certificates: test_certificate_files.py)."""
import html
import os
import re
import threading
import time as clock
from datetime import date, time
from types import SimpleNamespace

import pytest
from document_cache_support import SLUG, Renders, cache_folder, course, person, png, text, whole  # noqa: F401 (fixtures)

from app.agenda.operations import SessionDetails, save_session
from app.certificates import operations as certificates
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import cache
from app.toolkit import documents, operations as toolkit
from app.toolkit.modules import get
from werkzeug.exceptions import NotFound


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

@pytest.fixture
def sheet(course, db, make_exercise):
    holder = person(course, db, "ha@example.org")
    exercise = make_exercise(course, "M1", mode="individual", session_id=course.sessions[0].id)
    found = toolkit.sheet_for(exercise, holder)
    toolkit.record(found, answers("Women's Union"), base_version=0, registration=holder)
    db.session.commit()
    return found


def answers(actor: str) -> dict:
    example = dict(get("M1").example["answers"])
    example["actors"] = [{**example["actors"][0], "row_id": "r1", "actor": actor}]
    return example


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


def pack_jobs_done(seconds: float = 60) -> None:
    deadline = clock.monotonic() + seconds
    while cache._running and clock.monotonic() < deadline:
        clock.sleep(0.05)
    assert not cache._running, "the pack's job did not finish"


def refresh_of(response) -> str:
    """The address the "being prepared" page asks again."""
    found = re.search(r'<meta http-equiv="refresh" content="2; url=([^"]+)">',
                      response.get_data(as_text=True))
    return html.unescape(found.group(1))


@pytest.fixture
def pack_renders(monkeypatch):
    """The threads that lay out a pack; ``hold`` (an Event) keeps each render waiting."""
    threads, real, hold = [], documents.country_pack_pdf, threading.Event()
    hold.set()

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        assert hold.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "country_pack_pdf", recorded)
    yield SimpleNamespace(threads=threads, hold=hold)
    hold.set()
    pack_jobs_done()


def test_a_pack_is_rendered_by_a_job_and_the_browser_comes_back_for_it(app, client, course, sheet,
                                                                      monkeypatch, pack_renders):
    """No request thread lays a pack out: past PDF_WAIT_SECONDS the page says it is being
    prepared and asks again; the job renders it once, on the documents thread."""
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=vi"
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)
    pack_renders.hold.clear()
    first = client.get(url)
    assert first.status_code == 202 and first.headers["Retry-After"] == "2"
    assert first.headers["Cache-Control"] == "no-store"
    page = first.get_data(as_text=True)
    assert 'lang="vi"' in page and "<title>Đang chuẩn bị tệp PDF" in page  # the reader's language
    again = refresh_of(first)
    assert again.startswith(f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=vi&since=")
    assert client.get(again).status_code == 202  # the job under way: not a second one
    pack_renders.hold.set()
    pack_jobs_done()
    ready = client.get(again)
    assert ready.status_code == 200 and whole(ready.data) and "Women's Union" in text(ready.data)
    assert client.get(url).data == ready.data  # a new question, the same content: the file
    assert len(pack_renders.threads) == 1
    assert pack_renders.threads[0].startswith("lokakarya-document")


def test_saves_during_the_render_do_not_keep_the_pack_away(app, client, course, db, sheet,
                                                           monkeypatch, pack_renders):
    """Teammates saving while a pack is made change its key: the reader still gets the PDF of
    the job that started after they asked, and no job queues behind it. (Whether that job's
    key was read before or after the save depends on the threads' timing: both must work.)"""
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)
    pack_renders.hold.clear()
    again = refresh_of(client.get(url))
    toolkit.record(sheet, answers("Provincial women's union"), base_version=sheet.version,
                   registration=sheet.registration)
    db.session.commit()
    assert client.get(again).status_code == 202
    pack_renders.hold.set()
    pack_jobs_done()
    assert len(pack_renders.threads) == 1
    ready = client.get(again)  # the job's file, under the key it began with; what it shows
    # was read while it rendered (on PostgreSQL, each statement sees the latest commit)
    assert ready.status_code == 200 and whole(ready.data) and "COUNTRY PACK" in text(ready.data)
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 60)
    newer = client.get(url)  # asked now: the newer content (the first job's, if it read the
    # sheets after the save, else the one the last answer started)
    assert "Provincial women's union" in text(newer.data) and len(pack_renders.threads) <= 2


def test_reloading_the_pdf_later_brings_the_newer_content(app, client, course, db, sheet,
                                                         monkeypatch, pack_renders):
    """The address the PDF came at keeps its since: a reload after a save gets the older file
    at once, while a job for the newer content starts, and the reload after that gets it."""
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)
    again = refresh_of(client.get(url))
    pack_jobs_done()
    assert "Women's Union" in text(client.get(again).data)
    toolkit.record(sheet, answers("Provincial women's union"), base_version=sheet.version,
                   registration=sheet.registration)
    db.session.commit()
    assert "Women's Union" in text(client.get(again).data)  # what the reader had: at once…
    pack_jobs_done()
    assert "Provincial women's union" in text(client.get(again).data)  # …then the newer one
    assert len(pack_renders.threads) == 2


def test_a_request_waits_only_for_a_job_running_or_next(app, client, course, sheet, monkeypatch,
                                                        pack_renders, login):
    """Behind another pack's job, a request answers "being prepared" at once instead of
    holding its thread for PDF_WAIT_SECONDS."""
    pack_renders.hold.clear()
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)
    mine = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    assert client.get(mine).status_code == 202
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 30)
    login(course.trainers[0])
    started = clock.monotonic()
    assert client.get(f"/courses/{SLUG}/exercises/pack/VN.pdf?lang=en").status_code == 202
    assert clock.monotonic() - started < 20  # it did not wait its 30 s


def test_a_pack_job_that_fails_is_reported_and_tried_again(app, client, course, sheet, monkeypatch):
    """Failing after the request stopped waiting, the job's error reaches the page that asks
    again; a new question starts a new job."""
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)

    def broken(*args, **kwargs):
        clock.sleep(0.3)
        raise RuntimeError("the renderer stopped")

    monkeypatch.setattr(documents, "country_pack_pdf", broken)
    again = refresh_of(client.get(url))
    pack_jobs_done()
    with pytest.raises(RuntimeError, match="renderer stopped") as shown:  # the 500 page
        client.get(again)
    assert isinstance(shown.value.__cause__, RuntimeError)  # the job's own, with its traceback
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 60)
    assert whole(client.get(again).data)  # reloading the error page tries again


def test_a_participant_gone_meanwhile_gets_a_404(app, client, course, sheet, monkeypatch):
    url = f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en"
    monkeypatch.setattr(documents, "country_pack_pdf",
                        lambda *args, **kwargs: (_ for _ in ()).throw(NotFound()))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("since, honoured", [
    (lambda now: now - 60_000, True), (lambda now: now + 60_000, False),
    (lambda now: now - 3_600_000, False), (lambda now: "nan", False), (lambda now: "-5", False)])
def test_since_is_honoured_for_a_few_minutes_only(app, since, honoured):
    from app.web.files import asked_since

    now = int(clock.time() * 1000)
    with app.test_request_context(f"/?since={since(now)}"):
        found = asked_since()
    assert (abs(found * 1000 - since(now)) < 1) if honoured else abs(found * 1000 - now) < 5000


def test_the_page_asks_again_under_the_apps_prefix(app, client, course, sheet, monkeypatch,
                                                    pack_renders):
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0)
    pack_renders.hold.clear()
    response = client.get(f"/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en&x=a+b",
                          base_url="http://localhost/training")
    assert refresh_of(response).startswith(
        f"/training/p/{sheet.registration.token}/worksheets/pack.pdf?lang=en&x=a+b&since=")


def test_a_pack_for_someone_gone_is_never_the_countrys(app, course, sheet):
    with pytest.raises(NotFound):
        documents.render_pack(course.id, "VN", 10**9, "en")


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
