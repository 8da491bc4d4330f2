"""The demo's upcoming course: a one-day seminar in Vietnamese, on the first weekday three
weeks or more after the day ``seed-demo`` runs, with registration open from that day until the
day before, so that a fresh ``make run`` can be tried end to end. Running ``seed-demo`` again
leaves it as it is while registration is open, and moves it (agenda included) three weeks ahead
once its day has come.
"""
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import yaml

from .auth.models import User
from .courses.dates import course_today
from .courses.models import Course
from .courses.operations import CourseDetails, create_course
from .extensions import db
from .i18n.multilingual import MultilingualText as T

SLUG = "hanoi-action-month-seminar"
WEEKS_AHEAD = 3
DATA = Path(__file__).with_name("demo_seminar.yaml")


def seed(trainer: User) -> Course:
    """Create the seminar, or move it ahead if its day has come; never a second one."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    course = db.session.scalar(sa.select(Course).where(Course.slug == SLUG))
    if course is None:
        course = _create(trainer, data["course"])
    elif trainer not in course.trainers:
        course.trainers.append(trainer)
    if course_today(course) >= course.start_date:  # registration has closed: three weeks on
        _move(course)
    if not course.sessions:
        _agenda(course, data["sessions"])
    db.session.flush()
    return course


def _create(trainer: User, values: dict) -> Course:
    """The seminar, undated (``_move`` gives it its day), certificates in Vietnamese only."""
    from .certificates.operations import settings_for

    values = dict(values, contact_hours=Decimal(values["contact_hours"]),
                  objectives=[T(text) for text in values["objectives"]],
                  **{name: T(values[name]) for name in ("title", "description", "city", "venue")})
    course = create_course(trainer, CourseDetails(**values, start_date=date.min, end_date=date.min),
                           slug=SLUG)
    settings_for(course).language_mode = "participant"  # a national event run in Vietnamese
    return course


def _move(course: Course) -> None:
    """The seminar's day: three weeks from today at the venue, or the Monday after; registration
    open from today until the day before; the agenda follows, at the same times of day."""
    today = course_today(course)
    day = today + timedelta(weeks=WEEKS_AHEAD)
    if day.weekday() >= 5:  # Saturday or Sunday: the Monday after
        day += timedelta(days=7 - day.weekday())
    shift = day - course.start_date
    course.start_date = course.end_date = day
    course.registration_opens, course.registration_closes = today, day - timedelta(days=1)
    for session in course.sessions:
        session.starts_at = _shifted(course, session, session.starts_at, shift)
        session.ends_at = _shifted(course, session, session.ends_at, shift)


def _shifted(course: Course, session, moment, shift: timedelta):
    from .agenda.operations import venue_moment

    local = session.local(moment)
    return venue_moment(course, local.date() + shift, local.time())


def _agenda(course: Course, sessions: list[dict]) -> None:
    from .agenda.operations import SessionDetails, save_session

    for row in sessions:
        start, end = (time.fromisoformat(row[key]) for key in ("start", "end"))
        save_session(course, None, SessionDetails(
            day=course.start_date, start=start, end=end, title=T(row["title"]), kind=row["kind"],
            room=row.get("room", "")))
