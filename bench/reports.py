"""The monitoring reports of a programme: 50 courses, 2,000 registrations.

    .venv/bin/python bench/reports.py [--database sqlite|postgresql] [--requests 100]

Builds a throw-away database (SQLite in a temporary folder, or the PostgreSQL database
`lokakarya_bench`, dropped and made again) holding 50 courses, each with 12 sessions (one a
break), three exercises (one individual, two per country team), and its participants' attendance,
worksheets, pre- and post-tests and end-of-day evaluations. Then reports the SQL statements of
the dashboard (the first course), the donor report (XLSX and PDF of that course) and the
programme report (all 50 courses: page, XLSX, PDF) at 100 and at 2,000 registrations (they must
not grow), and p50/p95 of the dashboard next to a bare Flask route, both served in-process
through the same WSGI stack, each request in its own app context and database session.

The last line is ``dashboard_p95_ms=<x> bare_p95_ms=<y> queries_100=<a> queries_2000=<b>``
(the dashboard's statements at 100 and at 2,000 registrations).
"""
import argparse
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event

from support import database_url, latency

COURSES = 50
COUNTRIES = ["VN", "ID", "TH", "PH", "KH", "TL", "MY", "LA", "MM", "SG", "BN"]
SEXES = ["female", "female", "male", "undisclosed"]
PASSWORD = "bench-password-1"


def build_courses(db, trainer) -> list[int]:
    """50 courses of three days from January 2025 on, each with its sessions and exercises."""
    from app.agenda.models import AgendaSession
    from app.courses.operations import CourseDetails, create_course
    from app.i18n.multilingual import MultilingualText
    from app.toolkit.models import Exercise

    ids = []
    for number in range(COURSES):
        start = date(2025, 1, 6) + timedelta(days=7 * number)
        course = create_course(trainer, CourseDetails(
            title=MultilingualText(en=f"Course {number + 1}"), start_date=start,
            end_date=start + timedelta(days=2), city=MultilingualText(en="Jakarta"), country="ID",
            timezone="Asia/Jakarta", contact_hours=Decimal(20)), slug=f"bench-{number + 1}")
        for day in range(3):
            for slot in range(4):
                begins = datetime(start.year, start.month, start.day, 2 + 2 * slot, tzinfo=timezone.utc) \
                    + timedelta(days=day)
                db.session.add(AgendaSession(
                    course=course, starts_at=begins, ends_at=begins + timedelta(hours=1, minutes=30),
                    title=MultilingualText(en=f"Session {day + 1}.{slot + 1}"),
                    kind="break" if (day, slot) == (0, 1) else "presentation"))
        for position, (key, mode) in enumerate((("M1", "individual"), ("M3", "team"), ("M11", "team"))):
            db.session.add(Exercise(course=course, module_key=key, mode=mode, position=position))
        ids.append(course.id)
    db.session.commit()
    return ids


