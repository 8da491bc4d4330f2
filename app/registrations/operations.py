"""Registering, changing status, the waitlist, delegations and personal links."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import ngettext
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.operations import record
from ..auth import throttle
from ..courses.dates import course_today
from ..courses.models import Course
from ..database import insert_many, utcnow
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
             notify: bool = True, status: str | None = None,
             daily_cap: int | None = None) -> Registration:
    """Register ``person``: a place if one is free, else the waitlist. Idempotent per submission key.

    ``status`` (an import's Status column) is taken as asked, except that one holding a place
    (pending, approved) goes on the waitlist when no place is free. ``daily_cap`` (the public
    form): raise :class:`DailyCapReached` when that many registrations already came from the
    person's email address in the last 24 hours."""
    submission_key = (submission_key or "")[:64] or None
    _lock(course)
    if submission_key:  # checked under the lock: two sendings of one form make one registration
        existing = db.session.scalar(sa.select(Registration).where(
            Registration.course_id == course.id, Registration.submission_key == submission_key))
        if existing is not None:
            return existing
    if daily_cap is not None:
        check_daily_cap(person.email, daily_cap)
    registration = Registration(course_id=course.id, submission_key=submission_key,
                                consent_version=consent_version,
                                consent_at=utcnow() if consent_version else None)
    apply_person(registration, person)
    registration.attendance_mode = attendance_mode_for(course, person.attendance_mode)
    with db.session.no_autoflush:  # count places before this registration takes one
        registration.status = status_for(course, registration.country, status)
    registration.delegation = delegation or delegation_for(course, registration.country)
    db.session.add(registration)
    _record(registration, None, registration.status, actor, "")
    db.session.flush()
    if actor is not None:  # added by staff (through the API), not by the person
        record("registration.create", course=course, target=registration, actor=actor,
               details={"status": registration.status})
    if notify:
        signals.personal_link.send(registration)
    return registration


class DailyCapReached(ValueError):
    """An email address already has its day's registrations (see :func:`check_daily_cap`);
    the message, translated, is for the form's email field."""

    def __init__(self, cap: int):
        super().__init__(ngettext(
            "This email address has already been used for %(num)d registration in the last 24 "
            "hours, the most allowed. Please try again tomorrow.",
            "This email address has already been used for %(num)d registrations in the last 24 "
            "hours, the most allowed. Please try again tomorrow.", cap))
        self.cap = cap


def normalised_email(email: str) -> str:
    """An email address as registrations store and compare it."""
    return nfc(email).lower()


# Registrations of the last 24 hours that their person erased ("erase my data"): their address
# is gone from the table, so the daily cap counts them here, in the rate limiter's store, by a
# digest of the address. Otherwise registering and erasing in turn would send someone else's
# mailbox any number of confirmations.
ERASED_TODAY = throttle.Counter("registration-erased", lambda: "1000 per day")


def check_daily_cap(email: str, cap: int) -> None:
    """Refuse a public registration once ``cap`` registrations of any course came from
    ``email`` in the last 24 hours, erased ones too: each sends an email, and the form is open
    to anyone, who could otherwise flood someone else's mailbox with confirmations."""
    since = utcnow() - timedelta(hours=24)
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.email == normalised_email(email), Registration.submitted_at >= since))
    if recent + ERASED_TODAY.count(throttle.account_key(normalised_email(email))) >= cap:
        raise DailyCapReached(cap)


def note_erased(registration: Registration) -> None:
    """Keep counting, for the daily cap, a registration of the last 24 hours being erased."""
    if registration.submitted_at and registration.submitted_at >= utcnow() - timedelta(hours=24):
        ERASED_TODAY.hit(throttle.account_key(registration.email))


def apply_person(registration: Registration, person: Person) -> None:
    """Copy a person's details onto a registration, names NFC-normalised."""
    for name in ("full_name", "family_name", "given_names", "honorific", "native_name", "address_as",
                 "organisation", "position", "province", "dietary", "accessibility", "phone"):
        setattr(registration, name, nfc(getattr(person, name)))
    for name in ("name_order", "sex", "age_group", "country", "organisation_type", "ministry", "language"):
        setattr(registration, name, getattr(person, name))
    registration.email = normalised_email(person.email)
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


# What a trainer can correct on a registration: the audit log names those changed.
EDITABLE = tuple(Person.__dataclass_fields__)


def update_person(registration: Registration, person: Person, actor=None) -> None:
    """A trainer's correction of someone's details (the delegation follows the country). The
    audit log keeps which fields changed, not their values."""
    before = {name: getattr(registration, name) for name in EDITABLE}
    apply_person(registration, person)
    registration.attendance_mode = attendance_mode_for(
        registration.course, person.attendance_mode or registration.attendance_mode)
    registration.delegation = delegation_for(registration.course, registration.country)
    changed = [name for name in EDITABLE if getattr(registration, name) != before[name]]
    if changed:
        record("registration.edit", course=registration.course, target=registration,
               details={"fields": changed}, actor=actor)
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


def has_place(course: Course, country: str, taken: Counter | None = None) -> bool:
    """Whether one more person from ``country`` fits the capacity and the country quota.

    ``taken``: the places taken by country (:func:`places_by_country`), kept by an import as
    it goes; else the database is asked."""
    def count(of: str | None = None) -> int:
        if taken is None:
            return places_taken(course, of)
        return taken[of] if of else sum(taken.values())

    if course.capacity is not None and count() >= course.capacity:
        return False
    if course.country_quota is not None and country and count(country) >= course.country_quota:
        return False
    return True


