"""A course's exercises as its trainers arrange them, and how far each sheet has come."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from ..agenda.models import AgendaSession
from ..courses.models import Course
from ..extensions import db
from ..i18n import _
from ..i18n.multilingual import MultilingualText
from ..reference import country_name
from ..registrations.models import Registration, WorkingGroup
from .figures.svg import filled_rows
from .models import MODES, Exercise, Worksheet
from .teams import fills_worksheets, grouped
from .modules import get

PROGRESS = ("empty", "draft", "submitted", "returned", "final")


class ExerciseRefused(Exception):
    """A change the trainer cannot make; the message (translated) says why, ``field`` where."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def answered(exercise: Exercise) -> int:
    """How many of the exercise's worksheets hold answers (saved at least once)."""
    return db.session.scalar(sa.select(sa.func.count(Worksheet.id)).where(
        Worksheet.exercise_id == exercise.id, Worksheet.version > 0))


def answered_by_exercise(course: Course) -> dict[int, int]:
    """:func:`answered` for each of the course's exercises, in one query: exercise id → count."""
    return {exercise_id: count for exercise_id, count in db.session.execute(
        sa.select(Worksheet.exercise_id, sa.func.count(Worksheet.id)).join(Exercise).where(
            Exercise.course_id == course.id, Worksheet.version > 0).group_by(Worksheet.exercise_id))}


def course_exercises(course: Course) -> list[Exercise]:
    """The course's exercises in order, with their sessions: two queries at most, however many."""
    course.sessions  # noqa: B018 - each exercise's session is then found without a query of its own
    return course.exercises


def add_exercise(course: Course, key: str) -> Exercise:
    """Add the toolkit module ``key`` to the course, after its other exercises."""
    if get(key) is None:
        raise ExerciseRefused(_("There is no toolkit module %(key)s.", key=key[:8]))
    if any(exercise.module_key == key for exercise in course.exercises):
        raise ExerciseRefused(_("%(key)s is already an exercise of this course.", key=key))
    exercise = Exercise(module_key=key, mode="team", instructions=MultilingualText(),
                        position=max((e.position for e in course.exercises), default=-1) + 1)
    course.exercises.append(exercise)
    return exercise


def update_exercise(exercise: Exercise, *, mode: str, session: AgendaSession | None,
                    instructions: MultilingualText) -> None:
    """Change who fills the exercise, the session it belongs to, and its instructions."""
    if mode not in MODES:
        raise ExerciseRefused(_("Choose who fills the worksheet."), "mode")
    if session is not None and session.course_id != exercise.course_id:
        raise ExerciseRefused(_("Choose a session of this course."), "session")
    if mode != exercise.mode:
        count = answered(exercise)
        if count:
            raise ExerciseRefused(ngettext(
                "%(num)d worksheet of this exercise already holds answers: it would have no owner "
                "if the exercise changed between one sheet per team and one per participant. Keep "
                "the mode, or remove the exercise and add it again.",
                "%(num)d worksheets of this exercise already hold answers: they would have no "
                "owner if the exercise changed between one sheet per team and one per participant. "
                "Keep the mode, or remove the exercise and add it again.", count), "mode")
        for sheet in list(exercise.worksheets):  # empty sheets of the old mode: nothing lost
            db.session.delete(sheet)
        exercise.mode = mode
    exercise.session = session
    exercise.instructions = instructions


def move(exercise: Exercise, direction: str) -> None:
    """Swap the exercise with its neighbour ``up`` or ``down`` in the course's order."""
    ordered = sorted(exercise.course.exercises, key=lambda e: (e.position, e.id or 0))
    index = ordered.index(exercise)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position


def remove(exercise: Exercise, confirmed: bool) -> int:
    """Remove the exercise and its worksheets; refused unless ``confirmed`` when some hold
    answers. Returns how many sheets with answers went with it."""
    count = answered(exercise)
    if count and not confirmed:
        raise ExerciseRefused(ngettext(
            "%(key)s has %(num)d worksheet with answers. Tick the box to confirm that it is "
            "deleted with the exercise.",
            "%(key)s has %(num)d worksheets with answers. Tick the box to confirm that they are "
            "deleted with the exercise.", count, key=exercise.module_key))
    course = exercise.course
    course.exercises.remove(exercise)
    db.session.delete(exercise)
    for position, item in enumerate(sorted(course.exercises, key=lambda e: e.position)):
        item.position = position
    return count


