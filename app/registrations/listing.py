"""The trainers' registration list: filters and search, counts, possible duplicates."""
from collections.abc import Mapping

import sqlalchemy as sa

from ..courses.models import Course
from ..extensions import db
from .models import Delegation, Registration
from .names import fold

FILTERS = ("country", "status", "sex", "organisation_type", "ministry")


def filtered(course: Course, args: Mapping) -> sa.Select:
    """The registrations matching the list's filters and search (any name form, any accents)."""
    query = sa.select(Registration).where(Registration.course_id == course.id,
                                          Registration.anonymised_at.is_(None))
    for name in FILTERS:
        if args.get(name):
            query = query.where(getattr(Registration, name) == args[name])
    if args.get("q"):
        for word in fold(args["q"]).split()[:5]:
            query = query.where(Registration.search_name.contains(word, autoescape=True))
    return query


def matching(course: Course, args: Mapping) -> list[Registration]:
    """The list's rows: the filtered registrations by country, then name."""
    return db.session.scalars(filtered(course, args).order_by(
        Registration.country, Registration.certificate_name)).all()


def status_counts(course: Course) -> dict[str, int]:
    """How many registrations are in each status (anonymised ones left out)."""
    return dict(db.session.execute(sa.select(Registration.status, sa.func.count()).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None))
        .group_by(Registration.status)).all())


def countries(course: Course) -> list[str]:
    """The countries anyone registered from, for the country filter."""
    return db.session.scalars(sa.select(Registration.country).where(
        Registration.course_id == course.id).distinct()).all()


def duplicate_ids(course: Course) -> set[int]:
    """Registrations sharing an email, or a folded name and country, with another (one query)."""
    rows = db.session.execute(sa.select(Registration.id, Registration.email, Registration.full_name,
                                        Registration.country).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None),
        Registration.status != "cancelled")).all()
    seen: dict[tuple, list[int]] = {}
    for rid, email, name, country in rows:
        seen.setdefault(("email", email), []).append(rid)
        seen.setdefault(("name", fold(name), country), []).append(rid)
    return {rid for ids in seen.values() if len(ids) > 1 for rid in ids}


def chosen(course: Course, ids) -> list[Registration]:
    """The course's registrations among ``ids`` (a bulk change's ticked rows)."""
    return db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.id.in_(ids or []))).all()


def delegations(course: Course) -> list[Delegation]:
    return db.session.scalars(sa.select(Delegation).where(Delegation.course_id == course.id)
                              .order_by(Delegation.country)).all()


def active_by_country(course: Course) -> dict[str, int]:
    """Pending and approved registrations per country."""
    return dict(db.session.execute(sa.select(Registration.country, sa.func.count()).where(
        Registration.course_id == course.id, Registration.status.in_(("pending", "approved")))
        .group_by(Registration.country)).all())
