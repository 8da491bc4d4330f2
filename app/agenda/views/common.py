"""What the agenda's pages share: the managed session of a URL and the template helpers."""
from datetime import date

from flask_babel import format_date, format_time

from ...courses.dates import venue_zone
from ...courses.forms import timezone_choices
from ...registrations.models import Registration
from ...web.loaders import get_managed_course, get_of_course
from ...web.templates import add_helper, helper
from ..forms import KIND_LABELS, ROLE_LABELS
from ..models import AgendaSession
from ..online import staff_links
from ..pages import personal_agenda

add_helper(timezone_choices)
add_helper(staff_links)  # meeting links on the trainers' agenda
add_helper(personal_agenda)  # the agenda on a participant's page, kept rendered


add_helper(venue_zone, "course_zone")  # the venue's zone, for templates


@helper("format_time")
def local_time(moment, format: str = "HH:mm") -> str:
    """A time already in the zone it should be read in (no rebasing onto the user's zone)."""
    return format_time(moment, format, rebase=False)


@helper()
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@helper()
def lead_role_label(role: str) -> str:
    """Facilitator, speaker or moderator (staff accounts' roles are ``role_label``)."""
    return str(ROLE_LABELS.get(role, role))


@helper()
def participant_id(registration: Registration) -> str:
    return f"P-{registration.id:04d}"


def get_managed_session(slug: str, session_id: int):
    """The course of a staff URL and its session (404 if the session is another course's)."""
    course = get_managed_course(slug)
    return course, get_of_course(AgendaSession, session_id, course)


def format_day(day: date) -> str:
    return format_date(day, "full")
