"""Every route of the app × every kind of visitor, with the answer each must get.

Each endpoint is given one access class in :data:`ACCESS`; the answer a role gets follows from the
class (:data:`EXPECTED`). The roles: an anonymous visitor; the participant, through their own
personal link; another participant (of another course) putting their own token in this
participant's URLs; a trainer of the course; a trainer of another course (on this course's URLs,
and on their own course's URLs carrying this course's record ids); an administrator. Every URL
argument names a real record of the seeded demo course, so that a refusal is a refusal and not a
missing record. Routes allowing GET are read; the others get their own method (POST, PUT); the
roles to be refused also send every other method a route takes. A refusal writes nothing (not even
an audit note), a GET nothing but the audit log's note of a download, and no answer is a 500.

A route added without an entry in :data:`ACCESS` fails :func:`test_every_route_has_an_access_class`.
Routes under ``/api/`` are one class (a Bearer token is required: the matrix sends none and expects
401) except those listed in :data:`API_PUBLIC`.

The demo is seeded once for the module and kept row by row; each role's test starts from that copy.
"""
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.agenda import checkin
from app.agenda.models import AttendanceImport, Speaker
from app.auth import password_reset
from app.auth.operations import create_user
from app.certificates.jobs import job_key
from app.certificates.models import Certificate, IssueJob
from app.courses.models import Course
from app.courses.operations import CourseDetails, create_course
from app.database import is_write, records_a_read
from app.extensions import db as database
from app.i18n.multilingual import MultilingualText
from app.organisations.models import Organisation
from app.registrations.models import Registration
from app.registrations.operations import invite_focal_point
from app.storage import storage
from helpers import PASSWORD, team_sheet

# Access classes.
PUBLIC = "public"  # anyone, signed in or not
PERSONAL = "personal"  # a personal link (/p/<token>/…) naming nothing else (another's: theirs)
PERSONAL_RECORD = "personal_record"  # a personal link naming a record of the participant's course
CHECKIN = "checkin"  # the QR check-in: only the browser that opened the participant's personal link
SIGN_IN_STEP = "sign_in_step"  # the code after the password: without a password just typed, /login
COURSE_STAFF = "course_staff"  # trainers of the course's team, and admins
STAFF = "staff"  # any signed-in trainer or admin (what they see is their own)
ADMIN = "admin"  # admins only
API_TOKEN = "api_token"  # /api/…: a Bearer token, never a session

