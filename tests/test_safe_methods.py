"""GET, HEAD and OPTIONS only read: link checkers and mail scanners must never change anything.

A HEAD request to a team's worksheet link once saved an empty form over the team's answers. These
tests send every safe method to every route of the app, with the demo's real ids and tokens, and
count the statements that would change the database: a route added later is covered by itself.
"""
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.agenda import checkin
from app.agenda.models import AttendanceImport, Speaker
from app.auth.models import User
from app.certificates.models import Certificate, IssueJob
from app.database import SafeMethodWrite, is_write, records_a_read
from app.organisations.models import Organisation
from app.registrations.operations import invite_focal_point
from helpers import PASSWORD, team_sheet

SAFE = ("GET", "HEAD", "OPTIONS")


class WriteCounter:
    """Count INSERT, UPDATE and DELETE statements (before the app's own guard refuses them),
    but for the audit log's note of a download of personal data (``records_a_read``)."""

    def __init__(self):
        self.statements = []

    def __call__(self, connection, cursor, statement, parameters, context, executemany):
        if is_write(statement) and not records_a_read(statement, context):
            self.statements.append(" ".join(statement.split()[:3]))

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self, insert=True)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self)


@pytest.fixture
def demo(demo_course, db):
    """The seeded demo course, and the ids and tokens its URLs take."""
    course = demo_course
    member, sheet = team_sheet(course)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.registration_id == member.id))
    session = next(s for s in course.sessions if s.counts_for_attendance)
    delegation = invite_focal_point(course, "VN", "Focal Point", "focal@example.vn")
    db.session.add(IssueJob(course_id=course.id, state="finished"))
    session.online_url = "https://zoom.example/j/81234567890"  # its join link and report pages
    report = AttendanceImport(course_id=course.id, session_id=session.id, platform="zoom", rows=[
        {"name": member.certificate_name, "email": member.email, "minutes": 90, "registration_id": member.id}])
    db.session.add(report)
    db.session.commit()
    other = next(r for r in course.registrations if r.id != member.id)
    first = lambda model: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))  # noqa: E731
    logo = db.session.scalar(sa.select(Organisation.logo).where(Organisation.logo.is_not(None)))
    args = {"slug": course.slug, "token": member.token, "key": "M11", "sheet_id": sheet.id,
            "country": "VN", "session_id": session.id, "registration_id": member.id,
            "other_id": other.id, "certificate_id": certificate.id, "code": certificate.code,
            "job_id": first(IssueJob) or 1, "kind": "merged", "format": "csv",
            "delegation_id": delegation.id, "speaker_id": first(Speaker),
            "organisation_id": first(Organisation), "user_id": first(User), "name": logo,
            "filename": "css/app.css", "uid": session.uid, "import_id": report.id,
            "phase": "pre", "survey": "day-1", "number": 1}
    by_endpoint = {"agenda.self_checkin": {"code": checkin.code(session.id)},
                   "registrations.nominate": {"token": delegation.nomination_token}}
    return course, sheet, args, by_endpoint


def url_for_rule(rule, args: dict, overrides: dict) -> str:
    values = {**args, **overrides.get(rule.endpoint, {})}
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_a_head_request_leaves_a_teams_worksheet_as_it_was(client, db, demo):
    """The report: `curl -I` on the Viet Nam team's M11 link emptied its six action-plan rows."""
    course, sheet, args, _ = demo
    answers, version = dict(sheet.answers), sheet.version
    assert len(answers["actions"]) >= 2
    with WriteCounter() as writes:
        for method in SAFE:
            response = client.open(f"/p/{args['token']}/worksheets/M11", method=method)
            assert response.status_code == 200, method
    db.session.expire_all()
    assert writes.statements == []
    assert (sheet.answers, sheet.version) == (answers, version)


def test_no_route_writes_on_get_head_or_options(app, client, db, demo, login):
    """Every route of the app, signed in as an administrator on the course's team, and as a
    participant whose browser knows their personal link (for the QR check-in)."""
    course, _sheet, args, overrides = demo
    admin = User(email="admin@example.org", name="Admin", role="admin")
    admin.set_password(PASSWORD)
    db.session.add(admin)
    db.session.commit()
    login(admin)
    client.get(f"/p/{args['token']}/")  # remembers the personal link in this browser
    failures, visited = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, args, overrides)
        for method in SAFE:
            with WriteCounter() as writes:
                try:
                    response = client.open(url, method=method)
                except SafeMethodWrite as refused:
                    failures.append((method, url, str(refused)))
                    continue
            visited += 1
            if writes.statements or response.status_code >= 500:
                failures.append((method, url, response.status_code, writes.statements))
    assert failures == []
    assert visited > 150


def test_a_write_on_a_reading_request_is_refused_in_production(app, db):
    """Outside tests the guard rolls the request back and answers 405; nothing is stored."""
    from app import create_app
    from app.extensions import db as extension

    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI":
                             app.config["SQLALCHEMY_DATABASE_URI"],
                             "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})

    @production.route("/careless")
    def careless():
        extension.session.add(Organisation(acronym="X", name={"en": "X"}, website=""))
        extension.session.commit()
        return "written"

    client = production.test_client()
    for method in ("GET", "HEAD"):
        response = client.open("/careless", method=method)
        assert response.status_code == 405
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    with production.app_context():
        extension.engine.dispose()
