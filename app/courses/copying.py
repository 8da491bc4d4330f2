"""Copying a course to new dates: its settings and team, and only the parts the trainer ticks.

Registrations, attendance, worksheets, certificates and working groups themselves are never
copied: they belong to the people of the old course.
"""
from collections.abc import Collection
from datetime import date

from ..agenda.models import AgendaSession, SessionLead, Speaker
from ..agenda.operations import venue_moment
from ..auth.models import User
from ..certificates.models import CertificateSettings
from ..extensions import db
from ..toolkit.models import Exercise
from .models import Course
from .operations import clone_course

# What a copy may take along, in the form's order. "meeting_links" only counts with "agenda".
PARTS = ("objectives", "organisations", "agenda", "meeting_links", "exercises", "certificate",
         "grouping")
# Ticked when the form opens: how the course is run. Who funds it, what it aims at, who signs
# its certificates and which meetings it used belong to one event and are ticked on purpose.
DEFAULT_PARTS = ("agenda", "exercises", "grouping")


def copy_course(course: Course, creator: User, slug: str, start_date: date,
                parts: Collection[str]) -> Course:
    """A new course on ``start_date`` with ``course``'s settings and team and the ``parts``
    asked for (names in :data:`PARTS`); nothing else."""
    parts = set(parts)
    clone = clone_course(course, creator, slug, start_date, parts)
    sessions = copy_agenda(course, clone, "meeting_links" in parts) if "agenda" in parts else {}
    if "exercises" in parts:
        copy_exercises(course, clone, sessions)
    if "certificate" in parts:
        copy_certificate_settings(course, clone)
    db.session.flush()
    return clone


def copy_agenda(course: Course, clone: Course, meeting_links: bool) -> dict[int, AgendaSession]:
    """Copy the speakers and the sessions with their leads, each session on the same day of the
    course and at the same wall-clock time at the venue (whatever daylight saving does between
    the two dates); return the new session of each old session's id."""
    speakers = {}
    for speaker in course.speakers:
        # The photo's file is shared: uploads get fresh random names and are never rewritten
        # (app/organisations/logos.py), and no speaker's or signatory's file is ever deleted.
        speakers[speaker.id] = Speaker(name=speaker.name, title=speaker.title,
                                       organisation=speaker.organisation, bio=speaker.bio,
                                       photo=speaker.photo)
        clone.speakers.append(speakers[speaker.id])
    shift = clone.start_date - course.start_date
    sessions = {}
    for session in course.sessions:
        starts, ends = session.local(session.starts_at), session.local(session.ends_at)
        sessions[session.id] = AgendaSession(
            starts_at=venue_moment(clone, starts.date() + shift, starts.time()),
            ends_at=venue_moment(clone, ends.date() + shift, ends.time()),
            title=session.title, description=session.description, kind=session.kind,
            room=session.room, online_url=session.online_url if meeting_links else "",
            leads=[SessionLead(speaker=speakers[lead.speaker_id], role=lead.role,
                               position=lead.position) for lead in session.leads])
        clone.sessions.append(sessions[session.id])
    return sessions


def copy_exercises(course: Course, clone: Course, sessions: dict[int, AgendaSession]) -> None:
    """Copy the exercises (module, order, mode, instructions), linked to the copies of their
    sessions when the agenda was copied too."""
    for exercise in course.exercises:
        clone.exercises.append(Exercise(
            module_key=exercise.module_key, position=exercise.position, mode=exercise.mode,
            instructions=exercise.instructions, session=sessions.get(exercise.session_id)))


def copy_certificate_settings(course: Course, clone: Course) -> None:
    """Copy the certificate's layout, wording, languages and signatories. The signature images'
    files are shared, as the speakers' photos are (see :func:`copy_agenda`)."""
    settings = course.certificate_settings
    if settings is None:
        return
    clone.certificate_settings = CertificateSettings(**{
        column.key: getattr(settings, column.key)
        for column in CertificateSettings.__table__.columns if column.key != "course_id"})
