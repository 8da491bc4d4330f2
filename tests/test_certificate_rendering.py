"""Certificates in every ASEAN script, checked with real tools: poppler's pdftotext (the text
comes back), pdffonts (every font embedded), pdftoppm (pages kept in tests/artifacts/ for a
person to look at), and fontTools (no glyph missing)."""
import json
import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from helpers import ARTIFACTS
from PIL import Image

from app import ROOT
from app.certificates import layouts, rendering
from app.certificates.models import Certificate, CertificateSettings
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText as T
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import render_pdf_string
from app.registrations.operations import Person, register
from app.typography import ZWSP, break_words, missing_glyphs

VERIFY = "https://lokakarya.example.org/verify/"

COURSE_TITLE = T(
    en="Strengthening implementation and localization of the ASEAN RPA WPS at national level",
    vi="Tăng cường thực hiện và địa phương hóa Kế hoạch Hành động Khu vực ASEAN về Phụ nữ, Hòa "
       "bình và An ninh ở cấp quốc gia",
    id="Penguatan pelaksanaan dan lokalisasi RPA ASEAN tentang Perempuan, Perdamaian, dan "
       "Keamanan di tingkat nasional",
    ms="Memperkukuh pelaksanaan dan penyetempatan RPA ASEAN mengenai Wanita, Keamanan dan "
       "Keselamatan di peringkat kebangsaan",
    th="การเสริมสร้างการดำเนินการและการปรับใช้ในระดับท้องถิ่นของแผนปฏิบัติการระดับภูมิภาคอาเซียน"
       "ว่าด้วยสตรี สันติภาพ และความมั่นคงในระดับชาติ",
    km="ការពង្រឹងការអនុវត្ត និងការធ្វើមូលដ្ឋានីយកម្មនៃផែនការសកម្មភាពថ្នាក់តំបន់អាស៊ានស្តីពីស្ត្រី"
       "សន្តិភាព និងសន្តិសុខនៅថ្នាក់ជាតិ",
    lo="ການເສີມສ້າງການຈັດຕັ້ງປະຕິບັດ ແລະ ການຫັນເປັນທ້ອງຖິ່ນຂອງແຜນປະຕິບັດງານລະດັບພາກພື້ນອາຊຽນ"
       "ວ່າດ້ວຍແມ່ຍິງ ສັນຕິພາບ ແລະ ຄວາມໝັ້ນຄົງໃນລະດັບຊາດ",
    my="အမျိုးသားအဆင့်တွင် အမျိုးသမီးများ၊ ငြိမ်းချမ်းရေးနှင့် လုံခြုံရေးဆိုင်ရာ "
       "အာဆီယံဒေသဆိုင်ရာလုပ်ငန်းစီမံချက်ကို အကောင်အထည်ဖော်ခြင်းနှင့် ဒေသန္တရပြုခြင်းကို "
       "အားကောင်းစေခြင်း",
    pt="Reforçar a implementação e a localização do PAR da ASEAN sobre Mulheres, Paz e Segurança "
       "a nível nacional",
)

