"""Hybrid courses: who takes part online, meeting links only for approved participants and
staff, the participant's own join link, the grid's "recorded by", and the guard against
marking a session before it starts."""
import re
from datetime import date, time, timedelta

import pytest
from markupsafe import escape
import sqlalchemy as sa
from certificate_support import pdf_text
from helpers import count
from icalendar import Calendar

from app.agenda import checkin, operations
from app.agenda.models import Attendance, AttendanceChange
from app.agenda.operations import SessionDetails, save_session
from app.database import utcnow
from app.i18n.multilingual import MultilingualText
from app.mail.models import OutboxMessage
from app.registrations.models import Registration
from app.registrations.operations import change_status

MEETING = "https://zoom.example/j/81234567890?pwd=Wps2025Passcode"
SECRETS = ("zoom.example", "Wps2025Passcode", "/join/")


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="hybrid@example.org"), slug="hybrid-2030", mode="hybrid",
                       start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))


def add_session(course, db, title="Panel: NAPs in ASEAN", online_url=MEETING, minutes_from_now=None):
    """A session of the course; ``minutes_from_now``: moved to start that long from now
    (negative: under way), for its join window."""
    created = save_session(course, None, SessionDetails(
        day=date(2030, 4, 10), start=time(9), end=time(10, 30), title=MultilingualText(en=title),
        kind="panel", room="Ballroom A", online_url=online_url))
    if minutes_from_now is not None:
        created.starts_at = utcnow() + timedelta(minutes=minutes_from_now)
        created.ends_at = created.starts_at + timedelta(minutes=90)
    db.session.commit()
    return created