ACCESS = {
    "core.index": PUBLIC,
    "core.alive": PUBLIC,
    "core.ready": PUBLIC,
    # Allowed networks and admins; the matrix asks from 127.0.0.1, allowed by default (others:
    # tests/test_monitoring.py).
    "core.metrics": PUBLIC,
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,  # with a valid reset link's token
    "auth.second_step": SIGN_IN_STEP,
    "organisations.logo": PUBLIC,
    "courses.public": PUBLIC,
    "registrations.register": PUBLIC,
    "registrations.nominate": PUBLIC,  # a focal point's link: the token is the delegation's
    "agenda.public": PUBLIC,
    "agenda.agenda_ics": PUBLIC,
    "agenda.pdf": PUBLIC,
    "certificates.verify": PUBLIC,
    "toolkit.library": PUBLIC,
    "toolkit.module_page": PUBLIC,
    "toolkit.blank_pdf": PUBLIC,

    "registrations.personal": PERSONAL,
    "registrations.my_data": PERSONAL,
    "registrations.cancel": PERSONAL,
    "agenda.my_agenda_ics": PERSONAL,
    "agenda.my_agenda_pdf": PERSONAL,
    "certificates.mine": PERSONAL,
    "toolkit.my_worksheets": PERSONAL,
    "toolkit.my_pack_pdf": PERSONAL,
    "evaluation.knowledge": PERSONAL,
    "evaluation.survey": PERSONAL,  # named by the course's days: another course has its own
    "agenda.join": PERSONAL_RECORD,  # a session of the course
    "toolkit.fill": PERSONAL_RECORD,  # an exercise of the course
    "toolkit.autosave": PERSONAL_RECORD,
    "toolkit.state": PERSONAL_RECORD,
    "toolkit.sheet_history": PERSONAL_RECORD,
    "toolkit.my_sheet_pdf": PERSONAL_RECORD,
    "followup.participant": PERSONAL_RECORD,  # a follow-up round of the course

    "agenda.self_checkin": CHECKIN,

    "courses.manage_list": STAFF,
    "courses.create": STAFF,
    "users.account": STAFF,
    "api.tokens": STAFF,  # one's own API tokens
    "auth.logout": STAFF,
    "auth.security": STAFF,  # their own two-step sign-in
    "auth.enrol": STAFF,
    "auth.disable": STAFF,
    "organisations.manage_list": STAFF,
    "organisations.create": STAFF,
    "reports.programme_page": STAFF,  # each sees the courses of their own teams
    "reports.programme_pdf": STAFF,
    "reports.programme_xlsx": STAFF,

    "users.manage_list": ADMIN,
    "users.create": ADMIN,
    "users.edit": ADMIN,
    "users.remove_second_factor": ADMIN,
    "audit.log": ADMIN,

    "organisations.edit": COURSE_STAFF,  # an organiser of the course: editable by its team
    "courses.manage": COURSE_STAFF,
    "courses.edit": COURSE_STAFF,
    "courses.clone": COURSE_STAFF,
    "courses.archive": COURSE_STAFF,
    "courses.team": COURSE_STAFF,
    "agenda.manage": COURSE_STAFF,
    "agenda.create": COURSE_STAFF,
    "agenda.edit": COURSE_STAFF,
    "agenda.move": COURSE_STAFF,
    "agenda.delete": COURSE_STAFF,
    "agenda.grid": COURSE_STAFF,
    "agenda.mark": COURSE_STAFF,
    "agenda.correct": COURSE_STAFF,
    "agenda.checkin_list": COURSE_STAFF,
    "agenda.projector": COURSE_STAFF,
    "agenda.report_upload": COURSE_STAFF,
    "agenda.report_review": COURSE_STAFF,
    "agenda.sheet": COURSE_STAFF,
    "agenda.signin_sheet": COURSE_STAFF,
    "agenda.speakers": COURSE_STAFF,
    "agenda.import_speakers": COURSE_STAFF,
    "agenda.paste_speakers": COURSE_STAFF,
    "certificates.manage": COURSE_STAFF,
    "certificates.download": COURSE_STAFF,
    "certificates.reissue": COURSE_STAFF,
    "certificates.revoke": COURSE_STAFF,
    "certificates.issue_one": COURSE_STAFF,
    "certificates.job_file": COURSE_STAFF,
    "certificates.retry_job": COURSE_STAFF,
    "certificates.preview": COURSE_STAFF,
    "certificates.settings": COURSE_STAFF,
    "reports.dashboard": COURSE_STAFF,
    "reports.donor_json": COURSE_STAFF,
    "reports.donor_pdf": COURSE_STAFF,
    "reports.donor_xlsx": COURSE_STAFF,
    "registrations.manage_list": COURSE_STAFF,
    "registrations.manage_detail": COURSE_STAFF,
    "registrations.manage_edit": COURSE_STAFF,
    "registrations.manage_link": COURSE_STAFF,
    "registrations.manage_merge": COURSE_STAFF,
    "registrations.export": COURSE_STAFF,
    "registrations.import_file": COURSE_STAFF,
    "registrations.manage_delegations": COURSE_STAFF,
    "registrations.manage_revoke_nomination": COURSE_STAFF,
    "evaluation.manage": COURSE_STAFF,
    "followup.manage": COURSE_STAFF,
    "groups.manage": COURSE_STAFF,
    "groups.import_file": COURSE_STAFF,
    "mail.outbox": COURSE_STAFF,
    "mail.send_unsent": COURSE_STAFF,
    "toolkit.manage": COURSE_STAFF,
    "toolkit.exercise": COURSE_STAFF,
    "toolkit.export": COURSE_STAFF,
    "toolkit.review": COURSE_STAFF,
    "toolkit.sheet_pdf": COURSE_STAFF,
    "toolkit.pack_pdf": COURSE_STAFF,
}

# Routes under /api/ that answer without a token: the API's index, its description and docs,
# checking a certificate's code.
API_PUBLIC = {"api.root", "api.openapi", "api.docs", "api.docs_asset", "api.verify"}

# The answers: a role is let in ("ok"), sent to sign in, refused (403), finds nothing (404),
# is asked for a token (401), or — another participant on a personal link naming nothing else —
# sees their own page, never this participant's ("own").
OK, LOGIN, FORBIDDEN, NOT_FOUND, UNAUTHORIZED, OWN = "ok", "login", "403", "404", "401", "own"