# (case, country, certificate language, person): realistic names in each tradition (invented).
PEOPLE = [
    ("vi", "VN", "vi", dict(full_name="NGUYEN THI HA", family_name="Nguyễn", given_names="Thị Hà",
                            name_order="family_first", native_name="Nguyễn Thị Hà",
                            position="Chuyên viên", organisation="Bộ Ngoại giao")),
    ("id", "ID", "id", dict(full_name="Wahyuni", name_order="single",
                            position="Analis Kebijakan", organisation="KemenPPPA")),
    ("th", "TH", "th", dict(full_name="SOMYING SIRIWATTANAKUL", family_name="Siriwattanakul",
                            given_names="Somying", native_name="สมหญิง ศิริวัฒนกุล",
                            position="Policy and Plan Analyst",
                            organisation="Ministry of Interior")),
    ("km", "KH", "km", dict(full_name="SOK CHANTHIDA", family_name="Sok", given_names="Chanthida",
                            name_order="family_first", native_name="សុខ ចាន់ធីតា",
                            position="Deputy Director",
                            organisation="Ministry of Women's Affairs")),
    ("lo", "LA", "lo", dict(full_name="BOUASONE PHOMMAVONG", family_name="Phommavong",
                            given_names="Bouasone", native_name="ບົວສອນ ພົມມະວົງ",
                            position="Technical Officer", organisation="Lao Women's Union")),
    ("my", "MM", "my", dict(full_name="Khin Mar Aye", name_order="single", honorific="Daw",
                            native_name="ခင်မာအေး", position="Assistant Director",
                            organisation="Ministry of Social Welfare, Relief and Resettlement")),
    ("ms-MY", "MY", "ms", dict(full_name="Siti Aisyah binti Abdullah", name_order="single",
                               honorific="Datin", position="Ketua Penolong Setiausaha",
                               organisation="Kementerian Luar Negeri")),
    ("ms-BN", "BN", "ms", dict(full_name="Dayang Nurul Huda binti Haji Ahmad", name_order="single",
                               honorific="Pengiran", position="Pegawai Tadbir",
                               organisation="Kementerian Hal Ehwal Luar Negeri")),
    ("fil", "PH", "fil", dict(full_name="MARIA CRISTINA REYES DELA CRUZ", family_name="Dela Cruz",
                              given_names="Maria Cristina Reyes", position="Senior Peace Officer",
                              organisation="OPAPRU")),
    ("en-SG", "SG", "en", dict(full_name="TAN WEI LING", family_name="Tan", given_names="Wei Ling",
                               name_order="family_first", position="Deputy Director",
                               organisation="Ministry of Foreign Affairs")),
    ("tet", "TL", "tet", dict(full_name="Maria da Costa dos Santos", name_order="single",
                              position="Diretora Nacional", organisation="SEII")),
    ("pt", "TL", "pt", dict(full_name="Joaquim Soares Guterres", name_order="single",
                            position="Assessor",
                            organisation="Ministério dos Negócios Estrangeiros")),
]
LATIN = {"vi", "id", "ms-MY", "ms-BN", "fil", "en-SG", "tet", "pt"}
TITLES = {"vi": "Giấy chứng nhận", "id": "Sertifikat", "ms-MY": "Sijil Penyertaan",
          "ms-BN": "Sijil Penyertaan", "fil": "Sertipiko ng Paglahok", "tet": None,
          "pt": "Certificado de Participação", "en-SG": None}
# Share of native text pdftotext gives back, in order. WeasyPrint alone gave (names / course
# titles) th 88% / 97%, km 82% / 85% (Noto Serif Khmer), lo 100% / 98%, my 100% / 86%; with
# the /ActualText spans app.typography adds it is exact: never let it fall.
FLOORS = {"th": 1.0, "km": 1.0, "lo": 1.0, "my": 1.0}
EXTRACTION = ARTIFACTS / "extraction.json"


@cache
def png_bytes(size=(240, 120), colour=(0, 114, 188)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


SIGNATURE = (b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="50" '
             b'viewBox="0 0 160 50">'
             b'<path d="M5 40 C 30 5, 45 5, 55 30 S 80 50, 95 20 S 130 5, 155 35" fill="none" '
             b'stroke="#1d3a7a" stroke-width="3"/></svg>')


def pdf_text(pdf: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(["pdftotext", *args, str(source), "-"], capture_output=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.decode("utf-8"))


def flat(text: str) -> str:
    return " ".join(text.replace(ZWSP, "").split())


def squeeze(text: str) -> str:
    """Text without any spacing: lines may break between words that have no space."""
    return "".join(text.replace(ZWSP, "").split())


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(source)], capture_output=True, check=True,
                           text=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines]


def page_count(pdf: bytes, tmp_path: Path) -> int:
    source = tmp_path / "pages.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def save_png(pdf: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source),
                    str(ARTIFACTS / name)], check=True)
    source.unlink()
    return ARTIFACTS / f"{name}.png"


