"""The trainers' registration list and the export with 2,000 registrations.

    .venv/bin/python bench/registrations.py [--registrations 2000] [--requests 200]

Builds a throw-away SQLite database (or uses $BENCH_DATABASE_URL, which it empties), then reports:
the SQL queries the list page (its first page of 50, unfiltered and filtered) and the export run,
at 100 and at the full number of registrations (they must not grow); and p50/p95 of the list
page next to a bare Flask route, both served in-process through the same WSGI stack, each
request in its own app context and database session as in production.
One registration in a hundred shares its email with the one before, so the duplicate check finds
some. ``--index "CREATE INDEX …"`` (repeatable) tries an index on the fresh database first.

The last line is ``list_p95_ms=<x> bare_p95_ms=<y> ratio=<x/y>`` for the slower of the
unfiltered and the filtered list (target: ratio <= 20); the line before gives both ratios.
"""
import argparse
import io
import tempfile
import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event

from support import latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--index", action="append", default=[], metavar="SQL",
                        help="CREATE INDEX … to run on the fresh database first (to try one)")
    args = parser.parse_args()

    import os

    from app import create_app
    from app.auth.operations import create_user
    from app.courses.models import Course
    from app.courses.operations import CourseDetails, create_course
    from app.extensions import db
    from app.i18n.multilingual import MultilingualText
    from app.registrations.exchange import write_xlsx
    from app.registrations.operations import Person, register

    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": tmp})

    @app.route("/bench-bare")
    def bare():
        return "ok"

    listing = "/manage/courses/bench/registrations/"
    pages = [("list", listing), ("filtered", listing + "?country=VN&q=nguyen")]
    queries = []
    with app.app_context():  # the set-up's own context; each request below gets a fresh one
        db.drop_all()
        db.create_all()
        engine = db.engine
        for statement in args.index:
            db.session.execute(sa.text(statement))
        trainer = create_user("bench@example.org", "Bench", "bench-password-1")
        course = create_course(trainer, CourseDetails(
            title=MultilingualText(en="Bench"), start_date=date(2030, 1, 6), end_date=date(2030, 1, 8),
            city=MultilingualText(en="Jakarta"), country="ID", timezone="Asia/Jakarta",
            contact_hours=Decimal(20)), slug="bench")
        db.session.commit()
        course_id = course.id
    event.listen(engine, "before_cursor_execute", lambda *a, **k: queries.append(1))
    countries = ["VN", "ID", "TH", "PH", "KH", "TL", "MY", "LA", "MM", "SG", "BN"]
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "bench-password-1"})
    measured = {}
    done = 0
    for target in (100, args.registrations):
        with app.app_context():
            course = db.session.get(Course, course_id)
            for index in range(done, target):
                register(course, Person(
                    full_name=f"Participant {index} Nguyễn", sex=("female", "male")[index % 2],
                    age_group="35-44", country=countries[index % 11], organisation_type="cso",
                    organisation="Example",
                    email=f"p{index - (index % 100 == 99)}@example.org"), notify=False)
            db.session.commit()
        done = target
        for name, path in [*pages, ("export", None)]:
            queries.clear()
            if path:
                assert client.get(path).status_code == 200
            else:
                with app.app_context():
                    write_xlsx(db.session.get(Course, course_id), io.BytesIO())
            measured[name, target] = len(queries)
    for name in ("list", "filtered", "export"):
        print(f"{name:9} SQL queries: {measured[name, 100]:3d} at 100 registrations, "
              f"{measured[name, args.registrations]:3d} at {args.registrations}")

    def timing(path: str) -> tuple[float, float]:
        return latency(client, path, args.requests, warm_up=5)

    p95s = {}
    for label, path in [("bare Flask route", "/bench-bare"), ("list, unfiltered", pages[0][1]),
                        ("list, filtered", pages[1][1])]:
        p50, p95 = timing(path)
        p95s[label] = p95
        print(f"{label:18} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    with app.app_context():
        started = time.perf_counter()
        write_xlsx(db.session.get(Course, course_id), io.BytesIO())
        print(f"export (xlsx)      {(time.perf_counter() - started) * 1000:7.1f} ms")
    bare = p95s.pop("bare Flask route")
    print(" ".join(f"{label.split(', ')[1]}_ratio={p95 / bare:.1f}" for label, p95 in p95s.items()))
    worst = max(p95s.values())
    print(f"list_p95_ms={worst:.2f} bare_p95_ms={bare:.2f} ratio={worst / bare:.1f}")

if __name__ == "__main__":
    main()