ROLES = ("anonymous", "participant", "other_participant", "trainer", "other_trainer",
         "other_trainer_own_course", "admin")
NOT_SIGNED_IN = ("anonymous", "participant", "other_participant")
STAFF_ROLES = ("trainer", "other_trainer", "other_trainer_own_course", "admin")

EXPECTED = {
    PUBLIC: dict.fromkeys(ROLES, OK),
    PERSONAL: {**dict.fromkeys(ROLES, NOT_FOUND), "participant": OK, "other_participant": OWN},
    PERSONAL_RECORD: {**dict.fromkeys(ROLES, NOT_FOUND), "participant": OK},
    CHECKIN: {**dict.fromkeys(ROLES, FORBIDDEN), "participant": OK},
    SIGN_IN_STEP: {**dict.fromkeys(NOT_SIGNED_IN, LOGIN), **dict.fromkeys(STAFF_ROLES, OK)},
    COURSE_STAFF: {**dict.fromkeys(NOT_SIGNED_IN, LOGIN), "trainer": OK, "other_trainer": FORBIDDEN,
                   "other_trainer_own_course": NOT_FOUND, "admin": OK},
    STAFF: {**dict.fromkeys(NOT_SIGNED_IN, LOGIN), **dict.fromkeys(STAFF_ROLES, OK)},
    ADMIN: {**dict.fromkeys(NOT_SIGNED_IN, LOGIN), "trainer": FORBIDDEN, "other_trainer": FORBIDDEN,
            "other_trainer_own_course": FORBIDDEN, "admin": OK},
    API_TOKEN: dict.fromkeys(ROLES, UNAUTHORIZED),
}
REFUSALS = (LOGIN, FORBIDDEN, NOT_FOUND, UNAUTHORIZED)

# URL arguments naming a record of the course (the other trainer's own course has none of them).
RECORD_ARGUMENTS = {"session_id", "sheet_id", "certificate_id", "registration_id", "other_id",
                    "job_id", "delegation_id", "speaker_id", "import_id", "key"}
# The report PDFs check access first, then refuse a bad filter (400): the matrix needs the check,
# not reports that take seconds to draw (tests/test_reports.py draws them).
QUERIES = {"reports.donor_pdf": "sex=unknown", "reports.programme_pdf": "year=unknown"}
# What a GET that lets the role in answers, when not 200.
LET_IN = {"reports.donor_pdf": 400, "reports.programme_pdf": 400}
SIGNED_IN_ELSEWHERE = {"auth.login", "auth.second_step"}  # staff signed in: off to their courses
# Requests that change what later requests of the same role find go last, in this order.
LAST = ("agenda.delete", "registrations.manage_merge", "registrations.cancel", "courses.archive")


def access_class(rule) -> str | None:
    if rule.rule.startswith("/api/"):
        return PUBLIC if rule.endpoint in API_PUBLIC else API_TOKEN
    return ACCESS.get(rule.endpoint)


def test_every_route_has_an_access_class(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                      if access_class(rule) is None})
    assert not missing, (f"Add these endpoints to ACCESS in tests/test_role_matrix.py with the "
                         f"access class their routes need: {missing}")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted((set(ACCESS) | API_PUBLIC) - endpoints)
    assert not stale, f"These endpoints are gone: remove them from tests/test_role_matrix.py: " \
                      f"{stale}"


# --- the demo, seeded once -----------------------------------------------------------------------

@dataclass
class World:
    """The demo course, who visits it, and the database rows to start each role's test from."""

    args: dict  # URL arguments naming the demo course's records
    overrides: dict  # by endpoint
    participant: dict  # token, email, id
    other_participant: dict  # of the other trainer's course
    emails: dict  # the staff accounts' by role: trainer, other_trainer, admin
    other_slug: str
    rows: dict  # table → rows


def write_job_files(job) -> None:
    """The finished job's merged PDF and ZIP, as the bulk issue leaves them (the pages serve them
    as files; their content does not matter here)."""
    storage().put(job_key(job, "merged"), b"%PDF-1.4\n%%EOF\n")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writing:
        writing.writestr("README.txt", "certificates")
    storage().put(job_key(job, "zip"), archive.getvalue())


