"""Load what a URL names, or answer 404/403: the course, the managed course, the participant."""
import sqlalchemy as sa
from flask import abort, session as cookie
from flask_login import current_user

from ..auth.access import can_manage
from ..courses.models import Course
from ..extensions import db
from ..i18n import page_for
from ..registrations.models import Registration
from ..registrations.operations import find_by_token


def get_course(slug: str) -> Course:
    """The course of a URL (404 if unknown); its pages speak its working language by default."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    page_for(course=course)
    return course


def get_managed_course(slug: str) -> Course:
    """The course for a staff page: 404 if unknown, 403 if not on its team. Staff pages speak
    the staff member's language (their choice, else their browser's), not the course's."""
    course = db.first_or_404(sa.select(Course).where(Course.slug == slug))
    if not can_manage(current_user, course):
        abort(403)
    return course


def get_of_course(model, identifier: int, course: Course):
    """The ``model`` row ``identifier`` of ``course`` (by its ``course_id``), or 404: a URL naming
    another course's record finds nothing."""
    found = db.session.get(model, identifier)
    if found is None or found.course_id != course.id:
        abort(404)
    return found


def get_registration(token: str) -> Registration:
    """The participant of a personal link (404 if unknown); their own page speaks the language
    they registered in."""
    registration = find_by_token(token)
    if registration is None:
        abort(404)
    page_for(participant=registration)
    return registration


def remember_participant(registration: Registration) -> None:
    """Let this browser check in by scanning: remember its personal link for the course."""
    known = dict(cookie.get("participant") or {})
    if known.get(str(registration.course_id)) != registration.token:
        known[str(registration.course_id)] = registration.token
        cookie["participant"] = known
        cookie.permanent = True


def remembered_participant(course_id: int) -> Registration | None:
    """The participant whose personal link this browser opened for the course, if any."""
    token = (cookie.get("participant") or {}).get(str(course_id))
    return find_by_token(token) if token else None
