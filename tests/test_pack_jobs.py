"""Country packs are laid out by a job, not by the request that asks (app/pdf/cache.py
get_or_start): the "being prepared" page and its refresh, one job per pack, saves during a
render, a job's error, and what a reader's ``since`` may do."""
import html
import re
import threading
import time as clock
from types import SimpleNamespace

import pytest
from document_cache_support import (SLUG, answers, cache_folder, course, sheet,  # noqa: F401 (fixtures)
                                    text, whole)
from werkzeug.exceptions import NotFound

from app.pdf import cache
from app.toolkit import documents, operations as toolkit


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