def recovered_share(native: str, latin: str, text: str) -> float:
    """The share of ``native``'s characters that pdftotext gives back, in order, from the lines
    printed under the Latin name (poppler may split one line where marks stack)."""
    lines = text.replace(ZWSP, "").splitlines()
    start = next(i for i, line in enumerate(lines) if latin in " ".join(line.split()))
    segment = []
    for line in lines[start + 1:]:
        if re.search(r"[A-Za-z]", line):
            break
        segment.append(line)
    return _lcs(native.replace(" ", ""), "".join(segment).replace(" ", "")) / \
        len(native.replace(" ", ""))


def _lcs(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


# --- Fixtures -------------------------------------------------------------------------------

@pytest.fixture
def course(db, make_course, make_user):
    trainer = make_user(email="certificates@example.org")
    course = make_course(trainer=trainer, slug="jakarta-2025-certs", title=COURSE_TITLE,
                         city={"en": "Jakarta", "th": "จาการ์ตา", "km": "ហ្សាការតា", "lo": "ຈາກາຕາ",
                               "my": "ဂျကာတာ", "pt": "Jacarta"},
                         start_date=date(2025, 4, 9), end_date=date(2025, 4, 11),
                         second_languages=["vi", "id", "th", "km", "lo", "my", "ms", "fil", "pt"])
    demo = ROOT / "app/demo_logos"
    organisers = [Organisation(name=T(en="ASEAN Institute for Peace and Reconciliation"),
                               acronym="ASEAN-IPR",
                               logo=logos.store((demo / "asean-ipr.svg").read_bytes())),
                  Organisation(name=T(en="UN Women Indonesia"), acronym="UN Women",
                               logo=logos.store((demo / "un-women.svg").read_bytes()))]
    donors = [Organisation(name=T(en="Government of Canada"), acronym="Canada",
                           logo=logos.store(png_bytes())),
              Organisation(name=T(en="Government of the Republic of Korea"), acronym="ROK")]
    course.organisation_links = [
        *[CourseOrganisation(organisation=o, role="organiser", position=i)
          for i, o in enumerate(organisers)],
        *[CourseOrganisation(organisation=o, role="donor", position=i)
          for i, o in enumerate(donors)]]
    signature = logos.store(SIGNATURE)
    db.session.add(CertificateSettings(
        course=course, signatory1_name="Dr. Ayu Lestari", signatory1_image=signature,
        signatory1_title=T(en="Executive Director, ASEAN-IPR", vi="Giám đốc Điều hành, ASEAN-IPR",
                           id="Direktur Eksekutif, ASEAN-IPR", th="ผู้อำนวยการบริหาร ASEAN-IPR"),
        signatory2_name="Maria Fernanda Santos", signatory2_image=None,
        signatory2_title=T(en="Representative, UN Women Indonesia",
                           id="Perwakilan, UN Women Indonesia"),
        issue_place=T(en="Jakarta", pt="Jacarta")))
    db.session.commit()
    return course


def certify(course, db, country: str, language: str, number: int, full: bool = True,
            **person) -> Certificate:
    email = f"p{number}@example.org"
    registration = register(course, Person(sex="female", age_group="35-44", country=country,
                                           organisation_type="government", email=email,
                                           certificate_language=language, **person), notify=False)
    certificate = Certificate(registration=registration, number=f"IPR-2025-{number:03d}",
                              second_language=language, hours=Decimal("20" if full else "14.5"),
                              full_hours=full, attendance_rate=Decimal("100" if full else "72.5"),
                              issued_at=datetime(2025, 4, 11, 3, 0, tzinfo=UTC))
    db.session.add(certificate)
    db.session.flush()
    return certificate


@pytest.fixture
def certificates(course, db):
    made = {case: certify(course, db, country, language, n, **person)
            for n, (case, country, language, person) in enumerate(PEOPLE, start=1)}
    db.session.commit()
    return made


# --- Every country's language ---------------------------------------------------------------

def test_every_language_extracts_back_with_fonts_embedded_and_no_glyph_missing(
        certificates, tmp_path, caplog):
    caplog.set_level("WARNING", logger="weasyprint")
    shares, rows = {}, {}
    for case, country, language, person in PEOPLE:
        certificate = certificates[case]
        pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
        assert pdf.startswith(b"%PDF-") and page_count(pdf, tmp_path) == 1, case
        save_png(pdf, f"certificate-{case}")
        text = pdf_text(pdf, tmp_path)
        plain = flat(text)
        name = certificate.registration.certificate_name
        assert name in plain, (case, name, plain)  # the Latin name, exactly
        assert "Certificate of Participation" in plain
        assert certificate.number in plain and (VERIFY + certificate.code) in plain
        if case in LATIN:
            if TITLES[case]:
                assert TITLES[case] in plain, (case, plain)
            native = person.get("native_name")
            if native:
                assert native in plain
        else:
            native, title = person["native_name"], COURSE_TITLE[language]
            shares[language] = {
                "name": round(recovered_share(native, name, text), 3),
                "course_title": round(_lcs(squeeze(title), squeeze(text)) / len(squeeze(title)), 3)}
            rows[language] = (f"{language}: name {shares[language]['name']:6.1%} of {native!r}, "
                              f"course title {shares[language]['course_title']:6.1%} "
                              f"of {len(squeeze(title))} characters")
            assert native in plain  # exactly, thanks to the /ActualText spans
        fonts = pdf_fonts(pdf, tmp_path)
        assert fonts and all(embedded for _name, embedded in fonts), (case, fonts)
        assert not missing_glyphs(plain), case
    notdef = [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]
    assert not notdef, notdef
    EXTRACTION.parent.mkdir(exist_ok=True)
    EXTRACTION.write_text(json.dumps(shares, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("\nShare of the text pdftotext gives back, in order:\n" + "\n".join(rows.values()))
    for language, share in shares.items():
        assert min(share.values()) >= FLOORS[language], rows[language]


def test_without_actual_text_weasyprint_alone_loses_some_characters(certificates, tmp_path,
                                                                    monkeypatch):
    """For the record: what pdftotext recovers without the /ActualText spans (kept in
    extraction.json next to the exact figures), so a change of fonts or WeasyPrint shows."""
    from weasyprint import draw

    monkeypatch.setattr(draw, "draw_text", draw.draw_text.original)
    shares = json.loads(EXTRACTION.read_text(encoding="utf-8")) if EXTRACTION.exists() else {}
    for case in ("th", "km", "lo", "my"):
        certificate = certificates[case]
        person = dict(PEOPLE[[p[0] for p in PEOPLE].index(case)][3])
        text = pdf_text(rendering.render_certificate(certificate, verify_url=VERIFY), tmp_path)
        title = squeeze(COURSE_TITLE[case])
        shares.setdefault(case, {})["without_actual_text"] = {
            "name": round(recovered_share(person["native_name"], certificate.registration
                                          .certificate_name, text), 3),
            "course_title": round(_lcs(title, squeeze(text)) / len(title), 3)}
    EXTRACTION.write_text(json.dumps(shares, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert all(0.5 < shares[c]["without_actual_text"]["course_title"] <= 1 for c in ("th", "km"))


# --- Dates, line breaks, glyphs -------------------------------------------------------------

@pytest.mark.parametrize("language, expected", [
    ("en", "9–11 April 2025"), ("vi", "ngày 9–11 tháng 4 năm 2025"),
    ("th", "9–11 เมษายน พ.ศ. 2568"), ("id", "9–11 April 2025"), ("ms", "9–11 April 2025"),
    ("fil", "Abril 9–11, 2025"), ("km", "9–11 មេសា 2025"), ("lo", "9–11 ເມສາ 2025"),
    ("my", "2025 ဧပြီ 9–11"), ("pt", "9–11 de abril de 2025"), ("tet", "9–11 de abril de 2025"),
])
def test_course_dates_in_each_language(language, expected):
    from app.certificates.dates import format_day, format_days

    assert format_days(date(2025, 4, 9), date(2025, 4, 11), language) == expected
    assert format_days(date(2025, 4, 9), date(2025, 4, 9), language) == \
        format_day(date(2025, 4, 9), language)


def test_ranges_across_months_and_years():
    from app.certificates.dates import format_days

    assert format_days(date(2025, 4, 28), date(2025, 5, 2), "vi") == \
        "từ ngày 28 tháng 4 đến ngày 2 tháng 5 năm 2025"
    assert format_days(date(2025, 4, 28), date(2025, 5, 2), "th") == \
        "28 เมษายน – 2 พฤษภาคม พ.ศ. 2568"
    assert format_days(date(2025, 12, 30), date(2026, 1, 2), "en") == \
        "30 December 2025 – 2 January 2026"
    assert format_days(date(2025, 4, 28), date(2025, 5, 2), "my") == "2025 ဧပြီ 28 – မေ 2"


def test_word_breaks_go_into_khmer_lao_and_myanmar_text_only():
    assert break_words(COURSE_TITLE["km"]).count(ZWSP) > 10
    assert break_words(COURSE_TITLE["lo"]).count(ZWSP) > 10
    assert break_words(COURSE_TITLE["my"]).count(ZWSP) > 10
    for text in (COURSE_TITLE["th"], COURSE_TITLE["vi"], "Nguyễn Thị Hà"):
        assert break_words(text) == text  # Pango breaks Thai itself; Latin has spaces
    assert break_words(COURSE_TITLE["km"]).replace(ZWSP, "") == COURSE_TITLE["km"]
    assert ZWSP + "។" not in break_words("ការពង្រឹងការអនុវត្ត។")  # never before punctuation


def box_words(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, str]]:
    """(y, right edge, word) of each word pdftotext finds above the page footer."""
    return [(float(y), float(x_max), word) for y, x_max, word in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]+)</word>',
        pdf_text(pdf, tmp_path, "-bbox")) if float(y) < 700]


@pytest.mark.parametrize("language", ["km", "lo", "my", "th"])
def test_long_text_wraps_inside_its_box_in_every_pdf(db, tmp_path, monkeypatch, language):
    """Through the app's one PDF pipeline: no word crosses the right edge of a 60 mm box
    (poppler's boxes reach a few points past the last glyph's advance), the attribute keeps
    its text as written, and the text extracts without break characters."""
    text = COURSE_TITLE[language]
    html = f'<!doctype html><p lang="{language}" title="{text}" class="box">{text}</p>'
    css = "@page { size: A4; margin: 20mm } .box { width: 60mm; font-size: 12pt }"
    right = (20 + 60) / 25.4 * 72
    pdf = render_pdf_string(html, css=css)
    words = box_words(pdf, tmp_path)
    assert len({y for y, _x, _word in words}) >= 4, words  # it wrapped
    assert all(x_max <= right + 8 for _y, x_max, _word in words), (right, words)
    assert ZWSP not in pdf_text(pdf, tmp_path)
    assert squeeze(text) in squeeze(pdf_text(pdf, tmp_path))
    assert set(line_ends(pdf, text, tmp_path)) <= word_ends(text, language)  # lines end at words
    if language in ("km", "lo"):  # without the pipeline's word breaks, only the last resort
        import app.pdf            # (overflow-wrap) keeps them in the box: it cuts words

        monkeypatch.setattr(app.pdf, "add_break_opportunities", lambda root: None)
        unbroken = render_pdf_string(html, css=css)
        assert not set(line_ends(unbroken, text, tmp_path)) <= word_ends(text, language)


def word_ends(text: str, language: str) -> set[int]:
    """Where ICU says words end in ``text``, counted without spaces."""
    import icu

    breaker = icu.BreakIterator.createWordInstance(icu.Locale(language))
    breaker.setText(text)
    return {len(squeeze(text[:end])) for end in breaker}


def line_ends(pdf: bytes, text: str, tmp_path: Path) -> list[int]:
    """Where the lines of ``text`` end in the PDF, counted without spaces."""
    ends, seen = [], 0
    for line in pdf_text(pdf, tmp_path).splitlines():
        if squeeze(line) and squeeze(text).startswith(squeeze(line), seen):
            seen += len(squeeze(line))
            ends.append(seen)
    assert seen == len(squeeze(text)), (seen, pdf_text(pdf, tmp_path))
    return ends


def test_missing_glyphs_names_what_no_installed_font_draws():
    for text in (*(p[3].get("native_name", "") for p in PEOPLE), *COURSE_TITLE.values()):
        assert missing_glyphs(text) == set(), text
    assert missing_glyphs("陈伟玲") == {"陈", "伟", "玲"}  # no CJK font installed
    assert missing_glyphs("Maria 🧑\u200d🌾 Santos") == {"🧑", "🌾"}  # the joiner draws nothing
    assert missing_glyphs("ሰላም Selam") == set()  # Ethiopic: Noto Sans Ethiopic, a fallback
    assert missing_glyphs("A\u0007\u200bB\ufe0f") == set()  # controls and ignorables


# --- Bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("case, name, native", [
    ("controls", "Siti\u0007 Aisyah\u001b binti\u202e Abdullah\u000b", ""),
    ("long-latin", "Maria " * 49 + "Santos", "สมหญิง " * 42),
    ("no-spaces", "A" * 300, "ការពង្រឹង" * 33),
    ("mixed", "Nguyễn สมหญิง សុខ ບົວສອນ ခင်မာအေး Khin", "Nguyễn สมหญิง សុខ ບົວສອນ ခင်မာအေး"),
    ("emoji-cjk", "Tan 🧑\u200d🌾 Wei Ling 😀", "陈伟玲 🇸🇬"),
])
def test_bad_names_give_a_sane_one_page_certificate(course, db, tmp_path, caplog, case, name,
                                                    native):
    caplog.set_level("WARNING", logger="weasyprint")
    certificate = certify(course, db, "SG", "en", 90, full_name=name[:300], name_order="single",
                          native_name=native[:300])
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    assert page_count(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\u202a-\u202e]", text)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert "Certificate of Participation" in text and certificate.number in text
    if case == "controls":
        assert "Siti Aisyah binti Abdullah" in flat(text)
    if case == "emoji-cjk":
        assert "Tan Wei Ling 😀" in flat(text) and "陈" not in text  # dropped, never a box
    save_png(pdf, f"certificate-bad-{case}")


