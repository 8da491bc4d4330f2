"""A course's working groups changed by hand: who fills team worksheets (by country or by
group), adding, renaming and deleting groups, and placing participants in them.

Only approved participants whose data is kept (not anonymised) are placed; a group's country is
its members' common country, or "" when they come from several."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..courses.models import GROUPINGS, Course
from ..extensions import db
from ..i18n import _
from ..registrations.models import Registration, WorkingGroup
from ..toolkit.models import Worksheet
from ..toolkit.teams import fills_worksheets

NAME_LENGTH = 120


class GroupRefused(Exception):
    """A change to the groups that is not made; the message (translated) says why."""


def placeable(course: Course) -> list[Registration]:
    """The participants a group can hold: approved and not anonymised, by name."""
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, fills_worksheets())
        .order_by(Registration.certificate_name, Registration.id)))


@dataclass
class Column:
    """One group of the trainers' page with its members (``group`` None: those in no group)."""

    group: WorkingGroup | None
    members: list[Registration] = field(default_factory=list)


def board(course: Course) -> list[Column]:
    """Those in no group, then every group in order, each with its placeable members."""
    columns = {None: Column(None)}
    for group in course.working_groups:
        columns[group.id] = Column(group)
    for person in placeable(course):
        columns.get(person.group_id, columns[None]).members.append(person)
    return list(columns.values())


def set_grouping(course: Course, grouping: str) -> None:
    """Team worksheets by country (the default) or by working group. Sheets of the other kind
    stay where they are: the trainers still see them, and they come back if switched back."""
    if grouping not in GROUPINGS:
        raise GroupRefused(_("Choose who fills the worksheet."))
    course.grouping = grouping


def clean_name(course: Course, name: str, group: WorkingGroup | None = None) -> str:
    """``name`` with its spaces tidied, refused when empty, too long or another group's."""
    name = " ".join((name or "").split())
    if not name:
        raise GroupRefused(_("This is required."))
    if len(name) > NAME_LENGTH:
        raise GroupRefused(_("Too long: at most %(max)s characters.", max=NAME_LENGTH))
    if any(other is not group and other.name.casefold() == name.casefold()
           for other in course.working_groups):
        raise GroupRefused(_("Another group is already called “%(name)s”.", name=name))
    return name


def add_group(course: Course, name: str) -> WorkingGroup:
    group = WorkingGroup(name=clean_name(course, name), country="",
                         position=max((g.position for g in course.working_groups), default=-1) + 1)
    course.working_groups.append(group)
    return group


def rename(group: WorkingGroup, name: str) -> None:
    group.name = clean_name(group.course, name, group)


def holds_saved_sheet(group: WorkingGroup) -> bool:
    """Whether a worksheet of the group holds answers or comments (deleting would lose them)."""
    return db.session.scalar(sa.select(sa.func.count(Worksheet.id)).where(
        Worksheet.group_id == group.id,
        sa.or_(Worksheet.version > 0, Worksheet.comments.any()))) > 0


def set_aside(group: WorkingGroup, taken: set[str]) -> None:
    """Rename ``group`` "Name (earlier)" (numbered if need be), a name not in ``taken``."""
    base = _("%(name)s (earlier)", name=group.name)
    candidate, number = base[:NAME_LENGTH], 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{base[:NAME_LENGTH - 5]} ({number})"
    taken.add(candidate.casefold())
    group.name = candidate
    db.session.flush()  # the new group may take the old name in the same transaction


def delete_group(group: WorkingGroup) -> None:
    """Delete the group; its members are in no group afterwards. Refused while one of its
    worksheets holds answers: the trainer renames it or moves its members instead."""
    if holds_saved_sheet(group):
        raise GroupRefused(_("“%(name)s” holds a saved worksheet, so it is not deleted: its "
                             "answers would be lost. Rename it or move its members instead.",
                             name=group.name))
    for sheet in db.session.scalars(sa.select(Worksheet).where(Worksheet.group_id == group.id)):
        db.session.delete(sheet)  # made by a save that changed nothing: nothing is lost
    for person in db.session.scalars(sa.select(Registration).where(Registration.group_id == group.id)):
        person.group = None
    course = group.course
    course.working_groups.remove(group)
    db.session.delete(group)
    renumber(course)


def renumber(course: Course) -> None:
    for position, group in enumerate(sorted(course.working_groups, key=lambda g: (g.position, g.id or 0))):
        group.position = position


def assign(course: Course, chosen: dict[int, int | None]) -> int:
    """Place participants (registration id → group id, None: no group); return how many moved.
    Ids of people who can no longer be placed are passed over; an unknown group refuses all."""
    groups = {group.id: group for group in course.working_groups}
    if any(group_id is not None and group_id not in groups for group_id in chosen.values()):
        raise GroupRefused(_("A group on this page no longer exists. Reload the page and try again."))
    moved = 0
    for person in placeable(course):
        if person.id in chosen and person.group_id != chosen[person.id]:
            person.group = groups.get(chosen[person.id])
            moved += 1
    update_countries(course)
    return moved


def update_countries(course: Course) -> None:
    """Each group's country: its members' common one, else ""."""
    db.session.flush()
    found: dict[int, set[str]] = {}
    for group_id, country in db.session.execute(sa.select(Registration.group_id, Registration.country).where(
            Registration.course_id == course.id, Registration.group_id.is_not(None),
            fills_worksheets()).distinct()):
        found.setdefault(group_id, set()).add(country)
    for group in course.working_groups:
        countries = found.get(group.id, set())
        group.country = next(iter(countries)) if len(countries) == 1 else ""


def replace(course: Course, plan: list[tuple[str, list[Registration]]]) -> list[WorkingGroup]:
    """Make the groups of ``plan`` (name, members), in order, instead of the present ones.
    A group of the same name is kept when it holds no saved worksheet, or when its members stay
    the same; a group whose saved sheet belongs to other people than the plan's is set aside,
    empty, under an earlier name (see :func:`set_aside`), so its sheet never changes hands.
    Other groups are deleted, except those holding a saved worksheet, which stay, empty."""
    before = {group.id: {person.id for person in group.members} for group in course.working_groups}
    existing = {group.name.casefold(): group for group in course.working_groups}
    for person in placeable(course):
        person.group = None
    made, aside = [], []
    taken = {name.casefold() for name, _members in plan} | set(existing)
    for position, (name, members) in enumerate(plan):
        group = existing.pop(name.casefold(), None)
        if group is not None and before.get(group.id) != {person.id for person in members} \
                and holds_saved_sheet(group):
            set_aside(group, taken)
            aside.append(group)
            group = None
        if group is None:
            group = WorkingGroup(name=name, country="")
            course.working_groups.append(group)
        group.name, group.position = name, position
        for person in members:
            person.group = group
        made.append(group)
    for position, group in enumerate([*aside, *existing.values()], start=len(plan)):
        if group in aside or holds_saved_sheet(group):
            group.position = position
        else:
            delete_group(group)
    renumber(course)
    update_countries(course)
    return made
