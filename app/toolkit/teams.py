"""Who fills which worksheet: the person, their country team (a Delegation) or, when the
course groups by working group, their WorkingGroup; and the refusals of a save."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from ..extensions import db
from ..i18n import _
from ..reference import country_name
from ..registrations.models import Delegation, Registration, WorkingGroup
from .models import Exercise, Worksheet


class SaveRefused(Exception):
    """A save that changes nothing; the message tells the person why (translated)."""


class TeamChanged(SaveRefused):
    """The page was showing another team's sheet than the person's team now (they were moved,
    or the course changed its grouping) or they are in no group: nothing is saved (HTTP 409)."""


def fills_worksheets():
    """Who fills worksheets, as a condition on Registration: approved and not anonymised."""
    return sa.and_(Registration.status == "approved", Registration.anonymised_at.is_(None))


def grouped(course) -> bool:
    """Whether the course's team worksheets belong to working groups rather than countries."""
    return course.grouping == "groups"


def team_of(registration: Registration) -> Delegation:
    """The registration's country team at its course (made on first need)."""
    if registration.delegation is not None:
        return registration.delegation
    delegation = db.session.scalar(sa.select(Delegation).where(
        Delegation.course_id == registration.course_id, Delegation.country == registration.country))
    if delegation is None:
        delegation = Delegation(course_id=registration.course_id, country=registration.country)
        try:
            with db.session.begin_nested():
                db.session.add(delegation)
        except IntegrityError:  # a teammate made it at the same moment
            delegation = db.session.scalar(sa.select(Delegation).where(
                Delegation.course_id == registration.course_id,
                Delegation.country == registration.country))
    registration.delegation = delegation
    return delegation


def find_team(registration: Registration) -> Delegation | None:
    """The registration's country team, if it exists yet (makes nothing)."""
    return registration.delegation or db.session.scalar(sa.select(Delegation).where(
        Delegation.course_id == registration.course_id, Delegation.country == registration.country))


def team_owner(course, registration: Registration) -> Delegation | WorkingGroup | None:
    """The team whose sheets ``registration`` fills: their working group when the course groups
    so (None while they are in none), else their country team (None until made)."""
    if grouped(course):
        group = registration.group
        return group if group is not None and group.course_id == registration.course_id else None
    return find_team(registration)


def team_key(exercise: Exercise, registration: Registration) -> str:
    """Which sheet a page of ``exercise`` shows ``registration``: "own", "country:VN",
    "group:12", or "none" (a team exercise while they are in no working group). A save from a
    page whose key is no longer theirs is refused (:func:`check_team`)."""
    if exercise.mode != "team":
        return "own"
    team = team_owner(exercise.course, registration)
    if grouped(exercise.course):
        return f"group:{team.id}" if team is not None else "none"
    return f"country:{team.country if team is not None else registration.country}"


def no_group_message() -> str:
    return _("You are not in a working group yet, so you have no team worksheet to fill. "
             "The trainers will put you in a group.")


def check_team(exercise: Exercise, registration: Registration, shown: str | None) -> None:
    """Refuse a save from a page that showed another team's sheet (``shown``: its team key;
    None from a page that does not say) or when there is no team sheet to save."""
    current = team_key(exercise, registration)
    if shown is not None and shown != current:
        raise TeamChanged(_("Your team changed while you were editing (the trainers moved you to "
                            "another group), so this was not saved. What you typed is still on "
                            "this page: copy it, then reload the page."))
    if current == "none":
        raise TeamChanged(no_group_message())


def owner_column(team) -> sa.ColumnElement:
    return Worksheet.group_id if isinstance(team, WorkingGroup) else Worksheet.delegation_id


def find_sheet(exercise: Exercise, registration: Registration, for_update: bool = False) -> Worksheet | None:
    """The sheet ``registration`` fills for ``exercise``, if one was saved yet (makes nothing);
    ``for_update``: its row taken for this transaction in the same statement (see
    :func:`held_sheets`), as a save does before it reads the sheet."""
    if exercise.mode == "team":
        team = team_owner(exercise.course, registration)
        if team is None:
            return None
        owner = owner_column(team) == team.id
    else:
        owner = Worksheet.registration_id == registration.id
    query = sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id, owner)
    if not for_update:
        return db.session.scalar(query)
    sheet = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if sheet is not None:
        held_sheets().add(sheet.id)
    return sheet


def held_sheets() -> set[int]:
    """The worksheets whose rows this transaction took (``SELECT … FOR UPDATE`` on PostgreSQL;
    on SQLite a POST already holds the database), so a save does not take them again. Kept in
    the session with the transaction they belong to: a new transaction starts with none. Take no
    row inside a savepoint (``begin_nested``): rolling one back lets its locks go while the
    transaction, and this set, stay."""
    transaction = db.session().get_transaction()
    if transaction is None:
        return set()  # none outside a transaction
    held = db.session.info.get("held_sheets")
    if held is None or held[0] is not transaction:
        held = db.session.info["held_sheets"] = (transaction, set())
    return held[1]


