"""The agenda and per-session sign-in sheets as printable PDFs (through :mod:`app.pdf`)."""
from datetime import date
from types import SimpleNamespace

from flask_babel import format_date

from ..certificates.languages import document_languages
from ..courses.models import Course
from ..i18n import _, current_language, format_date_range, timezone_label, use_language
from ..pdf import render_pdf
from .forms import KIND_LABELS, ROLE_LABELS
from .operations import attendees, days
from .models import AgendaSession


def agenda_pdf(course: Course, links: dict[int, str] | None = None) -> bytes:
    """The agenda on A4, in the course's working language and the reader's (or the languages
    the course's certificate settings choose). ``links``: the meeting link to print for each
    online session (an approved participant's join links); the public agenda has none."""
    agenda = days(course)
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

