"""PDFs: the one entry point fetches only the app's own files; the agenda and sign-in sheet
come out right in real tools (poppler's pdftotext, pdffonts, pdftoppm)."""
import re
import subprocess
import threading
import unicodedata
from datetime import date, time
from functools import cache
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from helpers import ARTIFACTS, stored
from PIL import Image

from app import ROOT
from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, save_session
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import ORIGIN, AppFetcher, render_pdf_string
from app.registrations.operations import Person, change_status, register


@cache
def png_logo() -> bytes:
    """A small real PNG (a purple 120×60 block), made with Pillow (a WeasyPrint dependency)."""
    buffer = BytesIO()
    Image.new("RGB", (120, 60), (107, 44, 110)).save(buffer, "PNG")
    return buffer.getvalue()


def pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", *args, str(source), "-"], capture_output=True, check=True)
    return unicodedata.normalize("NFC", text.stdout.decode("utf-8"))


def pdffonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) per font; the name column is first, "emb" is the 5th from the end."""
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(source)], capture_output=True, check=True,
                           text=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines]


def save_pngs(pdf: bytes, name: str) -> None:
    """Keep page images in tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(source), str(ARTIFACTS / name)], check=True)
    source.unlink()


# --- The fetcher ----------------------------------------------------------------------------

@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets (there should be none)."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png_logo())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()
    thread.join()


