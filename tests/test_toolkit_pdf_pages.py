"""A worksheet PDF's pages (app/toolkit/pages.py): each sheet's header stays on the page, with a
top margin as tall as it printed, laid out again once when it needs another."""
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.toolkit import operations
from app.toolkit.modules import get
from test_toolkit_documents import course, fill, save_pngs, text  # noqa: F401 - course is a fixture


def test_only_names_made_by_the_app_go_into_a_sheets_page_rules():
    """Each sheet's pages and header run under its anchor's name (pages.sheet_pages), with the
    top margin it is given: CSS made from anything else is refused."""
    from app.toolkit.documents import Header, Sheet
    from app.toolkit.pages import sheet_pages

    module = get("M1")
    rules = sheet_pages([Sheet(module, Header(), "M1", "sheet-1"), Sheet(get("M4"), Header(), "M4", "sheet-2")],
                        {"sheet-1": 33, "sheet-2": 41})
    assert "@page sheet-1 { size: A4 landscape; margin-top: 33mm;" in rules
    assert "@page sheet-2 { size: A4 portrait; margin-top: 41mm;" in rules
    assert "#sheet-2 > header.sheet-head { position: running(sheet-2); }" in rules
    for anchor in ("sheet-1;}x{", "url(http://example.org)", "sheet-"):
        with pytest.raises(ValueError):
            sheet_pages([Sheet(module, Header(), "M1", anchor)], {anchor: 33})


def ink_from_top(pdf: bytes, tmp_path: Path) -> float:
    """How far (mm) the first page's first ink (text, logos, lines) lies from its top edge."""
    (tmp_path / "top.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "top.pdf"), str(tmp_path / "top")], check=True)
    image = Image.open(tmp_path / "top.png").convert("L")
    inked = image.point(lambda value: 255 if value < 200 else 0).getbbox()
    return inked[1] * 25.4 / 100


def wide_logo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (300, 100), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("key", ["M1", "M4"])  # landscape, portrait
@pytest.mark.parametrize("organisers", [0, 5, 9])
def test_a_tall_header_stays_on_the_page(client, course, db, tmp_path, key, organisers):
    """A long course title, none to nine organisers (wide logos wrap onto a second row on a
    portrait page) and Myanmar's taller lines: the top margin grows with the header, so it begins inside the page,
    clear of the edge a printer cannot print on."""
    course.title = MultilingualText(en="Strengthening implementation and localization of the ASEAN "
                                       "Regional Plan of Action on Women, Peace and Security at "
                                       "national level")
    names = ["Canada", "ROK", "UK", "Japan", "Norway", "Australia", "New Zealand", "EU", "ASEAN"]
    course.organisation_links = [CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en=name), acronym=name, logo=logos.store(wide_logo()) if i % 2 else None),
        role="donor") for i, name in enumerate(names[:organisers])]
    fill(operations.sheet_for(course.exercises_by_key[key], course.ha), get(key).example["answers"])
    db.session.commit()
    pdf = client.get(f"/p/{course.ha.token}/worksheets/{key}.pdf?lang=my").data
    save_pngs(pdf, f"toolkit-{key.lower()}-header-{organisers}")
    words = text(pdf, tmp_path, 1)
    assert "Strengthening" in words and all(name in words for name in names[:organisers:2])
    top = ink_from_top(pdf, tmp_path)
    assert top >= 5, top


def test_a_header_taller_than_the_margin_is_laid_out_again_once(app, course, db, monkeypatch):
    """The first time a header needs more than the usual margin, the sheet is laid out a second
    time with the margin it needs; the next time, that margin is known and one layout does."""
    from app.toolkit import documents, pages

    course.organisation_links = [CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en=f"Donor {i}"), acronym=f"Donor {i}", logo=logos.store(wide_logo())),
        role="donor") for i in range(8)]  # two rows of logos
    sheet = fill(operations.sheet_for(course.exercises_by_key["M4"], course.ha), get("M4").example["answers"])
    db.session.commit()
    layouts = []
    original = pages.render_document
    monkeypatch.setattr(pages, "render_document", lambda *args, **kwargs: layouts.append(kwargs) or
                        original(*args, **kwargs))
    monkeypatch.setattr(pages, "_margins", {})
    with app.test_request_context("/?lang=en"):
        documents.worksheet_pdf(sheet)
        assert len(layouts) == 2 and "margin-top: 33mm" in layouts[0]["document_css"]
        margin = int(re.search(r"margin-top: (\d+)mm", layouts[1]["document_css"]).group(1))
        assert margin > 40
        documents.worksheet_pdf(sheet)
        assert len(layouts) == 3 and f"margin-top: {margin}mm" in layouts[2]["document_css"]
        # A margin remembered too tall (the header has since become shorter): laid out again.
        pages._margins.update({key: 70 for key in pages._margins})
        documents.worksheet_pdf(sheet)
        assert len(layouts) == 5 and "margin-top: 70mm" in layouts[3]["document_css"]
        assert f"margin-top: {margin}mm" in layouts[4]["document_css"]
    course.organisation_links = []  # a short header: the usual margin
    db.session.commit()
    with app.test_request_context("/?lang=en"):
        documents.worksheet_pdf(sheet)
        assert len(layouts) == 6 and "margin-top: 33mm" in layouts[5]["document_css"]
