"""The agenda: sessions in the venue's zone, parallel tracks, bad input; attendance and its rate."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from helpers import count

from app.agenda import checkin, operations
from app.extensions import db
from app.agenda.models import AgendaSession, Attendance, AttendanceChange, Speaker
from app.agenda.operations import SessionDetails
from app.database import utcnow
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import Person, change_status, register


@pytest.fixture
def course(make_course, make_user):
    trainer = make_user(email="lead@example.org")
    return make_course(trainer=trainer, slug="agenda-2030", start_date=date(2030, 4, 9),
                       end_date=date(2030, 4, 11), timezone="Asia/Jakarta", requires_approval=False)


def session(course, day=1, start=(9, 0), end=(10, 30), room="Main hall", title="Opening", kind="plenary"):
    created = operations.save_session(course, None, SessionDetails(
        day=date(2030, 4, 8 + day), start=time(*start), end=time(*end),
        title=MultilingualText(en=title, vi=f"{title} (vi)"), room=room, kind=kind))
    db.session.commit()
    return created


def under_way(created):
    """The session started ten minutes ago: marking it needs no "mark anyway"."""
    created.starts_at, created.ends_at = utcnow() - timedelta(minutes=10), utcnow() + timedelta(minutes=80)
    db.session.commit()
    return created


def participant(course, email):
    created = register(course, Person(full_name=email.split("@")[0].title(), sex="female", age_group="35-44",
                                   country="VN", organisation_type="cso", organisation="VWU", email=email),
                       notify=False)
    db.session.commit()
    return created


def form(**overrides):
    data = {"day": "2030-04-09", "start": "09:00", "end": "10:30", "title-en": "Opening",
            "kind": "plenary", "room": "Main hall", "leads-0-speaker": "0", "leads-0-role": "speaker"}
    data.update(overrides)
    return data


def test_times_are_stored_in_utc_and_shown_at_the_venue(client, course, db):
    first = session(course)
    db.session.commit()
    assert first.starts_at == datetime(2030, 4, 9, 2, 0, tzinfo=timezone.utc)
    page = client.get("/courses/agenda-2030/agenda").get_data(as_text=True)
    assert "09:00–10:30" in page and "Asia/Jakarta" in page
    page = client.get("/courses/agenda-2030/agenda?tz=Europe/London").get_data(as_text=True)
    assert "03:00–04:30" in page  # London is on summer time in April


def test_parallel_sessions_share_a_slot(course, db):
    session(course, start=(13, 0), end=(14, 30), room="Room A", title="Indicator clinic")
    session(course, start=(13, 0), end=(14, 30), room="Room B", title="Budgeting")
    session(course, start=(14, 45), end=(16, 0), room="Room A", title="Data")
    db.session.commit()
    (day,) = operations.days(course)
    assert [[str(s.title) for s in slot] for slot in day["slots"]] == [["Indicator clinic", "Budgeting"], ["Data"]]


def test_trainer_adds_a_session_with_a_facilitator(client, course, login, db):
    expert = Speaker(course_id=course.id, name="Dr Helena Marques", title="WPS expert")
    db.session.add(expert)
    db.session.commit()
    login(course.trainers[0])
    assert client.get("/manage/courses/agenda-2030/agenda/new").status_code == 200
    response = client.post("/manage/courses/agenda-2030/agenda/new", data=form(**{
        "leads-0-speaker": str(expert.id), "leads-0-role": "facilitator", "title-vi": "Khai mạc"}))
    assert response.status_code == 302
    created = db.session.scalar(sa.select(AgendaSession))
    assert created.leads[0].speaker.name == "Dr Helena Marques" and created.leads[0].role == "facilitator"
    page = client.get("/courses/agenda-2030/agenda?lang=vi").get_data(as_text=True)
    assert "Khai mạc" in page and "Dr Helena Marques" in page


@pytest.mark.parametrize("overrides,field,message", [
    ({"end": "08:30"}, "end", "The session must end after it starts."),
    ({"day": "2030-04-20"}, "day", "Not a valid choice"),
    ({"start": "9 o'clock"}, "start", "Not a valid time value"),
    ({"start": "25:00"}, "start", "Not a valid time value"),
    ({"room": "Main hall", "start": "10:00", "end": "11:00"}, "room", "is already booked then"),
])
def test_bad_sessions_are_refused_next_to_the_field(client, course, login, overrides, field, message):
    session(course)
    login(course.trainers[0])
    response = client.post("/manage/courses/agenda-2030/agenda/new", data=form(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert count(AgendaSession) == 1


def test_sessions_move_by_quarter_hours_and_keep_their_uid(client, course, login, db):
    first = session(course)
    db.session.commit()
    uid = first.uid
    login(course.trainers[0])
    client.post(f"/manage/courses/agenda-2030/agenda/{first.id}/move", data={"direction": "later"})
    db.session.refresh(first)
    assert first.starts_at == datetime(2030, 4, 9, 2, 15, tzinfo=timezone.utc)
    assert first.uid == uid and first.sequence == 1


def test_check_in_by_a_trainer_is_idempotent_and_recorded(client, course, login, db):
    first = under_way(session(course))
    person = participant(course, "ha@example.org")
    db.session.commit()
    login(course.trainers[0])
    url = f"/manage/courses/agenda-2030/sessions/{first.id}/attendance"
    for _ in range(2):  # a tap sent twice after the connection came back
        response = client.post(url, json={"registration_id": person.id, "present": 1, "key": "tap-1"})
        assert response.get_json() == {"ok": True, "registration_id": person.id, "present": True}
    assert count(Attendance) == 1 and count(AttendanceChange) == 1
    record = db.session.scalar(sa.select(Attendance))
    assert record.marked_by_id == course.trainers[0].id and record.method == "trainer"
    assert client.post(url, json={"registration_id": 999999, "key": "tap-2"}).status_code == 400
    # Without JavaScript, the same button is a form.
    response = client.post(url, data={"registration_id": str(person.id), "present": "0"})
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.present is False


def test_qr_self_check_in_needs_a_fresh_code_and_a_registered_link(app, client, course, db, make_course):
    first = under_way(session(course))
    person = participant(course, "ha@example.org")
    other_course = make_course(slug="other-2030", start_date=date(2030, 5, 1), end_date=date(2030, 5, 2),
                               requires_approval=False)
    stranger = participant(other_course, "x@example.org")
    db.session.commit()
    with app.test_request_context(method="POST"):
        fresh = checkin.code(first.id)
        stale = checkin.code(first.id, checkin.window() - 2)
    url = f"/checkin/{first.id}/{fresh}"
    assert client.get(url).status_code == 403  # this phone has no personal link yet
    client.get(f"/p/{stranger.token}/")  # a link for another course
    assert client.post(url).status_code == 403
    client.get(f"/p/{person.token}/")
    assert client.post(f"/checkin/{first.id}/{stale}").status_code == 410
    assert client.post(f"/checkin/{first.id}/forged{fresh[6:]}").status_code == 410
    assert count(Attendance) == 0
    assert "you are checked in" in client.post(url).get_data(as_text=True)
    record = db.session.scalar(sa.select(Attendance))
    assert (record.registration_id, record.method) == (person.id, "qr")


def test_codes_rotate_and_expire_within_a_minute(app):
    with app.test_request_context(method="POST"):
        now = 1_900_000_000.0
        code = checkin.code(5, checkin.window(now))
        assert checkin.is_valid(5, code, now)
        assert checkin.is_valid(5, code, now + checkin.ROTATION_SECONDS)
        assert not checkin.is_valid(5, code, now + 2 * checkin.ROTATION_SECONDS)
        assert not checkin.is_valid(6, code, now)


def test_a_paper_sheet_is_keyed_in_by_ids(client, course, login, db):
    first = under_way(session(course))
    a, b = participant(course, "a@example.org"), participant(course, "b@example.org")
    db.session.commit()
    login(course.trainers[0])
    url = f"/manage/courses/agenda-2030/sessions/{first.id}/sheet"
    response = client.post(url, data={"ids": f"P-{a.id:04d}, 99999"})
    assert response.status_code == 400 and "P-99999" in response.get_data(as_text=True)
    assert count(Attendance) == 0
    client.post(url, data={"ids": f"P-{a.id:04d}\n{b.id}"})
    assert count(Attendance) == 2


def test_attendance_rate_counts_hours_and_parallel_tracks_once(client, course, login, db):
    morning = session(course, start=(9, 0), end=(12, 0))  # 3 hours
    session(course, start=(12, 0), end=(13, 0), room="", title="Lunch", kind="break")
    track_a = session(course, start=(13, 0), end=(14, 0), room="Room A", title="A")
    session(course, start=(13, 0), end=(14, 0), room="Room B", title="B")
    a, b = participant(course, "a@example.org"), participant(course, "b@example.org")
    operations.mark(morning, a, method="trainer")
    operations.mark(track_a, a, method="trainer")
    operations.mark(morning, b, method="trainer")
    db.session.commit()
    assert operations.rates(course) == {a.id: 100.0, b.id: 75.0}
    assert operations.eligible(course) == {a.id: True, b.id: False}
    course.attendance_basis = "sessions"
    assert operations.rates(course)[b.id] == 50.0
    login(course.trainers[0])
    page = client.get("/manage/courses/agenda-2030/attendance").get_data(as_text=True)
    assert page.count('class="present"') == 3 and "below" in page
    cell = page.split(f'href="/manage/courses/agenda-2030/sessions/{track_a.id}/attendance/{b.id}"', 1)
    assert len(cell) == 2 and 'aria-label="' in cell[1].split(">", 1)[0]  # b's cell of track A
    assert f'{b.certificate_name}, A: Absent"' in cell[1].split(">", 1)[0]


def test_corrections_need_a_reason_and_are_kept(client, course, login, db):
    first = under_way(session(course))
    person = participant(course, "a@example.org")
    operations.mark(first, person, method="qr")
    db.session.commit()
    login(course.trainers[0])
    url = f"/manage/courses/agenda-2030/sessions/{first.id}/attendance/{person.id}"
    assert client.post(url, data={"present": "no"}).status_code == 400
    client.post(url, data={"present": "no", "reason": "Left after ten minutes"})
    changes = db.session.scalars(sa.select(AttendanceChange).order_by(AttendanceChange.id)).all()
    assert [(c.present, c.reason) for c in changes] == [(True, ""), (False, "Left after ten minutes")]


def test_the_personal_page_shows_the_agenda(client, course, db):
    session(course, title="Opening")
    person = participant(course, "a@example.org")
    db.session.commit()
    assert "Opening" in client.get(f"/p/{person.token}/").get_data(as_text=True)


def test_only_approved_participants_are_on_the_check_in_list(client, course, login, db):
    first = session(course)
    a, b = participant(course, "a@example.org"), participant(course, "b@example.org")
    change_status(b, "cancelled", notify=False)
    db.session.commit()
    login(course.trainers[0])
    page = client.get(f"/manage/courses/agenda-2030/sessions/{first.id}/checkin").get_data(as_text=True)
    assert f'id="r{a.id}"' in page and f'id="r{b.id}"' not in page
