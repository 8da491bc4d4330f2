"""Assignments to working groups imported from a CSV or XLSX file: one row per participant,
named by email or registration ID, with the name of their group. Every row is checked first;
the groups are made and the people placed only when no row has a problem (all rows or none)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..courses.models import Course
from ..forms import one_line
from ..i18n import _, _l
from ..registrations.exchange import Problem
from ..registrations.tables import fold_label, numbered_rows
from ..registrations.models import Registration, WorkingGroup
from .operations import NAME_LENGTH, placeable, update_countries

# Header cells each column is known by (any case), besides its label in the reader's language.
COLUMNS = {"email": ("email", "e-mail", _l("Email")),
           "id": ("id", "registration id", "participant id", _l("ID")),
           "group": ("group", "group name", "working group", _l("Group"))}


@dataclass
class ImportReport:
    """How an import went: how many were placed and groups made, else every problem found."""

    placed: int = 0
    made: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def fold(text: str) -> str:
    return fold_label(str(text).replace("_", " "))


def resolve_columns(headers: list[str]) -> tuple[dict[str, str], list[Problem]]:
    """The file's header cell of each known column; other columns (names…) are passed over."""
    known = {fold(header): name for name, headers_of in COLUMNS.items() for header in headers_of}
    columns, problems = {}, []
    for header in headers:
        name = known.get(fold(header))
        if name in columns:
            problems.append(Problem(1, header, _("This column appears twice.")))
        elif name:
            columns[name] = header
    if "group" not in columns:
        problems.append(Problem(1, str(_("Group")), _("This column is missing.")))
    if "email" not in columns and "id" not in columns:
        problems.append(Problem(1, "", _("The file needs a column “Email” or “ID” to say who "
                                         "goes in each group.")))
    return columns, problems


def import_assignments(course: Course, rows: list[dict[str, str]]) -> ImportReport:
    """Check every row of ``rows`` (as :func:`app.registrations.tables.read_table` reads a
    file); if none has a problem, make the groups named that do not exist yet and place each
    person listed (people not listed stay where they are)."""
    report = ImportReport()
    numbered = numbered_rows(rows)
    if not numbered:
        report.problems.append(Problem(2, "", _("The file has no rows to import.")))
        return report
    columns, report.problems = resolve_columns(list(dict.fromkeys(h for _n, row in numbered for h in row)))
    if report.problems:
        return report
    people = placeable(course)
    by_id = {str(person.id): person for person in people}
    by_email: dict[str, list[Registration]] = {}
    for person in people:
        by_email.setdefault(person.email.strip().casefold(), []).append(person)
    chosen, first_row = [], {}
    for number, row in numbered:
        # As the form's fields keep them: on one line, a group name of invisible characters empty.
        values = {name: one_line(str(row.get(header) or "")) for name, header in columns.items()}
        person, problems = find_person(values, columns, by_id, by_email)
        if not values["group"]:
            problems.append((columns["group"], _("This is required.")))
        elif len(values["group"]) > NAME_LENGTH:
            problems.append((columns["group"], _("Too long: at most %(max)s characters.", max=NAME_LENGTH)))
        if person is not None and person.id in first_row:
            problems.append(("", _("This person is also in row %(row)s.", row=first_row[person.id])))
        elif person is not None:
            first_row[person.id] = number
        report.problems += [Problem(number, column, message) for column, message in problems]
        chosen.append((person, " ".join(values["group"].split())))
    if not report.problems:
        report.placed, report.made = place(course, chosen)
    return report


def find_person(values: dict, columns: dict, by_id: dict, by_email: dict) -> tuple[Registration | None, list]:
    """The participant a row names (by ID, else email), or the problems of the row."""
    identifier, email = values.get("id", ""), values.get("email", "")
    id_column, email_column = columns.get("id", ""), columns.get("email", "")
    if identifier:
        person = by_id.get(identifier)
        if person is None:
            return None, [(id_column, _("No approved participant of this course has the ID %(id)s.",
                                        id=identifier))]
        if email and person.email.strip().casefold() != email.casefold():
            return None, [(email_column, _("The email and the ID name different participants."))]
        return person, []
    if not email:
        return None, [(email_column or id_column, _("This is required."))]
    found = by_email.get(email.casefold(), [])
    if not found:
        return None, [(email_column, _("No approved participant of this course has the email "
                                       "%(email)s.", email=email))]
    if len(found) > 1:
        return None, [(email_column, _("Several participants have the email %(email)s: give "
                                       "their ID instead.", email=email))]
    return found[0], []


def place(course: Course, chosen: list[tuple[Registration, str]]) -> tuple[int, int]:
    """Make the groups not there yet (after the others) and place everyone; (placed, made)."""
    groups = {group.name.casefold(): group for group in course.working_groups}
    position = max((group.position for group in course.working_groups), default=-1)
    made = 0
    for person, name in chosen:
        group = groups.get(name.casefold())
        if group is None:
            position += 1
            made += 1
            group = groups[name.casefold()] = WorkingGroup(name=name, country="", position=position)
            course.working_groups.append(group)
        person.group = group
    update_countries(course)
    return len(chosen), made