def test_a_500_character_name_shrinks_and_stays_on_one_page(certificates, tmp_path):
    from dataclasses import replace

    found = rendering.facts(certificates["th"], VERIFY)
    pdf = rendering.render_facts([replace(found, name="Somying " * 62 + "Jaidee",
                                          native_name="สมหญิง ใจดี " * 45)])
    assert page_count(pdf, tmp_path) == 1
    assert "Certificate of Participation" in pdf_text(pdf, tmp_path)
    save_png(pdf, "certificate-bad-500-characters")


def test_missing_wording_falls_back_to_english_and_validation_says_where(course, db, tmp_path):
    report = layouts.validate_layout("default")
    assert report.ok, report.errors
    for language in ("km", "lo", "my", "fil", "tet"):
        assert "certify" in report.missing[language], report.missing
    for language in ("en", "vi", "id", "ms", "pt", "th"):
        assert language not in report.missing, report.missing
    assert "title" in report.missing["my"] and "title" not in report.missing["km"]

    certificate = certify(course, db, "MM", "my", 91, full_name="Khin Mar Aye", name_order="single")
    text = flat(pdf_text(rendering.render_certificate(certificate, verify_url=VERIFY), tmp_path))
    assert text.count("This is to certify that") == 1  # once, not repeated as a fallback
    assert "2025 ဧပြီ 9–11" in text  # the dates still come in Myanmar's own format

    settings = course.certificate_settings
    settings.title = T(en="Certificate of Participation", my="အောင်လက်မှတ်")
    report = layouts.validate_layout("default", settings)
    assert "title" not in report.missing["my"]