def test_hostile_resources_are_refused_without_touching_disk_or_network(db, listener, monkeypatch):
    local, hits = listener
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'width="10" height="10"><image href="{local}/svg" width="10" height="10"/>'
           '<image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>')
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{local}/link.css">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url({local}/import.css);
             body {{ background: url({local}/background.png); }}
             p {{ background-image: url("file:///etc/passwd"); }}</style></head><body>
      <p>Hello</p>
      <img src="file:///etc/passwd"> <img src="{local}/img.png"> <img src="http://127.0.0.1:1/x">
      <img src="/static/../../app/pdf.py"> <img src="/logos/..%2F..%2Fetc%2Fpasswd">
      <object data="{local}/object"></object> <embed src="{local}/embed">
      <img src="data:image/svg+xml,{svg.replace('"', "'").replace("#", "%23")}">
    </body></html>"""
    asked = {}
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve",
                        lambda self, url: asked.setdefault(url, resolve(self, url)))
    pdf = render_pdf_string(html)
    assert pdf.startswith(b"%PDF-")
    assert hits == []
    assert not any(asked.values())  # every one refused
    refused = "\n".join(asked)
    for url in ("file:///etc/passwd", f"{local}/img.png", f"{local}/background.png",
                f"{local}/link.css", f"{local}/import.css", "http://127.0.0.1:1/x", f"{local}/svg",
                "file:///etc/hostname"):
        assert url in refused
    assert b"root:" not in pdf


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:1/x",
    "https://127.0.0.1/static/css/app.css",  # right path, wrong host
    "http://pdf.invalid/static/css/app.css",  # right host, wrong scheme
    f"{ORIGIN}/static/../../setup.cfg",
    f"{ORIGIN}/static/%2e%2e/%2e%2e/setup.cfg",
    f"{ORIGIN}/static/css/app.css?x=1",
    f"{ORIGIN}/logos/..%2F..%2Fsetup.cfg",
    f"{ORIGIN}/logos/missing.png",
    f"{ORIGIN}/courses/x/agenda.pdf",  # a route, but not a file
    "ftp://pdf.invalid/static/css/app.css",
])
def test_the_fetcher_maps_only_static_files_and_logos(db, url):
    fetcher = AppFetcher.for_app()
    assert fetcher.resolve(url) is None
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_the_fetcher_serves_static_files_and_logos(db):
    name = logos.store(png_logo())
    fetcher = AppFetcher.for_app()
    stylesheet = fetcher.fetch(f"{ORIGIN}/static/css/app.css").read()
    assert stylesheet == (ROOT / "app/static/css/app.css").read_bytes()
    response = fetcher.fetch(f"{ORIGIN}/logos/{name}")
    assert response.read() == stored(logos.key_of(name))
    assert response.content_type == "image/png"


def test_a_logo_is_drawn_from_the_upload_folder(db, tmp_path):
    name = logos.store(png_logo())
    pdf = render_pdf_string(f'<!doctype html><p>Logo</p><img src="/logos/{name}">')
    (tmp_path / "logo.pdf").write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "logo.pdf")],
                             capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    assert len(listing) == 1 and listing[0].split()[3:5] == ["120", "60"]


def test_no_template_value_goes_into_css():
    """A user value in a style attribute or <style> would be fetched even when escaped."""
    for template in (path for path in (ROOT / "templates/pdf").rglob("*") if path.is_file()):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), template.name
        for css in re.findall(r"<style>(.*?)</style>", text, re.S) + \
                ([text] if template.suffix == ".css" else []):
            assert "{{" not in css and "{%" not in css, template.name


# --- The agenda -----------------------------------------------------------------------------

@pytest.fixture
def course(db, make_course, make_user):
    trainer = make_user(email="lead@example.org")
    course = make_course(trainer=trainer, slug="pdf-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 10), timezone="Asia/Jakarta",
                         venue={"en": "Ayana Midplaza", "vi": "Khách sạn Ayana Midplaza"})
    organiser = Organisation(
        name=MultilingualText(en="ASEAN Institute for Peace and Reconciliation"),
        acronym="ASEAN-IPR", logo=logos.store(png_logo()))
    donor = Organisation(name=MultilingualText(en="UN Women"), acronym="UN Women",
                         logo=logos.store((ROOT / "app/demo_logos/un-women.png").read_bytes()))
    course.organisation_links = [CourseOrganisation(organisation=organiser, role="organiser"),
                                 CourseOrganisation(organisation=donor, role="donor")]
    expert = Speaker(course_id=course.id, name="Dr. Maria Santos", title="WPS and NAP expert",
                     organisation="Independent")
    host = Speaker(course_id=course.id, name="Nguyễn Thị Hà", title="Chuyên viên",
                   organisation="MOFA")
    db.session.add_all([expert, host])
    db.session.flush()

    def add(day, start, end, en, vi, kind="presentation", room="", leads=()):
        save_session(course, None, SessionDetails(
            day=date(2030, 4, 8 + day), start=time(*start), end=time(*end),
            title=MultilingualText(en=en, vi=vi), kind=kind, room=room, leads=list(leads)))

    add(1, (8, 30), (9, 0), "Opening ceremony", "Lễ khai mạc", "ceremony", "Ballroom",
        [(host.id, "moderator")])
    add(1, (9, 0), (10, 30), "WPS agenda and national action plans",
        "Chương trình nghị sự Phụ nữ, Hòa bình và An ninh", "presentation", "Ballroom",
        [(expert.id, "speaker")])
    add(1, (10, 30), (10, 45), "Coffee break", "Giải lao", "break")
    add(1, (10, 45), (12, 0), "Indicator clinic", "Phòng khám chỉ số", "group_work", "Room A")
    add(1, (10, 45), (12, 0), "Gender budgeting", "Ngân sách giới", "group_work", "Room B")
    add(2, (9, 0), (11, 0), "Drafting the localized plan", "Soạn thảo kế hoạch địa phương",
        "case_study", "Ballroom", [(expert.id, "facilitator"), (host.id, "facilitator")])
    db.session.commit()
    return course


def test_the_agenda_pdf_is_bilingual_with_every_font_embedded(client, course, tmp_path):
    response = client.get("/courses/pdf-2030/agenda.pdf?lang=vi")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    save_pngs(pdf, "agenda-en-vi")
    text = " ".join(pdftotext(pdf, tmp_path).split())
    for phrase in ("Localizing the RPA WPS", "Địa phương hóa RPA WPS",
                   "WPS agenda and national action plans",
                   "Chương trình nghị sự Phụ nữ, Hòa bình và An ninh", "Lễ khai mạc",
                   "Soạn thảo kế hoạch địa phương", "Khách sạn Ayana Midplaza", "Dr. Maria Santos",
                   "Nguyễn Thị Hà", "Asia/Jakarta", "08:30–09:00"):
        assert phrase in text, phrase
    assert re.search(r"\b1 ?/ ?1\b", text)  # page numbers
    assert "Day 1" in text and "Day 2" in text  # day headers in the working language
    assert text.count("Asia/Jakarta") == 2  # the zone is named at the top, in each language only
    fonts = pdffonts(pdf, tmp_path)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert any("NotoSans" in name.replace("-", "") for name, _embedded in fonts), fonts


def test_parallel_sessions_are_side_by_side(client, course, tmp_path):
    pdf = client.get("/courses/pdf-2030/agenda.pdf?lang=en").data
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>',
                       pdftotext(pdf, tmp_path, "-bbox"))
    position = {word: (float(x), float(y)) for x, y, word in reversed(words)}  # first occurrence
    clinic, budgeting = position["Indicator"], position["Gender"]
    assert abs(clinic[1] - budgeting[1]) < 1 and budgeting[0] - clinic[0] > 100
    assert "Ngân" not in " ".join(word for *_xy, word in words)  # one language when they agree


def test_the_agenda_of_an_unknown_course_is_404(client, db):
    assert client.get("/courses/nothing-here/agenda.pdf").status_code == 404


# --- The sign-in sheet ----------------------------------------------------------------------

def person(email, **values) -> Person:
    defaults = dict(full_name=email.split("@")[0].upper(), sex="female", age_group="35-44",
                    country="VN", organisation_type="government", email=email)
    return Person(**{**defaults, **values})


@pytest.fixture
def sheet(course, db):
    people = [
        person("somchai@example.org", full_name="SOMCHAI JAIDEE", family_name="Jaidee",
               given_names="Somchai", native_name="สมชาย ใจดี", country="TH", sex="male"),
        person("ha@example.org", full_name="NGUYEN THI HA", family_name="Nguyễn",
               given_names="Thị Hà", name_order="family_first", native_name="Nguyễn Thị Hà"),
        *[person(f"p{n}@example.org", country="ID") for n in range(30)],  # enough for two pages
    ]
    approved = [register(course, one, notify=False) for one in people]
    for registration in approved:
        change_status(registration, "approved", notify=False)
    pending = register(course, person("pending@example.org", country="KH"), notify=False)
    db.session.commit()
    return course, course.sessions[0], approved, pending


def test_the_sign_in_sheet_lists_approved_participants_with_ids(client, sheet, login, tmp_path):
    course, session, approved, pending = sheet
    login(course.trainers[0])
    response = client.get(f"/manage/courses/pdf-2030/sessions/{session.id}/sign-in.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    save_pngs(pdf, "sign-in-sheet")
    text = pdftotext(pdf, tmp_path)
    for registration in approved:
        assert f"P-{registration.id:04d}" in text
    assert f"P-{pending.id:04d}" not in text
    assert "Jaidee Somchai" in text or "Somchai Jaidee" in text
    assert "ใจดี" in text  # Thai extraction may drop a mark or two elsewhere; this part is stable
    assert "Nguyễn Thị Hà" in text
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) >= 2
    for page in pages[:2]:  # the header repeats on every page
        for words in ("SIGN-IN SHEET", "Localizing the RPA WPS", "Opening ceremony", "08:30–09:00",
                      "Signature"):
            assert words in page, (words, page)
    assert re.search(r"\b1 ?/ ?2\b", text) and re.search(r"\b2 ?/ ?2\b", text)
    fonts = pdffonts(pdf, tmp_path)
    assert all(embedded for _name, embedded in fonts), fonts
    assert any("NotoSansThai" in name.replace("-", "") for name, _embedded in fonts), fonts


def test_the_sign_in_sheet_is_for_the_course_team_only(client, sheet, login, make_course):
    course, session, _approved, _pending = sheet
    url = f"/manage/courses/pdf-2030/sessions/{session.id}/sign-in.pdf"
    assert client.get(url).status_code == 302  # to the sign-in page
    other = make_course(slug="other-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 10))
    login(other.trainers[0])
    assert client.get(url).status_code == 403
    elsewhere = f"/manage/courses/other-2030/sessions/{session.id}/sign-in.pdf"
    assert client.get(elsewhere).status_code == 404  # a session of another course


def test_a_sign_in_sheet_without_participants_says_so(client, course, login, tmp_path):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/pdf-2030/sessions/{course.sessions[0].id}/sign-in.pdf")
    assert "No approved participants yet." in pdftotext(response.data, tmp_path)