def form_data(**overrides):
    data = {"full_name": "NGUYEN THI HA", "family_name": "Nguyen", "given_names": "Thi Ha",
            "name_order": "family_first", "sex": "female", "age_group": "35-44", "country": "VN",
            "organisation_type": "cso", "organisation": "Viet Nam Women's Union", "email": "ha@example.vn",
            "language": "en", "certificate_language": "", "confirm_name": "y", "consent": "y",
            "submission_key": "hybrid-1"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Registration: in person or online

def test_a_hybrid_course_asks_in_person_or_online(client, course, db):
    page = client.get("/courses/hybrid-2030/register").get_data(as_text=True)
    assert re.search(r'<input id="attendance_mode-\d" name="attendance_mode" required type="radio" value="online">',
                     page)
    response = client.post("/courses/hybrid-2030/register", data=form_data())
    assert response.status_code == 400 and count(Registration) == 0  # required on a hybrid course
    assert 'id="attendance_mode-error"' in response.get_data(as_text=True)
    assert client.post("/courses/hybrid-2030/register", data=form_data(attendance_mode="online")).status_code == 302
    assert db.session.scalar(sa.select(Registration.attendance_mode)) == "online"


@pytest.mark.parametrize("mode,expected", [("in_person", "in_person"), ("online", "online")])
def test_other_courses_do_not_ask_and_follow_the_course(client, make_course, db, mode, expected):
    make_course(slug="single-2030", mode=mode, start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    assert "attendance_mode" not in client.get("/courses/single-2030/register").get_data(as_text=True)
    response = client.post("/courses/single-2030/register", data=form_data(attendance_mode="online"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.attendance_mode)) == expected


def test_the_trainer_sees_and_changes_how_someone_takes_part(client, course, db, login, make_registration):
    person = make_registration(course, attendance_mode="online")
    login(course.trainers[0])
    base = f"/manage/courses/hybrid-2030/registrations/{person.id}"
    assert "Online" in client.get(base).get_data(as_text=True).split("Taking part", 1)[1][:80]
    listing = client.get("/manage/courses/hybrid-2030/registrations/").get_data(as_text=True)
    assert '<span class="badge">Online</span>' in listing
    export = client.get("/manage/courses/hybrid-2030/registrations/export.csv").data.decode("utf-8-sig")
    header, row = export.splitlines()[:2]
    assert "Taking part" in header.split(",") and "online" in row.split(",")
    edit = client.get(f"{base}/edit").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="online">', edit)
    data = form_data(full_name="Nguyen Thi Ha", email=person.email, attendance_mode="in_person",
                     language="en", certificate_language="vi")
    assert client.post(f"{base}/edit", data=data).status_code == 302
    db.session.refresh(person)
    assert person.attendance_mode == "in_person"


# Meeting links: approved participants and staff only

def test_meeting_links_never_reach_public_pages(client, course, db, tmp_path):
    add_session(course, db)
    public = [client.get(url) for url in ("/courses/hybrid-2030/", "/courses/hybrid-2030/agenda",
                                          "/courses/hybrid-2030/agenda.ics")]
    assert [response.status_code for response in public] == [200, 200, 200]
    assert "Panel: NAPs in ASEAN" in public[1].get_data(as_text=True)
    pdf = client.get("/courses/hybrid-2030/agenda.pdf").data
    text = pdf_text(pdf, tmp_path)
    assert "Panel: NAPs in ASEAN" in text
    for secret in SECRETS:
        assert all(secret not in response.get_data(as_text=True) for response in public), secret
        assert secret not in text and secret.encode() not in pdf, secret


def test_approved_participants_get_their_join_links_and_pending_ones_do_not(client, course, db, tmp_path,
                                                                           make_registration):
    panel = add_session(course, db)
    approved = make_registration(course, email="ha@example.vn", attendance_mode="online")
    pending = make_registration(course, email="somchai@example.org", full_name="Somchai Jaidee",
                                certificate_name="Somchai Jaidee", status="pending")
    join = f"/p/{approved.token}/join/{panel.uid}"
    absolute = f"http://127.0.0.1:5000{join}"

    page = client.get(f"/p/{approved.token}/").get_data(as_text=True)
    assert f'href="{join}"' in page and MEETING not in page
    assert f'href="/p/{approved.token}/agenda.pdf"' in page
    feed = Calendar.from_ical(client.get(f"/p/{approved.token}/agenda.ics").data)
    [event] = feed.walk("VEVENT")
    assert str(event["URL"]) == absolute and absolute in str(event["DESCRIPTION"])
    text = "".join(pdf_text(client.get(f"/p/{approved.token}/agenda.pdf").data, tmp_path).split())
    assert absolute in text and "zoom.example" not in text  # the join link, so attendance counts

    pending_pages = [client.get(f"/p/{pending.token}/"), client.get(f"/p/{pending.token}/agenda.ics")]
    pending_pdf = pdf_text(client.get(f"/p/{pending.token}/agenda.pdf").data, tmp_path)
    assert "Panel: NAPs in ASEAN" in pending_pdf
    for secret in SECRETS:
        assert all(secret not in response.get_data(as_text=True) for response in pending_pages), secret
        assert secret not in pending_pdf
    assert client.get(f"/p/{pending.token}/join/{panel.uid}").status_code == 403
    assert client.post(f"/p/{pending.token}/join/{panel.uid}").status_code == 403


def test_staff_see_the_meeting_link_itself(client, course, db, login):
    add_session(course, db)
    login(course.trainers[0])
    assert f'href="{MEETING.replace("&", "&amp;")}"' in client.get("/manage/courses/hybrid-2030/agenda/").get_data(
        as_text=True)


def test_the_approval_email_carries_the_join_links(client, course, db, make_registration):
    panel = add_session(course, db)
    person = make_registration(course, status="pending")
    change_status(person, "approved")
    db.session.commit()
    [message] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert f"http://127.0.0.1:5000/p/{person.token}/join/{panel.uid}" in message.body
    assert "zoom.example" not in message.body
    change_status(person, "waitlisted")
    db.session.commit()
    waiting = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert "/join/" not in waiting.body


# The join link

def join(client, person, session):
    return client.post(f"/p/{person.token}/join/{session.uid}")


def test_the_join_link_counts_during_the_session_once(client, course, db, make_registration):
    panel = add_session(course, db, minutes_from_now=-20)
    person = make_registration(course)
    page = client.get(f"/p/{person.token}/join/{panel.uid}")
    assert page.status_code == 200 and 'data-auto="1"' in page.get_data(as_text=True)
    assert count(Attendance) == 0  # reading the link records nothing
    for _ in range(2):
        response = join(client, person, panel)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="join-open"' in page  # recorded, says so
        assert f'href="{escape(MEETING)}" id="meeting-link"' in page  # opened by navigation
    record = db.session.scalar(sa.select(Attendance))
    assert (record.registration_id, record.present, record.method) == (person.id, True, "link")
    assert count(Attendance) == 1 and count(AttendanceChange) == 1


@pytest.mark.parametrize("minutes_from_now,counted", [(10, True), (30, False), (-100, False)])
def test_the_join_window_opens_15_minutes_early_and_closes_at_the_end(client, course, db, make_registration,
                                                                    minutes_from_now, counted):
    panel = add_session(course, db, minutes_from_now=minutes_from_now)
    person = make_registration(course)
    page = client.get(f"/p/{person.token}/join/{panel.uid}").get_data(as_text=True)
    assert ('id="join-outside"' in page) is not counted and ('data-auto="1"' in page) is counted
    response = join(client, person, panel)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'href="{escape(MEETING)}"' in page  # always opens
    assert ('id="join-outside"' in page) is not counted
    assert count(Attendance) == (1 if counted else 0)


def test_the_join_link_never_overrides_a_trainers_absent(client, course, db, make_registration, make_user):
    panel = add_session(course, db, minutes_from_now=-5)
    person = make_registration(course)
    operations.mark(panel, person, present=False, method="trainer", by=course.trainers[0], reason="Left early")
    db.session.commit()
    assert join(client, person, panel).status_code == 200
    record = db.session.scalar(sa.select(Attendance))
    assert (record.present, record.method) == (False, "trainer") and count(AttendanceChange) == 1


def test_join_links_of_other_sessions_and_courses_are_404(client, course, db, make_course, make_registration):
    in_person = add_session(course, db, title="Lunch talk", online_url="")
    other = make_course(slug="other-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    foreign = add_session(other, db)
    person = make_registration(course)
    for session in (in_person, foreign):
        assert client.get(f"/p/{person.token}/join/{session.uid}").status_code == 404
    assert client.get(f"/p/not-a-token/join/{foreign.uid}").status_code == 404


# The grid says how each presence was recorded

def test_the_grid_labels_how_each_presence_was_recorded(client, course, db, login, make_registration):
    panel = add_session(course, db)
    labels = {"trainer": "Trainer", "qr": "QR code", "sheet": "Sign-in sheet", "link": "Join link",
              "report": "Meeting report"}
    people = {method: make_registration(course, email=f"{method}@example.org", full_name=method.title(),
                                        certificate_name=f"Person {method}") for method in labels}
    for method, person in people.items():
        operations.mark(panel, person, method=method)
    db.session.commit()
    login(course.trainers[0])
    page = client.get("/manage/courses/hybrid-2030/attendance").get_data(as_text=True)
    for method, label in labels.items():
        row = page.split(f"Person {method}", 1)[1].split("</tr>", 1)[0]
        assert f'data-method="{method}"' in row and f'<span class="how" aria-hidden="true">{label}</span>' in row
        assert f"Present — {label}\"" in row  # what a screen reader hears: the words it sees


# Marking a session that has not started

def test_marking_before_the_start_needs_the_trainers_confirmation(client, course, db, login, make_registration):
    panel = add_session(course, db)  # 10 April 2030: not started
    person = make_registration(course)
    login(course.trainers[0])
    base = f"/manage/courses/hybrid-2030/sessions/{panel.id}"
    listing = client.get(f"{base}/checkin").get_data(as_text=True)
    assert "This session has not started yet. Mark anyway?" in listing and "disabled" in listing
    assert 'name="confirm_early"' in client.get(f"{base}/checkin?early=1").get_data(as_text=True)

    refused = client.post(f"{base}/attendance", json={"registration_id": person.id, "key": "k1"})
    assert refused.status_code == 400 and "has not started yet" in refused.get_json()["error"]
    response = client.post(f"{base}/attendance", data={"registration_id": person.id}, follow_redirects=True)
    assert "has not started yet, so nothing was recorded" in response.get_data(as_text=True)
    response = client.post(f"{base}/sheet", data={"ids": f"P-{person.id:04d}"})
    assert response.status_code == 400 and "has not started yet" in response.get_data(as_text=True)
    response = client.post(f"{base}/attendance/{person.id}", data={"present": "no", "reason": "Ill"})
    assert response.status_code == 400 and "has not started yet" in response.get_data(as_text=True)
    assert count(Attendance) == 0 and count(AttendanceChange) == 0

    confirmed = client.post(f"{base}/attendance",
                            json={"registration_id": person.id, "key": "k2", "confirm_early": 1})
    assert confirmed.get_json()["ok"] is True
    client.post(f"{base}/attendance/{person.id}", data={"present": "no", "reason": "Ill", "confirm_early": "y"})
    client.post(f"{base}/sheet", data={"ids": f"P-{person.id:04d}", "confirm_early": "y"})
    changes = db.session.scalars(sa.select(AttendanceChange).order_by(AttendanceChange.id)).all()
    assert [(c.method, c.present, c.before_start) for c in changes] == [
        ("trainer", True, True), ("trainer", False, True), ("sheet", True, True)]


def test_a_started_session_is_marked_without_asking(client, course, db, login, make_registration):
    panel = add_session(course, db, minutes_from_now=-1)
    person = make_registration(course)
    login(course.trainers[0])
    page = client.get(f"/manage/courses/hybrid-2030/sessions/{panel.id}/checkin").get_data(as_text=True)
    assert "Mark anyway" not in page
    response = client.post(f"/manage/courses/hybrid-2030/sessions/{panel.id}/attendance",
                           json={"registration_id": person.id, "key": "k"})
    assert response.get_json()["ok"] is True
    assert db.session.scalar(sa.select(AttendanceChange.before_start)) is False


def test_participants_cannot_check_in_by_qr_before_the_start(app, client, course, db, make_registration):
    panel = add_session(course, db, minutes_from_now=10)
    person = make_registration(course)
    client.get(f"/p/{person.token}/")  # this phone knows the personal link
    with app.test_request_context(method="POST"):
        url = f"/checkin/{panel.id}/{checkin.code(panel.id)}"
    response = client.post(url)
    assert response.status_code == 409 and "has not started yet" in response.get_data(as_text=True)
    assert count(Attendance) == 0
    panel.starts_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "you are checked in" in client.post(url).get_data(as_text=True)
