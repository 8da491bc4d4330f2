"""Text in toolkit figures: labels wrap at ICU line-break opportunities, never inside a Khmer,
Thai, Lao or Myanmar cluster, and print in a worksheet PDF so that copying gives them back."""
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from helpers import ARTIFACTS

from app.toolkit import figures, forms, operations, translate
from app.toolkit.fields import Context
from app.toolkit.figures.svg import columns, wrap
from app.toolkit.modules import get
from app.typography import line_breaks

KHMER = ("ការចូលរួមរបស់ស្ត្រីក្នុងដំណើរការសន្តិភាពនៅតែមានកម្រិតទាបនៅថ្នាក់ខេត្ត"
         "ដោយសារកង្វះការគាំទ្រពីក្រសួងកិច្ចការនារី")
THAI = ("การมีส่วนร่วมของผู้หญิงในกระบวนการสันติภาพยังคงอยู่ในระดับต่ำในระดับจังหวัด"
        "เนื่องจากขาดการสนับสนุนจากกระทรวงที่เกี่ยวข้อง")
LAO = "ສິດທິຂອງແມ່ຍິງໃນການສ້າງສັນຕິພາບຍັງບໍ່ໄດ້ຮັບການຮັບຮູ້ຢ່າງເຕັມສ່ວນໃນລະດັບແຂວງແລະເມືອງ"
MYANMAR = "အမျိုးသမီးများ၏ငြိမ်းချမ်းရေးလုပ်ငန်းစဉ်တွင်ပါဝင်မှုနည်းပါးနေဆဲဖြစ်သည်ဟုလေ့လာမှုကဆိုသည်"
COENG = "\u17d2"
# What may not begin a Thai line: vowel signs and tone marks written above, below or after.
THAI_NO_START = re.compile("[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")
SVG = "{http://www.w3.org/2000/svg}"


def assert_clean_lines(lines: list[str]) -> None:
    for line in lines:
        assert not line.endswith(COENG), lines
        assert not THAI_NO_START.match(line), lines
        assert not unicodedata.category(line[0]).startswith("M"), lines


@pytest.mark.parametrize("label", [KHMER, THAI, LAO, MYANMAR])
@pytest.mark.parametrize("width", [8, 12, 17, 25, 40])
def test_long_labels_wrap_at_icu_opportunities_never_inside_a_cluster(label, width):
    lines = wrap(label, width)
    assert "".join(lines) == label and len(lines) > 1
    assert_clean_lines(lines)
    opportunities = set(line_breaks(label))
    widest_word = max(columns(label[start:end]) for start, end in
                      zip([0, *sorted(opportunities)], [*sorted(opportunities), len(label)]))
    ends = [sum(map(len, lines[:i + 1])) for i in range(len(lines) - 1)]
    if widest_word <= width:  # every word fits: every line ends where ICU allows a break
        assert set(ends) <= opportunities, (lines, width)
    assert all(columns(line) <= width for line in lines) or widest_word > width


def test_a_label_cut_short_ends_with_an_ellipsis_after_a_whole_cluster():
    for width in range(4, 20):
        lines = wrap(KHMER, width, max_lines=2)
        assert len(lines) == 2 and lines[-1].endswith("…")
        assert_clean_lines([line.removesuffix("…") for line in lines])


@pytest.fixture
def m2_sheet(db, make_course, make_registration, make_exercise):
    course = make_course(slug="figure-scripts")
    person = make_registration(course, email="sokha@example.kh", country="KH")
    make_exercise(course, "M2", mode="individual")
    sheet = operations.sheet_for(course.exercises[0], person)
    sheet.answers = {
        "core_problem": KHMER,
        "effects": [{"row_id": "e1", "effect": LAO}, {"row_id": "e2", "effect": MYANMAR}],
        "causes": [{"row_id": "c1", "cause": THAI, "level": "immediate"},
                   {"row_id": "c2", "cause": KHMER[:KHMER.index("នៅតែ")], "level": "root"}]}
    sheet.version = 1
    db.session.commit()
    return person, sheet


def figure_lines(sheet) -> list[str]:
    module = get("M2")
    ctx = Context(country="KH", answers=sheet.answers, translate=translate)
    markup = str(figures.draw(module, forms.computed(module, sheet.answers, ctx), ctx))
    root = ET.fromstring(f"<div>{markup}</div>")
    return [span.text for span in root.iter(f"{SVG}tspan") if span.text]


def test_a_worksheet_figure_prints_complex_script_labels_that_copy_back_exactly(client, m2_sheet,
                                                                                 tmp_path):
    person, sheet = m2_sheet
    with client.application.test_request_context("/?lang=km"):
        lines = figure_lines(sheet)
    assert_clean_lines(lines)
    assert any(line != KHMER and KHMER.startswith(line) for line in lines)  # wrapped
    response = client.get(f"/p/{person.token}/worksheets/M2.pdf?lang=km")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    source = tmp_path / "m2.pdf"
    source.write_bytes(response.data)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(source),
                    str(ARTIFACTS / "toolkit-m2-complex-scripts")], check=True)
    output = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, check=True)
    text = unicodedata.normalize("NFC", output.stdout.decode("utf-8"))
    printed = text.splitlines()
    for line in lines:  # each line of the figure comes back whole
        assert any(line in row for row in printed), line
    flat = re.sub(r"\s", "", text)
    for label in (KHMER, THAI, LAO, MYANMAR):  # wrapped in the figure, whole in the table
        assert label in "".join(lines) and label in flat, label
