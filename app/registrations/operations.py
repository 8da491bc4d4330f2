"""Registering, changing status, the waitlist, delegations and personal links."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from ..courses.dates import course_today
from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from . import signals
from .models import ACTIVE_STATUSES, ATTENDANCE_MODES, Delegation, Registration, RegistrationEvent, \
    new_token
from .names import certificate_name, default_certificate_language, fold, nfc, search_key


@dataclass
class Person:
    """What a participant tells us about themself, as plain data."""

    full_name: str
    sex: str
    age_group: str
    country: str
    organisation_type: str
    email: str
    family_name: str = ""
    given_names: str = ""
    name_order: str = "given_first"
    honorific: str = ""
    native_name: str = ""
    address_as: str = ""
    ministry: str = ""
    organisation: str = ""
    position: str = ""
    province: str = ""  # or city, as typed
    phone: str = ""
    language: str = "en"
    certificate_language: str = ""
    dietary: str = ""
    accessibility: str = ""
    attendance_mode: str = ""  # hybrid courses: "in_person" or "online"


def registration_state(course: Course, today: date | None = None) -> str:
    """"open", "not_yet", "closed" (archived, or past its closing day) or "ended" (the course's
    last day is over): the dates are days in the venue's calendar."""
    today = today or course_today(course)
    if course.archived_at is not None:
        return "closed"
    if today > course.end_date:
        return "ended"
    if course.registration_opens and today < course.registration_opens:
        return "not_yet"
    if course.registration_closes and today > course.registration_closes:
        return "closed"
    return "open"


def find_by_token(token: str) -> Registration | None:
    """The registration of a personal link, or None (unknown, revoked or anonymised); its course
    and delegation come in the same statement (every personal page shows them)."""
    if not token or len(token) > 64:
        return None
    registration = db.session.scalar(sa.select(Registration).where(Registration.token == token).options(
        sa.orm.joinedload(Registration.course), sa.orm.joinedload(Registration.delegation)))
    return None if registration is None or registration.anonymised_at else registration


def register(course: Course, person: Person, *, submission_key: str | None = None,
             consent_version: str = "", actor=None, delegation: Delegation | None = None,
             notify: bool = True, status: str | None = None) -> Registration:
    """Register ``person``: a place if one is free, else the waitlist. Idempotent per submission key.

    ``status`` (an import's Status column) is taken as asked, except that one holding a place
    (pending, approved) goes on the waitlist when no place is free."""
    submission_key = (submission_key or "")[:64] or None
    _lock(course)
    if submission_key:  # checked under the lock: two sendings of one form make one registration
        existing = db.session.scalar(sa.select(Registration).where(
            Registration.course_id == course.id, Registration.submission_key == submission_key))
        if existing is not None:
            return existing
    registration = Registration(course_id=course.id, submission_key=submission_key,
                                consent_version=consent_version,
                                consent_at=utcnow() if consent_version else None)
    apply_person(registration, person)
    registration.attendance_mode = attendance_mode_for(course, person.attendance_mode)
    with db.session.no_autoflush:  # count places before this registration takes one
        registration.status = status if status and status not in ACTIVE_STATUSES else \
            "waitlisted" if not has_place(course, registration.country) else \
            status or ("pending" if course.requires_approval else "approved")
    registration.delegation = delegation or delegation_for(course, registration.country)
    db.session.add(registration)
    _record(registration, None, registration.status, actor, "")
    db.session.flush()
    if notify:
        signals.personal_link.send(registration)
    return registration


def apply_person(registration: Registration, person: Person) -> None:
    """Copy a person's details onto a registration, names NFC-normalised."""
    for name in ("full_name", "family_name", "given_names", "honorific", "native_name", "address_as",
                 "organisation", "position", "province", "dietary", "accessibility", "phone"):
        setattr(registration, name, nfc(getattr(person, name)))
    for name in ("name_order", "sex", "age_group", "country", "organisation_type", "ministry", "language"):
        setattr(registration, name, getattr(person, name))
    registration.email = nfc(person.email).lower()
    registration.certificate_language = person.certificate_language or \
        default_certificate_language(person.country)
    refresh_names(registration)


def refresh_names(registration: Registration) -> None:
    """Recompute the printed and the searchable name from the name parts."""
    registration.certificate_name = certificate_name(
        registration.full_name, registration.family_name, registration.given_names,
        registration.name_order, registration.honorific)
    registration.search_name = search_key(
        registration.full_name, registration.family_name, registration.given_names,
        registration.native_name, registration.address_as, registration.email)[:1200]


def update_person(registration: Registration, person: Person) -> None:
    """A trainer's correction of someone's details (the delegation follows the country)."""
    apply_person(registration, person)
    registration.attendance_mode = attendance_mode_for(
        registration.course, person.attendance_mode or registration.attendance_mode)
    registration.delegation = delegation_for(registration.course, registration.country)
    db.session.flush()


def attendance_mode_for(course: Course, asked: str) -> str:
    """How someone takes part: as they chose on a hybrid course, else as the course is held."""
    if course.mode == "hybrid" and asked in ATTENDANCE_MODES:
        return asked
    return "online" if course.mode == "online" else "in_person"


def delegation_for(course: Course, country: str) -> Delegation:
    delegation = db.session.scalar(sa.select(Delegation).where(
        Delegation.course_id == course.id, Delegation.country == country))
    if delegation is None:
        delegation = Delegation(course_id=course.id, country=country)
        db.session.add(delegation)
        db.session.flush()
    return delegation