# --- progress --------------------------------------------------------------------------------

@dataclass
class Line:
    """One row of an exercise's progress list: a team (a country's, or a working group) or one
    participant."""

    country: str  # "" for a working group from several countries
    members: list[Registration]
    sheet: Worksheet | None = None
    rows: dict[str, int] = field(default_factory=dict)  # table name → rows with something in them
    name: str = ""  # a team's name: "Viet Nam team", a working group's, "No group"
    group: WorkingGroup | None = None

    @property
    def progress(self) -> str:
        return self.sheet.progress if self.sheet else "empty"

    @property
    def comments(self) -> int:
        return len(self.sheet.comments) if self.sheet else 0

    @property
    def countries(self) -> set[str]:
        """The line's country and its members' (for the country filter)."""
        return ({self.country} | {member.country for member in self.members}) - {""}


def lines(exercise: Exercise) -> list[Line]:
    """Every team (team mode: working groups when the course groups so, else countries) or
    approved participant (individual mode) and their sheet; sheets not created yet count as
    empty, and none is created here. Sheets of the other kind of team (saved before the course
    changed its grouping) are listed too, after the others: nothing saved is hidden."""
    sheets = db.session.scalars(sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id)
                                .options(selectinload(Worksheet.comments),
                                         selectinload(Worksheet.delegation),
                                         selectinload(Worksheet.group),
                                         selectinload(Worksheet.registration),
                                         selectinload(Worksheet.saved_by))).all()
    people = db.session.scalars(sa.select(Registration).where(
        Registration.course_id == exercise.course_id, fills_worksheets())
        .options(selectinload(Registration.delegation))
        .order_by(Registration.certificate_name, Registration.id)).all()
    if exercise.mode == "team":
        found = team_lines(exercise, sheets, people)
    else:
        by_person = {sheet.registration_id: sheet for sheet in sheets if sheet.registration_id}
        found = [Line(person.country, [person], by_person.pop(person.id, None))
                 for person in people]
        found += [Line(sheet.country, [sheet.registration], sheet) for sheet in by_person.values()
                  if sheet.registration is not None]  # no longer approved, but they wrote
        found.sort(key=by_country)
    module = exercise.module
    for line in found:
        answers = line.sheet.answers if line.sheet else {}
        line.rows = {spec.name: len(filled_rows(module, spec.name, answers))
                     for spec in (module.tables() if module else ())}
    return found


def by_country(line: Line) -> tuple:
    return country_name(line.country), [member.certificate_name for member in line.members]


def team_lines(exercise: Exercise, sheets: list[Worksheet], people: list[Registration]) -> list[Line]:
    """A team exercise's lines: the course's teams, then teams of the other kind with a sheet."""
    countries: dict[str, Line] = {}
    groups = {group.id: Line(group.country, [], name=group.name, group=group)
              for group in exercise.course.working_groups}
    unplaced = Line("", [], name=_("No group"))
    for person in people:
        country = person.delegation.country if person.delegation else person.country
        countries.setdefault(country, Line(country, [])).members.append(person)
        groups.get(person.group_id, unplaced).members.append(person)
    for sheet in sheets:
        if sheet.group_id is not None:
            groups[sheet.group_id].sheet = sheet
        elif sheet.delegation is not None:
            countries.setdefault(sheet.delegation.country, Line(sheet.delegation.country, [])).sheet = sheet
    for line in countries.values():
        line.name = _("%(country)s team", country=country_name(line.country))
    by_countries = sorted(countries.values(), key=by_country)
    if not grouped(exercise.course):
        return by_countries + [line for line in groups.values() if line.sheet is not None]
    return [*groups.values(), *([unplaced] if unplaced.members else []),
            *(line for line in by_countries if line.sheet is not None)]


def counts(found: list[Line]) -> dict[str, int]:
    """How many lines are at each stage, every stage listed."""
    result = dict.fromkeys(PROGRESS, 0)
    for line in found:
        result[line.progress] += 1
    return result