def test_html_in_wording_is_escaped_and_never_fetched(course, certificates, db, tmp_path,
                                                      monkeypatch):
    from app.pdf import AppFetcher

    settings = course.certificate_settings
    settings.title = T(en='<img src="file:///etc/passwd">Certificate <b>of</b> Participation',
                       vi='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">Giấy chứng nhận')
    settings.wording = T(en='has participated in <style>@import url(http://127.0.0.1:9/y.css)'
                            '</style>')
    db.session.commit()
    asked = []
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve", lambda self, url: asked.append(url) or
                        resolve(self, url))
    pdf = rendering.render_certificate(certificates["vi"], verify_url=VERIFY)
    text = squeeze(pdf_text(pdf, tmp_path, "-raw"))  # in drawing order: columns stay apart
    assert squeeze('<img src="file:///etc/passwd">Certificate <b>of</b> Participation') in text
    assert squeeze("@import url(http://127.0.0.1:9/y.css)") in text
    assert not [url for url in asked if "127.0.0.1" in url or url.startswith("file:")], asked
    assert b"root:" not in pdf


@pytest.mark.parametrize("template, problem", [
    ("{{ certificates[0].name.text|safe }}", "safe"),
    ("{{ certificates.__class__.__mro__ }}", "__class__"),
    ("{{ secret_key }}", "secret_key"),
    ("{% for c in certificates %}{{ c.t.nope }}{% endfor %}", "nope"),
])
def test_unsafe_or_broken_layouts_are_reported(tmp_path, monkeypatch, template, problem):
    import shutil

    shutil.copytree(ROOT / "certificate_layouts/default", tmp_path / "custom")
    (tmp_path / "custom/template.html").write_text(template, encoding="utf-8")
    monkeypatch.setattr(layouts, "LAYOUTS", tmp_path)
    report = layouts.validate_layout("custom", languages=("en", "th"))
    assert not report.ok and problem in " ".join(report.errors), report.errors