def grow(db, course_ids: list[int], total: int) -> None:
    """Bring the programme to ``total`` registrations, spread over the courses: most approved,
    attending most sessions, with worksheets, tests and an evaluation."""
    from app.agenda.models import AgendaSession, Attendance
    from app.evaluation.models import EvaluationResponse, KnowledgeAttempt
    from app.registrations.models import Delegation, Registration
    from app.toolkit.models import Exercise, Worksheet

    have = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    sessions = {cid: db.session.scalars(sa.select(AgendaSession.id).where(
        AgendaSession.course_id == cid).order_by(AgendaSession.starts_at)).all() for cid in course_ids}
    exercises = {cid: db.session.scalars(sa.select(Exercise).where(Exercise.course_id == cid)).all()
                 for cid in course_ids}
    delegations = {(d.course_id, d.country): d for d in db.session.scalars(sa.select(Delegation))}
    for index in range(have, total):
        cid = course_ids[index % COURSES]
        country = COUNTRIES[(index // COURSES) % len(COUNTRIES)]
        person = Registration(course_id=cid, full_name=f"Participant {index}", certificate_name=f"Participant {index}",
                              sex=SEXES[index % 4], age_group="35-44", country=country,
                              organisation_type="government" if index % 3 else "cso",
                              ministry="mofa" if index % 3 else "", email=f"p{index}@example.org",
                              status="approved" if index % 10 else "pending")
        db.session.add(person)
        db.session.flush()
        if person.status != "approved":
            continue
        db.session.add_all([Attendance(session_id=sid, registration_id=person.id, method="trainer")
                            for position, sid in enumerate(sessions[cid]) if (index + position) % 5])
        for exercise in exercises[cid]:
            if exercise.mode == "individual":
                db.session.add(Worksheet(exercise=exercise, registration_id=person.id, version=index % 3,
                                         status="submitted" if index % 3 == 2 else "draft"))
            elif (cid, country) not in delegations:
                delegations[cid, country] = Delegation(course_id=cid, country=country)
                db.session.add(delegations[cid, country])
                db.session.flush()
                db.session.add(Worksheet(exercise=exercise, delegation_id=delegations[cid, country].id,
                                         version=1, status="draft"))
        db.session.add_all([
            KnowledgeAttempt(course_id=cid, registration_id=person.id, phase="pre", score=index % 6, out_of=8),
            KnowledgeAttempt(course_id=cid, registration_id=person.id, phase="post", score=2 + index % 7, out_of=8),
            EvaluationResponse(course_id=cid, survey="day-1", answers={
                "relevant": str(1 + index % 5), "clear": str(1 + (index // 2) % 5), "most_useful": "Tools"})])
        if index % 200 == 0:
            db.session.flush()
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    from app import create_app
    from app.auth.operations import create_user
    from app.extensions import db

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.database, tmp), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": tmp, "PDF_CACHE_FOLDER": f"{tmp}/pdf-cache"})

    @app.route("/bench-bare")
    def bare():
        return "ok"

    with app.app_context():  # the set-up's own context; each request below gets a fresh one
        db.drop_all()
        db.create_all()
        engine = db.engine
        trainer = create_user("bench@example.org", "Bench", PASSWORD)
        course_ids = build_courses(db, trainer)
    course = "/manage/courses/bench-1"
    pages = [("dashboard", f"{course}/dashboard"), ("donor XLSX", f"{course}/report.xlsx"),
             ("donor PDF", f"{course}/report.pdf"), ("programme", "/manage/reports/"),
             ("programme XLSX", "/manage/reports/programme.xlsx"),
             ("programme PDF", "/manage/reports/programme.pdf")]
    client = app.test_client()
    assert client.post("/login", data={"email": "bench@example.org", "password": PASSWORD}).status_code == 302
    sent = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: sent.append(1))
    measured, seconds = {}, {}
    for target in (100, args.registrations):
        with app.app_context():
            grow(db, course_ids, target)
        for name, path in pages:
            sent.clear()
            started = time.perf_counter()
            response = client.get(path)
            seconds[name, target] = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            measured[name, target] = len(sent)
    print(f"{args.database}: {COURSES} courses, SQL statements per request (and time of one request)")
    for name, _path in pages:
        print(f"{name:15} {measured[name, 100]:3d} at 100 registrations ({seconds[name, 100] * 1000:6.0f} ms), "
              f"{measured[name, args.registrations]:3d} at {args.registrations} "
              f"({seconds[name, args.registrations] * 1000:6.0f} ms)")

    def timing(path: str) -> tuple[float, float]:
        return latency(client, path, args.requests)

    bare_p50, bare_p95 = timing("/bench-bare")
    p50, p95 = timing(pages[0][1])
    print(f"bare Flask route   p50 {bare_p50:7.2f} ms  p95 {bare_p95:7.2f} ms")
    print(f"dashboard          p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (ratio {p95 / bare_p95:.0f})")
    print(f"dashboard_p95_ms={p95:.2f} bare_p95_ms={bare_p95:.2f} "
          f"queries_100={measured['dashboard', 100]} queries_2000={measured['dashboard', args.registrations]}")


if __name__ == "__main__":
    main()
