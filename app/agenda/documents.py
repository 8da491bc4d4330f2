"""The agenda and per-session sign-in sheets as printable PDFs (through :mod:`app.pdf`)."""
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date

from ..certificates.languages import document_languages
from ..certificates.models import CertificateSettings
from ..courses.models import Course, CourseObjective, CourseOrganisation
from ..i18n import _, current_language, format_date_range, timezone_label, use_language
from ..organisations.models import Organisation
from ..pdf import cache, render_pdf
from ..registrations.models import Registration
from . import online
from .forms import KIND_LABELS, ROLE_LABELS
from .operations import attendees, days
from .models import AgendaSession, SessionLead, Speaker


COURSE = sa.bindparam("course_id", type_=sa.Integer)  # the course whose documents are keyed


def course_content() -> list:
    """What the course's documents show of the course itself, as parts of a cache key
    (:func:`app.pdf.cache.content`, the course's id as ``course_id``): the course, its
    objectives, organisers and donors (their logos by file name: a new logo is a new file),
    certificate settings (they choose the documents' languages), sessions, who leads them and
    those speakers."""
    sessions = sa.select(AgendaSession.id).where(AgendaSession.course_id == COURSE)
    linked = sa.select(CourseOrganisation.organisation_id).where(
        CourseOrganisation.course_id == COURSE)
    return [cache.rows("course", Course, Course.id == COURSE),
            cache.rows("objective", CourseObjective, CourseObjective.course_id == COURSE),
            cache.rows("link", CourseOrganisation, CourseOrganisation.course_id == COURSE),
            cache.rows("organisation", Organisation, Organisation.id.in_(linked)),
            cache.rows("settings", CertificateSettings, CertificateSettings.course_id == COURSE),
            cache.rows("session", AgendaSession, AgendaSession.course_id == COURSE),
            cache.rows("lead", SessionLead, SessionLead.session_id.in_(sessions)),
            cache.rows("speaker", Speaker, Speaker.course_id == COURSE)]


@lru_cache(maxsize=None)
def _agenda_content():
    return sa.union_all(*course_content())


def agenda_file(course: Course, reader: Registration | None = None) -> Path:
    """The agenda PDF from the cache (rendered once per content and language): the public one,
    or with ``reader``'s own join links when they may see them (one file per person then)."""
    personal = online.sees_links(reader)
    key = cache.key("agenda", current_language(), current_app.config["BASE_URL"],
                    reader.token if personal else None,
                    cache.content(_agenda_content(), course_id=course.id))
    return cache.get_or_render(key, lambda: agenda_pdf(
        course, online.join_links(reader, absolute=True) if personal else None), "agenda")


def agenda_pdf(course: Course, links: dict[int, str] | None = None) -> bytes:
    """The agenda on A4, in the course's working language and the reader's (or the languages
    the course's certificate settings choose). ``links``: the meeting link to print for each
    online session (an approved participant's join links); the public agenda has none."""
    agenda = days(course, shown=True)
    day_list = [day["day"] for day in agenda]
    wording = [_wording(course, language, day_list) for language in languages(course)]
    return render_pdf("agenda.html", course=course, agenda=agenda, wording=wording, links=links or {},
                      organisers=course.organisations("organiser"), donors=course.organisations("donor"))


def signin_sheet_pdf(course: Course, session: AgendaSession) -> bytes:
    """A paper sign-in sheet for one session, for venues without Wi-Fi."""
    day = session.local(session.starts_at).date()
    wording = [_wording(course, language, [day]) for language in languages(course)]
    return render_pdf("signin_sheet.html", course=course, session=session, day=day,
                      people=attendees(course), wording=wording)


def languages(course: Course) -> list[str]:
    """A document's languages: the course's working language, then the reader's if different;
    or as the course's certificate settings say (the reader's only, or a fixed pair)."""
    return document_languages(course, [course.working_language, current_language()])


def _wording(course: Course, language: str, day_list: list[date]) -> SimpleNamespace:
    """Everything a document says itself (not the organisers' text), in one ``language``."""
    with use_language(language):
        return SimpleNamespace(
            language=language,
            agenda=_("Agenda"),
            sign_in=_("Sign-in sheet"),
            organisers=_("Organised by"),
            donors=_("With the support of"),
            dates=format_date_range(course.start_date, course.end_date, "yMMMMd"),
            place=", ".join(text for text in (course.venue.localize(language).text,
                                              course.city.localize(language).text) if text),
            zone=_("All times: %(zone)s", zone=timezone_label(course.timezone)),
            days={day: _("Day %(number)d", number=(day - course.start_date).days + 1) + " · "
                  + format_date(day, "full") for day in day_list},
            kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
            roles={role: str(label) for role, label in ROLE_LABELS.items()},
            room=_("Room"),
            join=_("Join online"),
            participant_id=_("ID"),
            name=_("Name (as on the certificate)"),
            native_name=_("Name in own script"),
            country=_("Country"),
            signature=_("Signature"),
            no_participants=_("No approved participants yet."),
        )

