"""The agenda as an iCalendar feed (served at ``/courses/<slug>/agenda.ics`` by the views, and
at ``/p/<token>/agenda.ics`` with an approved participant's join links).

One VEVENT per session, in the venue's time zone (with its VTIMEZONE), whose UID never
changes while its SEQUENCE counts the edits, so calendar apps update events in place.
"""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from ..courses.models import Course
from ..i18n import _, use_language
from .models import AgendaSession

PRODID = "-//Lokakarya//Agenda//EN"
UID_DOMAIN = "lokakarya"


def event_uid(session: AgendaSession) -> str:
    """The session's calendar UID: the same for its whole life, whatever is edited."""
    return f"{session.uid}@{UID_DOMAIN}"


def _role_label(role: str) -> str:
    # Literal msgids, so that extraction finds them (the same ones the agenda forms use).
    labels = {"facilitator": _("Facilitator"), "speaker": _("Speaker"), "moderator": _("Moderator")}
    return labels.get(role, role)


def _text(text, course: Course, language: str) -> str:
    return text.localize(language, [course.working_language]).text


def _description(session: AgendaSession, course: Course, language: str) -> str:
    """The session's description in ``language``, then who leads it, one line each."""
    parts = []
    description = _text(session.description, course, language)
    if description:
        parts.append(description)
    leads = []
    for lead in session.leads:
        person = lead.speaker
        who = ", ".join(part for part in (person.name, person.title, person.organisation) if part)
        leads.append(f"{_role_label(lead.role)}: {who}")
    if leads:
        parts.append("\n".join(leads))
    return "\n\n".join(parts)


def _location(session: AgendaSession, course: Course, language: str) -> str:
    return ", ".join(part for part in (session.room, _text(course.city, course, language)) if part)


def _timezone(course: Course) -> Timezone:
    """The VTIMEZONE of the venue, covering the course with a margin either side."""
    first, last = course.start_date, course.end_date
    for session in course.sessions:
        first = min(first, session.local(session.starts_at).date())
        last = max(last, session.local(session.ends_at).date())
    return Timezone.from_tzid(course.timezone, first_date=date(first.year - 1, 1, 1),
                              last_date=date(last.year + 2, 1, 1))


def _event(session: AgendaSession, course: Course, language: str, link: str = "") -> Event:
    event = Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", session.updated_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", session.local(session.starts_at))
    event.add("dtend", session.local(session.ends_at))
    event.add("summary", _text(session.title, course, language))
    description = _description(session, course, language)
    if link:  # in the text too: many calendar apps do not show an event's URL
        description = "\n\n".join(part for part in (description, f"{_('Join online')}: {link}") if part)
    if description:
        event.add("description", description)
    location = _location(session, course, language)
    if location:
        event.add("location", location)
    if link:
        event.add("url", link)
    event.add("categories", [session.kind])
    return event


def course_calendar(course: Course, language: str, links: dict[int, str] | None = None) -> bytes:
    """The course's agenda as an iCalendar file, its texts in ``language`` where written.

    ``links``: the meeting link to give for each online session (by id), for a feed that may
    carry them (an approved participant's own); the public feed carries none."""
    with use_language(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _text(course.title, course, language))
        calendar.add("x-wr-timezone", course.timezone)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        calendar.add_component(_timezone(course))
        for session in course.sessions:
            calendar.add_component(_event(session, course, language, (links or {}).get(session.id, "")))
        return calendar.to_ical()