def seed_world(app) -> World:
    """``seed-demo``, then what the demo lacks: a focal point's link, a finished issue job, an
    online session with an attendance report, a trainer with a course of their own and its
    participant, an administrator, a password reset link."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DEMO_TRAINER_PASSWORD", PASSWORD)
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    session_ = database.session
    course = session_.scalar(sa.select(Course).where(Course.slug == "jakarta-2025-wps"))
    member, sheet = team_sheet(course)
    certificate = session_.scalar(sa.select(Certificate).where(
        Certificate.registration_id == member.id))
    meeting = next(s for s in course.sessions if s.counts_for_attendance)
    delegation = invite_focal_point(course, "VN", "Focal Point", "focal@example.vn")
    job = IssueJob(course_id=course.id, state="finished")
    session_.add(job)
    meeting.online_url = "https://zoom.example/j/81234567890"  # its join link and report pages
    report = AttendanceImport(course_id=course.id, session_id=meeting.id, platform="zoom", rows=[
        {"name": member.certificate_name, "email": member.email, "minutes": 90,
         "registration_id": member.id}])
    session_.add(report)
    other_trainer = create_user("elsewhere@example.org", "Other Trainer", PASSWORD, role="trainer")
    admin = create_user("root@example.org", "Admin", PASSWORD, role="admin")
    elsewhere = create_course(other_trainer, CourseDetails(
        title=MultilingualText(en="Another course"), start_date=date(2025, 5, 5),
        end_date=date(2025, 5, 7), city=MultilingualText(en="Manila"), country="PH",
        timezone="Asia/Manila", contact_hours=Decimal("12"), second_languages=[]),
        slug="elsewhere-2025")
    outsider = Registration(course_id=elsewhere.id, full_name="Someone Else",
                            certificate_name="Someone Else", sex="female", age_group="35-44",
                            country="PH", organisation_type="government",
                            email="someone.else@example.org", language="en", status="approved")
    session_.add(outsider)
    session_.commit()
    write_job_files(job)
    other = next(r for r in course.registrations if r.id != member.id)
    first = lambda model: session_.scalar(  # noqa: E731
        sa.select(model.id).order_by(model.id).limit(1))
    logo = session_.scalar(sa.select(Organisation.logo).where(Organisation.logo.is_not(None)))
    args = {"slug": course.slug, "token": member.token, "key": "M11", "sheet_id": sheet.id,
            "country": "VN", "session_id": meeting.id, "registration_id": member.id,
            "other_id": other.id, "certificate_id": certificate.id, "code": certificate.code,
            "job_id": job.id, "kind": "merged", "format": "csv",
            "delegation_id": delegation.id, "speaker_id": first(Speaker),
            "organisation_id": course.organisations("organiser")[0].id,  # editable by the team
            "user_id": course.trainers[0].id, "name": logo,
            "filename": "css/app.css", "uid": meeting.uid, "import_id": report.id,
            "phase": "pre", "survey": "day-1", "number": 1}
    overrides = {"registrations.nominate": {"token": delegation.nomination_token},
                 "auth.reset_password": {"token": password_reset.token_for(admin)}}
    emails = {"trainer": course.trainers[0].email, "other_trainer": other_trainer.email,
              "admin": admin.email}
    people = [{"token": person.token, "email": person.email, "id": person.id}
              for person in (member, outsider)]
    return World(args, overrides, *people, emails, elsewhere.slug, snapshot())


def snapshot() -> dict:
    """Every row of every table."""
    return {table: [dict(row._mapping) for row in database.session.execute(sa.select(table))]
            for table in database.metadata.sorted_tables}


def restore(rows: dict) -> None:
    """The database as :func:`snapshot` saw it (the ids as they were; a sequence only ever grows,
    so new rows get new ids)."""
    database.session.rollback()
    with database.engine.begin() as connection:
        for table in reversed(database.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in database.metadata.sorted_tables:
            if rows[table]:
                connection.execute(table.insert(), rows[table])
    database.session.expire_all()


@pytest.fixture(scope="module")
def seeded(app):
    with app.app_context():
        world = seed_world(app)
        database.session.remove()
    return world


@pytest.fixture
def world(seeded, db):
    restore(seeded.rows)
    return seeded


# --- the requests --------------------------------------------------------------------------------

def url_for(rule, world: World, role: str) -> str:
    """The rule's URL for ``role``: the participants' own tokens, an unknown one for everyone else;
    the other trainer's own course in that role; a check-in code valid now."""
    tokens = {"participant": world.participant["token"],
              "other_participant": world.other_participant["token"]}
    values = {**world.args, **world.overrides.get(rule.endpoint, {})}
    if rule.rule.startswith("/p/"):
        values["token"] = tokens.get(role) or secrets.token_urlsafe(24)
    if role == "other_trainer_own_course":
        values["slug"] = world.other_slug
    if rule.endpoint == "agenda.self_checkin":
        values["code"] = checkin.code(values["session_id"])
    url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
    return f"{url}?{QUERIES[rule.endpoint]}" if rule.endpoint in QUERIES else url


