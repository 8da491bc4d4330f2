"""The audit log: every trainer and admin action the issue names is recorded with its actor,
course, target, details and channel, through the real pages and commands; the details never hold
a person's name, email or phone; the admins' page filters, pages by id and costs the same
statements for 5 events as for 50; and the application log names no one."""
import io
import json
import logging
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from helpers import sql_sent
from log_support import json_log  # noqa: F401,F811 - a fixture

from app import jobs
from app.agenda.operations import SessionDetails, mark, save_session
from app.audit.labels import ACTION_LABELS
from app.audit.models import AuditEvent
from app.audit.operations import record
from app.auth.models import User
from app.certificates import operations as certificates
from app.certificates.models import Certificate, IssueJob
from app.i18n.multilingual import MultilingualText
from app.registrations.models import Registration
from app.registrations.operations import Person, register

SLUG = "audit-2025"
NAME, EMAIL, PHONE = "Nguyễn Thị Hà", "ha.audit@example.vn", "+84 24 3825 0101"


@pytest.fixture
def trainer(make_user):
    return make_user(name="Trainer Tran")


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", name="Admin Ayu")


@pytest.fixture
def course(make_course, trainer, db):
    """A course that has ended (its sessions have started: no early confirmation), two
    sessions that count for attendance."""
    course = make_course(trainer=trainer, slug=SLUG, contact_hours=Decimal("8"), requires_approval=True)
    for day in (9, 10):
        save_session(course, None, SessionDetails(day=date(2025, 4, day), start=clock(9), end=clock(13),
                                                  title=MultilingualText(en=f"Day {day}")))
    db.session.commit()
    return course


@pytest.fixture
def ha(course, db):
    """A pending participant with a name, an address and a phone the log must never hold."""
    registration = register(course, Person(
        full_name=NAME, family_name="Nguyễn", given_names="Thị Hà", name_order="family_first",
        sex="female", age_group="35-44", country="VN", organisation_type="cso", organisation="VWU",
        email=EMAIL, phone=PHONE, language="vi"), notify=False)
    db.session.commit()
    return registration


def approved(course, db, email, sessions=2):
    registration = register(course, Person(
        full_name=email.split("@")[0].title(), sex="female", age_group="35-44", country="TH",
        organisation_type="cso", organisation="Example", email=email), notify=False, status="approved")
    for session in course.sessions[:sessions]:
        mark(session, registration, method="qr")
    db.session.commit()
    return registration


def events(action: str | None = None) -> list[AuditEvent]:
    """The events recorded (after the requests' commits), oldest first."""
    from app.extensions import db

    db.session.commit()  # a fresh snapshot: the requests and jobs wrote on their own connections
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def only(action: str) -> AuditEvent:
    found = events(action)
    assert len(found) == 1, [(e.action, e.details) for e in events()]
    return found[0]


def personal(*registrations) -> list[str]:
    """What must never appear in an event's details: names, addresses, phones."""
    values = [NAME, EMAIL, PHONE, "Thị Hà", "Nguyễn"]
    for registration in registrations:
        values += [registration.full_name, registration.email, registration.certificate_name]
        values += [registration.phone] if registration.phone else []
    return [value for value in values if value]


def assert_anonymous(*registrations) -> None:
    """No event's details hold a person's name, address or phone (nor any address at all)."""
    for event in events():
        text = json.dumps(event.details, ensure_ascii=False)
        assert "@" not in text, (event.action, text)
        for value in personal(*registrations):
            assert value not in text, (event.action, text)


def registration_form(**overrides):
    data = {
        "full_name": NAME, "family_name": "Nguyễn", "given_names": "Thị Hà", "name_order": "family_first",
        "honorific": "", "native_name": "", "address_as": "Chị Hà", "sex": "female", "age_group": "35-44",
        "country": "VN", "organisation_type": "cso", "organisation": "VWU", "ministry": "",
        "position": "Officer", "email": EMAIL, "phone": PHONE, "language": "vi",
        "certificate_language": "vi", "province": ""}
    data.update(overrides)
    return data


# --- registrations --------------------------------------------------------------------------

