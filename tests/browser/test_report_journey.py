"""The demo trainer opens the course dashboard, filters it by a country, downloads the donor
report as XLSX and as PDF, and both files hold the numbers the page shows."""
import re
import subprocess

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.auth.models import User
from app.demo import TRAINER

pytestmark = pytest.mark.browser


def rows(page, key: str) -> dict[str, list[str]]:
    """A table of the page: first cell → the other cells' texts, as shown."""
    found = {}
    for line in page.locator(f"#table-{key} tbody tr").all_inner_texts():
        cells = [cell.strip() for cell in line.split("\t")]
        found[cells[0]] = cells[1:]
    return found


def percent(value: float | None) -> str:
    """A workbook's fraction as the page writes it in English ("83.3%", "–")."""
    return "–" if value is None else f"{value * 100:.1f}".removesuffix(".0") + "%"


def test_the_trainer_filters_the_dashboard_and_the_downloads_agree(
        live_server, staff_page, demo_course, db, tmp_path):
    trainer = db.session.scalar(sa.select(User).where(User.email == TRAINER))
    page = staff_page(trainer, lang="en")
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/manage/courses/{demo_course.slug}/")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_label("Country", exact=True).select_option(label="Viet Nam")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*/dashboard\?country=VN"))
    assert page.locator("img.chart").count() >= 4
    assert all(image.evaluate("i => i.complete && i.naturalWidth > 0") for image in page.locator("img.chart").all())
    assert refused == []  # no Content Security Policy refusal, nothing else

    countries = rows(page, "participants_country")
    assert list(countries) == ["Viet Nam"]
    by_sex = rows(page, "participants_sex")
    attendance = rows(page, "attendance_sex")
    total = int(by_sex["Total"][0])
    assert total == sum(int(by_sex[label][0]) for label in ("Female", "Male", "Prefer not to say")) > 0
    on_screen_rate = attendance["Total"][3]
    assert on_screen_rate.endswith("%")

    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == f"report-{demo_course.slug}.xlsx"
    download.value.save_as(tmp_path / "report.xlsx")
    book = load_workbook(tmp_path / "report.xlsx")
    sheet = {row[0].value: [cell.value for cell in row[1:]]
             for row in book["Participants by sex"].iter_rows(min_row=2)}
    assert {label: str(values[0]) for label, values in sheet.items()} == \
        {label: values[0] for label, values in by_sex.items()}
    workbook_countries = {row[0].value: [cell.value for cell in row[1:]]
                          for row in book["Participants by country and sex"].iter_rows(min_row=2)}
    assert list(workbook_countries) == ["Viet Nam"]
    assert [str(value) for value in workbook_countries["Viet Nam"][:4]] == countries["Viet Nam"][:4]
    assert percent(workbook_countries["Viet Nam"][4]) == countries["Viet Nam"][4]
    workbook_attendance = {row[0].value: [cell.value for cell in row[1:]]
                           for row in book["Attendance by sex"].iter_rows(min_row=2)}
    assert percent(workbook_attendance["Total"][3]) == on_screen_rate
    assert [str(value) for value in workbook_attendance["Total"][:3]] == attendance["Total"][:3]

    with page.expect_download() as download:
        page.click("#download-pdf")
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "Filtered: Viet Nam" in text
    assert re.search(r"Viet Nam\s+" + r"\s+".join(map(re.escape, countries["Viet Nam"])), text)
    assert re.search(r"Total\s+" + r"\s+".join(map(re.escape, attendance["Total"])), text)
    assert re.search(r"Total\s+" + re.escape(by_sex["Total"][0]), text)
