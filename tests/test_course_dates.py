"""Dates that agree: every date shown or printed for a course is the day at its venue
(Course.timezone), never the server's UTC day.

The report: "the certificate said it was issued on 6 December and its verification page said
5 December" (a Jakarta course, UTC+7, certificate issued in the evening, UTC). Fixed moments are
used where one can be stored; where the app reads the clock, two venues far apart (UTC+14 and
UTC-11) make sure that, whatever the hour the tests run, one of them is on another day than UTC.
"""
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest

from app.certificates import operations as certificates
from app.certificates.dates import format_day
from app.courses.dates import before_last_day, course_today, has_ended, local_date
from app.database import utcnow
from app.mail.models import OutboxMessage
from app.registrations.models import Registration, RegistrationEvent
from app.registrations.operations import invite_focal_point, registration_state
from helpers import count

UTC = timezone.utc
FAR_APART = ("Pacific/Kiritimati", "Pacific/Pago_Pago")  # UTC+14, UTC-11: never both on UTC's day


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture
def trainer(make_user):
    return make_user(email="dates@example.org")


def course_in(make_course, trainer, zone: str, slug: str, **values):
    values.setdefault("start_date", date(2026, 11, 30))
    values.setdefault("end_date", date(2026, 12, 2))
    return make_course(trainer=trainer, slug=slug, timezone=zone, **values)


@pytest.mark.parametrize("zone, issued_at, day", [
    ("Asia/Jakarta", datetime(2026, 12, 5, 18, 30, tzinfo=UTC), 6),  # the report
    ("Pacific/Kiritimati", datetime(2026, 12, 5, 11, 0, tzinfo=UTC), 6),
    ("Pacific/Pago_Pago", datetime(2026, 12, 5, 5, 0, tzinfo=UTC), 4),
])
def test_the_certificate_and_its_verification_page_give_the_venues_issue_date(
        client, db, make_course, make_registration, trainer, zone, issued_at, day):
    course = course_in(make_course, trainer, zone, "dated-2026")
    holder = make_registration(course, certificate_language="vi")
    certificate = certificates.issue(holder, override_reason="Test of dates")
    certificate.issued_at = issued_at
    db.session.commit()
    assert local_date(course, certificate.issued_at) == date(2026, 12, day)

    text = pdf_text(client.get(f"/p/{holder.token}/certificate.pdf").data)
    assert f"{day} December 2026" in text and f"ngày {day} tháng 12 năm 2026" in text
    assert "5 December 2026" not in text and "ngày 5 tháng 12" not in text  # UTC's day
    page = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert f"December {day}, 2026" in page and "December 5, 2026" not in page


def test_a_revocation_is_dated_at_the_venue_too(client, db, make_course, make_registration, trainer):
    course = course_in(make_course, trainer, "Asia/Jakarta", "revoked-2026")
    certificate = certificates.issue(make_registration(course), override_reason="Test of dates")
    certificate.issued_at = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    certificates.revoke(certificate, "Name misspelt")
    certificate.revoked_at = datetime(2026, 12, 7, 20, 15, tzinfo=UTC)  # 8 December in Jakarta
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "December 3, 2026" in page and "December 8, 2026" in page
    assert "December 7, 2026" not in page


@pytest.mark.parametrize("zone", FAR_APART)
def test_the_preview_is_dated_today_at_the_venue(client, db, make_course, make_registration, login,
                                                 trainer, zone):
    course = course_in(make_course, trainer, zone, "preview-2026")
    make_registration(course, certificate_language="en")
    login(trainer)
    text = pdf_text(client.get("/manage/courses/preview-2026/certificates/preview.pdf").data)
    assert format_day(course_today(course), "en") in text


def test_today_and_the_last_day_are_the_venues():
    class Course:
        timezone, end_date = "Asia/Jakarta", date(2026, 12, 6)

    evening = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)  # 01:30 on 6 December in Jakarta
    assert course_today(Course, evening) == date(2026, 12, 6)
    assert not before_last_day(Course, evening) and not has_ended(Course, evening)
    assert before_last_day(Course, evening - timedelta(hours=12))
    assert has_ended(Course, datetime(2026, 12, 6, 17, 0, tzinfo=UTC))  # midnight in Jakarta


