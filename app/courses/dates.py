"""The venue's calendar: every date shown or decided for a course is a day where it takes place.

Moments are stored in UTC; the day they fall on is read in the course's time zone
(``Course.timezone``), never the server's. A certificate issued at 18:30 UTC on 5 December for
a course in Jakarta (UTC+7) was issued on 6 December, on paper and on its verification page.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..database import utcnow


def venue_zone(course) -> ZoneInfo:
    return ZoneInfo(course.timezone)


def local_date(course, moment: datetime) -> date:
    """The day ``moment`` falls on at the course's venue."""
    return moment.astimezone(venue_zone(course)).date()


def course_today(course, now: datetime | None = None) -> date:
    """Today at the course's venue."""
    return local_date(course, now or utcnow())


def has_ended(course, now: datetime | None = None) -> bool:
    """The course's last day is over at its venue."""
    return course_today(course, now) > course.end_date


def before_last_day(course, now: datetime | None = None) -> bool:
    """The venue has not reached the course's last day yet (certificates would come early)."""
    return course_today(course, now) < course.end_date
