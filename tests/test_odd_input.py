"""Odd names and titles (issue 15): invisible-only values refused, line ends out of one-line
fields, user text direction-isolated on pages and in PDFs."""
from datetime import date, time

import pytest
import sqlalchemy as sa
from certificate_support import pdf_text
from helpers import count
from test_courses import course_form
from test_registrations import form_data
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from app.agenda import operations as agenda
from app.agenda.models import AgendaSession, Speaker
from app.agenda.operations import SessionDetails
from app.courses.models import Course
from app.forms import Form, Visible, clean_line, only_invisible
from app.i18n.fields import MultilingualField
from app.i18n.multilingual import MultilingualText
from app.registrations import operations
from app.registrations.models import Registration, WorkingGroup
from app.registrations.operations import Person

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses everything after it up to the paragraph's end
# Only invisible: zero-width space/joiners, word joiner, BOM, bidi controls and isolates,
# no-break space, ideographic space, line separator, a C1 control, the Hangul filler.
INVISIBLE = ["\u200b\u200b\u200b", "\u200c\u200d\u2060", "\ufeff", "\u200e\u200f", "\u202a\u202e",
             "\u2066\u2069", "\xa0\u3000", "\u2028", "\x85", "\u3164"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_unicode_categories_tell_invisible_text(text):
    assert only_invisible(text)


@pytest.mark.parametrize("text", ["Hà", "ស្រី\u200bពៅ", "a\u200b", "\u200bx", "-", "李"])
def test_text_with_anything_visible_is_kept(text):
    assert not only_invisible(text)


@pytest.mark.parametrize("typed, kept", [
    ("One\r\nline", "One line"), ("One\nline", "One line"), ("One\rline", "One line"),
    ("One\u2028line\u2029here", "One line here"), ("One\x85line", "One line"),
    ("Two\n\n\r\nbreaks", "Two breaks"), ("Ends here\n", "Ends here"), ("No\x00 NUL", "No NUL"),
    ("Plain", "Plain"), (None, None)])
def test_line_ends_in_a_one_line_field_become_one_space(typed, kept):
    assert clean_line(typed) == kept


class Sample(Form):
    title = StringField(validators=[Visible(), DataRequired()])
    subtitle = StringField(validators=[DataRequired(), Visible()])  # the order does not matter
    note = StringField(validators=[Visible()])
    notes = TextAreaField()
    heading = MultilingualField(required=True, validators=[Visible()])
    caption = MultilingualField(validators=[Visible()])


def test_the_filter_and_the_validator_work_on_any_form(app):
    data = {"title": "\u200b", "subtitle": "\u2066\u2069", "note": "\ufeff\u200d",
            "notes": "Line one\r\nLine two", "heading-en": "\u200b", "heading-vi": "Tiêu đề",
            "caption-en": "\u200b", "caption-vi": "Chú\nthích"}
    with app.test_request_context("/", method="POST", data=data):
        form = Sample()
        assert not form.validate()
        assert form.title.errors == ["This field is required."]
        assert form.subtitle.errors == ["This field is required."]
        assert form.note.errors == [] and form.note.data == ""  # optional: stored empty
        assert form.notes.data == "Line one\r\nLine two"  # a text area keeps its lines
        assert form.heading.errors == ["Please write this in English."]
        assert form.heading.data == {"vi": "Tiêu đề"}
        assert form.caption.errors == [] and form.caption.data == {"vi": "Chú thích"}


def test_a_full_name_of_zero_width_spaces_is_refused_and_nothing_is_stored(client, make_course):
    make_course(slug="odd-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    response = client.post("/courses/odd-2030/register", data=form_data(
        full_name="\u200b\u200b\u200b", family_name="", given_names=""))
    assert response.status_code == 400
    error = response.get_data(as_text=True).split('id="full_name-error"', 1)[1].split("</ul>", 1)[0]
    assert "This name has no visible letters" in error
    assert count(Registration) == 0


def test_line_ends_in_course_and_session_titles_are_stored_as_spaces(client, make_user, login, db):
    login(make_user())
    response = client.post("/manage/courses/new", data=course_form(slug="lines-2030", **{
        "title-en": "Localizing\r\nWPS\nplans\u2028now", "title-vi": "Địa phương\r\nhóa",
        "description-en": "First paragraph.\r\nSecond line."}))
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course))
    assert course.title.to_dict() == {"en": "Localizing WPS plans now", "vi": "Địa phương hóa"}
    assert "\n" in course.description["en"]  # a text area keeps its line breaks

    response = client.post(f"/manage/courses/{course.slug}/agenda/new", data={
        "day": "2026-03-02", "start": "09:00", "end": "10:30", "kind": "plenary",
        "title-en": "Opening\r\nsession\n", "room": "Main\nhall", "leads-0-speaker": "0",
        "leads-0-role": "speaker"})
    assert response.status_code == 302
    created = db.session.scalar(sa.select(AgendaSession))
    assert created.title.to_dict() == {"en": "Opening session"} and created.room == "Main hall"


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u2066\u202e\u2069", "\ufeff"])
def test_invisible_course_and_session_titles_get_the_required_message(
        client, make_user, make_course, login, db, text):
    trainer = make_user()
    make_course(trainer=trainer, slug="blank-2030", start_date=date(2030, 4, 9),
                end_date=date(2030, 4, 11))
    login(trainer)
    response = client.post("/manage/courses/new", data=course_form(slug="t-2030", **{
        "title-en": text, "title-vi": text}))
    assert response.status_code == 400
    assert "Please write this in English." in response.get_data(as_text=True)
    assert count(Course) == 1
    response = client.post("/manage/courses/blank-2030/agenda/new", data={
        "day": "2030-04-09", "start": "09:00", "end": "10:30", "kind": "plenary",
        "title-en": text, "leads-0-speaker": "0", "leads-0-role": "speaker"})
    assert response.status_code == 400
    assert "Please write this in English." in response.get_data(as_text=True)
    assert count(AgendaSession) == 0