def places_taken(course: Course, country: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Registration).where(
        Registration.course_id == course.id, Registration.status.in_(ACTIVE_STATUSES))
    if country:
        query = query.where(Registration.country == country)
    return db.session.scalar(query)


def places_left(course: Course, country: str) -> int | None:
    """Places still free for ``country`` (None: no limit)."""
    limits = []
    if course.capacity is not None:
        limits.append(course.capacity - places_taken(course))
    if course.country_quota is not None:
        limits.append(course.country_quota - places_taken(course, country))
    return max(0, min(limits)) if limits else None


def nominate(course: Course, delegation: Delegation, people: list[Person],
             submission_key: str) -> list[Registration]:
    """Register a focal point's delegation in one go: those past the quota go on the waitlist,
    and sending the same form again changes nothing."""
    return [register(course, person, delegation=delegation,
                     submission_key=f"{(submission_key or '')[:40]}-{index}")
            for index, person in enumerate(people)]


def revoke_nomination(delegation: Delegation) -> None:
    delegation.nomination_token = None
    db.session.flush()


def has_place(course: Course, country: str) -> bool:
    """Whether one more person from ``country`` fits the capacity and the country quota."""
    if course.capacity is not None and places_taken(course) >= course.capacity:
        return False
    if course.country_quota is not None and country and \
            places_taken(course, country) >= course.country_quota:
        return False
    return True


def change_status(registration: Registration, status: str, actor=None, reason: str = "",
                  notify: bool = True) -> bool:
    """Move a registration to ``status``, record it, tell the participant; promote the waitlist."""
    old = registration.status
    if old == status:
        return False
    _lock(registration.course)
    registration.status = status
    _record(registration, old, status, actor, reason)
    db.session.flush()
    if notify:
        signals.status_changed.send(registration, reason=reason)
    if old in ACTIVE_STATUSES and status not in ACTIVE_STATUSES:
        promote_waitlist(registration.course, notify, keep_waiting=registration)
    return True


def promote_waitlist(course: Course, notify: bool = True,
                     keep_waiting: Registration | None = None) -> list[Registration]:
    """Give freed places to the waitlist, first come first served, within country quotas."""
    promoted = []
    waiting = db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.status == "waitlisted")
        .order_by(Registration.submitted_at, Registration.id)).all()
    for registration in waiting:
        if registration is keep_waiting:
            continue  # a trainer just put this person on the waitlist
        if course.capacity is not None and places_taken(course) >= course.capacity:
            break
        if not has_place(course, registration.country):
            continue
        new = "pending" if course.requires_approval else "approved"
        _record(registration, registration.status, new, None, "waitlist")
        registration.status = new
        db.session.flush()
        if notify:
            signals.status_changed.send(registration, reason="waitlist")
        promoted.append(registration)
    return promoted


def send_link(registration: Registration, renew: bool = False) -> None:
    """Send the participant their personal link again; ``renew``: a new one, the old one
    stops working."""
    if renew:
        renew_link(registration)
    signals.personal_link.send(registration)


def renew_link(registration: Registration) -> str:
    """Revoke the personal link by issuing a new one; return the new token."""
    registration.token = new_token()
    db.session.flush()
    return registration.token


def duplicates_of(registration: Registration) -> list[Registration]:
    """Other registrations for the course with the same email, or the same name and country."""
    name = fold(registration.full_name)
    candidates = db.session.scalars(sa.select(Registration).where(
        Registration.course_id == registration.course_id, Registration.id != registration.id,
        Registration.anonymised_at.is_(None),
        sa.or_(Registration.email == registration.email, Registration.country == registration.country)))
    return [other for other in candidates
            if other.email == registration.email or fold(other.full_name) == name]


def merge(keep: Registration, duplicate: Registration, actor) -> None:
    """Fill ``keep``'s empty details from ``duplicate``, then remove the duplicate."""
    if keep.id == duplicate.id:
        raise ValueError("a registration cannot be merged into itself")
    for name in ("family_name", "given_names", "honorific", "native_name", "address_as", "ministry",
                 "organisation", "position", "province", "phone", "dietary", "accessibility"):
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    refresh_names(keep)
    was_active = duplicate.status in ACTIVE_STATUSES
    _record(keep, keep.status, keep.status, actor, f"merged duplicate #{duplicate.id}")
    db.session.delete(duplicate)
    db.session.flush()
    if was_active:
        promote_waitlist(keep.course)


def invite_focal_point(course: Course, country: str, name: str, email: str) -> Delegation:
    """Give a country's focal point a (new) nomination link and send it."""
    delegation = delegation_for(course, country)
    delegation.focal_name, delegation.focal_email = nfc(name), nfc(email).lower()
    delegation.nomination_token = new_token()
    db.session.flush()
    signals.focal_point_invited.send(delegation)
    return delegation


def _record(registration: Registration, old: str | None, new: str, actor, reason: str) -> None:
    registration.events.append(RegistrationEvent(
        old_status=old, new_status=new, actor_id=getattr(actor, "id", None), reason=reason[:500]))


def _lock(course: Course) -> None:
    """Serialise place-counting per course: a row lock on PostgreSQL; on SQLite, writing
    requests hold the database's write lock from their first statement (see database.py)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())