def status_for(course: Course, country: str, asked: str | None = None,
               taken: Counter | None = None) -> str:
    """A new registration's status: ``asked`` (an import's Status column), except that one
    holding a place (pending, approved) goes on the waitlist when none is free; unasked, the
    course's rule (pending or approved) while a place is free, else the waitlist."""
    if asked and asked not in ACTIVE_STATUSES:
        return asked
    if not has_place(course, country, taken):
        return "waitlisted"
    return asked or ("pending" if course.requires_approval else "approved")


def places_by_country(course: Course) -> Counter:
    """The places taken (pending and approved registrations), by country, in one query."""
    return Counter(dict(db.session.execute(
        sa.select(Registration.country, sa.func.count()).where(
            Registration.course_id == course.id, Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Registration.country)).all()))


def change_status(registration: Registration, status: str, actor=None, reason: str = "",
                  notify: bool = True, bulk: bool = False) -> bool:
    """Move a registration to ``status``, record it, tell the participant; promote the waitlist.
    A change by staff (``actor``; ``bulk``: one of many ticked or matched) goes in the audit log;
    a participant's own cancellation does not."""
    old = registration.status
    if old == status:
        return False
    _lock(registration.course)
    registration.status = status
    _record(registration, old, status, actor, reason)
    if actor is not None:
        record("registration.status", course=registration.course, target=registration, actor=actor,
               details={"old": old, "new": status, **({"bulk": True} if bulk else {})})
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


def change_statuses(registrations: list[Registration], status: str, actor, reason: str = "") -> int:
    """The bulk change of the registration list: each one as :func:`change_status`; return how
    many changed."""
    return sum(change_status(registration, status, actor, reason, bulk=True)
               for registration in registrations)


def send_link(registration: Registration, renew: bool = False, actor=None) -> None:
    """Send the participant their personal link again (a trainer's action, audited); ``renew``:
    a new one, the old one stops working."""
    if renew:
        renew_link(registration)
    record("registration.link_renew" if renew else "registration.link", course=registration.course,
           target=registration, actor=actor)
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
    record("registration.merge", course=keep.course, target=keep, actor=actor,
           details={"duplicate": duplicate.id})
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


# Many at once: an import prepares thousands of registrations, and writes each one's email,
# without holding any lock; then one short transaction stores them all.

def prepare_registration(course: Course, person: Person) -> Registration:
    """A new registration of ``person`` as :func:`register` makes it, not stored (nor in the
    session): no status or delegation yet. Its course is set without events, so that its
    email can be written before it is stored."""
    registration = Registration(course_id=course.id, token=new_token(), consent_version="")
    apply_person(registration, person)
    registration.attendance_mode = attendance_mode_for(course, person.attendance_mode)
    set_committed_value(registration, "course", course)
    return registration


def decide_statuses(course: Course, registrations: list[Registration],
                    asked: list[str | None]) -> None:
    """Give each prepared registration the status :func:`register` would, as if they were
    registered one after the other (``asked``: each one's Status column), counting the places
    taken once."""
    limited = course.capacity is not None or course.country_quota is not None
    taken = places_by_country(course) if limited else None
    for registration, status in zip(registrations, asked):
        registration.status = status_for(course, registration.country, status, taken)
        if taken is not None and registration.status in ACTIVE_STATUSES:
            taken[registration.country] += 1


def lock_course(course: Course) -> None:
    """Hold the course's places until the transaction ends (see :func:`_lock`): an import takes
    this before its last checks and its writes."""
    _lock(course)


def insert_registrations(course: Course, registrations: list[Registration], actor=None) -> None:
    """Store prepared registrations (with their statuses decided) in a few statements, each with
    its delegation and the event of its status, and give them their ids: thousands take a
    fraction of a second. Call it under :func:`lock_course`; the objects stay out of the
    session."""
    if not registrations:
        return
    delegations = _delegation_ids(course, {registration.country for registration in registrations})
    now = utcnow()
    stored = [column.key for column in Registration.__table__.columns
              if column.key in vars(registrations[0])]
    before = db.session.scalar(sa.select(sa.func.max(Registration.id))) or 0
    rows = []
    for registration in registrations:
        values = vars(registration)  # read without attribute events: thousands of rows
        rows.append({**{key: values[key] for key in stored}, "submitted_at": now, "updated_at": now,
                     "delegation_id": delegations[values["country"]]})
    insert_many(db.session.connection(), Registration.__table__, rows)
    # Found again by their tokens (RETURNING thousands of ids takes seconds on PostgreSQL).
    ids = dict(db.session.execute(sa.select(Registration.token, Registration.id).where(
        Registration.course_id == course.id, Registration.id > before)).all())
    for registration in registrations:
        registration.id = ids[registration.token]
        registration.delegation_id = delegations[registration.country]
    insert_many(db.session.connection(), RegistrationEvent.__table__, [
        dict(registration_id=registration.id, old_status=None, new_status=registration.status,
             actor_id=getattr(actor, "id", None), reason="", at=now)
        for registration in registrations])


def _delegation_ids(course: Course, countries: set[str]) -> dict[str, int]:
    """Each country's delegation at the course (made when missing), by country."""
    def found() -> dict[str, int]:
        return dict(db.session.execute(sa.select(Delegation.country, Delegation.id).where(
            Delegation.course_id == course.id, Delegation.country.in_(countries))).all())

    known = found()
    missing = sorted(countries - known.keys())
    if missing:
        db.session.execute(sa.insert(Delegation), [  # one statement for all
            {"course_id": course.id, "country": country} for country in missing])
        known = found()
    return known


def _lock(course: Course) -> None:
    """Serialise place-counting per course: a row lock on PostgreSQL; on SQLite, writing
    requests hold the database's write lock from their first statement (see database.py)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())

