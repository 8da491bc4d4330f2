"""The figures of M5–M11 drawn from the modules' worked examples: valid SVG and HTML, answers
escaped, empty sheets fine, M8's sums, M10's counts and M6's months right, and each one
printed through the worksheet PDF (pages kept in tests/artifacts/ to look at)."""
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from babel.dates import get_month_names

from app.i18n import force_locale
from app.toolkit import documents, figures, forms, translate
from app.toolkit.fields import Context
from app.toolkit.numbers import format_money
from app.toolkit.figures import m06_gantt, m08_cost_table, m10_upr_matrix, m11_action_plan
from app.toolkit.modules import get
from app.toolkit.operations import team_of
from app.toolkit.models import Worksheet
from helpers import ARTIFACTS

KEYS = ["M5", "M6", "M7", "M8", "M9", "M10", "M11"]
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
NS = "{http://www.w3.org/2000/svg}"
PAYLOAD = '<script>alert("x")</script>'
VOID = {"br", "img", "hr", "input", "meta", "link", "col", "wbr"}
# Something of each example that its figure must show.
EXPECTED = {
    "M5": ["Participation (2)", "Protection (1)", "Attendance sheets", "Ethics and safety",
           "Keep the sheets locked.", "Nov 15, 2025", "Sex, Province"],
    "M6": ["2025", "Jan", "Dec", "Anniversary of resolution 1325", "Due date", "due Jun 30, 2027"],
    "M7": ["National working group on RAN P3AKS", "Secretariat", "Government (8)", "Civil society (1)",
           "AMAN Indonesia", "6 women, 4 men"],
    "M8": ["Subtotals by Pillar", "Subtotals by Funding source", "Relief and recovery", "UN agencies",
           "Secured and funding gap"],
    "M9": ["National", "Provincial", "District or local", "Central Sulawesi",
           "Poso district, Central Sulawesi", "Village women's groups, village heads"],
    "M10": ["Gender-based violence (2)", "Justice and laws (1)", "6.152", "Philippines", "5.2, 16.1",
            "Assessment of implementation", "listed under its first theme", "SDG 16"],
    "M11": ["Top 3 priorities, next 6 months", "Issue the MOHA sector implementation plan by September.",
            "Draft MOHA sector implementation plan for NAP WPS", "May 2025 – Sep 2025", "Signed off by",
            "Delegation members from MOFA and MOHA (names to be added)"],
}


def with_row_ids(answers: dict) -> dict:
    return {name: ([{"row_id": f"r{i}", **row} for i, row in enumerate(value, 1)]
                   if isinstance(value, list) and value and isinstance(value[0], dict) else value)
            for name, value in answers.items()}


def prepare(key: str, answers: dict | None = None):
    """The module, its answers (the example unless given) with computed fields, and a context."""
    module = get(key)
    answers = with_row_ids(module.example["answers"]) if answers is None else answers
    ctx = Context(country=module.example.get("country", ""), answers=answers, translate=translate)
    ctx.answers = forms.computed(module, answers, ctx)
    return module, ctx.answers, ctx


def draw(key: str, answers: dict | None = None) -> str:
    module, answers, ctx = prepare(key, answers)
    return str(figures.draw(module, answers, ctx))