def test_a_status_change_one_at_a_time_and_in_bulk(client, login, trainer, course, ha, db):
    other = approved(course, db, "other@example.org", sessions=0)
    login(trainer)
    base = f"/manage/courses/{SLUG}/registrations/"
    assert client.post(f"{base}{ha.id}", data={"status": "approved", "reason": "Welcome, Chị Hà"}
                       ).status_code == 302
    event = only("registration.status")
    assert (event.actor_id, event.course_id, event.target_type, event.target_id, event.channel) == \
        (trainer.id, course.id, "registration", ha.id, "web")
    assert event.details == {"old": "pending", "new": "approved"}  # the reason is not kept

    assert client.post(base, data={"selected": [str(ha.id), str(other.id)], "status": "declined",
                                   "reason": ""}).status_code == 302
    bulk = events("registration.status")[1:]
    assert sorted(e.target_id for e in bulk) == sorted([ha.id, other.id])
    assert all(e.details["new"] == "declined" and e.details["bulk"] is True and e.actor_id == trainer.id
               for e in bulk)
    assert_anonymous(ha, other)


def test_a_participants_own_cancellation_is_not_a_staff_action(client, course, ha, db):
    client.post(f"/p/{ha.token}/cancel", data={})
    db.session.refresh(ha)
    assert ha.status == "cancelled"
    assert events("registration.status") == []


def test_a_correction_names_the_fields_changed_never_their_values(client, login, trainer, course, ha, db):
    login(trainer)
    url = f"/manage/courses/{SLUG}/registrations/{ha.id}/edit"
    response = client.post(url, data=registration_form(email="ha.new@example.vn", phone="+84 91 000 0000",
                                                       position="Director"))
    assert response.status_code == 302, response.get_data(as_text=True)
    event = only("registration.edit")
    assert set(event.details["fields"]) >= {"email", "phone", "position"}
    assert (event.actor_id, event.target_id, event.course_id) == (trainer.id, ha.id, course.id)
    text = json.dumps(event.details, ensure_ascii=False)
    assert "ha.new" not in text and "000 0000" not in text and "Director" not in text
    client.post(url, data=registration_form(email="ha.new@example.vn", phone="+84 91 000 0000",
                                            position="Director"))
    assert len(events("registration.edit")) == 1  # saved unchanged: nothing to note


def test_a_merge_and_personal_links_sent_again(client, login, trainer, course, ha, db):
    duplicate = register(course, Person(full_name=NAME, sex="female", age_group="35-44", country="VN",
                                        organisation_type="cso", email="ha.other@example.vn",
                                        phone="+84 1"), notify=False)
    db.session.commit()
    duplicate_id = duplicate.id
    login(trainer)
    detail = f"/manage/courses/{SLUG}/registrations/{ha.id}"
    assert client.post(f"{detail}/merge/{duplicate_id}").status_code == 302
    assert only("registration.merge").details == {"duplicate": duplicate_id}
    client.post(f"{detail}/link", data={"action": "resend"})
    client.post(f"{detail}/link", data={"action": "revoke"})
    assert only("registration.link").target_id == ha.id
    renewed = only("registration.link_renew")
    assert (renewed.actor_id, renewed.details) == (trainer.id, {})
    assert_anonymous(ha)


def test_the_retention_command_logs_each_erasure(runner, make_course, db):
    old = make_course(slug="old-2020", start_date=date(2020, 1, 6), end_date=date(2020, 1, 8))
    person = register(old, Person(full_name=NAME, sex="female", age_group="35-44", country="VN",
                                  organisation_type="cso", email=EMAIL, phone=PHONE), notify=False)
    db.session.commit()
    result = runner.invoke(args=["participants", "anonymise"])
    assert result.exit_code == 0, result.output
    event = only("registration.anonymise")
    assert (event.channel, event.actor_id, event.course_id, event.target_id) == ("cli", None, old.id, person.id)
    assert event.details == {"retention_days": 730}
    assert_anonymous()


