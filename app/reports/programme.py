"""Which courses a programme report covers: those the staff member may see (admins every course,
trainers the courses whose team they are on), of a year, an organiser and/or a donor."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..auth.models import User
from ..courses.models import Course, CourseOrganisation
from ..extensions import db
from ..i18n import _
from ..organisations.models import Organisation


@dataclass(frozen=True)
class Scope:
    """A programme: a year (of the courses' start), an organiser, a donor (None: any)."""

    year: int | None = None
    organiser: int | None = None
    donor: int | None = None

    def args(self) -> dict[str, int]:
        return {name: value for name, value in (("year", self.year), ("organiser", self.organiser),
                                                ("donor", self.donor)) if value is not None}


def visible(user: User):
    """A select of the courses ``user`` may report on."""
    query = sa.select(Course)
    if not user.is_admin:
        query = query.where(Course.trainers.any(User.id == user.id))
    return query


def with_role(role: str, organisation_id: int):
    return Course.organisation_links.any(sa.and_(CourseOrganisation.role == role,
                                                 CourseOrganisation.organisation_id == organisation_id))


def courses(user: User, scope: Scope) -> list[Course]:
    """The courses of the programme, by date."""
    query = visible(user)
    if scope.year is not None:
        query = query.where(Course.start_date.between(date(scope.year, 1, 1), date(scope.year, 12, 31)))
    if scope.organiser is not None:
        query = query.where(with_role("organiser", scope.organiser))
    if scope.donor is not None:
        query = query.where(with_role("donor", scope.donor))
    return list(db.session.scalars(query.order_by(Course.start_date, Course.id)))


def choices(user: User) -> dict:
    """The years, organisers and donors of the courses ``user`` may see: two statements."""
    seen = visible(user).subquery()
    years = sorted({day.year for day in db.session.scalars(sa.select(seen.c.start_date))}, reverse=True)
    found = {"organiser": {}, "donor": {}}
    pairs = sa.select(CourseOrganisation.role, CourseOrganisation.organisation_id).distinct().where(
        CourseOrganisation.course_id.in_(sa.select(seen.c.id))).subquery()  # not DISTINCT on JSON
    for role, organisation in db.session.execute(
            sa.select(pairs.c.role, Organisation).join(Organisation, Organisation.id == pairs.c.organisation_id)):
        found[role][organisation.id] = organisation
    ordered = {role: sorted(orgs.values(), key=lambda org: str(org.name).casefold())
               for role, orgs in found.items()}
    return {"years": years, "organisers": ordered["organiser"], "donors": ordered["donor"]}


def describe(scope: Scope, options: dict) -> str:
    """The programme in words, e.g. "2025, organiser: UN Women, donor: Canada"."""
    names = {org.id: str(org.name) for role in ("organisers", "donors") for org in options[role]}
    parts = [str(scope.year) if scope.year else _("All years")]
    if scope.organiser is not None:
        parts.append(_("organiser: %(name)s", name=names.get(scope.organiser, "")))
    if scope.donor is not None:
        parts.append(_("donor: %(name)s", name=names.get(scope.donor, "")))
    return ", ".join(parts)
