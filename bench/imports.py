"""A participant import of 5,000 rows while someone else registers.

    .venv/bin/python bench/imports.py [--database sqlite|postgresql] [--rows 5000] [--via cli|web]

Builds a throw-away database (SQLite in a temporary folder, or the PostgreSQL database
`bench_imports` on 127.0.0.1:5432, dropped and made again) with one course, writes a valid CSV of
``--rows`` people, and imports it as a trainer would: `flask participants import` (``--via cli``,
the default) or the import page (``--via web``: a POST through the WSGI stack). Meanwhile a second
thread registers one participant every ~100 ms through the registration operation, in its own
app context and session, as the public form does in a POST (on SQLite: BEGIN IMMEDIATE).

Reports the import's total time and outcome, the longest time any one transaction of the import
held the write lock (SQLite: from BEGIN IMMEDIATE or its first write; PostgreSQL: from its first
write or row lock, FOR UPDATE; until its COMMIT or ROLLBACK), how many transactions it used, and
the other writer's registrations: how many, the slowest, how many waited more than a second and
how many failed (on the web a failure is the 503 page). The last line is
``import_s=… longest_lock_s=… writer_max_s=… writer_slow=… writer_failed=…`` (target:
writer_max_s < 1, writer_failed=0).
"""
import argparse
import string
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event

from support import database_url

PASSWORD = "bench-password-1"
COUNTRIES = ["VN", "ID", "TH", "PH", "KH", "TL", "MY", "LA", "MM", "SG", "BN"]
SEXES = ["female", "female", "male", "undisclosed"]
AGES = ["25-34", "35-44", "45-54"]
KINDS = ["cso", "academia"]


def word(number: int) -> str:
    """A name-like word of Latin letters for ``number`` (names may hold no digits)."""
    letters = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters.append(string.ascii_lowercase[digit])
    return "".join(letters).capitalize()


def write_csv(path: Path, rows: int, prefix: str = "p") -> None:
    """A valid export-style CSV of ``rows`` people with distinct emails."""
    lines = ["Full name,Sex,Age group,Country,Type of organisation,Organisation,Position,Email"]
    for number in range(rows):
        lines.append(f"Ana {word(number)} {word(number * 7 + 3)},{SEXES[number % 4]},"
                     f"{AGES[number % 3]},{COUNTRIES[number % 11]},{KINDS[number % 2]},"
                     f"Women's Union of {word(number % 50)},Officer,{prefix}{number}@example.org")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class LockWatch:
    """How long each transaction held the write lock, by thread.

    A transaction holds it from BEGIN IMMEDIATE (SQLite), its first INSERT/UPDATE/DELETE or a
    SELECT … FOR UPDATE, until its COMMIT or ROLLBACK is sent."""

    def __init__(self, engine):
        self.since: dict[int, float] = {}
        self.held: dict[int, list[float]] = {}
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)

    def statement(self, connection, cursor, statement, *args):
        words = statement.lstrip()[:30].upper()
        locking = words.startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")) or \
            "FOR UPDATE" in statement.upper()
        if locking:
            self.since.setdefault(threading.get_ident(), time.perf_counter())

    def end(self, connection):
        started = self.since.pop(threading.get_ident(), None)
        if started is not None:
            self.held.setdefault(threading.get_ident(), []).append(time.perf_counter() - started)