def test_imports_from_the_page_and_the_command_log_how_many_rows(client, login, trainer, course, runner,
                                                                 db, tmp_path):
    header = "full_name,sex,age_group,country,organisation_type,organisation,email\n"
    rows = "Sukarni,female,35-44,ID,cso,AMAN Indonesia,sukarni@example.org\n" \
           "Maria Santos,female,25-34,PH,cso,WAGI,maria@example.org\n"
    login(trainer)
    response = client.post(f"/manage/courses/{SLUG}/registrations/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO((header + rows).encode()), "people.csv")})
    assert response.status_code == 302
    web = only("registration.import")
    assert (web.actor_id, web.channel, web.course_id, web.details) == \
        (trainer.id, "web", course.id, {"rows": 2, "waitlisted": 0})
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "Somchai,male,35-44,XX,cso,Example,somchai@example.org\n", encoding="utf-8")
    assert runner.invoke(args=["participants", "import", SLUG, str(bad)]).exit_code == 1
    assert len(events("registration.import")) == 1  # nothing imported, nothing noted
    good = tmp_path / "good.csv"
    good.write_text(header + "Somchai,male,35-44,TH,cso,Example,somchai@example.org\n", encoding="utf-8")
    assert runner.invoke(args=["participants", "import", SLUG, str(good)]).exit_code == 0
    command = events("registration.import")[1]
    assert (command.channel, command.actor_id, command.details["rows"]) == ("cli", None, 1)
    assert_anonymous()


# --- attendance -----------------------------------------------------------------------------

def test_attendance_marks_and_corrections_keep_the_states(client, login, trainer, admin, course, db):
    one, two = approved(course, db, "one@example.org", 0), approved(course, db, "two@example.org", 0)
    first, second = course.sessions
    login(trainer)
    base = f"/manage/courses/{SLUG}/sessions"
    assert client.post(f"{base}/{first.id}/attendance", json={"registration_id": one.id, "present": True}
                       ).status_code == 200
    tap = only("attendance.mark")
    assert (tap.actor_id, tap.course_id, tap.target_type, tap.target_id, tap.channel) == \
        (trainer.id, course.id, "registration", one.id, "web")
    assert tap.details == {"session": first.id, "old": "", "new": "present", "method": "trainer"}

    response = client.post(f"{base}/{first.id}/attendance/{one.id}",
                           data={"present": "no", "reason": "Left at 9:30 (Chị Hà said so)"})
    assert response.status_code == 302
    correction = only("attendance.correct")
    assert correction.details == {"session": first.id, "old": "present", "new": "absent", "method": "trainer"}
    assert correction.target_id == one.id

    assert client.post(f"{base}/{second.id}/sheet", data={"ids": f"P-{one.id:04d} {two.id}"}).status_code == 302
    sheet = [e for e in events("attendance.mark") if e.details["method"] == "sheet"]
    assert sorted(e.target_id for e in sheet) == sorted([one.id, two.id])
    assert all(e.details["session"] == second.id and e.details["new"] == "present" for e in sheet)
    assert_anonymous(one, two)
    client.post("/logout")
    login(admin)
    page = client.get("/manage/audit?action=attendance.correct").get_data(as_text=True)
    assert f"Day 9 (#{first.id})" in page and "Present → Absent" in page and "Attendance corrected" in page


def test_participants_checking_in_themselves_are_not_staff_actions(course, db):
    approved(course, db, "self@example.org", 2)  # marked by QR code, no one of staff
    assert events("attendance.mark") == []


# --- certificates ---------------------------------------------------------------------------