def requests_for(app, role: str) -> list:
    """(rule, method, expected answer): GET where a route takes it, else its own method; the
    roles to be refused also send every other method the route takes. The other trainer on their
    own course only where a URL names one of this course's records (elsewhere they are at home).
    Requests that change much come last."""
    planned = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if role == "other_trainer_own_course" and not (
                "slug" in rule.arguments and set(rule.arguments) & RECORD_ARGUMENTS):
            continue
        expected = EXPECTED[access_class(rule)][role]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if expected not in REFUSALS:
            methods = ["GET"] if "GET" in methods else methods[:1]
        planned += [(rule, method, expected) for method in methods]
    order = {endpoint: index for index, endpoint in enumerate(LAST, start=1)}
    return sorted(planned, key=lambda item: (item[1] != "GET", order.get(item[0].endpoint, 0)))


class Writes:
    """The INSERT, UPDATE and DELETE statements sent, and whether each is the audit log's note
    of a download (which a GET may write)."""

    def __init__(self):
        self.sent = []

    def __call__(self, connection, cursor, statement, parameters, context, executemany):
        if is_write(statement):
            self.sent.append((" ".join(statement.split()[:3]), records_a_read(statement, context)))

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self)


def answer(response) -> str:
    """What a response amounts to: one of the refusals, or "ok"."""
    if response.status_code in (301, 302, 303, 307, 308) and \
            urlsplit(response.headers.get("Location", "")).path == "/login":
        return LOGIN
    return {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code, OK)


def sign_in_as(client, world: World, role: str) -> None:
    """Sign the role's staff account in; a participant's browser opens their personal link
    first (it then remembers it, for the QR check-in)."""
    email = world.emails.get(role.removesuffix("_own_course"))
    if email is not None:
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302 and answer(response) != LOGIN, \
            response.get_data(as_text=True)
    if role in ("participant", "other_participant"):
        assert client.get(f"/p/{getattr(world, role)['token']}/").status_code == 200


def let_in(rule, role: str) -> int:
    """The status of a GET letting ``role`` in."""
    if rule.endpoint in SIGNED_IN_ELSEWHERE and role in STAFF_ROLES:
        return 302
    return LET_IN.get(rule.endpoint, 200)


def check(method: str, url: str, expected: str, response, writes: list, marks: tuple,
          welcome: int) -> list:
    """What is wrong with a response (nothing: []); ``welcome``: the status of a GET letting the
    role in."""
    got, status = answer(response), response.status_code
    if status >= 500:
        return [(method, url, expected, status)]
    if expected == OWN:  # their own page, or their own "you have none"
        if any(mark.encode() in response.get_data() for mark in marks):
            return [(method, url, "their own page only", status)]
        return []
    if got != expected or expected == OK and method == "GET" and status != welcome:
        return [(method, url, expected, status)]
    if expected in REFUSALS and writes:
        return [(method, url, "a refusal writes nothing", writes)]
    if method == "GET" and any(not note for _statement, note in writes):
        return [(method, url, "a GET writes nothing", writes)]
    return []


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_the_role_as_its_access_class_says(app, client, db, world, role):
    sign_in_as(client, world, role)
    marks = (world.participant["email"], world.participant["token"])  # never on another's page
    failures = []
    for rule, method, expected in requests_for(app, role):
        url = url_for(rule, world, role)
        with Writes() as writes:
            response = client.open(url, method=method)
        failures += check(method, url, expected, response, writes.sent, marks, let_in(rule, role))
    assert failures == [], "\n".join(map(str, failures))
    status = db.session.scalar(sa.select(Registration.status).where(
        Registration.id == world.participant["id"]))
    assert status == "approved" or role in ("participant", "trainer", "admin")  # others left it
