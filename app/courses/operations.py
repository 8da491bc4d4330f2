"""Creating, changing, cloning and archiving courses."""
import copy
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from ..audit.operations import record
from ..auth.models import User
from ..database import utcnow
from ..extensions import db
from ..i18n import _, _l
from ..i18n.multilingual import MultilingualText
from ..organisations.models import Organisation
from .models import Course, CourseObjective, CourseOrganisation


@dataclass
class CourseDetails:
    """Everything an organiser sets on a course, as plain data."""

    title: MultilingualText
    start_date: date
    end_date: date
    city: MultilingualText
    country: str
    timezone: str
    contact_hours: Decimal
    description: MultilingualText = field(default_factory=MultilingualText)
    venue: MultilingualText = field(default_factory=MultilingualText)
    mode: str = "in_person"
    working_language: str = "en"
    second_languages: list[str] = field(default_factory=list)
    registration_opens: date | None = None
    registration_closes: date | None = None
    capacity: int | None = None
    country_quota: int | None = None
    requires_approval: bool = True
    privacy_notice: MultilingualText = field(default_factory=MultilingualText)
    attendance_threshold: int = 80
    attendance_basis: str = "hours"
    organiser_ids: list[int] = field(default_factory=list)
    donor_ids: list[int] = field(default_factory=list)
    objectives: list[MultilingualText] = field(default_factory=list)


def create_course(creator: User, details: CourseDetails, slug: str | None = None) -> Course:
    """Add a course with ``creator`` on its team."""
    course = Course(slug=slug or unique_slug(details.title, details.start_date))
    db.session.add(course)
    apply_details(course, details)
    course.trainers.append(creator)
    db.session.flush()
    current_app.logger.info("User %s created course %s", creator.id, course.slug)
    return course


def update_course(course: Course, details: CourseDetails) -> Course:
    apply_details(course, details)
    db.session.flush()
    return course


def apply_details(course: Course, details: CourseDetails) -> None:
    if details.privacy_notice != course.privacy_notice:
        # Consent is recorded against a version: any change of wording makes a new one.
        course.privacy_version = utcnow().strftime("%Y%m%d%H%M%S")
    for name in SETTINGS:
        setattr(course, name, getattr(details, name))
    course.second_languages = [lang for lang in dict.fromkeys(details.second_languages)
                               if lang != details.working_language]
    # Keep the rows (and their ids) of objectives that stay; later features link to them.
    kept = course.objectives[:len(details.objectives)]
    for objective, text in zip(kept, details.objectives):
        objective.text = text
    course.objectives = kept + [CourseObjective(text=text) for text in details.objectives[len(kept):]]
    links = [("organiser", oid) for oid in details.organiser_ids] + \
            [("donor", oid) for oid in details.donor_ids]
    organisations = {org.id: org for org in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_([oid for _r, oid in links])))}
    course.organisation_links = [
        CourseOrganisation(organisation=organisations[oid], role=role, position=index)
        for index, (role, oid) in enumerate(dict.fromkeys(links)) if oid in organisations]


SETTINGS = ("title", "start_date", "end_date", "city", "country", "timezone", "contact_hours",
            "description", "venue", "mode", "working_language", "registration_opens",
            "registration_closes", "capacity", "country_quota", "requires_approval", "privacy_notice",
            "attendance_threshold", "attendance_basis")


def details_of(course: Course) -> CourseDetails:
    """Return a course's settings as data (for cloning, and for filling forms)."""
    return CourseDetails(
        **{name: getattr(course, name) for name in SETTINGS},
        second_languages=list(course.second_languages or []),
        organiser_ids=[o.id for o in course.organisations("organiser")],
        donor_ids=[o.id for o in course.organisations("donor")],
        objectives=[objective.text for objective in course.objectives])


