"""Online participation: who sees a session's meeting link, the participant's own join link
(following it during the session counts them present), and meeting platforms' participant
reports matched to the course's participants and applied all at once."""
import re
from dataclasses import asdict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import url_for

from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..i18n import _
from ..links import external_url
from ..registrations.models import Registration
from ..registrations.names import fold
from . import meeting_reports
from .models import AgendaSession, Attendance, AttendanceImport
from .operations import attendees, mark

EARLY = timedelta(minutes=15)  # following the join link this long before the start counts


class ReportRefused(ValueError):
    """An uploaded report or a review cannot be used; the message says why, translated."""


# Meeting links

def sees_links(registration: Registration | None) -> bool:
    """Meeting links are for approved participants (and staff), never for the public."""
    return registration is not None and registration.status == "approved" and not registration.anonymised_at


def join_links(registration: Registration | None, absolute: bool = False) -> dict[int, str]:
    """Each online session's join link for ``registration`` (by session id), or none at all
    when they may not see the links. ``absolute``: for emails, calendars and PDFs."""
    if not sees_links(registration):
        return {}
    make = external_url if absolute else url_for
    return {session.id: make("agenda.join", token=registration.token, uid=session.uid)
            for session in registration.course.sessions if session.online_url}


def staff_links(course: Course) -> dict[int, str]:
    """The meeting links themselves, for the trainers' pages."""
    return {session.id: session.online_url for session in course.sessions if session.online_url}


def meeting_origin(session: AgendaSession) -> str:
    """The scheme and host of the session's meeting link ("" if it is not a plain web address)."""
    parts = urlsplit(session.online_url)
    if parts.scheme in ("http", "https") and re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?", parts.netloc):
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def online_session(registration: Registration, uid: str) -> AgendaSession | None:
    """The session of a join link: of the participant's course, with a meeting link."""
    return db.session.scalar(sa.select(AgendaSession).where(
        AgendaSession.uid == (uid or "")[:40], AgendaSession.course_id == registration.course_id,
        AgendaSession.online_url != ""))


def in_window(session: AgendaSession, now: datetime | None = None) -> bool:
    """Whether following the join link now counts: from 15 minutes before the start to the end."""
    now = now or utcnow()
    return session.starts_at - EARLY <= now <= session.ends_at


def record_join(session: AgendaSession, registration: Registration, now: datetime | None = None) -> bool:
    """Mark the participant present by their join link if within the window and nothing is
    recorded yet (a trainer's mark, "absent" included, stands); return whether it was."""
    if not sees_links(registration) or not in_window(session, now):
        return False
    if _record_of(session, registration) is not None:
        return False
    mark(session, registration, method="link")
    return True


def _record_of(session: AgendaSession, registration: Registration) -> Attendance | None:
    return db.session.scalar(sa.select(Attendance).where(
        Attendance.session_id == session.id, Attendance.registration_id == registration.id))


# Meeting reports

def read_report(course: Course, session: AgendaSession, filename: str, data: bytes, by) -> AttendanceImport:
    """Read a Zoom or Teams report and keep its rows, each matched by email to an approved
    participant, or suggested by name, for the trainer's review. Refuse a file that cannot be
    read (:class:`meeting_reports.ReportUnreadable`) or that names none of the participants."""
    report = meeting_reports.parse(data)
    people = attendees(course)
    by_email = {person.email.casefold(): person.id for person in people}
    by_name: dict[str, set[int]] = {}
    for person in people:
        for name in {person.certificate_name, person.full_name, person.address_as}:
            if name:
                by_name.setdefault(fold(name), set()).add(person.id)
    rows = []
    for attendee in report.attendees:
        matched = by_email.get(attendee.email) if attendee.email else None
        named = by_name.get(fold(attendee.name), set())
        rows.append({**asdict(attendee), "registration_id": matched,
                     "suggested_id": next(iter(named)) if not matched and len(named) == 1 else None})
    if not any(row["registration_id"] or row["suggested_id"] for row in rows):
        raise ReportRefused(_("Nobody in this report is an approved participant of this course, by "
                              "email or by name: is it the right course and session?"))
    record = AttendanceImport(course_id=course.id, session_id=session.id, platform=report.platform,
                              filename=(filename or "")[:200], rows=rows, created_by_id=getattr(by, "id", None))
    db.session.add(record)
    db.session.flush()
    return record


def reports_of(session: AgendaSession) -> list[AttendanceImport]:
    return db.session.scalars(sa.select(AttendanceImport).where(
        AttendanceImport.session_id == session.id).order_by(AttendanceImport.created_at.desc())).all()


def apply_report(record: AttendanceImport, chosen: dict[int, int], by,
                 before_start: bool = False) -> tuple[int, int]:
    """Mark present, by "report", everyone the trainer kept or picked (``chosen``: row index →
    registration id), all or none: refuse (:class:`ReportRefused`) before writing anything if a
    choice is not an approved participant. Anyone already marked (by a trainer, "absent"
    included, or any other way) keeps their record. Return (recorded, already marked)."""
    if record.applied_at is not None:
        raise ReportRefused(_("This report has already been applied."))
    course = record.session.course
    people = {person.id: person for person in attendees(course)}
    rows = [dict(row) for row in record.rows]
    wrong = [index + 1 for index, rid in chosen.items()
             if not 0 <= index < len(rows) or rid not in people]
    if wrong:
        raise ReportRefused(_("Rows %(rows)s: not an approved participant of this course.",
                              rows=", ".join(map(str, sorted(wrong)))))
    recorded = already = 0
    for registration_id in dict.fromkeys(chosen[index] for index in sorted(chosen)):
        person = people[registration_id]
        if _record_of(record.session, person) is not None:
            already += 1
            continue
        mark(record.session, person, method="report", by=by, before_start=before_start)
        recorded += 1
    for index, row in enumerate(rows):
        row["applied_id"] = chosen.get(index)
    record.rows, record.applied_at = rows, utcnow()
    db.session.flush()
    return recorded, already


def review_rows(record: AttendanceImport) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """The report's rows (with their index) matched by email, and the others."""
    matched = [(index, row) for index, row in enumerate(record.rows) if row.get("registration_id")]
    others = [(index, row) for index, row in enumerate(record.rows) if not row.get("registration_id")]
    return matched, others


def choices_from(record: AttendanceImport, form) -> dict[int, int]:
    """The review page's answer (``form``: its posted fields) as row index → registration id:
    matched rows ticked under "keep", other rows whose select names a participant."""
    kept = set(form.getlist("keep"))
    chosen = {}
    for index, row in enumerate(record.rows):
        if row.get("registration_id"):
            if str(index) in kept:
                chosen[index] = row["registration_id"]
        else:
            picked = str(form.get(f"pick-{index}") or "")
            if picked.isdigit() and len(picked) < 10:
                chosen[index] = int(picked)
    return chosen