class Writer(threading.Thread):
    """Registers one participant every ``interval`` seconds until told to stop: each in its own
    app context, as a POST (on SQLite the transaction begins with the write lock)."""

    def __init__(self, app, course_id: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.app, self.course_id, self.interval = app, course_id, interval
        self.stop = threading.Event()
        self.seconds: list[float] = []
        self.failures: list[str] = []

    def run(self):
        from app.courses.models import Course
        from app.extensions import db
        from app.registrations.operations import Person, register

        number = 0
        while not self.stop.is_set():
            started = time.perf_counter()
            with self.app.test_request_context("/courses/bench/register", method="POST"):
                try:
                    course = db.session.get(Course, self.course_id)
                    register(course, Person(
                        full_name=f"Walk In {word(number)}", sex="female", age_group="35-44",
                        country="VN", organisation_type="cso", email=f"walk{number}@example.org"),
                        submission_key=f"walk-in-{number}", consent_version="1")
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 - counted: a 503 for the person registering
                    db.session.rollback()
                    self.failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                finally:
                    db.session.remove()
            took = time.perf_counter() - started
            self.seconds.append(took)
            number += 1
            self.stop.wait(max(0.0, self.interval - took))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--via", choices=("cli", "web"), default="cli")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between the other writer's registrations "
                             "(0: no other writer)")
    args = parser.parse_args()

    from app import create_app
    from app.auth.operations import create_user
    from app.courses.operations import CourseDetails, create_course
    from app.extensions import db
    from app.i18n.multilingual import MultilingualText
    from app.registrations.models import Registration

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.database, tmp, "bench_imports"),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": tmp,
                      "PDF_CACHE_FOLDER": f"{tmp}/pdf-cache",
                      "MAX_CONTENT_LENGTH": 64 * 1024 * 1024})
    with app.app_context():
        db.drop_all()
        db.create_all()
        trainer = create_user("bench@example.org", "Bench", PASSWORD)
        start = date.today() + timedelta(days=21)
        course = create_course(trainer, CourseDetails(
            title=MultilingualText(en="Bench"), start_date=start,
            end_date=start + timedelta(days=2), city=MultilingualText(en="Jakarta"), country="ID", timezone="Asia/Jakarta",
            contact_hours=Decimal(20)), slug="bench")
        course.requires_approval = False
        db.session.commit()
        course_id = course.id
        engine = db.engine
    path = Path(tmp) / "people.csv"
    write_csv(path, args.rows)
    print(f"{args.database}, via {args.via}: importing {args.rows} rows "
          f"({path.stat().st_size / 1e6:.1f} MB), " + (
              f"while another writer registers every {args.interval * 1000:.0f} ms"
              if args.interval else "no other writer"))

    client = app.test_client()
    if args.via == "web":
        assert client.post("/login", data={"email": "bench@example.org",
                                           "password": PASSWORD}).status_code == 302
    watch = LockWatch(engine)
    writer = Writer(app, course_id, args.interval)
    if args.interval:
        writer.start()
    time.sleep(0.3)  # the writer's first registrations happen before the import starts
    started = time.perf_counter()
    if args.via == "cli":
        result = app.test_cli_runner().invoke(args=["participants", "import", "bench", str(path)])
        outcome = (result.output.strip().splitlines() or [repr(result.exception)])[0]
        ok = result.exit_code == 0
    else:
        with path.open("rb") as stream:
            response = client.post("/manage/courses/bench/registrations/import",
                                   data={"file": (stream, "people.csv")},
                                   content_type="multipart/form-data")
        ok = response.status_code in (200, 302)
        outcome = f"HTTP {response.status_code}"
    took = time.perf_counter() - started
    importer = threading.get_ident()
    time.sleep(0.3)
    writer.stop.set()
    if args.interval:
        writer.join()
    writer.seconds = writer.seconds or [0.0]

    with app.app_context():
        imported = db.session.query(Registration).filter(
            Registration.email.like("p%@example.org")).count()
    held = watch.held.get(importer, [0.0])
    slow = sum(seconds > 1 for seconds in writer.seconds)
    print(f"import: {took:.2f} s, {'succeeded' if ok else 'FAILED'} ({outcome}); "
          f"{imported} of {args.rows} rows in the database")
    print(f"import's write transactions: {len(watch.held.get(importer, []))}, "
          f"longest held the lock {max(held):.2f} s, all together {sum(held):.2f} s")
    print(f"other writer: {len(writer.seconds)} registrations, "
          f"slowest {max(writer.seconds):.2f} s, "
          f"{slow} waited more than 1 s, {len(writer.failures)} failed")
    for failure in sorted(set(writer.failures)):
        print(f"  {writer.failures.count(failure)} x {failure}")
    print(f"import_s={took:.2f} longest_lock_s={max(held):.2f} "
          f"writer_max_s={max(writer.seconds):.2f} writer_slow={slow} "
          f"writer_failed={len(writer.failures)}")


if __name__ == "__main__":
    main()