def test_a_layout_stylesheet_fetches_nothing_from_elsewhere(course, certificates, db, tmp_path,
                                                           monkeypatch):
    import shutil

    from app.pdf import AppFetcher

    shutil.copytree(ROOT / "certificate_layouts/default", tmp_path / "custom")
    with open(tmp_path / "custom/theme.css", "a", encoding="utf-8") as theme:
        theme.write(".certificate { background: url(http://127.0.0.1:9/bg.png) }\n"
                    ".name { background-image: url(file:///etc/passwd) }\n")
    monkeypatch.setattr(layouts, "LAYOUTS", tmp_path)
    course.certificate_settings.layout = "custom"
    db.session.commit()
    asked = {}
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve",
                        lambda self, url: asked.setdefault(url, resolve(self, url)))
    pdf = rendering.render_certificate(certificates["km"], verify_url=VERIFY)
    assert page_count(pdf, tmp_path) == 1
    assert asked["http://127.0.0.1:9/bg.png"] is None and asked["file:///etc/passwd"] is None


def test_a_logo_file_that_is_not_an_image_is_left_out(course, certificates, tmp_path, caplog):
    organisation = course.organisation_links[0].organisation
    (logos.folder() / organisation.logo).write_bytes(b"<html>not an image</html>")
    pdf = rendering.render_certificate(certificates["vi"], verify_url=VERIFY)
    assert page_count(pdf, tmp_path) == 1
    assert "Nguyễn Thị Hà" in flat(pdf_text(pdf, tmp_path))


