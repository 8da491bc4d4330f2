"""Email: written in the recipient's language, sent over real SMTP only after commit, from the
job queue (never inside the request), else kept."""
import socket
import time

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from helpers import count
from mail_support import Inbox, free_port

from app import jobs
from app.extensions import db as _db
from app.mail.models import OutboxMessage
from app.mail.operations import send_email

LINK = "http://lokakarya.test/p/secret-token/"


def delivered() -> None:
    """Wait for the delivery jobs, then end this test's snapshot to read what they recorded."""
    assert jobs.wait_local(30)
    _db.session.commit()


@pytest.fixture
def dead_smtp(app, monkeypatch):
    """A mail server address where nothing listens (the port is held, never opened)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", held.getsockname()[1])
        yield
        assert jobs.wait_local(30)


@pytest.fixture
def no_smtp(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)


def write(app, registration, template="registration_status", language=None, **context):
    """Send an email about ``registration`` the way the registration feature does."""
    if template == "registration_status":
        context.setdefault("reason", "")
    with app.test_request_context(method="POST"):
        return send_email(registration.email, language or registration.language, template,
                          course=registration.course, registration=registration, link=LINK,
                          **context)


def test_an_email_goes_out_in_the_recipients_language_only_after_commit(
        app, db, smtp, make_course, make_registration):
    registration = make_registration(make_course(), language="vi")
    message = write(app, registration, "registration_received")
    assert smtp.messages == []  # written, not sent: the transaction may still roll back
    assert message.language == "vi" and message.sent_at is None
    assert "Địa phương hóa RPA WPS" in message.subject and LINK in message.body

    db.session.commit()
    delivered()
    [(recipients, received)] = smtp.messages
    assert recipients == ["ha@example.vn"]
    assert received["To"] == "ha@example.vn"
    assert received["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert received["Subject"] == message.subject
    assert "Địa phương hóa RPA WPS" in received["Subject"]  # diacritics intact through RFC 2047
    assert received["Content-Language"] == "vi"
    body = received.get_content().replace("\r\n", "\n")  # SMTP line ends
    assert body == message.body
    assert LINK in body and "Chị Hà" in body and "Địa phương hóa RPA WPS" in body
    assert message.sent_at is not None and message.error == ""


def test_nothing_is_sent_for_a_rolled_back_transaction(
        app, db, smtp, make_course, make_registration):
    registration = make_registration(make_course())
    write(app, registration, reason="first")
    db.session.rollback()
    assert count(OutboxMessage) == 0

    write(app, registration, reason="second")
    db.session.commit()
    delivered()
    assert len(smtp.messages) == 1
    assert "second" in smtp.messages[0][1].get_content()


def test_an_unreachable_server_is_recorded_and_retried_later(
        app, db, dead_smtp, make_course, make_registration, monkeypatch, runner):
    registration = make_registration(make_course())
    message = write(app, registration)
    db.session.commit()  # does not raise
    delivered()
    assert message.sent_at is None
    assert "127.0.0.1" in message.error and "Connection" in message.error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        result = runner.invoke(args=["mail", "retry"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s); 0 still unsent." in result.output
    assert len(inbox.messages) == 1
    db.session.commit()  # end this test's read snapshot to see what the command recorded
    assert message.sent_at is not None and message.error == ""


def test_a_trainer_retries_from_the_outbox_and_the_request_survives_a_dead_server(
        app, client, db, dead_smtp, make_user, make_course, make_registration, login):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="retry-2025")
    write(app, make_registration(course))
    db.session.commit()
    delivered()
    login(trainer)
    page = client.get("/manage/courses/retry-2025/outbox").get_data(as_text=True)
    assert "Send the unsent message again" in page and "Not sent" in page

    response = client.post("/manage/courses/retry-2025/outbox/send", follow_redirects=True)
    assert response.status_code == 200
    assert "being sent again" in response.get_data(as_text=True)
    delivered()
    assert db.session.scalar(sa.select(OutboxMessage.error)) != ""
    assert "Not sent" in client.get("/manage/courses/retry-2025/outbox").get_data(as_text=True)


def test_a_slow_mail_server_does_not_hold_the_commit_and_the_outbox_keeps_the_outcome(
        app, db, make_course, make_registration, monkeypatch):
    """Measured: mail went out inside the request, up to 10 s per SMTP step."""
    inbox = Inbox(delay=3)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        message = write(app, make_registration(make_course()))
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 1.5  # the server takes 3 s to answer
        assert inbox.messages == [] and db.session.get(OutboxMessage, message.id).sent_at is None
        delivered()
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_with_redis_down_mail_still_goes_out_from_the_app(
        app, db, smtp, make_course, make_registration, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    message = write(app, make_registration(make_course()))
    db.session.commit()
    delivered()
    assert len(smtp.messages) == 1 and message.sent_at is not None


def test_without_a_mail_server_the_outbox_shows_messages_to_the_courses_trainers_only(
        app, client, db, no_smtp, make_user, make_course, make_registration, login):
    trainer, other = make_user(), make_user()
    course = make_course(trainer=trainer, slug="outbox-2025")
    message = write(app, make_registration(course), reason="Seats are reserved for ministries.")
    db.session.commit()
    assert message.sent_at is None and message.error == ""  # kept, not dropped, no error

    assert client.get("/manage/courses/outbox-2025/outbox").status_code == 302  # sign in first
    login(trainer)
    page = client.get("/manage/courses/outbox-2025/outbox").get_data(as_text=True)
    assert "ha@example.vn" in page and message.subject in page
    assert "<details>" in page and "Seats are reserved for ministries." in page
    assert "Kept in the outbox" in page and "csrf_token" in page  # the sign-out form only
    assert "/outbox/send" not in page  # nothing to retry without a server
    assert client.post("/manage/courses/outbox-2025/outbox/send").status_code == 302

    client.post("/logout")
    login(other)
    assert client.get("/manage/courses/outbox-2025/outbox").status_code == 403
    assert client.post("/manage/courses/outbox-2025/outbox/send").status_code == 403


def test_names_reach_the_text_as_typed_and_the_page_escaped(
        app, client, db, no_smtp, make_user, make_course, make_registration, login):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="names-2025", title={"en": "Đ&T <WPS> \"RPA\""})
    registration = make_registration(course, address_as="Ms O'Brien & Co", language="en")
    message = write(app, registration, "registration_received")
    db.session.commit()
    assert "Dear Ms O'Brien & Co," in message.body
    assert "Đ&T <WPS> \"RPA\"" in message.subject and "Đ&T <WPS> \"RPA\"" in message.body
    assert not any(entity in message.body for entity in ("&amp;", "&#39;", "&lt;"))

    login(trainer)
    page = client.get("/manage/courses/names-2025/outbox").get_data(as_text=True)
    assert "Đ&amp;T &lt;WPS&gt;" in page and "<WPS>" not in page


def test_the_greeting_falls_back_to_the_certificate_name(
        app, no_smtp, make_course, make_registration):
    registration = make_registration(make_course(), address_as="",
                                     certificate_name="Dr Somchai Phan")
    assert "Dear Dr Somchai Phan," in write(app, registration, language="en").body


@pytest.mark.parametrize("status, meaning", [
    ("pending", "The trainers will review your registration."),
    ("approved", "Your place on the course is confirmed."),
    ("waitlisted", "you are on the waitlist"),
    ("declined", "you do not have a place on this course"),
    ("cancelled", "Your registration is cancelled"),
])
def test_each_status_is_explained_with_the_personal_link(
        app, no_smtp, make_course, make_registration, status, meaning):
    registration = make_registration(make_course(), status=status, language="en")
    for template in ("registration_received", "registration_status"):
        body = write(app, registration, template).body
        assert meaning in body, template
        assert LINK in body and "Please do not share it" in body
        assert "\n\n\n" not in body and "{" not in body


def test_a_promotion_from_the_waitlist_says_a_place_became_free(
        app, no_smtp, make_course, make_registration):
    registration = make_registration(make_course(), status="pending", language="en")
    promoted = write(app, registration, reason="waitlist")
    assert promoted.subject == "A place became free: Localizing the RPA WPS"
    assert "a place became free" in promoted.body and "Note from the trainers" not in promoted.body
    noted = write(app, registration, reason="The course is for ministries only.")
    assert noted.subject == "Localizing the RPA WPS: Pending approval"
    assert "Note from the trainers: The course is for ministries only." in noted.body
