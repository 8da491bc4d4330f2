"""Certificates never overlap: every language, side by side and stacked, with a long name, a
long native-script name, a long course title and a long venue. The word boxes come back from
the PDF (pdftotext -bbox-layout): no two lines touch, nothing leaves the frame, nothing is
clipped. Myanmar reads as one Burmese sentence; names are isolated for bidirectional text."""
from certificate_support import *  # noqa: F403 - the shared data, helpers and fixtures

from app.certificates.fitting import overflowing
from app.i18n.languages import LANGUAGES

LONG_NAME = "Maria Cristina Reyes dela Cruz Santos Siriwattanakul"
LONG_NATIVE = {
    "vi": "Công Tôn Nữ Nguyễn Thị Thanh Hương", "th": "สมหญิง ศิริวัฒนกุล ณ อยุธยา",
    "km": "សម្តេច នរោត្តម សុខ ចាន់ធីតា", "lo": "ບົວສອນ ພົມມະວົງສາ ສີສຸລິດ",
    "my": "ဒေါ်ခင်မာအေး (ခ) ဒေါ်နန်းခင်မာအေးကျော်", "id": "Siti Nurhaliza Wahyuningsih",
    "ms": "Siti Aisyah binti Abdullah Zainuddin", "fil": "María Cristina Reyes dela Cruz-Santos",
    "pt": "Joaquim Soares Guterres da Conceição", "tet": "Maria da Costa dos Santos Belo",
    "en": "Tan Wei Ling Josephine Abigail"}
LONG_TITLE = T(COURSE_TITLE.to_dict(),
               fil="Pagpapalakas ng pagpapatupad at lokalisasyon ng ASEAN RPA WPS sa pambansang "
                   "antas: mga plano ng aksyon ng mga lalawigan",
               tet="Hametin implementasaun no lokalizasaun RPA ASEAN kona-ba Feto, Paz no "
                   "Seguransa iha nivel nasionál")
LONG_VENUE = T(en="National Convention Centre of Viet Nam, Nam Tu Liem District, Ha Noi",
               vi="Trung tâm Hội nghị Quốc gia, quận Nam Từ Liêm, thành phố Hà Nội",
               th="ศูนย์การประชุมแห่งชาติเวียดนาม เขตนามตือเลียม กรุงฮานอย",
               km="មជ្ឈមណ្ឌលសន្និសីទជាតិវៀតណាម ខណ្ឌណាមទូលៀម ទីក្រុងហាណូយ",
               lo="ສູນປະຊຸມແຫ່ງຊາດຫວຽດນາມ ເມືອງນາມຕືລຽມ ນະຄອນຫຼວງຮ່າໂນ້ຍ",
               my="ဗီယက်နမ်အမျိုးသားညီလာခံစင်တာ၊ နမ်တူလျမ်ခရိုင်၊ ဟနွိုင်းမြို့")
MM = 72 / 25.4
FRAME = 8 * MM + 0.7 * MM  # the page margin and the certificate's border


@pytest.fixture
def long_course(course, db):
    course.title, course.city, course.country = LONG_TITLE, LONG_VENUE, "VN"
    course.certificate_settings.issue_place = T()  # the venue again, in the closing
    db.session.commit()
    return course


def everyone(course, db) -> dict:
    """One participant per certificate language, everything long."""
    return {language: certify(course, db, "VN", language, n, full_name=LONG_NAME,
                              name_order="single", native_name=LONG_NATIVE[language],
                              position="Deputy Director-General",
                              organisation="Ministry of Labour, Invalids and Social Affairs")
            for n, language in enumerate(LANGUAGES, start=1)}