def test_the_registration_window_is_read_in_the_venues_calendar(make_course, trainer):
    course = course_in(make_course, trainer, "Pacific/Kiritimati", "window-2026",
                       start_date=date(2026, 12, 20), end_date=date(2026, 12, 21),
                       registration_opens=date(2026, 12, 1), registration_closes=date(2026, 12, 5))
    morning_utc = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # 23:00 on the 5th at the venue
    evening_utc = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # 01:00 on the 6th: closed
    assert registration_state(course, course_today(course, morning_utc)) == "open"
    assert registration_state(course, course_today(course, evening_utc)) == "closed"
    before = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert registration_state(course, course_today(course, before)) == "not_yet"
    assert registration_state(course, date(2026, 12, 22)) == "ended"


@pytest.mark.parametrize("zone", FAR_APART)
def test_registration_closes_at_the_end_of_its_last_day_at_the_venue(client, db, make_course, trainer,
                                                                      zone):
    course = course_in(make_course, trainer, zone, "closing-day", start_date=date(2030, 1, 6),
                       end_date=date(2030, 1, 7))
    today = course_today(course)
    course.registration_closes = today  # still open, whatever UTC's date
    db.session.commit()
    assert "/courses/closing-day/register" in client.get("/courses/closing-day/").get_data(as_text=True)
    course.registration_closes = today - timedelta(days=1)
    db.session.commit()
    page = client.get("/courses/closing-day/?lang=en").get_data(as_text=True)
    assert "/courses/closing-day/register" not in page
    assert "Registration for this course is closed." in page


@pytest.mark.parametrize("zone", FAR_APART)
def test_the_list_of_courses_puts_a_course_on_its_last_day_among_the_current_ones(
        client, make_course, trainer, zone):
    today = course_today(type("Venue", (), {"timezone": zone}))
    course_in(make_course, trainer, zone, "last-day", start_date=today - timedelta(days=2),
              end_date=today)
    course_in(make_course, trainer, zone, "day-after", start_date=today - timedelta(days=3),
              end_date=today - timedelta(days=1))
    current, past = client.get("/?lang=en").get_data(as_text=True).split('id="past"')
    assert "/courses/last-day/" in current and "/courses/day-after/" in past


def test_staff_pages_show_a_registrations_history_and_the_outbox_in_the_venues_time(
        client, db, make_course, make_registration, login, trainer):
    course = course_in(make_course, trainer, "Asia/Jakarta", "history-2026")
    registration = make_registration(course)
    evening = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    db.session.add(RegistrationEvent(registration=registration, old_status=None, new_status="approved",
                                     at=evening))
    db.session.add(OutboxMessage(course_id=course.id, recipient="ha@example.vn", subject="Hello",
                                 body="Body", language="en", created_at=evening))
    db.session.commit()
    login(trainer)
    detail = client.get(f"/manage/courses/history-2026/registrations/{registration.id}?lang=en")
    assert "Dec 6, 2026, 1:30" in detail.get_data(as_text=True)
    outbox = client.get("/manage/courses/history-2026/outbox?lang=en").get_data(as_text=True)
    assert "12/6/26, 1:30" in outbox and "12/5/26" not in outbox


# --- Re-opening registration on a past course says plainly why it cannot ----------------------

def edit_form(course, **changes) -> dict:
    data = {"title-en": "Localizing the RPA WPS", "title-vi": "Địa phương hóa RPA WPS",
            "start_date": course.start_date.isoformat(), "end_date": course.end_date.isoformat(),
            "city-en": "Jakarta", "city-vi": "Jakarta", "city-id": "Jakarta", "country": "ID",
            "timezone": course.timezone, "mode": "in_person", "working_language": "en",
            "second_languages": ["vi", "id"], "contact_hours": "20", "attendance_threshold": "80",
            "attendance_basis": "hours", "requires_approval": "y"}
    data.update(changes)
    return data