def test_layout_names_cannot_leave_the_layouts_folder():
    for name in ("../app", "default/../../etc", "", "x" * 41):
        assert not layouts.validate_layout(name).ok


# --- Many at once ---------------------------------------------------------------------------

def test_partial_hours_and_the_stacked_arrangement(course, db, tmp_path):
    course.certificate_settings.arrangement = "stacked"
    certificate = certify(course, db, "VN", "vi", 92, full=False, full_name="Tran Van Minh",
                          family_name="Trần", given_names="Văn Minh", name_order="family_first")
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    text = flat(pdf_text(pdf, tmp_path))
    assert "attended 14.5 of 20 contact hours" in text and "tham dự 14,5/20 giờ" in text
    assert "Trần Văn Minh" in text and page_count(pdf, tmp_path) == 1
    save_png(pdf, "certificate-vi-stacked")


def test_many_certificates_make_one_document_and_split_into_individual_pdfs(
        certificates, course, db, tmp_path):
    ordered = list(certificates.values())
    merged = rendering.render_many(ordered, lambda c: VERIFY + c.code)
    assert page_count(merged, tmp_path) == len(ordered)
    singles = rendering.render_each(ordered, lambda c: VERIFY + c.code)
    assert len(singles) == len(ordered)
    for certificate, single in zip(ordered, singles):
        assert page_count(single, tmp_path) == 1
        assert certificate.registration.certificate_name in flat(pdf_text(single, tmp_path))
        assert all(embedded for _name, embedded in pdf_fonts(single, tmp_path))


