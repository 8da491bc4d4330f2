"""Building the agenda, and marking and counting attendance."""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.operations import record as audit
from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..i18n import _
from ..i18n.multilingual import MultilingualText
from ..registrations.models import Registration
from .models import AgendaSession, Attendance, AttendanceChange, SessionLead, Speaker


class AgendaRejected(ValueError):
    """The session cannot be saved as given; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class SessionDetails:
    day: date
    start: time
    end: time
    title: MultilingualText
    kind: str = "presentation"
    description: MultilingualText = field(default_factory=MultilingualText)
    room: str = ""
    online_url: str = ""
    leads: list[tuple[int, str]] = field(default_factory=list)  # (speaker id, role)


def venue_moment(course: Course, day: date, at: time) -> datetime:
    """A wall-clock time at the venue, as an aware UTC datetime (the zone's rules decide)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(course.timezone)).astimezone(ZoneInfo("UTC"))


def save_session(course: Course, session: AgendaSession | None, details: SessionDetails) -> AgendaSession:
    """Create or change a session; refuse one that ends first, falls outside the course or
    double-books its room."""
    if details.end <= details.start:
        raise AgendaRejected("end", _("The session must end after it starts."))
    if not course.start_date <= details.day <= course.end_date:
        raise AgendaRejected("day", _("The day must be within the course dates."))
    starts, ends = venue_moment(course, details.day, details.start), venue_moment(course, details.day, details.end)
    room = details.room.strip()
    if room:
        clash = db.session.scalar(sa.select(AgendaSession).where(
            AgendaSession.course_id == course.id, AgendaSession.room == room,
            AgendaSession.starts_at < ends, AgendaSession.ends_at > starts,
            AgendaSession.id != (session.id if session else -1)))
        if clash is not None:
            raise AgendaRejected("room", _("%(room)s is already booked then for “%(title)s”.",
                                           room=room, title=str(clash.title)))
    if session is None:
        session = AgendaSession()
        course.sessions.append(session)  # keeps a loaded course.sessions in step
    else:
        session.sequence += 1
    session.starts_at, session.ends_at = starts, ends
    session.title, session.description, session.kind = details.title, details.description, details.kind
    session.room, session.online_url = room, details.online_url.strip()
    speakers = {s.id: s for s in db.session.scalars(sa.select(Speaker).where(
        Speaker.course_id == course.id, Speaker.id.in_([sid for sid, _role in details.leads])))}
    session.leads = [SessionLead(speaker=speakers[sid], role=role, position=index)
                     for index, (sid, role) in enumerate(dict.fromkeys(details.leads)) if sid in speakers]
    db.session.flush()
    return session


def move_session(session: AgendaSession, minutes: int) -> None:
    """Shift a session earlier or later, keeping its length (the keyboard-friendly reorder)."""
    course = session.course
    local_start = session.local(session.starts_at)
    details = SessionDetails(
        day=local_start.date(), start=(local_start + timedelta(minutes=minutes)).time(),
        end=(session.local(session.ends_at) + timedelta(minutes=minutes)).time(), title=session.title,
        kind=session.kind, description=session.description, room=session.room,
        online_url=session.online_url, leads=[(lead.speaker_id, lead.role) for lead in session.leads])
    save_session(course, session, details)


def shown_sessions(course: Course) -> list[AgendaSession]:
    """The course's sessions with what the agenda shows of each, their leads and exercises, in
    three queries however many there are."""
    sessions = db.session.scalars(sa.select(AgendaSession).where(AgendaSession.course_id == course.id)
                                  .order_by(AgendaSession.starts_at, AgendaSession.room)
                                  .options(selectinload(AgendaSession.leads))).all()
    if "sessions" in sa.inspect(course).unloaded:
        set_committed_value(course, "sessions", list(sessions))
    by_session: dict[int | None, list] = {}
    for exercise in course.exercises:
        by_session.setdefault(exercise.session_id, []).append(exercise)
    for session in sessions:
        set_committed_value(session, "exercises", by_session.get(session.id, []))
    return sessions


def days(course: Course, shown: bool = False) -> list[dict]:
    """The agenda by day; each day's sessions grouped into time slots, parallel ones side by side.
    ``shown``: with each session's leads and exercises loaded (for the agenda's pages)."""
    result = []
    by_day: dict[date, list[AgendaSession]] = {}
    for session in (shown_sessions(course) if shown else course.sessions):
        by_day.setdefault(session.local(session.starts_at).date(), []).append(session)
    for day in sorted(by_day):
        slots: list[list[AgendaSession]] = []
        for session in sorted(by_day[day], key=lambda s: (s.starts_at, s.room)):
            if slots and any(session.starts_at < other.ends_at for other in slots[-1]):
                slots[-1].append(session)  # overlaps the slot: a parallel track
            else:
                slots.append([session])
        result.append({"day": day, "slots": slots})
    return result


class NotStarted(AgendaRejected):
    """A trainer marked a session that has not started without confirming it."""


def has_started(session: AgendaSession, now: datetime | None = None) -> bool:
    return session.starts_at <= (now or utcnow())


def early_mark(session: AgendaSession, confirmed: bool, field: str = "confirm_early") -> bool:
    """Whether a trainer's mark for ``session`` comes before it starts (so it is recorded as
    such); refuse it (:class:`NotStarted`) unless the trainer confirmed."""
    if has_started(session):
        return False
    if not confirmed:
        raise NotStarted(field, _("This session has not started yet, so nothing was recorded. "
                                  "Confirm to mark it anyway."))
    return True


def mark(session: AgendaSession, registration: Registration, *, present: bool = True, method: str,
         by=None, reason: str = "", client_key: str | None = None, before_start: bool = False) -> Attendance:
    """Record attendance once per (session, person); a repeated client key changes nothing.
    ``before_start``: the trainer confirmed marking a session that had not started. A mark by
    staff (``by``) goes in the audit log: a correction (with its ``reason``) or a mark (tablet,
    keyed-in sheet, meeting report), with the state before and after."""
    if client_key and db.session.scalar(sa.select(AttendanceChange.id).where(
            AttendanceChange.client_key == client_key)):
        return db.session.scalar(sa.select(Attendance).where(
            Attendance.session_id == session.id, Attendance.registration_id == registration.id))
    record = db.session.scalar(sa.select(Attendance).where(
        Attendance.session_id == session.id, Attendance.registration_id == registration.id))
    if by is not None:
        audit("attendance.correct" if reason else "attendance.mark", course=session.course,
              target=registration, actor=by,
              details={"session": session.id, "old": _state(record), "new": _state(present),
                       "method": method, **({"early": True} if before_start else {})})
    if record is None:
        record = Attendance(session_id=session.id, registration_id=registration.id, method=method)
        db.session.add(record)
    record.present, record.method, record.reason = present, method, reason[:300]
    record.marked_by_id, record.marked_at = getattr(by, "id", None), utcnow()
    db.session.flush()
    db.session.add(AttendanceChange(attendance_id=record.id, present=present, method=method,
                                    marked_by_id=record.marked_by_id, reason=reason[:300],
                                    client_key=client_key, before_start=before_start))
    db.session.flush()
    return record


def _state(record: Attendance | bool | None) -> str:
    """An attendance state as the audit log keeps it: "present", "absent" or "" (none yet)."""
    present = record if isinstance(record, bool) or record is None else record.present
    return "" if present is None else "present" if present else "absent"


def attendees(course: Course) -> list[Registration]:
    """Who is expected: approved participants, by country then name."""
    return db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.status == "approved",
        Registration.anonymised_at.is_(None)).order_by(Registration.country, Registration.certificate_name)).all()


