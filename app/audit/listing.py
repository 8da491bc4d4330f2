"""The admins' audit log page: filters, pages by id (keyset: no OFFSET, so page 500 costs what
page 1 does) and what each event's target is now.

A page costs the same few queries whatever its size: the events (with their actor and course),
one query per kind of target among them, and the filters' lists of courses and staff.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..agenda.models import AgendaSession
from ..auth.models import User
from ..certificates.models import Certificate, IssueJob
from ..courses.models import Course
from ..extensions import db
from ..i18n import _, localize
from ..registrations.models import Registration
from .labels import ACTION_LABELS
from .models import AuditEvent

PAGE_SIZE = 50
UTC = "UTC"


@dataclass
class Filters:
    """What the page is asked for, as read from the URL (bad values are left out, with
    ``problems`` saying why)."""

    course: int | None = None
    action: str = ""
    actor: int | None = None
    since: date | None = None
    until: date | None = None
    zone: str = UTC
    before: int | None = None  # keyset: events older than this id
    after: int | None = None  # keyset: events newer than this id
    problems: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict[str, str]:
        """The URL's query for these filters (no page position) with ``changes``."""
        values = {"course": self.course, "action": self.action, "actor": self.actor,
                  "since": self.since, "until": self.until,
                  "tz": self.zone if self.zone != UTC else None, **changes}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class Target:
    """What an event was about, as it is now: ``exists`` is False once it was deleted (or its
    person anonymised), and the page then shows only its kind and id."""

    kind: str
    id: int
    label: str = ""
    exists: bool = False
    slug: str = ""  # the course of a registration, certificate or bulk issue
    code: str = ""  # a certificate's verification code


@dataclass
class Page:
    events: list[AuditEvent]
    targets: dict[tuple[str, int], Target]
    sessions: dict[int, str]  # the titles of the agenda sessions the events name, by id
    filters: Filters
    newer: int | None  # the id to ask for newer events from (after=), if any
    older: int | None  # the id to ask for older events from (before=), if any


def read_filters(args: Mapping[str, str]) -> Filters:
    """The filters of the page's URL; a value that cannot be read is dropped with a message."""
    filters = Filters()
    filters.course = _number(args, "course", filters)
    filters.actor = _number(args, "actor", filters)
    filters.before = _number(args, "before", filters)
    filters.after = _number(args, "after", filters)
    action = args.get("action", "")
    if action and action not in ACTION_LABELS:
        filters.problems.append(_("There is no such action."))
    else:
        filters.action = action
    zone = args.get("tz") or UTC
    if zone != UTC and zone not in available_timezones():
        filters.problems.append(_("There is no such time zone; times are shown in UTC."))
    else:
        filters.zone = zone
    filters.since, filters.until = _day(args, "since", filters), _day(args, "until", filters)
    if filters.since and filters.until and filters.since > filters.until:
        filters.problems.append(_("The first day comes after the last one."))
    return filters


def page(filters: Filters) -> Page:
    """The newest events matching ``filters``, or those just older (``before``) or newer
    (``after``) than an id."""
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor), joinedload(AuditEvent.course))
    query = _filtered(query, filters)
    if filters.after is not None and filters.before is None:
        found = db.session.scalars(query.where(AuditEvent.id > filters.after)
                                   .order_by(AuditEvent.id).limit(PAGE_SIZE + 1)).all()
        more_newer, events = len(found) > PAGE_SIZE, list(reversed(found[:PAGE_SIZE]))
        more_older = True
    else:
        if filters.before is not None:
            query = query.where(AuditEvent.id < filters.before)
        found = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)).all()
        more_older, events = len(found) > PAGE_SIZE, list(found[:PAGE_SIZE])
        more_newer = filters.before is not None
    return Page(events=events, targets=targets_of(events), sessions=sessions_of(events), filters=filters,
                newer=events[0].id if events and more_newer else None,
                older=events[-1].id if events and more_older else None)