def test_issue_revoke_reissue_and_download_one_certificate(client, login, trainer, course, db):
    holder = approved(course, db, "holder@example.org")
    login(trainer)
    base = f"/manage/courses/{SLUG}/certificates"
    assert client.post(f"{base}/issue/{holder.id}", data={}).status_code == 302
    issued = only("certificate.issue")
    certificate = db.session.scalar(sa.select(Certificate))
    assert (issued.actor_id, issued.course_id, issued.target_type, issued.target_id, issued.channel) == \
        (trainer.id, course.id, "certificate", certificate.id, "web")
    assert issued.details == {"number": certificate.number, "registration": holder.id}

    assert client.get(f"{base}/{certificate.id}.pdf").status_code == 200
    downloaded = only("export.certificate")
    assert (downloaded.actor_id, downloaded.target_id, downloaded.channel) == (trainer.id, certificate.id, "web")
    client.head(f"{base}/{certificate.id}.pdf")  # nothing sent, nothing noted
    assert len(events("export.certificate")) == 1

    assert client.post(f"{base}/{certificate.id}/reissue", data={}).status_code == 302
    reissued = only("certificate.reissue")
    replacement = db.session.scalar(sa.select(Certificate).where(Certificate.status == "valid"))
    assert reissued.target_id == replacement.id and replacement.id != certificate.id
    assert reissued.details == {"number": replacement.number, "registration": holder.id,
                                "replaces": certificate.number}
    assert len(events("certificate.issue")) == 1  # a reissue is one event

    assert client.post(f"{base}/{replacement.id}/revoke", data={"reason": "Wrong name: Holder"}
                       ).status_code == 302
    revoked = only("certificate.revoke")
    assert (revoked.actor_id, revoked.target_id, revoked.details) == \
        (trainer.id, replacement.id, {"number": replacement.number, "registration": holder.id})
    assert_anonymous(holder)


def test_a_bulk_issue_is_logged_under_the_trainer_who_started_it(client, login, trainer, course, db):
    people = [approved(course, db, f"p{index}@example.org") for index in range(3)]
    login(trainer)
    assert client.post(f"/manage/courses/{SLUG}/certificates/", data={}).status_code == 302
    assert jobs.wait_local(120)
    job = db.session.scalar(sa.select(IssueJob))
    db.session.refresh(job)
    assert job.state == "finished", job.error
    started = only("certificate.issue_all")
    assert (started.actor_id, started.target_type, started.target_id, started.channel) == \
        (trainer.id, "issue_job", job.id, "web")
    issued = events("certificate.issue")
    assert sorted(e.details["registration"] for e in issued) == sorted(p.id for p in people)
    assert all((e.actor_id, e.channel, e.course_id, e.details["job"]) == (trainer.id, "web", course.id, job.id)
               for e in issued)
    assert set(db.session.scalars(sa.select(Certificate.issued_by_id))) == {trainer.id}

    for kind in ("zip", "merged"):
        assert client.get(f"/manage/courses/{SLUG}/certificates/jobs/{job.id}/{kind}").status_code == 200
    assert [(e.details, e.target_id, e.actor_id) for e in events("export.certificates")] == \
        [({"format": "zip"}, job.id, trainer.id), ({"format": "merged"}, job.id, trainer.id)]
    assert_anonymous(*people)


# --- downloads of personal data ---------------------------------------------------------------

def test_downloads_of_personal_data_from_the_pages(client, login, trainer, course, ha, make_exercise, db):
    make_exercise(course, "M11")
    session = course.sessions[0]
    login(trainer)
    for file_format in ("csv", "xlsx"):
        response = client.get(f"/manage/courses/{SLUG}/registrations/export.{file_format}")
        assert response.status_code == 200
    exports = events("export.participants")
    assert [e.details for e in exports] == [{"format": "csv"}, {"format": "xlsx"}]
    assert all((e.actor_id, e.course_id, e.channel, e.target_type) == (trainer.id, course.id, "web", "")
               for e in exports)
    assert client.get(f"/manage/courses/{SLUG}/sessions/{session.id}/sign-in.pdf").status_code == 200
    assert only("export.signin_sheet").details == {"session": session.id}
    assert client.get(f"/courses/{SLUG}/exercises/M11/export.xlsx").status_code == 200
    assert only("export.worksheets").details == {"exercise": "M11", "format": "xlsx"}
    assert client.get(f"/manage/courses/{SLUG}/report.json").status_code == 200  # figures only
    assert events("export.donor_report") == [] and len(events()) == 4
    assert_anonymous(ha)