def test_a_registration_window_after_the_last_day_is_refused_with_the_reason(
        client, db, make_course, login, trainer):
    """The report: a window that includes today, set on a past course, was saved and changed
    nothing; the course form now says why it cannot be."""
    course = make_course(trainer=trainer, slug="past-2025", start_date=date(2025, 4, 9),
                         end_date=date(2025, 4, 11))
    login(trainer)
    page = client.get("/manage/courses/past-2025/edit?lang=en").get_data(as_text=True)
    assert "This course has ended, so registration stays closed." in page
    today = course_today(course)
    response = client.post("/manage/courses/past-2025/edit?lang=en", data=edit_form(
        course, registration_opens=(today - timedelta(days=1)).isoformat(),
        registration_closes=(today + timedelta(days=10)).isoformat()))
    assert response.status_code == 400
    assert "Registration cannot close after the course&#39;s last day." in \
        response.get_data(as_text=True)
    response = client.post("/manage/courses/past-2025/edit?lang=en",
                           data=edit_form(course, registration_opens=today.isoformat()))
    assert response.status_code == 400
    assert "Registration cannot open after the course&#39;s last day." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (course.registration_opens, course.registration_closes) == (None, None)
    # Moving the course's dates is the way: then the same window opens registration.
    response = client.post("/manage/courses/past-2025/edit", data=edit_form(
        course, start_date=(today + timedelta(days=20)).isoformat(),
        end_date=(today + timedelta(days=21)).isoformat(), registration_opens=today.isoformat(),
        registration_closes=(today + timedelta(days=10)).isoformat()))
    assert response.status_code == 302
    db.session.expire_all()
    assert registration_state(course) == "open"


def test_the_pages_of_a_course_that_has_ended_say_so(client, make_course, login, trainer):
    make_course(trainer=trainer, slug="ended-2025", start_date=date(2025, 4, 9),
                end_date=date(2025, 4, 11))
    public = client.get("/courses/ended-2025/?lang=en").get_data(as_text=True)
    assert "The course ended on April 11, 2025." in public
    assert "/courses/ended-2025/register" not in public
    register = client.get("/courses/ended-2025/register?lang=en")
    assert register.status_code == 200
    assert "The course ended on April 11, 2025." in register.get_data(as_text=True)
    assert client.post("/courses/ended-2025/register").status_code == 409
    login(trainer)
    manage = client.get("/manage/courses/ended-2025/?lang=en").get_data(as_text=True)
    assert "The course ended on April 11, 2025." in manage
    closed = make_course(trainer=trainer, slug="closed-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11), registration_closes=date(2026, 1, 31))
    assert registration_state(closed) == "closed"
    page = client.get("/courses/closed-2030/?lang=en").get_data(as_text=True)
    assert "It closed on January 31, 2026." in page


def test_the_nomination_link_of_a_course_that_has_ended_says_why_it_is_closed(
        app, client, db, demo_course):
    """The report: a delegation's nomination link on the demo course answered a bare 409."""
    from app.i18n import use_language
    from flask_babel import gettext

    delegation = invite_focal_point(demo_course, "VN", "Trần Văn Nam", "nam@example.vn")
    db.session.commit()
    url = f"/courses/jakarta-2025-wps/nominate/{delegation.nomination_token}"
    before = count(Registration)
    response = client.get(url + "?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nominate the delegation of Viet Nam" in page
    assert "Registration for this course is closed." in page
    assert "The course ended on April 11, 2025." in page
    vietnamese = client.get(url + "?lang=vi").get_data(as_text=True)
    with app.test_request_context(), use_language("vi"):
        closed = gettext("Registration for this course is closed.")
    assert closed != "Registration for this course is closed." and closed in vietnamese
    sent = client.post(url + "?lang=en", data={"people-0-full_name": "Lê Thu", "people-0-email": "thu@example.vn"})
    assert sent.status_code == 409 and "The course ended on" in sent.get_data(as_text=True)
    assert count(Registration) == before
    assert utcnow().date() > demo_course.end_date  # the demo course is a past one
