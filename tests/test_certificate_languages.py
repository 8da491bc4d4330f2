"""Which languages a course's certificates print in (English and the participant's, the
participant's only, a fixed pair), the agenda and worksheet PDFs following the same setting,
and Thai, Lao, Khmer and Myanmar numerals on certificates."""
from datetime import time

from certificate_support import *  # noqa: F403 - the shared data, helpers and fixtures

from app.agenda.operations import SessionDetails, save_session
from app.certificates.dates import format_day, format_days
from app.certificates.languages import certificate_languages, document_languages
from app.i18n import _, use_language
from app.reference import country_name
from app.toolkit import translate
from app.toolkit import operations as toolkit

# --- The setting ------------------------------------------------------------------------------

def test_the_modes_choose_the_languages(course):
    settings = course.certificate_settings
    assert certificate_languages(settings, "vi") == ("en", "vi")  # the default, as before
    assert certificate_languages(settings, "en") == ("en",)  # one column, not two alike
    settings.language_mode = "participant"
    assert certificate_languages(settings, "km") == ("km",)
    settings.language_mode, settings.fixed_language1, settings.fixed_language2 = "pair", "th", "vi"
    assert certificate_languages(settings, "id") == ("th", "vi")
    settings.fixed_language2 = "th"
    assert certificate_languages(settings, "id") == ("th",)
    settings.fixed_language2 = ""  # half a pair: the default
    assert certificate_languages(settings, "id") == ("en", "id")
    settings.language_mode = "participant"
    assert document_languages(course, ["en", "vi"]) == ["vi"]  # the reader's
    assert document_languages(course, ["en", "vi"], person="lo") == ["lo"]  # the participant's


