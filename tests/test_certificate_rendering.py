"""Certificates in every ASEAN script, checked with real tools: poppler's pdftotext (the text
comes back), pdffonts (every font embedded), pdftoppm (pages kept in tests/artifacts/ for a
person to look at), and fontTools (no glyph missing)."""
from certificate_support import *  # noqa: F403 - the shared data, helpers and fixtures

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
                "course_title": round(lcs(squeeze(title), squeeze(text)) / len(squeeze(title)), 3)}
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
            "course_title": round(lcs(title, squeeze(text)) / len(title), 3)}
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