def find_sheets(exercises: list[Exercise], registration: Registration) -> dict[int, Worksheet]:
    """:func:`find_sheet` for each of ``exercises`` (of one course) in one query: exercise id →
    the sheet saved yet, for a list: its answers are not read (a 19-row plan is kilobytes of
    JSON to decode) until something asks for them."""
    if not exercises:
        return {}
    team = team_owner(exercises[0].course, registration)
    own = [exercise.id for exercise in exercises if exercise.mode != "team"]
    shared = [exercise.id for exercise in exercises if exercise.mode == "team" and team is not None]
    wanted = []
    if own:
        wanted.append(sa.and_(Worksheet.exercise_id.in_(own), Worksheet.registration_id == registration.id))
    if shared:
        wanted.append(sa.and_(Worksheet.exercise_id.in_(shared), owner_column(team) == team.id))
    if not wanted:
        return {}
    return {sheet.exercise_id: sheet
            for sheet in db.session.scalars(sa.select(Worksheet).options(
                defer(Worksheet.answers)).where(sa.or_(*wanted)))}


def sheet_for(exercise: Exercise, registration: Registration, create: bool = True,
              for_update: bool = False) -> Worksheet | None:
    """The worksheet ``registration`` fills for ``exercise`` (their own, or their team's), made
    when ``create`` (only in a POST: on SQLite a GET cannot safely write); ``for_update``: as
    :func:`find_sheet`. Raises :class:`TeamChanged` for a team exercise while they are in no
    working group."""
    sheet = find_sheet(exercise, registration, for_update)
    if sheet is None and create:
        if exercise.mode != "team":
            owner = {"registration_id": registration.id}
        elif grouped(exercise.course):
            group = team_owner(exercise.course, registration)
            if group is None:
                raise TeamChanged(no_group_message())
            owner = {"group_id": group.id}
        else:
            owner = {"delegation_id": team_of(registration).id}
        try:
            with db.session.begin_nested():
                sheet = Worksheet(exercise=exercise, answers={}, **owner)
                db.session.add(sheet)
        except IntegrityError:
            sheet = find_sheet(exercise, registration)
    return sheet


def may_fill(registration: Registration) -> bool:
    return registration.status == "approved" and registration.anonymised_at is None


def may_edit(sheet: Worksheet, registration: Registration) -> bool:
    """Whether ``registration`` fills ``sheet`` (it is theirs or their team's)."""
    if not may_fill(registration) or sheet.exercise.course_id != registration.course_id:
        return False
    if sheet.registration_id is not None:
        return sheet.registration_id == registration.id
    if sheet.group_id is not None:
        return grouped(sheet.exercise.course) and sheet.group_id == registration.group_id
    return not grouped(sheet.exercise.course) and sheet.delegation_id == team_of(registration).id


def country_team(course, country: str) -> list[Registration]:
    """A country's approved participants: its team (a country has one delegation per course,
    which everyone joins on their first save)."""
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.country == country, fills_worksheets())
        .order_by(Registration.certificate_name)))


def group_members(group: WorkingGroup) -> list[Registration]:
    """A working group's approved participants, by name."""
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.group_id == group.id, fills_worksheets())
        .order_by(Registration.certificate_name, Registration.id)))


def team_members(sheet: Worksheet) -> list[Registration]:
    """Who fills the sheet: the person, their working group, or their country's team."""
    if sheet.exercise.mode != "team":
        return [sheet.registration] if sheet.registration else []
    if sheet.group is not None:
        return group_members(sheet.group)
    return country_team(sheet.exercise.course, sheet.country)


def owner_of(sheet: Worksheet) -> Registration | Delegation | WorkingGroup | None:
    return sheet.group or sheet.delegation or sheet.registration


def team_name(owner) -> str:
    """A sheet owner's name: a working group's, "Viet Nam team", or the person's."""
    if isinstance(owner, WorkingGroup):
        return owner.name
    if isinstance(owner, Delegation):
        return _("%(country)s team", country=country_name(owner.country))
    return owner.certificate_name if owner is not None else ""


@dataclass
class Team:
    """Who fills a sheet with a person, as their worksheet page shows it."""

    key: str  # see team_key
    name: str = ""
    members: list[Registration] = field(default_factory=list)


def team_for(exercise: Exercise, registration: Registration) -> Team:
    """The team ``registration`` fills ``exercise`` with: its name and approved members."""
    key = team_key(exercise, registration)
    if key in ("own", "none"):
        return Team(key)
    team = team_owner(exercise.course, registration)
    if isinstance(team, WorkingGroup):
        return Team(key, team.name, group_members(team))
    country = team.country if team is not None else registration.country
    return Team(key, _("%(country)s team", country=country_name(country)),
                country_team(exercise.course, country))