def clone_course(course: Course, creator: User, slug: str, start_date: date,
                 parts: Collection[str] = ()) -> Course:
    """Copy a course's settings and team onto new dates, with its objectives, its organisers
    and donors, and its working-group rules only when ``parts`` names them ("objectives",
    "organisations", "grouping"); :mod:`.copying` copies the rest."""
    details = details_of(course)
    if "objectives" not in parts:
        details.objectives = []
    if "organisations" not in parts:
        details.organiser_ids, details.donor_ids = [], []
    offset = start_date - course.start_date
    details.start_date, details.end_date = start_date, course.end_date + offset
    if details.registration_opens:
        details.registration_opens += offset
    if details.registration_closes:
        details.registration_closes += offset
    clone = create_course(creator, details, slug=slug)
    clone.cloned_from_id = course.id
    if "grouping" in parts:  # the rules only: the groups are made from the new participants
        clone.grouping, clone.group_rule = course.grouping, copy.deepcopy(course.group_rule or {})
    for trainer in course.trainers:
        if trainer not in clone.trainers:
            clone.trainers.append(trainer)
    db.session.flush()
    return clone


def archive_course(course: Course) -> None:
    course.archived_at = utcnow()
    db.session.flush()


def restore_course(course: Course) -> None:
    course.archived_at = None
    db.session.flush()


def current_and_past(past_limit: int = 20) -> tuple[list[Course], list[Course]]:
    """The courses not archived whose last day is not over at their venue (soonest first), and
    the ``past_limit`` latest that are over: each course's own calendar decides."""
    from datetime import timedelta

    from .dates import has_ended

    visible = sa.select(Course).where(Course.archived_at.is_(None))
    edge = utcnow().date() - timedelta(days=1)  # no venue is more than a day behind UTC
    recent = db.session.scalars(visible.where(Course.end_date >= edge)
                                .order_by(Course.start_date)).all()
    current = [course for course in recent if not has_ended(course)]
    past = sorted((course for course in recent if has_ended(course)),
                  key=lambda course: course.start_date, reverse=True)
    past += db.session.scalars(visible.where(Course.end_date < edge)
                               .order_by(Course.start_date.desc()).limit(past_limit)).all()
    return current, past[:past_limit]


def add_trainer(course: Course, user: User, by: User | None = None) -> None:
    """Put ``user`` on the course's team (noted in the audit log)."""
    if user not in course.trainers:
        course.trainers.append(user)
        record("course.team_add", course=course, target=user, actor=by)
        db.session.flush()


class TeamRefused(ValueError):
    """A change to a course's team that is not allowed; the message says why."""


def remove_trainer(course: Course, user: User, by: User | None = None) -> None:
    """Take ``user`` off the team; a trainer (not an admin) may not remove themselves, so that
    a course is never left without the person who was managing it by accident."""
    if by is not None and user.id == by.id and not by.is_admin:
        raise TeamRefused(_("You cannot remove yourself from the team."))
    if user in course.trainers:
        course.trainers.remove(user)
        record("course.team_remove", course=course, target=user, actor=by)
        db.session.flush()


def missing_translations(course: Course) -> list[tuple[str, list[str]]]:
    """Return (what, languages) for each organiser text lacking a course language."""
    texts = [(_l("Title"), course.title), (_l("City"), course.city),
             (_l("Description"), course.description), (_l("Venue"), course.venue)]
    texts = [(what, text) for what, text in texts if text]
    texts += [(_l("Objective %(number)d", number=objective.position + 1), objective.text)
              for objective in course.objectives]
    return [(what, text.missing(course.languages)) for what, text in texts if text.missing(course.languages)]


def unique_slug(title: MultilingualText, start: date) -> str:
    """Make a free slug from the English (or first) title and the year."""
    base = slugify(title.get("en") or next(iter(title.values()), "")) or "course"
    base = f"{base[:60].rstrip('-')}-{start.year}"
    candidate, number = base, 2
    while slug_taken(candidate):
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def slug_taken(slug: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(Course.slug == slug)) > 0


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