class Checker(HTMLParser):
    """Collects the text and checks that every element that opens also closes, in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def svgs(html: str) -> list[ET.Element]:
    """Every <svg> of the figure, parsed as XML, each with a viewBox, role="img" and a title."""
    found = []
    for fragment in SVG.findall(html):
        root = ET.fromstring(fragment)
        assert root.get("viewBox") and root.get("role") == "img"
        assert root.find(f"{NS}title") is not None and root.find(f"{NS}title").text
        found.append(root)
    return found


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{NS}text")]


@pytest.fixture
def page(app):
    with app.test_request_context("/", method="POST"):
        yield


@pytest.mark.parametrize("key", KEYS)
def test_the_example_draws_valid_markup_with_its_values(page, key):
    html = draw(key)
    checker = parse(html)
    text = " ".join(" ".join(checker.text).split())
    for value in EXPECTED[key]:
        assert value in text, value
    drawings = svgs(html)
    assert drawings or key == "M11"  # the action plan is a page of HTML, nothing to draw
    assert "tk-figure-wrap" in html


def test_every_module_m5_to_m11_has_its_figure():
    for key in KEYS:
        assert get(key).figure in figures.FIGURES


def _poisoned(key: str) -> dict:
    """The example with every text answer (top-level and in each table) set to a script."""
    module = get(key)
    answers = with_row_ids(module.example["answers"])
    for spec in module.fields:
        if spec.type.name in ("text", "long_text"):
            answers[spec.name] = PAYLOAD
        for row in answers.get(spec.name) or () if spec.type.name == "table" else ():
            for column in spec.columns:
                if column.type.name in ("text", "long_text", "reference"):
                    row[column.name] = PAYLOAD
    return answers


@pytest.mark.parametrize("key", KEYS)
def test_script_in_an_answer_is_escaped(page, key):
    html = draw(key, _poisoned(key))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    parse(html)
    svgs(html)


@pytest.mark.parametrize("key", KEYS)
def test_empty_and_half_filled_sheets_draw_without_error(page, key):
    module = get(key)
    empty = draw(key, {})
    parse(empty)
    svgs(empty)
    assert "No " in empty or "<svg" in empty
    for spec in module.tables():  # a row with only its first column typed, and a blank row
        first = spec.columns[0]
        value = {"row": "", "text": "Only this"} if first.type.name == "reference" else "Only this"
        html = draw(key, {spec.name: [{"row_id": "a", first.name: value}, {"row_id": "b"}]})
        parse(html)
        svgs(html)


def test_m8_subtotals_add_up_to_the_total_and_the_gap_is_total_minus_secured(page):
    module, answers, _ctx = prepare("M8")
    found = m08_cost_table.totals(module, answers)
    million = Decimal(1_000_000)
    # By hand: 480 × 1.2M; 320 × 1.2M; 10 × 25M × 2 × 3; 8 × 30M × 5; 5 × 12M × 12 × 3.
    assert found.all.total == (576 + 384 + 1500 + 1200 + 2160) * million == 5820 * million
    assert found.all.secured == (576 + 384 + 500 + 240 + 720) * million
    assert found.all.gap == 3400 * million
    assert {key: sums.total for key, sums in found.by_pillar.items()} == {
        "protection": 960 * million, "prevention": 1500 * million, "participation": 1200 * million,
        "relief_recovery": 2160 * million}
    assert {key: sums.total for key, sums in found.by_source.items()} == {
        "state_budget": 1776 * million, "un": 384 * million, "provincial_budget": 1500 * million,
        "oda": 2160 * million}
    for groups in (found.by_pillar, found.by_source):
        assert sum(s.total for s in groups.values()) == found.all.total
        assert sum(s.secured for s in groups.values()) == found.all.secured
        assert sum(s.gap for s in groups.values()) == found.all.gap
    text = " ".join(parse(draw("M8")).text)
    for amount in (5820, 2420, 3400, 1776):
        assert format_money(amount * million, "VND") in text


def test_m8_a_row_without_a_secured_amount_is_all_gap(page):
    answers = with_row_ids({"currency": "USD", "costs": [
        {"cost_item": "Venue", "pillar": "prevention", "quantity": 2, "unit_cost": 150, "frequency": 1,
         "years": 1, "funding_source": "un", "secured": 100},
        {"cost_item": "Travel", "pillar": "prevention", "quantity": 1, "unit_cost": 50, "frequency": 2,
         "years": 1}]})
    module, answers, _ctx = prepare("M8", answers)
    found = m08_cost_table.totals(module, answers)
    assert (found.all.total, found.all.secured, found.all.gap) == (Decimal(400), Decimal(100), Decimal(300))
    assert found.by_source[""].gap == Decimal(100)
    assert "$300" in draw("M8", answers)


def test_m10_counts_statuses_responses_and_sdg_goals(page):
    module, answers, _ctx = prepare("M10")
    rows = answers["recommendations"]
    assert m10_upr_matrix.tally(rows, "status", ["not_started", "in_progress", "partially_implemented",
                                                 "implemented"]) == {
        "not_started": 1, "in_progress": 4, "partially_implemented": 1, "implemented": 0}
    assert m10_upr_matrix.tally(rows, "response", ["supported", "noted", "partially_supported"]) == {
        "supported": 5, "noted": 1, "partially_supported": 0}
    assert m10_upr_matrix.goals(rows) == {5: 6, 10: 1, 16: 6}
    charts = svgs(draw("M10"))[0]
    words = texts(charts)
    for label, count in (("Not started", "1"), ("In progress", "4"), ("Partially implemented", "1"),
                         ("Implemented", "0"), ("Supported", "5"), ("Noted", "1"), ("SDG 16", "6")):
        assert words[words.index(label) + 1] == count, label


def test_m6_bars_and_due_dates_fall_in_their_months(page):
    html = draw("M6")
    chart = svgs(html)[0]
    month = m06_gantt.MONTH
    labels = texts(chart)
    assert labels[labels.index("Jan"):labels.index("Jan") + 12] == \
        list(get_month_names("abbreviated", locale="en").values())
    bars = [element for element in chart.iter(f"{NS}rect") if element.get("class") == "tk-bar"]
    # Row 1 covers July to September 2025; the window is the calendar year 2025.
    first = bars[0]
    assert float(first.get("x")) == pytest.approx(m06_gantt.LEFT + 6 * month)
    assert float(first.get("width")) == pytest.approx(3 * month)
    # Row 5 runs from 15 November to 15 December: it starts in the November column.
    action_month = bars[2]
    assert m06_gantt.LEFT + 10 * month < float(action_month.get("x")) < m06_gantt.LEFT + 11 * month
    diamonds = [element for element in chart.iter(f"{NS}polygon") if element.get("class") == "tk-due"]
    xs = [float(point.split(",")[0]) for point in diamonds[0].get("points").split()]
    assert m06_gantt.LEFT + 9 * month < min(xs) and max(xs) < m06_gantt.LEFT + 10 * month + 6  # 10 Oct


def test_m6_window_holds_most_due_dates_and_months_speak_the_readers_language(page):
    rows = [{"due_date": "2025-11-20"}, {"due_date": "2026-03-01"}, {"due_date": "2026-10-15"},
            {"period_start": "2025-11-01", "period_end": "2026-01-31", "due_date": "2026-02-15"}]
    assert m06_gantt.first_month(rows) == date(2025, 11, 1)
    assert m06_gantt.first_month([]).month == 1
    with force_locale("vi"):
        html = draw("M6")
        assert get_month_names("abbreviated", locale="vi")[3] in html


def test_m9_places_hang_from_their_province_or_the_national_action(page):
    answers = {"cascade": [
        {"row_id": "a", "national_action": "Train village mediators", "level": "local",
         "province": "Lone district"},
        {"row_id": "b", "national_action": "Train village mediators", "province": "Aceh"},
        {"row_id": "c", "national_action": "Train village mediators", "level": "local",
         "province": "Pidie district, Aceh"}]}
    html = draw("M9", answers)
    chart = svgs(html)[0]
    words = texts(chart)
    assert words.count("Train village mediators") == 1  # one national box for the three places
    assert {"Lone district", "Aceh", "Pidie district, Aceh"} <= set(words)
    assert len([p for p in chart.iter(f"{NS}polygon")]) == 3  # an arrow to each place


def test_m11_priorities_and_signature_lines():
    assert m11_action_plan.priorities("1. One\n\n2) Two\n- Three\n") == ["One", "Two", "Three"]
    assert m11_action_plan.signers("Ana; Budi, Chi\nDung") == ["Ana", "Budi", "Chi", "Dung"]
    assert m11_action_plan.signers("") == ["", "", ""]
    assert m11_action_plan.signers("Only one") == ["Only one", "", ""]


# --- through the worksheet PDF ---------------------------------------------------------------

def _sheet_pdf(make_course, make_registration, make_exercise, key: str, answers: dict) -> bytes:
    module = get(key)
    course = make_course()
    registration = make_registration(course, country=module.example.get("country") or "VN")
    exercise = make_exercise(course, key, mode="team")
    sheet = Worksheet(exercise=exercise, delegation=team_of(registration), answers=answers, version=1)
    documents.db.session.add(sheet)
    documents.db.session.commit()
    return documents.worksheet_pdf(sheet)


def _pages(pdf: bytes, path) -> int:
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("key", KEYS)
def test_each_figure_prints_in_the_worksheet_pdf(app, make_course, make_registration, make_exercise,
                                                 tmp_path, key):
    with app.test_request_context("/", method="POST"):
        pdf = _sheet_pdf(make_course, make_registration, make_exercise, key,
                         with_row_ids(get(key).example["answers"]))
    assert pdf.startswith(b"%PDF")
    source = tmp_path / f"{key}.pdf"
    pages = _pages(pdf, source)
    if key == "M11":
        assert pages == 1
    ARTIFACTS.mkdir(exist_ok=True)
    name = f"toolkit-figure-m{int(key[1:]):02d}"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(ARTIFACTS / name)],
                   check=True)
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 5000


def test_an_action_plan_of_eight_rows_fits_one_page(app, make_course, make_registration, make_exercise,
                                                    tmp_path):
    answers = with_row_ids(get("M11").example["answers"])
    answers["actions"] = [dict(answers["actions"][i % 4], row_id=f"a{i}") for i in range(8)]
    answers["sign_off"] = "Nguyễn Thị Hà, Trần Văn Bình; Lê Minh Châu\nPhạm Thu Dung"
    with app.test_request_context("/", method="POST"):
        pdf = _sheet_pdf(make_course, make_registration, make_exercise, "M11", answers)
    assert _pages(pdf, tmp_path / "plan.pdf") == 1
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(tmp_path / "plan.pdf"),
                    str(ARTIFACTS / "toolkit-figure-m11-eight-rows")], check=True)
