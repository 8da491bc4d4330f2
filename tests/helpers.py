"""Constants and small helpers shared by the tests."""
import os
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db

# Screenshots and PDFs to look at; each run of tests/run-all.sh has its own folder (they run at once).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or Path(__file__).parent / "artifacts")
PASSWORD = "correct horse battery"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def count(model) -> int:
    """Rows of ``model`` in the database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def sql_sent(work, selects_only: bool = False) -> list[str]:
    """The SQL statements ``work()`` sends (only its SELECTs: not the transaction's BEGIN)."""
    from sqlalchemy import event

    sent = []

    def note(conn, cursor, statement, *args):
        if not selects_only or statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return sent


def selects(work) -> int:
    """How many SELECT statements ``work()`` sends."""
    return len(sql_sent(work, selects_only=True))


def team_sheet(course, key: str = "M11", country: str = "VN"):
    """A member of ``country``'s team and the team's ``key`` sheet, as the demo filled it."""
    from app.toolkit import operations
    from app.toolkit.models import Exercise

    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.course_id == course.id,
                                                           Exercise.module_key == key))
    return next((person, sheet) for person in course.registrations if person.country == country
                for sheet in [operations.find_sheet(exercise, person)] if sheet is not None)


def wait_until(condition, seconds: float = 15) -> None:
    """Poll from Python until ``condition()`` holds (a page's CSP forbids Playwright's
    eval-based waiting)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stored(key: str) -> bytes:
    """The content of a file kept in the app's storage (app.storage)."""
    from app.storage import storage

    with storage().open(key) as stream:
        return stream.read()


def store_logo_file(name: str, data: bytes) -> None:
    """Put ``data`` in the storage under an uploaded image's ``name``, as an older version (or
    a damaged disk) may have left it: not checked, not re-encoded."""
    from app.organisations import logos
    from app.storage import storage

    storage().put(logos.key_of(name), data)