def _filtered(query: sa.Select, filters: Filters) -> sa.Select:
    if filters.course is not None:
        query = query.where(AuditEvent.course_id == filters.course)
    if filters.actor is not None:
        query = query.where(AuditEvent.actor_id == filters.actor)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    zone = ZoneInfo(filters.zone)
    if filters.since:
        query = query.where(AuditEvent.at >= _midnight(filters.since, zone))
    if filters.until:
        query = query.where(AuditEvent.at < _midnight(filters.until + timedelta(days=1), zone))
    return query


def targets_of(events: list[AuditEvent]) -> dict[tuple[str, int], Target]:
    """Each event's target as it is now, one query per kind of target on the page. A
    registration's name is read here, for the admins' eyes, and never kept in the log."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.target_id is not None:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
    found: dict[tuple[str, int], Target] = {}
    if wanted.get("registration"):
        for rid, name, gone, slug in db.session.execute(
                sa.select(Registration.id, Registration.certificate_name, Registration.anonymised_at,
                          Course.slug).join(Course).where(Registration.id.in_(wanted["registration"]))):
            found["registration", rid] = Target("registration", rid, name, gone is None, slug)
    if wanted.get("certificate"):
        for cid, number, code, name, gone, slug in db.session.execute(
                sa.select(Certificate.id, Certificate.number, Certificate.code,
                          Registration.certificate_name, Registration.anonymised_at, Course.slug)
                .join(Registration, Certificate.registration_id == Registration.id).join(Course)
                .where(Certificate.id.in_(wanted["certificate"]))):
            found["certificate", cid] = Target("certificate", cid, f"{number} · {name}" if gone is None
                                               else number, gone is None, slug, code)
    if wanted.get("user"):
        for uid, name in db.session.execute(sa.select(User.id, User.name).where(
                User.id.in_(wanted["user"]))):
            found["user", uid] = Target("user", uid, name, True)
    if wanted.get("issue_job"):
        for jid, slug in db.session.execute(sa.select(IssueJob.id, Course.slug).join(
                Course, IssueJob.course_id == Course.id).where(IssueJob.id.in_(wanted["issue_job"]))):
            found["issue_job", jid] = Target("issue_job", jid, "", True, slug)
    for kind, ids in wanted.items():
        for missing in ids:
            found.setdefault((kind, missing), Target(kind, missing))
    return found


def sessions_of(events: list[AuditEvent]) -> dict[int, str]:
    """The titles (in the reader's language) of the agenda sessions named in the events'
    details: one query, or none."""
    wanted = {event.details["session"] for event in events
              if isinstance((event.details or {}).get("session"), int)}
    if not wanted:
        return {}
    return {sid: localize(title).text for sid, title in db.session.execute(
        sa.select(AgendaSession.id, AgendaSession.title).where(AgendaSession.id.in_(wanted)))}


def choices() -> tuple[list[Course], list[tuple[int, str]]]:
    """The filters' lists: every course (newest first) and every staff account, by name."""
    courses = db.session.scalars(sa.select(Course).order_by(Course.start_date.desc(), Course.id)).all()
    staff = db.session.execute(sa.select(User.id, User.name).order_by(User.name, User.id)).all()
    return courses, [(uid, name) for uid, name in staff]


def _number(args: Mapping[str, str], name: str, filters: Filters) -> int | None:
    value = args.get(name, "")
    if not value:
        return None
    if value.isdigit() and len(value) < 10:
        return int(value)
    filters.problems.append(_("“%(value)s” is not a number.", value=value[:40]))
    return None


def _day(args: Mapping[str, str], name: str, filters: Filters) -> date | None:
    value = args.get(name, "")
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        filters.problems.append(_("“%(value)s” is not a day: give it as 2025-04-09.", value=value[:40]))
        return None
    return day


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone``, as an aware moment."""
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)
