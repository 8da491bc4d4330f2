"""Worksheet PDFs and the public module library: the common header, figures and answers on a
filled sheet, blank handouts for every module, a country pack with its contents, who may read what."""
import re
import subprocess
import unicodedata
from datetime import date, datetime, time, timezone
from io import BytesIO
from pathlib import Path

import pytest
from helpers import ARTIFACTS, PASSWORD
from markupsafe import escape
from PIL import Image

from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, save_session
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.toolkit import operations
from app.toolkit.models import Worksheet
from app.toolkit.modules import get, modules

LANDSCAPE, PORTRAIT = "841.89 x 595.276", "595.276 x 841.89"


def run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / f"{tool}.pdf"
    source.write_bytes(pdf)
    output = subprocess.run([tool, *args, str(source), *(["-"] if tool == "pdftotext" else [])],
                            capture_output=True, check=True)
    return unicodedata.normalize("NFC", output.stdout.decode("utf-8"))


def text(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return " ".join(run("pdftotext", pdf, tmp_path, *pages).split())


def info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    lines = run("pdfinfo", pdf, tmp_path, "-f", "1", "-l", "99").splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def page_sizes(pdf: bytes, tmp_path: Path) -> list[str]:
    return [re.search(r"([\d.]+ x [\d.]+)", value).group(1)
            for key, value in info(pdf, tmp_path).items() if key.startswith("Page") and "size" in key]


def save_pngs(pdf: bytes, name: str) -> None:
    """Page images in tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(ARTIFACTS / name)], check=True)
    source.unlink()


def png_logo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (120, 60), (31, 78, 121)).save(buffer, "PNG")
    return buffer.getvalue()


def with_row_ids(answers: dict) -> dict:
    return {name: [{"row_id": f"r{i}", **row} for i, row in enumerate(value, 1)]
            if isinstance(value, list) and value and isinstance(value[0], dict) else value
            for name, value in answers.items()}


def fill(sheet: Worksheet, answers: dict, status: str = "draft") -> Worksheet:
    sheet.answers, sheet.version, sheet.status = with_row_ids(answers), 1, status
    sheet.saved_at = datetime(2030, 4, 9, 7, 5, tzinfo=timezone.utc)  # 14:05 in Jakarta
    return sheet


@pytest.fixture
def course(db, make_course, make_user, make_registration, make_exercise):
    trainer = make_user(email="lead@example.org")
    course = make_course(trainer=trainer, slug="toolkit-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 10))
    course.organisation_links = [CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en="ASEAN Institute for Peace and Reconciliation"), acronym="ASEAN-IPR",
        logo=logos.store(png_logo())), role="organiser"), CourseOrganisation(organisation=Organisation(
            name=MultilingualText(en="UN Women"), acronym="UN Women"), role="donor")]
    expert = Speaker(course_id=course.id, name="Dr. Maria Santos")
    db.session.add(expert)
    db.session.flush()
    for start, end, title, kind in (((8, 30), (9, 0), "Opening", "ceremony"),
                                    ((9, 0), (9, 15), "Coffee", "break"),
                                    ((9, 15), (10, 30), "Stakeholders", "group_work")):
        save_session(course, None, SessionDetails(
            day=date(2030, 4, 9), start=time(*start), end=time(*end), title=MultilingualText(en=title),
            kind=kind, leads=[(expert.id, "facilitator")] if title == "Stakeholders" else []))
    db.session.commit()
    stakeholders = course.sessions[-1]
    course.exercises_by_key = {
        "M1": make_exercise(course, "M1", mode="team", session_id=stakeholders.id),
        "M2": make_exercise(course, "M2", mode="individual"),
        "M3": make_exercise(course, "M3", mode="team"),
        "M4": make_exercise(course, "M4", mode="team")}
    course.ha = make_registration(course, email="ha@example.vn")
    course.nam = make_registration(course, email="nam@example.vn", full_name="Trần Văn Nam",
                                   certificate_name="Trần Văn Nam", family_name="Trần", given_names="Văn Nam")
    course.budi = make_registration(course, email="budi@example.id", country="ID", full_name="Budi",
                                    certificate_name="Budi", family_name="", given_names="Budi")
    return course


def m1_answers(**first) -> dict:
    answers = dict(get("M1").example["answers"])
    answers["actors"] = [{**answers["actors"][0], **first}, *answers["actors"][1:]]
    return answers


@pytest.fixture
def m1_sheet(db, course):
    sheet = operations.sheet_for(course.exercises_by_key["M1"], course.ha)
    fill(sheet, m1_answers(actor="Hội Liên hiệp Phụ nữ Việt Nam"))
    db.session.commit()
    return sheet


def test_a_filled_sheet_has_the_common_header_the_figure_and_every_row(client, course, m1_sheet, tmp_path):
    response = client.get(f"/p/{course.ha.token}/worksheets/M1.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    save_pngs(pdf, "toolkit-m1-filled")
    words = text(pdf, tmp_path)
    for phrase in ("Localizing the RPA WPS", "Session 2, day 1, 09:15–10:30",  # the break is no session
                   "VN · Viet Nam", "Viet Nam team", "Dr. Maria Santos", "English", "Draft",
                   "Apr 9, 2030, 14:05", "UN Women", "Page 1 of",
                   "M1 · Stakeholder map", "Hội Liên hiệp Phụ nữ Việt Nam", "Manage closely",
                   "Keep satisfied", "Keep informed", "Monitor", "Ministry of Public Security",
                   "Co-host provincial dialogues."):
        assert phrase in words, phrase
    assert set(page_sizes(pdf, tmp_path)) == {LANDSCAPE}
    fonts = [line.split() for line in run("pdffonts", pdf, tmp_path).splitlines()[2:]]
    assert fonts and all(font[-5] == "yes" for font in fonts), fonts
    pages = int(info(pdf, tmp_path)["Pages"])
    assert f"Page {pages} of {pages}" in words
    for page in range(2, pages + 1):  # the header repeats on every page
        assert "Viet Nam team" in text(pdf, tmp_path, page)


def test_a_portrait_module_prints_portrait_and_the_team_sheet_is_final(client, course, db, tmp_path):
    sheet = fill(operations.sheet_for(course.exercises_by_key["M4"], course.nam),
                 get("M4").example["answers"], status="final")
    db.session.commit()
    pdf = client.get(f"/p/{course.ha.token}/worksheets/M4.pdf").data  # a teammate's team sheet
    save_pngs(pdf, "toolkit-m4-filled")
    assert set(page_sizes(pdf, tmp_path)) == {PORTRAIT}
    words = text(pdf, tmp_path)
    assert "Final" in words and "SMART self-check" in words and sheet.status == "final"
    assert int(info(pdf, tmp_path)["Pages"]) >= 4  # one reference sheet per indicator
    assert "indicator reference sheet 4 of 4" in text(pdf, tmp_path, 4).lower()


def test_html_and_script_in_answers_print_as_text(client, course, m1_sheet, db, tmp_path):
    fill(m1_sheet, m1_answers(actor="<script>alert(1)</script>",
                              strategy='<b>bold</b> & <img src="https://example.org/x.png">\nline two'))
    db.session.commit()
    words = text(client.get(f"/p/{course.ha.token}/worksheets/M1.pdf").data, tmp_path)
    assert "<script>alert(1)</script>" in words
    assert '<b>bold</b> & <img src="https://example.org/' in words and "line two" in words


def test_a_participant_reads_only_their_own_and_their_teams_sheets(client, course, m1_sheet,
                                                                   make_registration):
    ha, budi = course.ha, course.budi
    assert client.get(f"/p/{budi.token}/worksheets/M1.pdf").status_code == 200  # Indonesia's own, empty
    assert client.get(f"/p/{ha.token}/worksheets/M5.pdf").status_code == 404  # not in the course
    assert client.get(f"/p/{ha.token}/worksheets/M99.pdf").status_code == 404
    assert client.get("/p/not-a-token/worksheets/M1.pdf").status_code == 404
    pending = make_registration(course, email="wait@example.vn", status="pending")
    assert client.get(f"/p/{pending.token}/worksheets/M1.pdf").status_code == 403  # not yet approved
    assert client.get(f"/p/{pending.token}/worksheets/pack.pdf").status_code == 403


def test_an_empty_sheet_still_prints_with_its_header(client, course, tmp_path):
    pdf = client.get(f"/p/{course.budi.token}/worksheets/M1.pdf").data
    words = text(pdf, tmp_path)
    assert "ID · Indonesia" in words and "Indonesia team" in words and "No actors yet." in words
    assert "Co-host provincial dialogues." not in words


@pytest.mark.parametrize("key", sorted(modules(), key=lambda k: int(k[1:])))
def test_every_module_has_a_blank_handout(client, key, tmp_path):
    module = get(key)
    response = client.get(f"/toolkit/{key}/blank.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    if key in ("M1", "M2", "M4", "M10"):
        save_pngs(pdf, f"toolkit-{key.lower()}-blank")
    words = text(pdf, tmp_path)
    assert f"{key} · {module.title}" in words
    assert set(page_sizes(pdf, tmp_path)) == {LANDSCAPE if module.page == "landscape" else PORTRAIT}
    for spec in module.fields:
        assert " ".join(spec.label.split()) in words, spec.label


def test_a_blank_handout_offers_choices_as_tick_boxes_and_can_carry_the_course(client, course, tmp_path):
    words = text(client.get("/toolkit/M1/blank.pdf?course=toolkit-2030&lang=vi").data, tmp_path)
    assert "Localizing the RPA WPS" in words or "Địa phương hóa RPA WPS" in words
    assert "Dr. Maria Santos" in words  # the course's session for M1
    blank = text(client.get("/toolkit/M2/blank.pdf?lang=en").data, tmp_path)
    for option in ("Participation", "Protection", "Women with disabilities", "Immediate", "Root"):
        assert option in blank, option
    assert client.get("/toolkit/M1/blank.pdf?course=no-such-course").status_code == 404
    assert client.get("/toolkit/M99/blank.pdf").status_code == 404


NAM = "Phụ nữ dân tộc thiểu số ít được tham gia hòa giải"


def pack(course, db):
    fill(operations.sheet_for(course.exercises_by_key["M1"], course.ha), get("M1").example["answers"])
    fill(operations.sheet_for(course.exercises_by_key["M2"], course.ha), get("M2").example["answers"])
    fill(operations.sheet_for(course.exercises_by_key["M2"], course.nam),
         {"core_problem": NAM})
    fill(operations.sheet_for(course.exercises_by_key["M3"], course.nam), get("M3").example["answers"])
    fill(operations.sheet_for(course.exercises_by_key["M4"], course.ha), get("M4").example["answers"])
    fill(operations.sheet_for(course.exercises_by_key["M1"], course.budi), {"actors": [{"actor": "Komnas"}]})
    db.session.commit()


def test_the_country_pack_has_a_cover_contents_with_right_page_numbers(client, course, db, login, tmp_path):
    pack(course, db)
    login(course.trainers[0])
    response = client.get("/courses/toolkit-2030/exercises/pack/VN.pdf")
    assert response.status_code == 200
    pdf = response.data
    save_pngs(pdf, "toolkit-pack-vn")
    cover, contents = text(pdf, tmp_path, 1), text(pdf, tmp_path, 2)
    assert "Localizing the RPA WPS" in cover and "VN · Viet Nam" in cover
    assert "Nguyễn Thị Hà" in cover and "Trần Văn Nam" in cover
    entries = re.findall(r"(M\d+ · [^.]+?) (Viet Nam team|Nguyễn Thị Hà|Trần Văn Nam)[ .]*?(\d+)", contents)
    assert [title for title, _team, _page in entries] == [
        "M1 · Stakeholder map", "M2 · Context analysis and problem tree",
        "M2 · Context analysis and problem tree", "M3 · Results framework", "M4 · Indicator design"]
    pages = int(info(pdf, tmp_path)["Pages"])
    for (title, team, page), following in zip(entries, [int(page) for *_, page in entries[1:]] + [pages + 1]):
        assert title in text(pdf, tmp_path, int(page)), (title, page)
        for number in range(int(page), following):  # each of its pages under its own header
            assert "Localizing the RPA WPS" in text(pdf, tmp_path, number) and \
                team in text(pdf, tmp_path, number), (title, number)
    sizes = page_sizes(pdf, tmp_path)
    assert sizes[0] == PORTRAIT and sizes[int(entries[0][2]) - 1] == LANDSCAPE
    words = text(pdf, tmp_path)
    assert words.count(NAM) == 2 and "Komnas" not in words  # in the tree (SVG) and the answers


def test_a_participants_pack_leaves_out_teammates_own_sheets(client, course, db, tmp_path):
    pack(course, db)
    words = text(client.get(f"/p/{course.ha.token}/worksheets/pack.pdf").data, tmp_path)
    assert "Women excluded from local conflict-resolution forums" in words  # Hà's own M2
    assert NAM not in words and "Stakeholder map" in words


def test_trainer_documents_are_for_the_course_team(app, client, course, m1_sheet, make_user, make_course,
                                                   login, db):
    sheet_url = f"/courses/toolkit-2030/exercises/M1/sheets/{m1_sheet.id}.pdf"
    for url in (sheet_url, "/courses/toolkit-2030/exercises/pack/VN.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    outsider, stranger = app.test_client(), make_user()
    outsider.post("/login", data={"email": stranger.email, "password": PASSWORD})
    assert outsider.get(sheet_url).status_code == 403
    login(course.trainers[0])
    assert client.get(sheet_url).status_code == 200
    assert client.get(f"/courses/toolkit-2030/exercises/M2/sheets/{m1_sheet.id}.pdf").status_code == 404
    make_course(trainer=course.trainers[0], slug="other-2030")
    assert client.get(f"/courses/other-2030/exercises/M1/sheets/{m1_sheet.id}.pdf").status_code == 404
    assert client.get("/courses/toolkit-2030/exercises/pack/TH.pdf").status_code == 404  # no team
    assert client.get("/courses/toolkit-2030/exercises/pack/XX.pdf").status_code == 404


def test_the_library_lists_the_modules_and_shows_each_with_its_worked_example(client):
    listing = client.get("/toolkit/").get_data(as_text=True)
    for key, module in modules().items():
        assert f'href="/toolkit/{key}"' in listing and str(escape(module.title)) in listing
    page = client.get("/toolkit/M1").get_data(as_text=True)
    assert "Power–interest grid" in page and "<svg" in page and 'role="img"' in page
    assert "Viet Nam Women&#39;s Union" in page and "Co-host provincial dialogues." in page
    assert 'href="/toolkit/M1/blank.pdf"' in page and "Engagement strategy" in page
    assert "Co-implementing" in page  # a choice shows its label
    assert client.get("/toolkit/M99").status_code == 404
    vietnamese = client.get("/toolkit/M2?lang=vi")
    assert vietnamese.status_code == 200 and '<html lang="vi"' in vietnamese.get_data(as_text=True)


def test_a_pack_in_two_languages_leads_each_contents_to_its_own_sheets(client, course, db, login, tmp_path):
    """A course printing in a fixed pair: the pack comes twice, and each copy's contents link to
    that copy's pages."""
    import pikepdf

    from app.certificates.models import CertificateSettings

    pack(course, db)
    course.certificate_settings = CertificateSettings(language_mode="pair", fixed_language1="en",
                                                      fixed_language2="vi")
    db.session.commit()
    login(course.trainers[0])
    pdf = client.get("/courses/toolkit-2030/exercises/pack/VN.pdf").data
    document = pikepdf.open(BytesIO(pdf))
    pages = {page.objgen: number for number, page in enumerate(document.pages, 1)}
    destinations = {str(name): pages[target[0].objgen]
                    for name, target in pikepdf.NameTree(document.Root.Names.Dests).items()}
    links = [(number, str(annotation.Dest)) for number, page in enumerate(document.pages, 1)
             for annotation in page.get("/Annots", []) if "/Dest" in annotation]
    half = len(document.pages) // 2
    assert "Contents" in text(pdf, tmp_path, 2) and "Mục lục" in text(pdf, tmp_path, half + 2)
    first = [destinations[name] for number, name in links if number == 2]
    second = [destinations[name] for number, name in links if number == half + 2]
    assert first and len(first) == len(second)
    assert all(page <= half for page in first) and [page + half for page in first] == second