def test_the_export_command_is_logged_without_an_actor(runner, course, ha, tmp_path):
    output = tmp_path / "people.xlsx"
    result = runner.invoke(args=["participants", "export", SLUG, "--format", "xlsx", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0
    event = only("export.participants")
    assert (event.channel, event.actor_id, event.course_id, event.details) == \
        ("cli", None, course.id, {"format": "xlsx"})


# --- accounts and teams -----------------------------------------------------------------------

def test_account_changes_by_an_admin(client, login, admin, db):
    login(admin)
    assert client.post("/manage/users/new", data={
        "email": "new.trainer@example.org", "name": "New Trainer", "role": "trainer", "active": "y",
        "password": "long enough password"}).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.trainer@example.org"))
    created = only("user.create")
    assert (created.actor_id, created.target_type, created.target_id, created.course_id, created.channel) == \
        (admin.id, "user", user.id, None, "web")
    assert created.details == {"role": "trainer", "active": True}
    edit = f"/manage/users/{user.id}/edit"
    assert client.post(edit, data={"email": user.email, "name": "New Trainer", "role": "admin",
                                   "active": "y"}).status_code == 302
    assert only("user.role").details == {"old": "trainer", "new": "admin"}
    assert client.post(edit, data={"email": user.email, "name": "Renamed", "role": "admin"}).status_code == 302
    assert only("user.deactivate").target_id == user.id
    assert only("user.edit").details == {"fields": ["name"]}
    assert client.post(edit, data={"email": user.email, "name": "Renamed", "role": "admin", "active": "y",
                                   "password": "another long password"}).status_code == 302
    assert only("user.activate").actor_id == admin.id
    assert events("user.edit")[-1].details == {"fields": ["password"]}
    for event in events():
        assert "@" not in json.dumps(event.details) and "Renamed" not in json.dumps(event.details)


def test_the_users_command_and_team_changes(runner, client, login, trainer, course, make_user, db):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.org", "--name", "Cli Person"])
    assert result.exit_code == 0, result.output
    created = only("user.create")
    assert (created.channel, created.actor_id) == ("cli", None)
    colleague = db.session.scalar(sa.select(User).where(User.email == "cli@example.org"))
    login(trainer)
    client.post(f"/manage/courses/{SLUG}/team", data={"email": "cli@example.org"})
    client.post(f"/manage/courses/{SLUG}/team", data={"remove": str(colleague.id)})
    added, removed = only("course.team_add"), only("course.team_remove")
    for event in (added, removed):
        assert (event.actor_id, event.course_id, event.target_type, event.target_id, event.details) == \
            (trainer.id, course.id, "user", colleague.id, {})


def test_every_action_has_a_translated_label():
    """Every action name the code records (the literals given to record, record_export or
    their aliases) has a label, and every label an action."""
    import re
    from pathlib import Path

    import app as package

    literal = re.compile(r'"((?:registration|attendance|certificate|export|user|course|api_token)'
                         r'\.[a-z_]+)"')
    recorded = set()
    for path in Path(package.__file__).parent.rglob("*.py"):
        text = path.read_text()
        if "audit.operations import" in text and path.name != "labels.py":
            recorded |= set(literal.findall(text))
    assert {"registration.status", "attendance.correct", "export.participants", "user.role",
            "api_token.create", "user.totp_reset"} <= recorded  # the scan finds them
    assert set(ACTION_LABELS) == recorded


# --- the admins' page -------------------------------------------------------------------------

def test_only_admins_read_the_log(client, login, trainer, admin, course):
    assert client.get("/manage/audit").headers["Location"].startswith("/login")
    login(trainer)
    assert client.get("/manage/audit").status_code == 403
    assert "/manage/audit" not in client.get("/manage/courses/").get_data(as_text=True)
    client.post("/logout")
    login(admin)
    page = client.get("/manage/courses/").get_data(as_text=True)
    assert 'href="/manage/audit"' in page
    assert client.get("/manage/audit").status_code == 200


def test_the_page_shows_who_did_what_to_whom_in_the_readers_language_and_zone(
        client, login, trainer, admin, course, ha, db):
    login(trainer)
    client.post(f"/manage/courses/{SLUG}/registrations/{ha.id}", data={"status": "approved"})
    event = only("registration.status")
    event.at = datetime(2025, 4, 9, 23, 30, tzinfo=timezone.utc)
    db.session.commit()
    client.post("/logout")
    login(admin)
    page = client.get("/manage/audit").get_data(as_text=True)
    assert "Registration status changed" in page and "Trainer Tran" in page
    assert "Pending approval → Approved" in page
    assert f'href="/manage/courses/{SLUG}/registrations/{ha.id}"' in page and NAME in page  # joined now
    assert "Apr 9, 2025, 11:30:00\u202fPM" in page or "Apr 9, 2025, 11:30:00 PM" in page
    local = client.get("/manage/audit?tz=Asia/Jakarta&lang=vi").get_data(as_text=True)
    assert "06:30:00 10 thg 4, 2025" in local  # the reader's zone and language
    from app.registrations import privacy

    privacy.anonymise(db.session.get(Registration, ha.id))
    db.session.commit()
    page = client.get("/manage/audit").get_data(as_text=True)
    assert NAME not in page and f"#{ha.id}" in page  # the name is gone with the person


def seed_events(course, people, actors, count: int, start: datetime | None = None) -> list[int]:
    """``count`` events straight into the log (the page is what is tested here), alternating
    registrations (a status, or attendance in a session), certificates and accounts as targets,
    one minute apart."""
    from app.extensions import db

    start = start or datetime(2025, 4, 9, 16, 30, tzinfo=timezone.utc)
    certificate = db.session.scalar(sa.select(Certificate))
    made = []
    for index in range(count):
        kind = index % 3
        target = people[index % len(people)] if kind == 0 else certificate if kind == 1 else actors[0]
        action = ("attendance.correct" if index % 2 else "registration.status") if kind == 0 else \
            "certificate.revoke" if kind == 1 else "user.role"
        details = {} if kind else {"old": "", "new": "present", "session": course.sessions[0].id} \
            if index % 2 else {"old": "pending", "new": "approved"}
        event = record(action, course=course, target=target, actor=actors[index % len(actors)],
                       details=details)
        event.at = start + timedelta(minutes=index)
        db.session.flush()
        made.append(event.id)
    db.session.commit()
    return made


def test_filters_and_keyset_pages(client, login, trainer, admin, course, ha, make_course, db):
    holder = approved(course, db, "holder@example.org")
    certificates.issue(holder, trainer)
    other_course = make_course(slug="other-2025")
    db.session.commit()
    db.session.execute(sa.delete(AuditEvent))
    db.session.commit()
    ids = seed_events(course, [ha, holder], [trainer, admin], 120)
    others = seed_events(other_course, [ha], [admin], 3, start=datetime(2025, 5, 1, 8, tzinfo=timezone.utc))
    login(admin)

    def shown(url: str) -> list[int]:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        return [int(part.split('"', 1)[0]) for part in page.split('id="event-')[1:]]

    first = shown("/manage/audit")
    assert first == list(reversed(ids + others))[:50]  # newest first
    page = client.get("/manage/audit").get_data(as_text=True)
    assert f'rel="next" href="/manage/audit?before={first[-1]}"' in page and 'rel="prev"' not in page
    second = shown(f"/manage/audit?before={first[-1]}")
    assert second == list(reversed(ids + others))[50:100]
    assert shown(f"/manage/audit?after={second[0]}") == first
    last = shown(f"/manage/audit?before={second[-1]}")
    assert last == list(reversed(ids))[97:] and 'rel="next"' not in client.get(
        f"/manage/audit?before={second[-1]}").get_data(as_text=True)

    assert shown(f"/manage/audit?course={other_course.id}") == list(reversed(others))
    by_admin = shown(f"/manage/audit?actor={admin.id}&course={course.id}")
    assert by_admin == [i for i in reversed(ids) if (ids.index(i) % 2)][:50]
    revokes = shown("/manage/audit?action=certificate.revoke")
    assert revokes == [others[1], *reversed(ids[1::3])]  # in both courses
    # 120 events a minute apart from 16:30 UTC on 9 April: until 23:59 on the 9th in Jakarta
    # (UTC+7) for the first 30, the 10th there for the others; the 9th in UTC for all.
    assert shown("/manage/audit?since=2025-05-01&until=2025-05-01") == list(reversed(others))
    assert shown("/manage/audit?since=2025-04-09&until=2025-04-09&tz=Asia/Jakarta") == \
        list(reversed(ids[:30]))
    assert shown("/manage/audit?since=2025-04-10&until=2025-04-10&tz=Asia/Jakarta&action=user.role") == \
        list(reversed([i for i in ids[30:] if ids.index(i) % 3 == 2]))
    assert shown("/manage/audit?since=2025-04-09&until=2025-04-09") == list(reversed(ids))[:50]
    assert shown("/manage/audit?since=2025-04-10&until=2025-04-30") == []
    assert shown("/manage/audit?until=2025-04-08") == []


def test_bad_filters_are_refused_with_a_message_and_change_nothing(client, login, admin, db):
    login(admin)
    for query, message in [("course=abc", "is not a number"), ("since=2025-13-45", "is not a day"),
                           ("action=drop.tables", "There is no such action."),
                           ("tz=Mars/Olympus", "There is no such time zone"),
                           ("since=2025-05-02&until=2025-05-01", "The first day comes after the last one.")]:
        response = client.get(f"/manage/audit?{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True)
    assert events() == []


def test_a_page_costs_the_same_statements_for_5_and_50_events(client, login, trainer, admin, course, ha, db):
    holder = approved(course, db, "holder@example.org")
    certificates.issue(holder, trainer)
    db.session.commit()
    login(admin)

    def statements(count: int) -> int:
        db.session.execute(sa.delete(AuditEvent))
        db.session.commit()
        seed_events(course, [ha, holder], [trainer, admin], count)
        responses = []
        sent = sql_sent(lambda: responses.append(client.get("/manage/audit")))
        assert responses[0].get_data(as_text=True).count('id="event-') == count
        return len(sent)

    few, many = statements(5), statements(50)
    assert few == many and few <= 10


# --- no one in the application log ------------------------------------------------------------

def test_the_application_log_names_no_one(app, client, login, trainer, make_course, db, caplog, smtp,
                                         json_log):
    """A registration, its approval, the emails sent through a real SMTP server (one of them
    refused by it) and a new course: the log holds ids, never an address or a name; so do the
    JSON lines production writes (LOG_FORMAT=json), access lines included."""
    smtp.refuse = "refused"
    course = make_course(trainer=trainer, slug="logs-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    response = client.post("/courses/logs-2030/register", data={
        **registration_form(), "confirm_name": "y", "consent": "y", "submission_key": "log-1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    refused = register(course, Person(full_name="Refused Person", sex="male", age_group="35-44",
                                      country="TH", organisation_type="cso",
                                      email="refused.person@example.org"), notify=True)
    db.session.commit()
    ha = db.session.scalar(sa.select(Registration).where(Registration.email == EMAIL))
    login(trainer)
    assert client.post(f"/manage/courses/logs-2030/registrations/{ha.id}",
                       data={"status": "approved"}).status_code == 302
    assert client.post("/manage/courses/new", data={
        "working_language": "en", "title-en": "Logged course", "start_date": "2031-03-02",
        "end_date": "2031-03-04", "city-en": "Hanoi", "country": "VN", "timezone": "Asia/Ho_Chi_Minh",
        "mode": "in_person", "contact_hours": "18"}).status_code == 302
    assert jobs.wait_local(30)
    deadline = time.monotonic() + 10
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.messages) >= 2  # the confirmation and the approval went out
    text = "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
                     if not record.name.startswith("mail.log"))  # the test's SMTP server, not the app
    assert "written to the outbox" in text and "not sent" in text and "created course" in text  # logged
    lines = [line for line in json_log() if not line["logger"].startswith("mail.log")]
    access = [line for line in lines if line["logger"] == "app.access"]
    assert [(line["route"], line["status"]) for line in access][:1] == [
        ("/courses/<slug>/register", 302)]
    assert all(line["request_id"] for line in access)
    assert any(line.get("user_id") == trainer.id for line in access)
    written = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert "written to the outbox" in written and "created course" in written
    for personal_value in (EMAIL, NAME, "Thị Hà", "refused.person", "Refused Person", trainer.email,
                           trainer.name, "@example"):
        assert personal_value not in text, personal_value
        assert personal_value not in written, personal_value
    assert refused.id and db.session.get(Registration, refused.id).email == "refused.person@example.org"