@pytest.mark.parametrize("arrangement", ["side_by_side", "stacked"])
def test_no_text_overlaps_or_leaves_the_frame_in_any_language(long_course, db, tmp_path,
                                                               arrangement):
    long_course.certificate_settings.arrangement = arrangement
    people = everyone(long_course, db)
    db.session.commit()
    ordered = list(people.values())
    found = [rendering.facts(c, VERIFY + c.code) for c in ordered]
    for certificate, (_document, pages) in zip(ordered, rendering.render_pages(found)):
        assert len(pages) == 1 and not overflowing(pages[0]), \
            (certificate.second_language, overflowing(pages[0]))  # nothing clipped
    pdfs = rendering.render_each(ordered, lambda c: VERIFY + c.code)
    for language, pdf in zip(people, pdfs):
        (width, height), lines = text_lines(pdf, tmp_path)
        assert len(lines) > 18, (language, lines)  # (the organisers' logos are images, not text)
        assert not overlaps(lines), (language, arrangement, overlaps(lines))
        outside = [words for (x0, y0, x1, y1), words in lines
                   if x0 < FRAME or y0 < FRAME or x1 > width - FRAME or y1 > height - FRAME]
        assert not outside, (language, outside)
        text = pdf_text(pdf, tmp_path)
        assert LONG_NAME in flat(text) and squeeze(LONG_NATIVE[language]) in squeeze(text)
        assert squeeze(LONG_TITLE.localize(language).text) in squeeze(text), language
        if language in ("vi", "my", "km", "th") or (language == "en" and arrangement == "stacked"):
            save_png(pdf, f"certificate-long-{language}-{arrangement}")


def test_the_vietnamese_venue_no_longer_runs_into_the_hours(long_course, db, tmp_path):
    """The reported defect: "Nam" of a wrapped venue printed on top of "thời lượng 7 giờ"."""
    long_course.contact_hours = Decimal("7")
    certificate = certify(long_course, db, "VN", "vi", 1, full_name="Nguyen Thi Ha",
                          native_name="Nguyễn Thị Hà")
    certificate.hours = Decimal("7")
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    _size, lines = text_lines(pdf, tmp_path)
    hours = [box for box, words in lines if "thời lượng 7 giờ" in words]
    venue = [box for box, words in lines if "Nam" in words.split()]
    assert hours and venue
    assert not [(a, b) for a in hours for b in venue if a != b and a[1] < b[3] and b[1] < a[3]
                and a[0] < b[2] and b[0] < a[2]]


def test_a_myanmar_name_keeps_clear_of_the_latin_name_above(course, db, tmp_path):
    certificate = certify(course, db, "MM", "my", 1, full_name="Khin Mar Aye Thandar Htun",
                          name_order="single", native_name="ဒေါ်ခင်မာအေး သန္တာထွန်း")
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY)
    _size, lines = text_lines(pdf, tmp_path)
    latin = next(box for box, words in lines if words == "Khin Mar Aye Thandar Htun")
    native = next(box for box, words in lines if squeeze(words) == "ဒေါ်ခင်မာအေးသန္တာထွန်း")
    assert native[1] >= latin[3] - 0.1, (latin, native)  # the marks' room starts below the Latin
    save_png(pdf, "certificate-my-names")


def test_the_myanmar_certificate_reads_as_one_burmese_sentence(course, db, tmp_path):
    """certify → name → participated → course → held → hours, in the order printed."""
    settings = course.certificate_settings
    settings.language_mode = "participant"
    certificate = certify(course, db, "MM", "my", 1, full_name="Khin Mar Aye", name_order="single",
                          native_name="ခင်မာအေး")
    db.session.commit()
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    save_png(pdf, "certificate-my-only")
    text = squeeze(pdf_text(pdf, tmp_path))
    wording = layouts.load_layout("default").wording
    parts = [wording("certify").localize("my").text, "ခင်မာအေး",
             wording("participated").localize("my").text, COURSE_TITLE["my"],
             "ကျင်းပသည်", wording("hours").localize("my").text.split("{")[0]]
    places = [text.find(squeeze(part)) for part in parts]
    assert -1 not in places and places == sorted(places), list(zip(parts, places))
    assert "Certificate" not in text and "This is to certify" not in text


def test_names_are_isolated_for_bidirectional_text(course, db, client):
    certificate = certify(course, db, "TH", "th", 1, full_name="Somying Jaidee",
                          native_name="สมหญิง ใจดี", organisation="משרד החוץ")
    db.session.commit()
    layout = layouts.load_layout("default")
    html = layout.render([rendering.certificate_context(certificate, VERIFY)])
    name = certificate.registration.certificate_name
    assert f"<bdi>{name}</bdi>" in html and "<bdi>สมหญิง ใจดี</bdi>" in html
    assert '<bdi lang="he">משרד החוץ</bdi>' in html
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert f"<bdi>{name}</bdi>" in page and '<bdi lang="th">สมหญิง ใจดี</bdi>' in page
