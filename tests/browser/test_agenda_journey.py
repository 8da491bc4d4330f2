"""A trainer adds a parallel session; a participant checks in by scanning; the grid shows it."""
from datetime import date, time, timedelta

from helpers import ARTIFACTS, PHONE

from app.agenda.operations import SessionDetails, save_session
from app.database import utcnow
from app.extensions import db
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import Person, register


def test_parallel_session_qr_check_in_and_the_attendance_grid(live_server, new_page, staff_page,
                                                             make_user, make_course):
    trainer = make_user(email="agenda@example.org")
    course = make_course(trainer=trainer, slug="hanoi-2030", start_date=date(2030, 12, 7),
                         end_date=date(2030, 12, 8), country="VN", timezone="Asia/Ho_Chi_Minh",
                         requires_approval=False)
    save_session(course, None, SessionDetails(day=date(2030, 12, 7), start=time(13, 0), end=time(14, 30),
                                              title=MultilingualText(en="Indicator clinic"), room="Room A",
                                              kind="group_work"))
    participant = register(course, Person(
        full_name="Nguyễn Thị Hà", family_name="Nguyễn", given_names="Thị Hà", name_order="family_first",
        sex="female", age_group="35-44", country="VN", organisation_type="cso", organisation="VWU",
        email="ha@example.org", language="vi"), notify=False)
    db.session.commit()

    desk = staff_page(trainer)
    desk.goto(f"{live_server}/manage/courses/hanoi-2030/agenda/new")
    desk.select_option("#day", "2030-12-07")
    desk.fill("#start", "13:00")
    desk.fill("#end", "14:30")
    desk.fill("#title-en", "Gender-responsive budgeting")
    desk.select_option("#kind", "case_study")
    desk.fill("#room", "Room B")
    desk.click("button.primary")
    desk.wait_for_url(f"{live_server}/manage/courses/hanoi-2030/agenda/")
    # Both sessions share one slot, side by side.
    assert desk.locator(".slot.parallel .session").count() == 2
    parallel = desk.locator(".slot.parallel .session", has_text="Gender-responsive budgeting")
    parallel.get_by_role("link", name="QR code").click()
    qr_target = desk.evaluate("document.querySelector('.qr svg') && location.href")
    assert qr_target
    ARTIFACTS.mkdir(exist_ok=True)
    desk.screenshot(path=ARTIFACTS / "projector-qr.png")
    # The projector page carries the link its QR code encodes; a phone opens it after scanning.
    check_in_url = desk.evaluate(
        "[...document.querySelectorAll('a, [data-target]')].map(e => e.href || e.dataset.target)"
        ".find(u => u && u.includes('/checkin/'))")

    # The class is under way (participants check in once a session has started): both tracks
    # move to now, side by side as before.
    db.session.commit()
    shift = min(s.starts_at for s in course.sessions) - (utcnow() - timedelta(minutes=5))
    for track in course.sessions:
        track.starts_at, track.ends_at = track.starts_at - shift, track.ends_at - shift
    db.session.commit()

    phone = new_page(**PHONE)
    phone.goto(f"{live_server}/p/{participant.token}/")  # the participant opened their link once
    phone.goto(check_in_url)  # in Vietnamese: the language she registered in
    assert phone.get_attribute("html", "lang") == "vi"
    phone.locator("main form button.primary").click()
    phone.locator("main .flash-success").wait_for()
    assert (participant.address_as or participant.certificate_name) in phone.inner_text("main .flash-success")

    desk.goto(f"{live_server}/manage/courses/hanoi-2030/attendance")
    row = desk.locator("tr", has_text="Nguyễn Thị Hà")
    assert row.locator("td.present").count() == 1
    assert "100" in row.locator("td.rate").inner_text()  # parallel sessions count once
    desk.screenshot(path=ARTIFACTS / "attendance-grid.png", full_page=True)


def test_taps_made_offline_are_sent_once_when_the_connection_returns(live_server, staff_page, make_user,
                                                                   make_course):
    import sqlalchemy as sa

    from app.agenda.models import Attendance, AttendanceChange

    trainer = make_user(email="tablet@example.org")
    course = make_course(trainer=trainer, slug="tablet-2030", start_date=date(2030, 12, 7),
                         end_date=date(2030, 12, 8), requires_approval=False)
    session = save_session(course, None, SessionDetails(day=date(2030, 12, 7), start=time(9, 0), end=time(10, 0),
                                                        title=MultilingualText(en="Opening")))
    people = [register(course, Person(full_name=name, sex="female", age_group="25-34", country="ID",
                                      organisation_type="cso", organisation="AMAN", email=f"{name}@example.org"),
                       notify=False) for name in ("Sulastri", "Haryanto")]
    db.session.commit()

    tablet = staff_page(trainer)
    tablet.goto(f"{live_server}/manage/courses/tablet-2030/sessions/{session.id}/checkin")
    tablet.click("text=Mark anyway")  # the session has not started yet
    tablet.fill("#checkin-search", "sulas")
    assert tablet.locator(f"#r{people[1].id}").is_hidden()
    tablet.context.set_offline(True)
    tablet.click(f"#r{people[0].id} button")
    wait_until(lambda: "1" in tablet.inner_text("#sync-state"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(lambda: "1" not in tablet.inner_text("#sync-state"))
    db.session.commit()
    assert db.session.scalar(sa.select(Attendance.registration_id)) == people[0].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceChange)) == 1
    tablet.reload()  # the queue is empty: nothing is sent twice
    tablet.wait_for_timeout(500)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceChange)) == 1


def wait_until(condition, seconds: float = 10) -> None:
    """Poll from Python (the page's CSP forbids Playwright's eval-based waiting)."""
    import time as clock

    deadline = clock.monotonic() + seconds
    while not condition():
        assert clock.monotonic() < deadline, "timed out"
        clock.sleep(0.1)