def test_the_settings_page_saves_the_languages_and_numerals(client, course, db, login):
    login(course.trainers[0])
    url = f"/manage/courses/{course.slug}/certificates/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'name="language_mode"' in page and 'name="fixed_language2"' in page
    assert 'name="native_digits"' in page
    refused = client.post(url, data={"arrangement": "side_by_side", "language_mode": "pair",
                                     "fixed_language1": "th", "fixed_language2": ""})
    assert refused.status_code == 400 and "Choose the two languages." in refused.get_data(True)
    same = client.post(url, data={"arrangement": "side_by_side", "language_mode": "pair",
                                  "fixed_language1": "th", "fixed_language2": "th"})
    assert same.status_code == 400 and "Choose two different languages." in same.get_data(True)
    saved = client.post(url, data={"arrangement": "stacked", "language_mode": "pair",
                                   "fixed_language1": "th", "fixed_language2": "vi",
                                   "native_digits": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    settings = course.certificate_settings
    assert (settings.language_mode, settings.fixed_language1, settings.fixed_language2,
            settings.native_digits, settings.arrangement) == ("pair", "th", "vi", True, "stacked")


# --- Certificates -----------------------------------------------------------------------------

def test_a_vietnamese_only_event_prints_no_english_at_all(course, db, tmp_path):
    settings = course.certificate_settings
    settings.language_mode = "participant"
    settings.signatory1_title = T(en="Executive Director, ASEAN-IPR",
                                  vi="Giám đốc Điều hành, ASEAN-IPR")
    settings.signatory2_title = T(en="Representative, UN Women Indonesia",
                                  vi="Trưởng Đại diện, UN Women tại In-đô-nê-xi-a")
    course.organisation_links = [CourseOrganisation(organisation=Organisation(
        name=T(en="Government of Canada", vi="Chính phủ Ca-na-đa")), role="donor", position=0)]
    certificate = certify(course, db, "VN", "vi", 1, full_name="Nguyen Thi Ha",
                          native_name="Nguyễn Thị Hà", position="Chuyên viên",
                          organisation="Bộ Ngoại giao")
    db.session.commit()
    url = VERIFY + certificate.code
    pdf = rendering.render_certificate(certificate, verify_url=url)
    save_png(pdf, "certificate-vi-only")
    text = flat(pdf_text(pdf, tmp_path))
    wording = layouts.load_layout("default").wording
    said = [wording(key).localize("vi").text for key in layouts.load_layout("default").fields
            if key != "arrangement"]
    said += [COURSE_TITLE["vi"], format_days(date(2025, 4, 9), date(2025, 4, 11), "vi"),
             format_day(date(2025, 4, 11), "vi"), "Jakarta", country_name("ID", "vi"),
             country_name("VN", "vi"), "Dr. Ayu Lestari", "Maria Fernanda Santos",
             settings.signatory1_title["vi"], settings.signatory2_title["vi"],
             "Chính phủ Ca-na-đa", certificate.registration.certificate_name, "Nguyễn Thị Hà",
             "Chuyên viên", "Bộ Ngoại giao", "20"]
    for expected in ("Giấy chứng nhận", COURSE_TITLE["vi"], "ngày 9–11 tháng 4 năm 2025",
                     "thời lượng 20 giờ", "Giám đốc Điều hành, ASEAN-IPR", "Chính phủ Ca-na-đa"):
        assert expected in text, expected
    allowed = {word for phrase in said for word in re.findall(r"[^\W\d_]+", phrase)}
    printed = re.findall(r"[^\W\d_]+", text.replace(url, " ").replace(certificate.number, " "))
    assert printed and set(printed) <= allowed, set(printed) - allowed  # not one English word


def test_a_fixed_pair_prints_those_two_for_everyone(course, db, tmp_path):
    settings = course.certificate_settings
    settings.language_mode, settings.fixed_language1, settings.fixed_language2 = "pair", "th", "vi"
    certificate = certify(course, db, "ID", "id", 1, full_name="Wahyuni", name_order="single")
    db.session.commit()
    text = flat(pdf_text(rendering.render_certificate(certificate, verify_url=VERIFY), tmp_path))
    assert "เกียรติบัตร" in text and "Giấy chứng nhận" in text and "Sertifikat" not in text
    assert "Certificate of Participation" not in text and "9–11 เมษายน พ.ศ. 2568" in text
    assert text.index("เกียรติบัตร") < text.index("Giấy chứng nhận")  # in the organiser's order


def test_an_english_speaker_gets_one_column(course, db):
    certificate = certify(course, db, "SG", "en", 1, full_name="Tan Wei Ling", name_order="single")
    phrases = rendering.certificate_context(certificate, VERIFY)["t"]
    assert all(len(phrases[key]) == 1 for key in ("title", "certify", "held", "hours", "issued"))


# --- Native numerals --------------------------------------------------------------------------

@pytest.mark.parametrize("language, year, hours, number", [
    ("th", "๒๕๖๘", "๒๐", "IPR-๒๐๒๕-๐๐๑"), ("lo", "໒໐໒໕", "໒໐", "IPR-໒໐໒໕-໐໐໑"),
    ("km", "២០២៥", "២០", "IPR-២០២៥-០០១"), ("my", "၂၀၂၅", "၂၀", "IPR-၂၀၂၅-၀၀၁")])
def test_native_numerals_on_dates_hours_and_the_number(course, db, tmp_path, language, year,
                                                       hours, number):
    certificate = certify(course, db, "TH", language, 1, full_name="Somying Jaidee")
    url = VERIFY + certificate.code
    before = flat(pdf_text(rendering.render_certificate(certificate, verify_url=url), tmp_path))
    assert year not in before  # off by default
    course.certificate_settings.native_digits = True
    db.session.commit()
    pdf = rendering.render_certificate(certificate, verify_url=url)
    save_png(pdf, f"certificate-{language}-numerals")
    text = flat(pdf_text(pdf, tmp_path))
    assert year in text and hours in text and number in text
    assert "9–11 April 2025" in text and "20 contact hours" in text  # English keeps its digits
    assert certificate.number in text and url in text  # the ASCII number, and the address as is
    context = rendering.certificate_context(certificate, url)
    assert context["qr"] == rendering.qr_data_uri(url) and context["verify_url"] == url


def test_languages_with_latin_numerals_are_left_alone(course, db, tmp_path):
    course.certificate_settings.native_digits = True
    certificate = certify(course, db, "VN", "vi", 1, full_name="Nguyen Thi Ha")
    text = flat(pdf_text(rendering.render_certificate(certificate, verify_url=VERIFY), tmp_path))
    assert "ngày 9–11 tháng 4 năm 2025" in text and "thời lượng 20 giờ" in text


# --- The agenda and worksheet PDFs follow -----------------------------------------------------

def said(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


@pytest.fixture
def agenda(course, db):
    save_session(course, None, SessionDetails(
        day=date(2025, 4, 9), start=time(9), end=time(10),
        title=T(en="Opening ceremony", vi="Lễ khai mạc", th="พิธีเปิด", km="ពិធីបើក")))
    db.session.commit()
    return course


@pytest.mark.parametrize("mode, expected, absent", [
    ("english_and_participant", ["en", "vi"], ["th"]),  # as before: working language + reader's
    ("participant", ["vi"], ["en", "th"]),
    ("pair", ["th", "km"], ["en", "vi"])])
def test_the_agenda_pdf_follows_the_setting(client, agenda, db, tmp_path, mode, expected, absent):
    settings = agenda.certificate_settings
    settings.language_mode, settings.fixed_language1, settings.fixed_language2 = mode, "th", "km"
    db.session.commit()
    pdf = client.get(f"/courses/{agenda.slug}/agenda.pdf?lang=vi").data
    text = flat(pdf_text(pdf, tmp_path)).casefold()  # the kicker is in capitals
    titles = {"en": "Opening ceremony", "vi": "Lễ khai mạc", "th": "พิธีเปิด", "km": "ពិធីបើក"}
    for language in expected:
        for phrase in (titles[language], said(language, "Agenda"), said(language, "Organised by")):
            assert phrase.casefold() in text, (language, phrase)
    for language in absent:
        for phrase in (titles[language], said(language, "Agenda"), said(language, "Organised by")):
            assert phrase.casefold() not in text, (language, phrase)


@pytest.fixture
def worksheet(course, db, make_registration, make_exercise):
    exercise = make_exercise(course, "M1", mode="individual")
    person = make_registration(course, email="ha@example.vn", certificate_language="vi")
    sheet = toolkit.sheet_for(exercise, person)
    sheet.answers, sheet.version = {}, 1
    db.session.commit()
    return person


def sheet_words(language: str) -> list[str]:
    with use_language(language):
        return [_("Last saved"), _("Facilitators"), translate("Stakeholder map")]


def test_worksheet_pdfs_follow_the_setting(client, course, worksheet, db, tmp_path):
    english, vietnamese, thai = sheet_words("en"), sheet_words("vi"), sheet_words("th")
    assert not set(english) & set(vietnamese + thai)  # translated: the test can tell them apart
    url = f"/p/{worksheet.token}/worksheets/M1.pdf?lang=en"

    def pdf_words():
        pdf = client.get(url).data
        return flat(pdf_text(pdf, tmp_path)), page_count(pdf, tmp_path)

    text, pages = pdf_words()  # the default: the reader's language, as before
    assert all(word in text for word in english) and not any(w in text for w in vietnamese)
    settings = course.certificate_settings
    settings.language_mode = "participant"
    db.session.commit()
    text, _pages = pdf_words()  # the participant's language only, whatever the page's
    assert all(word in text for word in vietnamese) and not any(w in text for w in english)
    settings.language_mode, settings.fixed_language1, settings.fixed_language2 = "pair", "th", "vi"
    db.session.commit()
    text, both = pdf_words()  # the pair: the sheet in each, one after the other
    assert both == 2 * pages and not any(word in text for word in english)
    assert all(word in text for word in thai + vietnamese)
    assert text.index(thai[-1]) < text.index(vietnamese[-1])
    blank = client.get(f"/toolkit/M1/blank.pdf?course={course.slug}&lang=en").data
    assert thai[-1] in flat(pdf_text(blank, tmp_path)) and english[-1] not in \
        flat(pdf_text(blank, tmp_path))
