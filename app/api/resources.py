"""What the API's views read and change, with the rights and rules of the staff pages.

Rights are the pages' (:func:`app.auth.access.can_manage`: trainers their team's courses, admins
all); changes go through the operations the pages call (registering, changing a status, marking
attendance), so every rule, email and history entry is theirs. This module only finds records,
pages through them, and turns the API's input into those operations' arguments.
"""
import hashlib

import sqlalchemy as sa
from flask import abort
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..agenda import operations as agenda
from ..agenda.models import AgendaSession, Attendance
from ..auth.access import can_manage
from ..auth.models import User
from ..certificates.models import Certificate
from ..courses.dates import local_date
from ..courses.models import Course
from ..extensions import db
from ..forms import CONTROL_CHARACTERS
from ..i18n import _
from ..i18n.languages import LANGUAGES
from ..registrations import listing
from ..registrations import operations as registrations
from ..registrations.forms import OTHER
from ..registrations.models import Registration
from ..reports.report import as_json, course_report
from ..toolkit.models import Exercise, Worksheet
from .pagination import Page, keyset_page
from .problems import ApiProblem

MAX_KEY = 200  # characters of a slug or code looked up (longer ones name nothing)


def _lookup_text(value: str) -> bool:
    """Whether a URL's text may be looked up (PostgreSQL refuses NUL and other controls)."""
    return len(value) <= MAX_KEY and not CONTROL_CHARACTERS.search(value)


# Courses

def managed_course(slug: str) -> Course:
    """The course of a URL: 404 if unknown, 403 if the token's owner is not on its team."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug)) \
        if _lookup_text(slug) else None
    if course is None:
        abort(404)
    if not can_manage(current_user, course):
        raise ApiProblem(403, kind="not-on-team",
                         detail=_("Your account does not manage this course."))
    return course


def courses(limit: int, cursor: str | None) -> Page:
    """The courses the token's owner manages (admins: all), by id."""
    query = sa.select(Course)
    if not current_user.is_admin:
        query = query.where(Course.trainers.any(User.id == current_user.id))
    return keyset_page("courses", query, [Course.id], limit, cursor)


def sessions(course: Course, limit: int, cursor: str | None) -> Page:
    """The course's agenda, in time order."""
    query = sa.select(AgendaSession).where(AgendaSession.course_id == course.id).options(
        selectinload(AgendaSession.leads))
    return keyset_page("sessions", query, [AgendaSession.starts_at, AgendaSession.id], limit, cursor)


def session_of(course: Course, session_id: int) -> AgendaSession:
    found = db.session.get(AgendaSession, session_id)
    if found is None or found.course_id != course.id:
        abort(404)
    return found


def report(course: Course) -> dict:
    """The donor report's figures, the JSON of ``flask report <slug> --format json``."""
    return as_json(course_report(course, donor=True))


# Registrations

def registrations_page(course: Course, filters: dict, limit: int, cursor: str | None) -> Page:
    """The course's registrations (the list page's filters: status, country), by id."""
    query = listing.filtered(course, {name: filters[name] for name in ("status", "country")
                                      if filters.get(name)})
    return keyset_page("registrations", query, [Registration.id], limit, cursor)


def registration_of(course: Course, registration_id: int) -> Registration:
    """A registration of the course (not anonymised), as the staff pages find it."""
    found = db.session.get(Registration, registration_id)
    if found is None or found.course_id != course.id or found.anonymised_at:
        abort(404)
    return found


def register(course: Course, data: dict) -> Registration:
    """Register someone as the registration form does (a place if free, else the waitlist; the
    personal link emailed), refused while the course's registration is not open (409)."""
    state = registrations.registration_state(course)
    if state != "open":
        raise ApiProblem(409, kind="registration-closed", detail=_(
            "Registration opens on %(date)s.",
            date=format_date(course.registration_opens, "long", rebase=False))
            if state == "not_yet" else _("Registration for this course is closed."))
    if course.mode == "hybrid" and not data["attendance_mode"]:
        raise ApiProblem(422, kind="invalid-body",
                         errors={"attendance_mode": [_("This field is required.")]})
    person = registrations.Person(**{
        **data, "ministry": "" if data["ministry"] == OTHER else data["ministry"],
        "language": data["language"] or (course.working_language
                                         if course.working_language in LANGUAGES else "en")})
    return registrations.register(course, person, actor=current_user)