@pytest.mark.parametrize("workers", [1, 2])
def test_the_bulk_path_writes_each_pdf_and_the_merged_one(certificates, course, db, tmp_path,
                                                          workers):
    course.certificate_settings.pdfa = True
    db.session.commit()
    ordered = list(certificates.values())
    seen = []
    merged, paths = rendering.render_batch(ordered, lambda c: VERIFY + c.code, tmp_path / "out",
                                           workers=workers, chunk=5,
                                           progress=lambda done, total: seen.append((done, total)))
    assert [path.name for path in paths] == [f"{c.number}.pdf" for c in ordered]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        sorted([merged.name, *(path.name for path in paths)])  # no chunk files left behind
    assert page_count(merged.read_bytes(), tmp_path) == len(ordered)
    assert seen[-1] == (len(ordered), len(ordered)) and len(seen) == 3
    whole = flat(pdf_text(merged.read_bytes(), tmp_path))
    assert whole.index("IPR-2025-001") < whole.index("IPR-2025-012")
    for certificate, path in zip(ordered, paths):
        data = path.read_bytes()
        assert page_count(data, tmp_path) == 1
        assert certificate.registration.certificate_name in flat(pdf_text(data, tmp_path))
        assert b"pdfaid:part" in data or b"pdfaid:part" in _xmp(data)


def _xmp(pdf: bytes) -> bytes:
    import pikepdf

    with pikepdf.open(BytesIO(pdf)) as document:
        return document.Root.Metadata.read_bytes()


def test_a_print_run_looks_exactly_like_single_certificates(certificates, db, tmp_path):
    """Print runs stack a person layer onto a background laid out once per group; the pages
    must come out as the single certificate does, pixel for pixel (nearly: anti-aliasing)."""
    from PIL import ImageChops, ImageStat

    ordered = [certificates[case] for case in ("th", "km", "vi", "my")]
    _merged, paths = rendering.render_batch(ordered, lambda c: VERIFY + c.code, tmp_path / "run",
                                            workers=1)
    for certificate, path in zip(ordered, paths):
        single = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
        images = []
        for name, data in (("single", single), ("stacked", path.read_bytes())):
            (tmp_path / f"{name}.pdf").write_bytes(data)
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-gray", "-singlefile",
                            str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
            images.append(Image.open(tmp_path / f"{name}.png"))
        difference = ImageStat.Stat(ImageChops.difference(*images)).mean[0]
        assert difference < 0.5, (certificate.second_language, difference)
