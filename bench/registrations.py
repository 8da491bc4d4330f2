"""The trainers' registration list and the export with 2,000 registrations.

    .venv/bin/python bench/registrations.py [--registrations 2000] [--requests 60]

Builds a throw-away SQLite database (or uses $BENCH_DATABASE_URL, which it empties), then reports:
the SQL queries the list page (unfiltered and filtered) and the export run, at 100 and at the full
number of registrations (they must not grow); and p50/p95 of the list page next to a bare Flask
route, both served in-process through the same WSGI stack.
"""
import argparse
import io
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    import os

    from app import create_app
    from app.auth.operations import create_user
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

    queries = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: queries.append(1))
        trainer = create_user("bench@example.org", "Bench", "bench-password-1")
        course = create_course(trainer, CourseDetails(
            title=MultilingualText(en="Bench"), start_date=date(2030, 1, 6), end_date=date(2030, 1, 8),
            city=MultilingualText(en="Jakarta"), country="ID", timezone="Asia/Jakarta",
            contact_hours=Decimal(20)), slug="bench")
        db.session.commit()
        countries = ["VN", "ID", "TH", "PH", "KH", "TL", "MY", "LA", "MM", "SG", "BN"]
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": "bench-password-1"})
        measured = {}
        done = 0
        for target in (100, args.registrations):
            for index in range(done, target):
                register(course, Person(
                    full_name=f"Participant {index} Nguyễn", sex=("female", "male")[index % 2],
                    age_group="35-44", country=countries[index % 11], organisation_type="cso",
                    organisation="Example", email=f"p{index}@example.org"), notify=False)
            db.session.commit()
            done = target
            for name, path in [("list", "/manage/courses/bench/registrations/"),
                               ("filtered", "/manage/courses/bench/registrations/?country=VN&q=nguyen"),
                               ("export", None)]:
                queries.clear()
                if path:
                    assert client.get(path).status_code == 200
                else:
                    write_xlsx(course, io.BytesIO())
                measured[name, target] = len(queries)
        for name in ("list", "filtered", "export"):
            print(f"{name:9} SQL queries: {measured[name, 100]:3d} at 100 registrations, "
                  f"{measured[name, args.registrations]:3d} at {args.registrations}")

        def timing(path: str) -> tuple[float, float]:
            samples = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(path)
                samples.append(time.perf_counter() - started)
            samples.sort()
            return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000

        for label, path in [("bare Flask route", "/bench-bare"),
                            ("list, unfiltered", "/manage/courses/bench/registrations/"),
                            ("list, filtered", "/manage/courses/bench/registrations/?country=VN&q=nguyen")]:
            p50, p95 = timing(path)
            print(f"{label:18} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        started = time.perf_counter()
        write_xlsx(course, io.BytesIO())
        print(f"export (xlsx)      {(time.perf_counter() - started) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