def change_status(registration: Registration, status: str, reason: str) -> Registration:
    """The staff page's status change: recorded, the participant told, the waitlist moved up."""
    registrations.change_status(registration, status, current_user, reason)
    return registration


# Attendance

def attendance_page(session: AgendaSession, limit: int, cursor: str | None) -> Page:
    query = sa.select(Attendance).where(Attendance.session_id == session.id)
    return keyset_page("attendance", query, [Attendance.registration_id], limit, cursor)


def mark(course: Course, session: AgendaSession, registration_id: int, data: dict) -> Attendance:
    """Mark an approved participant present or absent, as the check-in list does ("trainer"),
    a session that has not started only when confirmed (409 otherwise)."""
    registration = registration_of(course, registration_id)
    if registration.status != "approved":
        raise ApiProblem(409, kind="not-approved",
                         detail=_("This person is not an approved participant of the course."))
    try:
        early = agenda.early_mark(session, data["confirm_early"])
    except agenda.NotStarted as refusal:
        raise ApiProblem(409, kind="session-not-started", detail=str(refusal)) from None
    return agenda.mark(session, registration, present=data["present"], method="trainer",
                       by=current_user, reason=data["reason"], client_key=_attendance_key(
                           session, registration, data["key"]), before_start=early)


def _attendance_key(session: AgendaSession, registration: Registration, key: str | None) -> str | None:
    """The check-in list's idempotency key for a client's ``key``: one per session and person
    (the same key sent for another record is another mark) and apart from the tablets' keys."""
    if not key:
        return None
    digest = hashlib.sha256(f"{session.id}:{registration.id}:{key}".encode("utf-8", "replace"))
    return "api:" + digest.hexdigest()[:60]


# Worksheets

def worksheets(course: Course, exercise: str | None, limit: int, cursor: str | None) -> Page:
    """The answers of the course's worksheets, by id (``exercise``: one module's)."""
    query = sa.select(Worksheet).join(Exercise).where(Exercise.course_id == course.id).options(
        joinedload(Worksheet.exercise), joinedload(Worksheet.registration),
        joinedload(Worksheet.delegation), joinedload(Worksheet.group))
    if exercise:
        query = query.where(Exercise.module_key == exercise)
    return keyset_page("worksheets", query, [Worksheet.id], limit, cursor)


def worksheet_of(course: Course, sheet_id: int) -> Worksheet:
    found = db.session.get(Worksheet, sheet_id)
    if found is None or found.exercise.course_id != course.id:
        abort(404)
    return found


# Certificates

def _course_certificates(course: Course) -> sa.Select:
    return sa.select(Certificate).join(Registration).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None)).options(
        joinedload(Certificate.registration))


def certificates(course: Course, limit: int, cursor: str | None) -> Page:
    return keyset_page("certificates", _course_certificates(course), [Certificate.id], limit, cursor)


def certificate_of(course: Course, certificate_id: int) -> Certificate:
    found = db.session.scalar(_course_certificates(course).where(Certificate.id == certificate_id))
    if found is None:
        abort(404)
    return found


def verification(code: str) -> dict:
    """What /verify/<code> shows of a certificate, for anybody holding its code (404 otherwise)."""
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.code == code[:40])) \
        if code and _lookup_text(code) else None
    if certificate is None or certificate.registration.anonymised_at:
        abort(404)
    registration = certificate.registration
    course = registration.course
    return {"status": certificate.status, "number": certificate.number,
            "holder": registration.certificate_name, "holder_native_name": registration.native_name,
            "course": course, "hours": certificate.hours,
            "issued_on": local_date(course, certificate.issued_at),
            "revoked_on": local_date(course, certificate.revoked_at)
            if certificate.status == "revoked" and certificate.revoked_at else None,
            "revoke_reason": certificate.revoke_reason if certificate.status == "revoked" else ""}