def grid(course: Course) -> tuple[list[AgendaSession], list[Registration], dict[tuple[int, int], str]]:
    """Sessions, participants and how each (session, registration) pair marked present was
    recorded (trainer, qr, sheet, link, report): two queries."""
    sessions = [s for s in course.sessions if s.counts_for_attendance]
    people = attendees(course)
    present = {(sid, rid): method for sid, rid, method in db.session.execute(
        sa.select(Attendance.session_id, Attendance.registration_id, Attendance.method).join(
            AgendaSession).where(AgendaSession.course_id == course.id, Attendance.present))}
    return sessions, people, present


def rates(course: Course) -> dict[int, float]:
    """Each participant's attendance, 0–100, by hours or by sessions as the course counts it.

    Parallel sessions form one slot: attending any of them counts for the slot.
    """
    _sessions, people, present = grid(course)
    slots = [[s.id for s in slot if s.counts_for_attendance] for day in days(course) for slot in day["slots"]]
    slots = [slot for slot in slots if slot]
    hours = {s.id: s.hours for s in course.sessions}
    weights = [max(hours[sid] for sid in slot) if course.attendance_basis == "hours" else 1.0
               for slot in slots]
    total = sum(weights)
    attended: dict[int, set[int]] = {}
    for sid, rid in present:
        attended.setdefault(rid, set()).add(sid)
    return {person.id: (100.0 * sum(weight for slot, weight in zip(slots, weights)
                                    if attended.get(person.id, set()) & set(slot)) / total if total else 0.0)
            for person in people}


def eligible(course: Course) -> dict[int, bool]:
    """Whether each participant meets the course's attendance threshold."""
    return {rid: rate >= course.attendance_threshold for rid, rate in rates(course).items()}


# A keyed-in sign-in sheet: "P-0042", "p42", "0042" and "42" all name participant 42.
SHEET_ID = re.compile(r"(?:P-?)?0*(\d{1,9})", re.I)


def sheet_ids(text: str) -> set[int]:
    """The participant numbers written in a sign-in sheet's ID column (as keyed in)."""
    return {int(number) for number in SHEET_ID.findall(text or "") if int(number) < 2**31}


def mark_sheet(course: Course, session: AgendaSession, text: str, by, before_start: bool = False) -> int:
    """Mark everyone a keyed-in sheet names present, or no one if an ID is not an approved
    participant of the course (:class:`AgendaRejected` names them); return how many."""
    wanted = sheet_ids(text)
    people = {registration.id: registration for registration in attendees(course)}
    unknown = sorted(wanted - set(people))
    if unknown:
        raise AgendaRejected("ids", _("Not participants of this course: %(ids)s",
                                      ids=", ".join(f"P-{n:04d}" for n in unknown)))
    for number in sorted(wanted):
        mark(session, people[number], method="sheet", by=by, before_start=before_start)
    return len(wanted)
