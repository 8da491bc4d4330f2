"""The JSON API (/api/v1/): personal tokens, rights, every resource, writes through the pages'
operations, cursor pagination, problem details, and its docs served from the app's own files."""
import base64
import hashlib
import json
import re
from datetime import date, timedelta
from pathlib import Path

import flask_swagger_ui
import pytest
import sqlalchemy as sa

from app.agenda.models import AgendaSession, Attendance, AttendanceChange
from app.api.models import ApiToken
from app.api.operations import create_token
from app.audit.models import AuditEvent
from app.certificates.models import Certificate
from app.database import utcnow
from app.mail.models import OutboxMessage
from app.registrations.models import Registration, RegistrationEvent
from app.reports.report import as_json, course_report
from app.toolkit.models import Worksheet
from helpers import count

PROBLEM = "application/problem+json"
TOKEN = re.compile(r"lk_[A-Za-z0-9_-]{43}")


def secret_for(user, scope: str = "read", days: int | None = None) -> str:
    """A token for ``user``, made as the token page makes one; its secret."""
    from app.extensions import db

    _token, secret = create_token(user, "Tests", scope, days)
    db.session.commit()
    return secret


def call(client, method: str, url: str, secret: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return client.open(url, method=method, headers=headers, **kwargs)


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    """A problem details answer (RFC 9457) with every member this API always sends."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == response.request.path
    assert body["type"] == (f"urn:lokakarya:problem:{kind}" if kind else "about:blank")
    return body


def walk(client, url: str, secret: str, limit: int) -> tuple[list[dict], list[str]]:
    """Every item of a collection, page by page through next_cursor; and the Link headers."""
    items, links, cursor = [], [], None
    while True:
        page_url = f"{url}{'&' if '?' in url else '?'}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = call(client, "GET", page_url, secret)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return items, links
        links.append(response.headers["Link"])
        assert response.headers["Link"].endswith('; rel="next"') and f"cursor={cursor}" in response.headers["Link"]


@pytest.fixture
def course(demo_course):
    return demo_course


@pytest.fixture
def trainer(course):
    return course.trainers[0]


@pytest.fixture
def open_course(make_course, trainer):
    """A course of the same team whose registration is open (it starts in a month)."""
    start = date.today() + timedelta(days=30)
    return make_course(trainer=trainer, slug="api-open", start_date=start, end_date=start + timedelta(days=2))


# Tokens

def test_a_token_is_made_on_the_account_page_shown_once_stored_hashed_and_revoked(
        client, db, login, trainer):
    login(trainer)
    page = client.get("/manage/account/tokens")
    assert page.status_code == 200 and "/manage/account/tokens" in client.get("/manage/courses/").get_data(as_text=True)
    response = client.post("/manage/account/tokens", data={"name": "Ministry system", "scope": "write",
                                                           "expires": "30"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secrets_shown = TOKEN.findall(response.get_data(as_text=True))
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:11] and token.scope == "write" and token.user_id == trainer.id
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    stored = [str(value) for value in db.session.execute(sa.select(ApiToken.__table__)).one()]
    assert secret not in stored
    again = client.get("/manage/account/tokens").get_data(as_text=True)
    assert secret not in again and token.prefix in again and "Ministry system" in again
    assert call(client, "GET", "/api/v1/courses", secret).status_code == 200

    assert client.post("/manage/account/tokens", data={"revoke": str(token.id)}).status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    body = assert_problem(call(client, "GET", "/api/v1/courses", secret), 401, "invalid-token")
    assert "revoked" in body["detail"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.startswith("api_token"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.target_type, e.target_id, e.channel) for e in events] == [
        ("api_token.create", trainer.id, "api_token", token.id, "web"),
        ("api_token.revoke", trainer.id, "api_token", token.id, "web")]
    assert secret not in json.dumps([e.details for e in events])


def test_the_token_form_refuses_an_empty_name_and_nobody_revokes_anothers_token(
        client, db, login, make_user, trainer):
    login(trainer)
    response = client.post("/manage/account/tokens", data={"name": "\u200b ", "scope": "read",
                                                           "expires": "never"})
    assert response.status_code == 400 and count(ApiToken) == 0
    theirs = create_token(make_user(), "Theirs", "read", None)[0]
    db.session.commit()
    assert client.post("/manage/account/tokens", data={"revoke": str(theirs.id)}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_requests_without_a_valid_token_get_401_problems(client, db, trainer, make_user):
    expired = secret_for(trainer, days=30)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    inactive_user = make_user()
    inactive = secret_for(inactive_user)
    inactive_user.active = False
    db.session.commit()
    response = call(client, "GET", "/api/v1/courses")
    assert_problem(response, 401, "token-required")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Bearer lk_nonsense", "Basic dXNlcjpwYXNz", f"Token {expired}",
                   "Bearer " + "lk_" + "A" * 43, f"Bearer {expired}", f"Bearer {inactive}"):
        response = call(client, "GET", "/api/v1/courses", headers={"Authorization": header})
        assert response.status_code == 401 and response.mimetype == PROBLEM, header


def test_a_browser_session_never_reaches_the_api_and_the_api_sets_no_cookie(client, login, trainer):
    login(trainer)
    assert client.get("/manage/courses/").status_code == 200  # the session works on the pages
    assert_problem(client.get("/api/v1/courses"), 401, "token-required")
    assert_problem(client.post("/api/v1/courses/jakarta-2025-wps/registrations", json={}), 401,
                   "token-required")
    secret = secret_for(trainer)
    for url in ("/api/v1/courses?lang=vi", "/api/v1/", "/api/v1/nowhere", "/api/v1/docs"):
        response = call(client, "GET", url, secret)
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
    assert client.get("/manage/courses/").status_code == 200  # and the page's session is intact


def test_a_read_token_cannot_write(client, db, trainer, open_course):
    secret = secret_for(trainer, "read")
    before = count(Registration), count(OutboxMessage)
    response = call(client, "POST", f"/api/v1/courses/{open_course.slug}/registrations", secret,
                    json=valid_person())
    assert_problem(response, 403, "read-only-token")
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]
    assert (count(Registration), count(OutboxMessage)) == before


def test_trainers_reach_their_teams_courses_and_admins_every_course(client, db, course, make_user,
                                                                       make_course):
    other = make_user(email="other.trainer@example.org")
    make_course(trainer=other, slug="elsewhere-api")
    theirs = secret_for(other)
    listed = call(client, "GET", "/api/v1/courses", theirs).get_json()
    assert [c["slug"] for c in listed["items"]] == ["elsewhere-api"]
    for path in ("", "/sessions", "/registrations", "/worksheets", "/certificates", "/report"):
        body = assert_problem(call(client, "GET", f"/api/v1/courses/{course.slug}{path}", theirs), 403,
                              "not-on-team")
        assert body["detail"]
    assert_problem(call(client, "GET", "/api/v1/courses/no-such-course", theirs), 404)
    admin = secret_for(make_user(role="admin"))
    slugs = {c["slug"] for c in walk(client, "/api/v1/courses", admin, 50)[0]}
    assert slugs == {"jakarta-2025-wps", "hanoi-action-month-seminar", "elsewhere-api"} or \
        {"jakarta-2025-wps", "elsewhere-api"} <= slugs
    assert call(client, "GET", f"/api/v1/courses/{course.slug}/report", admin).status_code == 200


def test_last_use_is_kept_at_most_once_a_minute_and_reading_changes_nothing_else(
        client, db, trainer, writes):
    secret = secret_for(trainer)
    del writes[:]
    for _ in range(3):
        assert call(client, "GET", "/api/v1/courses", secret).status_code == 200
    assert [w.split()[:2] for w in writes] == [["UPDATE", "api_token"]]
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_at is not None
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    del writes[:]
    assert call(client, "GET", "/api/v1/courses", secret).status_code == 200
    assert len(writes) == 1
    db.session.refresh(token)
    assert utcnow() - token.last_used_at < timedelta(minutes=1)


# Reading

def test_courses_and_their_agenda(client, db, course, trainer):
    secret = secret_for(trainer)
    body = call(client, "GET", f"/api/v1/courses/{course.slug}", secret).get_json()
    assert body["slug"] == course.slug and body["title"] == dict(course.title)
    assert body["start_date"] == course.start_date.isoformat() and body["registration"] == "ended"
    sessions, _links = walk(client, f"/api/v1/courses/{course.slug}/sessions", secret, 4)
    expected = db.session.scalars(sa.select(AgendaSession).where(AgendaSession.course_id == course.id)
                                  .order_by(AgendaSession.starts_at, AgendaSession.id)).all()
    assert [s["id"] for s in sessions] == [s.id for s in expected]
    first = sessions[0]
    assert first["title"] == dict(expected[0].title) and first["starts_at"].endswith("+00:00")
    assert any(s["leads"] for s in sessions)


def test_registrations_are_listed_filtered_and_read(client, db, course, trainer):
    secret = secret_for(trainer)
    url = f"/api/v1/courses/{course.slug}/registrations"
    everyone, _ = walk(client, url, secret, 200)
    assert [r["id"] for r in everyone] == sorted(r.id for r in course.registrations if not r.anonymised_at)
    approved_vn, _ = walk(client, url + "?status=approved&country=VN", secret, 3)
    assert approved_vn and {(r["status"], r["country"]) for r in approved_vn} == {("approved", "VN")}
    assert len(approved_vn) == sum(1 for r in course.registrations
                                   if r.status == "approved" and r.country == "VN")
    one = call(client, "GET", f"{url}/{everyone[0]['id']}", secret).get_json()
    registration = db.session.get(Registration, everyone[0]["id"])
    assert one["email"] == registration.email and one["certificate_name"] == registration.certificate_name
    assert "token" not in one  # the personal link stays the participant's
    assert_problem(call(client, "GET", f"{url}/999999", secret), 404)
    assert_problem(call(client, "GET", url + "?status=nonsense", secret), 400, "invalid-parameters")


def test_attendance_worksheets_certificates_and_the_report(client, db, course, trainer, runner):
    secret = secret_for(trainer)
    base = f"/api/v1/courses/{course.slug}"
    session = next(s for s in course.sessions if s.counts_for_attendance)
    records, _ = walk(client, f"{base}/sessions/{session.id}/attendance", secret, 5)
    stored = db.session.scalars(sa.select(Attendance).where(Attendance.session_id == session.id)
                                .order_by(Attendance.registration_id)).all()
    assert [(r["registration_id"], r["present"], r["method"]) for r in records] == \
        [(a.registration_id, a.present, a.method) for a in stored]

    sheets, _ = walk(client, f"{base}/worksheets", secret, 7)
    stored_sheets = db.session.scalars(sa.select(Worksheet).order_by(Worksheet.id)).all()
    assert [s["id"] for s in sheets] == [s.id for s in stored_sheets if s.exercise.course_id == course.id]
    sheet = stored_sheets[0]
    one = call(client, "GET", f"{base}/worksheets/{sheet.id}", secret).get_json()
    assert one["answers"] == sheet.answers and one["version"] == sheet.version
    assert one["exercise"]["module_key"] == sheet.exercise.module_key
    m11, _ = walk(client, f"{base}/worksheets?exercise=M11", secret, 50)
    assert m11 and {s["exercise"]["module_key"] for s in m11} == {"M11"}

    certificates, _ = walk(client, f"{base}/certificates", secret, 5)
    assert certificates and [c["id"] for c in certificates] == sorted(
        c.id for c in db.session.scalars(sa.select(Certificate)))
    certificate = db.session.get(Certificate, certificates[0]["id"])
    one = call(client, "GET", f"{base}/certificates/{certificate.id}", secret).get_json()
    assert one["number"] == certificate.number and one["verify_url"].endswith(f"/verify/{certificate.code}")

    report = call(client, "GET", f"{base}/report", secret)
    printed = runner.invoke(args=["report", course.slug, "--format", "json"])
    assert report.status_code == 200 and report.get_json() == json.loads(printed.output)
    assert report.get_json() == json.loads(json.dumps(as_json(course_report(course, donor=True))))


def test_a_certificate_is_verified_without_a_token_as_on_its_page(client, db, course):
    certificate = db.session.scalars(sa.select(Certificate)).first()
    body = call(client, "GET", f"/api/v1/certificates/verify/{certificate.code}").get_json()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert body["status"] == certificate.status and body["number"] in page
    assert body["holder"] == certificate.registration.certificate_name and body["holder"] in page
    assert body["course"]["slug"] == course.slug
    assert_problem(call(client, "GET", "/api/v1/certificates/verify/not-a-code"), 404)


# Writing

def valid_person(**overrides) -> dict:
    person = {"full_name": "Nguyen Thi Lan", "family_name": "Nguyễn", "given_names": "Thị Lan",
              "name_order": "family_first", "native_name": "Nguyễn Thị Lan", "sex": "female",
              "age_group": "35-44", "country": "VN", "organisation_type": "cso",
              "organisation": "Women's Union", "email": "lan@example.vn", "phone": "+84 24 555 0101",
              "language": "vi", "position": "Officer"}
    person.update(overrides)
    return person


def test_registering_through_the_api_does_what_the_form_does(client, db, open_course, trainer):
    from test_registrations import form_data

    secret = secret_for(trainer, "write")
    response = call(client, "POST", f"/api/v1/courses/{open_course.slug}/registrations", secret,
                    json=valid_person())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/courses/{open_course.slug}/registrations/{body['id']}"
    registration = db.session.get(Registration, body["id"])
    assert (registration.status, body["status"]) == ("pending", "pending")  # as the course decides
    assert registration.certificate_name == "Nguyễn Thị Lan" and registration.delegation.country == "VN"
    assert registration.certificate_language == "vi"
    assert [(e.old_status, e.new_status, e.actor_id) for e in registration.events] == [(None, "pending", trainer.id)]
    [added] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "registration.create"))
    assert (added.channel, added.actor_id, added.target_id, added.details) == \
        ("api", trainer.id, registration.id, {"status": "pending"})
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "lan@example.vn"))
    assert message is not None and registration.token in message.body and message.language == "vi"

    form = form_data(country="VN", organisation_type="cso", organisation="Women's Union", ministry="",
                     email="form@example.vn", native_name="", language="vi", submission_key="api-form")
    assert client.post(f"/courses/{open_course.slug}/register", data=form).status_code == 302
    by_form = db.session.scalar(sa.select(Registration).where(Registration.email == "form@example.vn"))
    assert by_form.status == registration.status
    assert count(OutboxMessage) == 2
    assert db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == "form@example.vn")).subject == message.subject


@pytest.mark.parametrize("change, field", [
    ({"full_name": ""}, "full_name"),
    ({"full_name": "សុខ ចាន់"}, "full_name"),  # Khmer script on the passport's Latin line
    ({"full_name": "\u200b\u200b"}, "full_name"),
    ({"full_name": "A" * 301}, "full_name"),
    ({"sex": "robot"}, "sex"),
    ({"age_group": "12"}, "age_group"),
    ({"country": "XX"}, "country"),
    ({"country": "vietnam"}, "country"),
    ({"organisation_type": "government", "ministry": "not-a-ministry"}, "ministry"),
    ({"organisation_type": "government", "ministry": ""}, "ministry"),
    ({"organisation": ""}, "organisation"),
    ({"email": "not an address"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"language": "xx"}, "language"),
    ({"dietary": "x" * 501}, "dietary"),
    ({"unexpected": "field"}, "unexpected"),
    ({"sex": None}, "sex"),
])
def test_an_invalid_registration_is_refused_field_by_field_and_nothing_is_written(
        client, db, open_course, trainer, change, field):
    secret = secret_for(trainer, "write")
    before = count(Registration), count(OutboxMessage), count(RegistrationEvent), count(AuditEvent)
    person = valid_person(**change)
    response = call(client, "POST", f"/api/v1/courses/{open_course.slug}/registrations", secret,
                    json=person)
    body = assert_problem(response, 422, "invalid-body")
    assert field in body["errors"] and all(body["errors"][field])
    assert (count(Registration), count(OutboxMessage), count(RegistrationEvent), count(AuditEvent)) == before


def test_bodies_that_are_not_a_json_object_are_refused(client, db, open_course, trainer):
    secret = secret_for(trainer, "write")
    url = f"/api/v1/courses/{open_course.slug}/registrations"
    assert_problem(call(client, "POST", url, secret, data="full_name=x",
                        content_type="application/x-www-form-urlencoded"), 415)
    assert_problem(call(client, "POST", url, secret, data="{not json", content_type="application/json"),
                   400, "invalid-json")
    assert_problem(call(client, "POST", url, secret, data="[" * 100_000, content_type="application/json"),
                   400, "invalid-json")
    assert_problem(call(client, "POST", url, secret, data='{"sex": ' + "9" * 5000 + "}",
                        content_type="application/json"), 400, "invalid-json")
    body = assert_problem(call(client, "POST", url, secret, json=["a", "list"]), 422, "invalid-body")
    assert "body" in body["errors"]
    missing = assert_problem(call(client, "POST", url, secret, json={}), 422, "invalid-body")
    assert {"full_name", "sex", "age_group", "country", "organisation_type", "email"} <= set(missing["errors"])
    assert count(Registration) == sum(1 for _ in db.session.scalars(sa.select(Registration.id)))


def test_registering_for_a_course_whose_registration_is_closed_is_a_conflict(client, db, course, trainer):
    secret = secret_for(trainer, "write")
    before = count(Registration)
    body = assert_problem(call(client, "POST", f"/api/v1/courses/{course.slug}/registrations", secret,
                               json=valid_person()), 409, "registration-closed")
    assert "closed" in body["detail"] and count(Registration) == before


def test_a_hybrid_course_needs_the_way_of_taking_part(client, db, open_course, trainer):
    open_course.mode = "hybrid"
    db.session.commit()
    secret = secret_for(trainer, "write")
    url = f"/api/v1/courses/{open_course.slug}/registrations"
    before = count(Registration)
    body = assert_problem(call(client, "POST", url, secret, json=valid_person()), 422, "invalid-body")
    assert list(body["errors"]) == ["attendance_mode"] and count(Registration) == before
    response = call(client, "POST", url, secret, json=valid_person(attendance_mode="online"))
    assert response.status_code == 201 and response.get_json()["attendance_mode"] == "online"


def test_a_status_change_goes_through_the_staff_pages_operation(client, db, course, trainer):
    secret = secret_for(trainer, "write")
    registration = next(r for r in course.registrations if r.status == "approved")
    response = call(client, "POST", f"/api/v1/courses/{course.slug}/registrations/{registration.id}/status",
                    secret, json={"status": "declined", "reason": "Nominated twice"})
    assert response.status_code == 200 and response.get_json()["status"] == "declined"
    db.session.refresh(registration)
    event = registration.events[-1]
    assert (registration.status, event.old_status, event.new_status, event.actor_id, event.reason) == \
        ("declined", "approved", "declined", trainer.id, "Nominated twice")
    told = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == registration.email)).all()
    assert any("Nominated twice" in message.body for message in told)
    audited = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "registration.status",
                                                             AuditEvent.target_id == registration.id)
                                 .order_by(AuditEvent.id)).all()
    assert [(e.channel, e.actor_id, e.details["new"]) for e in audited][-1] == ("api", trainer.id, "declined")
    bad = call(client, "POST", f"/api/v1/courses/{course.slug}/registrations/{registration.id}/status",
               secret, json={"status": "lost"})
    assert "status" in assert_problem(bad, 422, "invalid-body")["errors"]


def test_attendance_is_recorded_as_the_check_in_list_records_it(client, db, course, trainer, open_course):
    secret = secret_for(trainer, "write")
    session = next(s for s in course.sessions if s.counts_for_attendance)
    person = next(r for r in course.registrations if r.status == "approved")
    url = f"/api/v1/courses/{course.slug}/sessions/{session.id}/attendance/{person.id}"
    response = call(client, "PUT", url, secret, json={"present": False, "reason": "Left early", "key": "k-1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["present"] is False
    record = db.session.scalar(sa.select(Attendance).where(Attendance.session_id == session.id,
                                                           Attendance.registration_id == person.id))
    assert (record.present, record.method, record.marked_by_id, record.reason) == \
        (False, "trainer", trainer.id, "Left early")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.startswith("attendance."))
                               .order_by(AuditEvent.id.desc())).first()
    assert (event.channel, event.actor_id, event.target_id) == ("api", trainer.id, person.id)
    changes = count(AttendanceChange)
    assert call(client, "PUT", url, secret, json={"present": False, "key": "k-1"}).status_code == 200
    assert count(AttendanceChange) == changes  # the same key again changes nothing
    other = next(r for r in course.registrations if r.status == "approved" and r.id != person.id)
    again = call(client, "PUT", url.replace(f"/{person.id}", f"/{other.id}"), secret,
                 json={"present": True, "key": "k-1"})  # the same key for someone else: their mark
    assert again.status_code == 200 and again.get_json()["registration_id"] == other.id
    assert count(AttendanceChange) == changes + 1

    waiting = next(r for r in course.registrations if r.status != "approved")
    assert_problem(call(client, "PUT", url.replace(f"/{person.id}", f"/{waiting.id}"), secret,
                        json={"present": True}), 409, "not-approved")
    assert_problem(call(client, "PUT", url, secret, json={"reason": "no present"}), 422, "invalid-body")

    from app.agenda.operations import SessionDetails, save_session
    from app.i18n.multilingual import MultilingualText
    from datetime import time

    future = save_session(open_course, None, SessionDetails(
        day=open_course.start_date, start=time(9), end=time(10), title=MultilingualText(en="Opening")))
    someone = Registration(course_id=open_course.id, full_name="Ana Lima", sex="female", age_group="25-34",
                           country="TL", organisation_type="cso", email="ana@example.tl", status="approved")
    db.session.add(someone)
    db.session.commit()
    early = f"/api/v1/courses/{open_course.slug}/sessions/{future.id}/attendance/{someone.id}"
    before = count(Attendance)
    assert_problem(call(client, "PUT", early, secret, json={"present": True}), 409, "session-not-started")
    assert count(Attendance) == before
    assert call(client, "PUT", early, secret, json={"present": True, "confirm_early": True}).status_code == 200
    change = db.session.scalars(sa.select(AttendanceChange).order_by(AttendanceChange.id.desc())).first()
    assert change.before_start is True


# Pages

def test_pages_walk_every_item_once_even_when_items_are_added_meanwhile(client, db, course, trainer):
    secret = secret_for(trainer)
    url = f"/api/v1/courses/{course.slug}/registrations"
    first = call(client, "GET", url + "?limit=3", secret).get_json()
    late = Registration(course_id=course.id, full_name="Late Comer", sex="male", age_group="25-34",
                        country="PH", organisation_type="cso", email="late@example.ph", status="pending")
    db.session.add(late)
    db.session.commit()
    items = first["items"]
    cursor = first["next_cursor"]
    while cursor:
        page = call(client, "GET", f"{url}?limit=3&cursor={cursor}", secret).get_json()
        items += page["items"]
        cursor = page["next_cursor"]
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert set(ids) == {r.id for r in course.registrations if not r.anonymised_at}
    by_link, links = walk(client, url, secret, 4)
    assert [i["id"] for i in by_link] == ids and len(links) == -(-len(ids) // 4) - 1
    link = links[0]
    assert link.startswith(f"<{url}?") and "limit=4" in link


@pytest.mark.parametrize("cursor", [
    "nonsense!", "e30", base64.urlsafe_b64encode(b'["sessions",[1]]').decode(),
    base64.urlsafe_b64encode(b'["registrations",["1"]]').decode(),
    base64.urlsafe_b64encode(b'["registrations",[1,2]]').decode(),
    base64.urlsafe_b64encode(b'["registrations",[true]]').decode(), "x" * 501])
def test_a_bad_cursor_is_a_400_problem(client, course, trainer, cursor):
    secret = secret_for(trainer)
    response = call(client, "GET", f"/api/v1/courses/{course.slug}/registrations?cursor={cursor}", secret)
    body = assert_problem(response, 400, "invalid-cursor" if len(cursor) <= 500 else "invalid-parameters")
    assert "cursor" in body["errors"]


def test_page_lengths_are_bounded(client, course, trainer):
    secret = secret_for(trainer)
    for limit in ("0", "201", "many", "-1"):
        body = assert_problem(call(client, "GET", f"/api/v1/courses?limit={limit}", secret), 400,
                              "invalid-parameters")
        assert list(body["errors"]) == ["limit"]


# Problems and the rest of the site

def test_every_error_under_the_api_is_a_problem_in_the_readers_language(app, client, trainer):
    secret = secret_for(trainer)
    body = assert_problem(call(client, "GET", "/api/v1/no/such/thing", secret), 404)
    assert body["title"] == "Not found"
    response = call(client, "DELETE", "/api/v1/courses", secret)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    with app.test_request_context("/?lang=vi"):
        from flask_babel import gettext
        expected = gettext("This action is not allowed here")
    assert expected != "This action is not allowed here"
    translated = assert_problem(call(client, "DELETE", "/api/v1/courses?lang=vi", secret), 405)
    assert translated["title"] == expected
    accept = assert_problem(call(client, "DELETE", "/api/v1/courses", secret,
                                 headers={"Accept-Language": "vi"}), 405)
    assert accept["title"] == expected
    assert_problem(call(client, "GET", "/api/v1/courses?cursor=%01", secret), 400)
    page = client.get("/no/such/page")  # the site's pages keep their own error pages
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_too_many_requests_is_a_problem_and_limits_count_per_token_and_per_address(
        app, client, trainer, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    mine, another = secret_for(trainer), secret_for(trainer)
    for _ in range(3):
        assert call(client, "GET", "/api/v1/courses", mine).status_code == 200
    response = call(client, "GET", "/api/v1/courses", mine)
    assert_problem(response, 429)
    assert "Retry-After" in response.headers
    assert call(client, "GET", "/api/v1/courses", another).status_code == 200
    # Per address, whatever the token (a new limit counts afresh).
    monkeypatch.setitem(app.config, "API_ADDRESS_RATE_LIMIT", "2 per minute")
    fresh = [secret_for(trainer) for _ in range(3)]
    assert [call(client, "GET", "/api/v1/courses", secret).status_code for secret in fresh] == [200, 200, 429]
    assert_problem(call(client, "GET", "/api/v1/"), 429)


def test_the_docs_page_is_served_with_its_assets_from_the_apps_own_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script>' not in page and 'style="' not in page
    dist = Path(flask_swagger_ui.__file__).parent / "dist"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        asset = client.get(f"/api/v1/docs/{name}")
        assert asset.status_code == 200 and asset.data == (dist / name).read_bytes()
        assert f"/api/v1/docs/{name}" in sources
    script = next(source for source in sources if "api-docs.js" in source)
    assert b"validatorUrl: null" in client.get(script).data
    assert_problem(client.get("/api/v1/docs/swagger-ui.js"), 404)
    assert_problem(client.get("/api/v1/docs/../../app/config.py"), 404)


def test_the_index_and_the_openapi_document_need_no_token(client):
    index = client.get("/api/v1/")
    assert index.status_code == 200
    links = index.get_json()["links"]
    assert links["openapi"] == "/api/v1/openapi.json" and links["docs"] == "/api/v1/docs"
    assert links["courses"] == "/api/v1/courses" and links["tokens"] == "/manage/account/tokens"
    document = client.get(links["openapi"])
    assert document.status_code == 200 and document.get_json()["openapi"] == "3.1.0"


def test_the_openapi_document_is_valid_and_describes_every_endpoint(app, client):
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    document = client.get("/api/v1/openapi.json").get_json()
    assert list(OPENAPI_31_VALIDATOR.iter_errors(document)) == []
    assert document["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "lk_…",
        "description": "A personal API token, from /manage/account/tokens"}
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    routes = {(re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              and not rule.rule.startswith("/api/v1/docs") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
    public = {("/api/v1/", "GET"), ("/api/v1/openapi.json", "GET"), ("/api/v1/certificates/verify/{code}", "GET")}
    for path, method in documented:
        operation = document["paths"][path][method.lower()]
        codes = set(operation["responses"])
        assert {"429", "default"} <= codes and operation["summary"], (path, method)
        if (path, method) in public:
            assert operation["security"] == []
        else:
            assert "security" not in operation and {"401", "403"} <= codes, (path, method)
        if method in ("POST", "PUT"):
            assert {"400", "415", "422"} <= codes
            assert "application/json" in operation["requestBody"]["content"]
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")) or code == "default":
                name = response["$ref"].rsplit("/", 1)[1]
                content = document["components"]["responses"][name]["content"]
                assert content == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_server_errors_under_the_api_are_problems_too(app, db, make_user):
    """Outside tests, an unexpected error is a 500 problem, a write on a reading request a 405
    one with nothing stored, and a database that does not answer a 503 one."""
    from sqlalchemy.exc import OperationalError

    from app import create_app
    from app.extensions import db as extension
    from app.organisations.models import Organisation

    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})

    @production.route("/api/v1/broken")
    def broken():
        raise RuntimeError("a bug")

    @production.route("/api/v1/careless")
    def careless():
        extension.session.add(Organisation(acronym="X", name={"en": "X"}, website=""))
        extension.session.commit()
        return "written"

    @production.route("/api/v1/unavailable")
    def unavailable():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    client = production.test_client()
    secret = secret_for(make_user())  # an address under /api/ wants a token unless its view is public
    for path, status in (("/api/v1/broken", 500), ("/api/v1/careless", 405), ("/api/v1/unavailable", 503)):
        response = client.get(f"{path}?lang=vi", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == status and response.mimetype == PROBLEM, path
        body = response.get_json(force=True)
        assert body["status"] == status and body["instance"] == path and body["title"]
    assert count(Organisation) == 0
    with production.app_context():
        extension.engine.dispose()