def test_invisible_group_and_speaker_names_are_refused_an_optional_title_is_stored_empty(
        client, make_user, make_course, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="grp-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    login(trainer)
    response = client.post("/manage/courses/grp-2030/groups/",
                           data={"action": "add", "new-name": "\u200b\u2060"})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert count(WorkingGroup) == 0

    url = "/manage/courses/grp-2030/speakers/"
    response = client.post(url, data={"name": "\u200d\u200d", "title": "", "organisation": ""})
    assert response.status_code == 400 and count(Speaker) == 0
    response = client.post(url, data={"name": "Dr Helena\nMarques", "title": "\u200b",
                                      "organisation": "UN\r\nWomen"})
    assert response.status_code == 302
    speaker = db.session.scalar(sa.select(Speaker).where(Speaker.course_id == course.id))
    assert (speaker.name, speaker.title, speaker.organisation) == \
        ("Dr Helena Marques", "", "UN Women")


def overridden(course, db) -> Registration:
    """A registration whose name holds a right-to-left override (as an older record or an
    import could hold: the form refuses it)."""
    registration = operations.register(course, Person(
        full_name=f"Ha{RLO}Noi", sex="female", age_group="35-44", country="VN",
        organisation_type="cso", organisation=f"VWU{RLO}", email="ha@example.org",
        address_as=f"Chi{RLO}Ha", language="en"), notify=False)
    db.session.commit()
    return registration


def test_a_name_with_a_right_to_left_override_is_isolated_on_the_pages(
        client, make_user, make_course, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="bidi-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    registration = overridden(course, db)
    personal = client.get(f"/p/{registration.token}/").get_data(as_text=True)
    assert f"<dd><bdi>Ha{RLO}Noi</bdi>" in personal
    assert f"<bdi>Chi{RLO}Ha</bdi>" in personal  # the greeting
    assert f"Ha{RLO}Noi" not in personal.replace(f"<bdi>Ha{RLO}Noi</bdi>", "").split("<body", 1)[1]
    login(trainer)
    listing = client.get("/manage/courses/bidi-2030/registrations/").get_data(as_text=True)
    link = f'<bdi><a href="/manage/courses/bidi-2030/registrations/{registration.id}">Ha{RLO}Noi</a></bdi>'
    assert link in listing
    assert f"<bdi>VWU{RLO}</bdi>" in listing
    detail = client.get(f"/manage/courses/bidi-2030/registrations/{registration.id}")
    assert f"<h1><bdi>Ha{RLO}Noi</bdi></h1>" in detail.get_data(as_text=True)


def test_course_titles_are_isolated_wherever_ml_prints_them(client, make_course):
    make_course(slug="mltitle-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11),
                title={"en": f"Plan{RLO} 2030"})
    page = client.get("/courses/mltitle-2030/?lang=en").get_data(as_text=True)
    assert f'<bdi lang="en">Plan{RLO} 2030</bdi>' in page


def test_the_agenda_pdf_keeps_the_text_after_an_overriding_name_in_order(
        client, make_course, db, tmp_path):
    course = make_course(slug="pdfbidi-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    speaker = Speaker(course_id=course.id, name=f"Dr Ha{RLO}Noi", title="WPS expert",
                      organisation="UN Women")
    db.session.add(speaker)
    db.session.commit()
    agenda.save_session(course, None, SessionDetails(
        day=date(2030, 4, 9), start=time(9), end=time(10, 30), title=MultilingualText(en="Opening"),
        room="Main hall", kind="plenary", leads=[(speaker.id, "facilitator")]))
    db.session.commit()
    response = client.get("/courses/pdfbidi-2030/agenda.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data, tmp_path).split())
    # Without isolation the override runs on to the end of the line: "nemoW NU ,trepxe SPW".
    assert "Opening" in text and ", WPS expert, UN Women" in text and "trepxe" not in text


def test_weasyprint_honours_the_bdi_filter(app, tmp_path):
    """The filter the templates use, through the app's PDF renderer: the text after an
    overriding name stays in order; the same text without it comes out reversed."""
    from flask import render_template_string

    from app.pdf import render_pdf_string

    page = ("<!doctype html><p>Name: {{ name|bdi }}, after the name</p>"
            "<p>Raw: {{ name }}, after it</p>")
    with app.test_request_context("/"):
        pdf = render_pdf_string(render_template_string(page, name=f"Ha{RLO}Noi"))
    text = pdf_text(pdf, tmp_path)
    assert "Name: HaioN, after the name" in text  # the override ends with the name
    assert "Raw: Ha" in text and "ti retfa ,ioN" in text  # without isolation it runs on
