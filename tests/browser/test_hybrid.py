"""A participant of a hybrid workshop registers to take part online, is approved, follows their
own join link during the session, and the trainer's grid shows the presence as "Join link"."""
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from helpers import ARTIFACTS, PHONE

from app.agenda.models import Attendance
from app.agenda.operations import SessionDetails, save_session
from app.database import utcnow
from app.extensions import db
from app.i18n.multilingual import MultilingualText
from app.registrations.models import Registration

class MeetingPage(BaseHTTPRequestHandler):
    """The meeting platform: another site, which sends the join link on to a third address (as
    Zoom sends to a regional server), where the meeting page is."""

    def do_GET(self):
        if self.headers["Host"].startswith("localhost"):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<!doctype html><title>Zoom meeting</title><p>In the meeting</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def meeting():
    """A meeting link on another origin (a redirect to it must not be blocked)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), MeetingPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}/j/81234567890?pwd=Wps2025Passcode"
    server.shutdown()
    thread.join()


def test_an_online_participant_joins_through_their_own_link(live_server, new_page, staff_page, make_user,
                                                            make_course, meeting):
    trainer = make_user(email="hybrid-trainer@example.org")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the venue's day
    course = make_course(trainer=trainer, slug="hanoi-hybrid", mode="hybrid", start_date=today,
                         end_date=today + timedelta(days=1), country="VN", timezone="Asia/Ho_Chi_Minh",
                         city={"en": "Hanoi"})
    panel = save_session(course, None, SessionDetails(
        day=today, start=time(9), end=time(10, 30), title=MultilingualText(en="Panel: the national action plan"),
        kind="panel", room="Hall 1", online_url=meeting))
    panel.starts_at, panel.ends_at = utcnow() - timedelta(minutes=5), utcnow() + timedelta(minutes=85)
    db.session.commit()

    phone = new_page(**PHONE)
    phone.goto(f"{live_server}/courses/hanoi-hybrid/register")
    assert "81234567890" not in phone.content()
    phone.fill("#full_name", "NGUYEN THI HA")
    phone.check("#name_order-1")  # family name first
    phone.fill("#family_name", "Nguyen")
    phone.fill("#given_names", "Thi Ha")
    phone.check("#sex-0")
    phone.select_option("#age_group", "35-44")
    phone.select_option("#country", "VN")
    phone.select_option("#organisation_type", "cso")
    phone.fill("#organisation", "Viet Nam Women's Union")
    phone.fill("#email", "ha.online@example.vn")
    phone.get_by_label("Online").check()
    phone.check("#confirm_name")
    phone.check("#consent")
    phone.click("button.primary")
    phone.wait_for_url(f"{live_server}/p/**")
    personal_url = phone.url.split("?")[0]
    assert phone.locator("a.join").count() == 0  # pending: no meeting link yet

    registration = db.session.scalar(sa.select(Registration).where(Registration.email == "ha.online@example.vn"))
    assert registration.attendance_mode == "online" and registration.status == "pending"

    desk = staff_page(trainer)
    desk.goto(f"{live_server}/manage/courses/hanoi-hybrid/registrations/{registration.id}")
    assert "Online" in desk.inner_text("dl.facts")
    desk.select_option("#status", "approved")
    desk.click("button.primary")
    assert "The status is changed" in desk.inner_text(".flashes")

    phone.goto(personal_url)
    join = phone.locator("a.join")
    assert join.get_attribute("href") == f"/p/{registration.token}/join/{panel.uid}"
    assert "81234567890" not in phone.content()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "hybrid-personal-page.png", full_page=True)
    join.click()  # the page sends itself and opens the meeting, which redirects on
    phone.wait_for_url(meeting.replace("localhost", "127.0.0.1"))
    assert "In the meeting" in phone.inner_text("body")

    db.session.commit()  # end the test's read snapshot: see what the requests wrote
    record = db.session.scalar(sa.select(Attendance))
    assert (record.registration_id, record.method, record.present) == (registration.id, "link", True)
    desk.goto(f"{live_server}/manage/courses/hanoi-hybrid/attendance")
    cell = desk.locator("tr", has_text="Nguyen Thi Ha").locator("td.present")
    assert cell.count() == 1 and cell.get_attribute("data-method") == "link"
    assert "Join link" in cell.inner_text()
    desk.screenshot(path=ARTIFACTS / "hybrid-attendance-grid.png", full_page=True)
