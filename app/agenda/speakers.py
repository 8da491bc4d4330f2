"""A course's facilitators and speakers: one from the form, or many from a pasted list or a CSV
or XLSX file (every row right, or nothing added, with a report by row). A speaker may also be a
registered participant of the course; public pages still show only name, title and organisation.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..courses.models import Course
from ..extensions import db
from ..forms import one_line
from ..i18n import _, _l
from ..i18n.multilingual import MultilingualText
from ..organisations import logos
from ..registrations.exchange import Problem
from ..registrations.models import ACTIVE_STATUSES, Registration
from ..registrations.names import fold, visible_name_problem
from ..registrations.tables import max_rows
from .models import Speaker

# A file's columns (headers matched whatever their case), with the form's labels for reports.
LABELS = {"name": _l("Name"), "title": _l("Title or position"), "organisation": _l("Organisation"),
          "email": _l("Email"), "bio": _l("Short biography")}
ALIASES = {"organization": "organisation"}
PASTED = ("name", "title", "organisation")  # a pasted line's parts, in order
LIMITS = {"name": 200, "title": 200, "organisation": 300, "email": 254, "bio": 2000}
TEXT_AREAS = ("bio",)  # the other parts are one-line fields on the form


@dataclass
class SpeakerDetails:
    """What the speaker form sets, as plain data."""

    name: str
    title: str = ""
    organisation: str = ""
    bio: MultilingualText = field(default_factory=MultilingualText)
    registration_id: int | None = None


@dataclass
class SpeakerRow:
    """One row of a list or file, checked: ``number`` as the trainer counts it (a file's header
    is row 1; a pasted list's first line is row 1)."""

    number: int
    name: str
    title: str = ""
    organisation: str = ""
    bio: str = ""
    registration: Registration | None = None


@dataclass
class SpeakerReport:
    """The rows of a list or file, and every problem found in them."""

    rows: list[SpeakerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def linked(self) -> int:
        return sum(row.registration is not None for row in self.rows)


def linkable(course: Course, speaker: Speaker | None = None) -> list[Registration]:
    """The course's participants a speaker can be linked to: registered (pending or approved),
    not anonymised, and not already linked to another speaker."""
    taken = sa.select(Speaker.registration_id).where(
        Speaker.course_id == course.id, Speaker.registration_id.is_not(None),
        Speaker.id != (speaker.id if speaker is not None and speaker.id else -1))
    return db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.status.in_(ACTIVE_STATUSES),
        Registration.anonymised_at.is_(None), Registration.id.not_in(taken))
        .order_by(Registration.certificate_name, Registration.id)).all()


def save_speaker(course: Course, speaker: Speaker | None, details: SpeakerDetails, photo) -> Speaker:
    """Add or change a speaker; ``photo`` is the form's upload (none keeps the photo). Raises
    :class:`logos.LogoRejected` before changing anything if the photo is refused."""
    stored = logos.store_upload(photo)
    if speaker is None:
        speaker = Speaker(course_id=course.id)
        db.session.add(speaker)
    speaker.name, speaker.title = details.name.strip(), details.title.strip()
    speaker.organisation, speaker.bio = details.organisation.strip(), details.bio
    speaker.registration_id = details.registration_id or None
    if stored:
        speaker.photo = stored
    db.session.flush()
    return speaker


def check_pasted(course: Course, text: str) -> SpeakerReport:
    """Read a pasted list, one person a line: "name; title; organisation", or the same parts
    separated by tabs (cells copied from a spreadsheet). A first line "Name; Title; …" is a
    header and skipped."""
    numbered, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("\t" if "\t" in line else ";")]
        if not numbered and not problems and fold(parts[0]) == "name":
            continue
        if any(parts[len(PASTED):]):
            problems.append(Problem(number, "", _("Too many parts: write name; title; organisation.")))
        numbered.append((number, dict(zip(PASTED, parts))))
    return check_rows(course, numbered, problems)


def check_table(course: Course, table: list[dict[str, str]]) -> SpeakerReport:
    """Check the rows of a CSV or XLSX file (as :func:`app.registrations.tables.read_table`
    reads it) whose header names the columns name, title, organisation, email and bio (any case;
    only name is needed). An email that is a participant's links the speaker to them."""
    headers = list(dict.fromkeys(header for row in table for header in row))
    columns, problems = {}, []
    for header in headers:
        key = ALIASES.get(fold(header), fold(header))
        if not header:
            problems.append(Problem(1, "", _("A column without a header has values.")))
        elif key not in LABELS:
            problems.append(Problem(1, header, _("Unknown column.")))
        elif key in columns.values():
            problems.append(Problem(1, header, _("This column appears twice.")))
        else:
            columns[header] = key
    if table and "name" not in columns.values():
        problems.append(Problem(1, str(LABELS["name"]), _("This column is missing.")))
    numbered = [(number, {columns[header]: value for header, value in row.items() if header in columns})
                for number, row in enumerate(table, start=2) if row]
    return check_rows(course, numbered, problems)


def check_rows(course: Course, numbered: list[tuple[int, dict[str, str]]],
               problems: list[Problem]) -> SpeakerReport:
    """Check every row against the others and the course's speakers and participants."""
    report = SpeakerReport(problems=problems)
    if not numbered and not problems:
        report.problems.append(Problem(1, "", _("Nobody to add: the list is empty.")))
    most = max_rows()  # as many as a file may hold (read_table refuses longer ones)
    if len(numbered) > most:
        report.problems.append(Problem(numbered[most][0], "", _(
            "At most %(max)d people can be added at once.", max=most)))
        return report
    speakers = {fold(speaker.name): speaker.name for speaker in course.speakers}
    participants = {person.email.casefold(): person for person in linkable(course)}
    taken = {speaker.registration.email.casefold(): speaker.name for speaker in course.speakers
             if speaker.registration is not None}  # participants already linked to a speaker
    first_name, first_email = {}, {}
    for number, values in numbered:
        # As the form's fields keep them: on one line, and empty when nothing in them is
        # visible (a name is then required, as on the form).
        values = {key: (value or "").strip() if key in TEXT_AREAS else one_line(value)
                  for key, value in values.items()}
        found = [(key, _("Too long: at most %(max)s characters.", max=LIMITS[key]))
                 for key, value in values.items() if len(value) > LIMITS[key]]
        name, email = values.get("name", ""), values.get("email", "").casefold()
        row = SpeakerRow(number, name, values.get("title", ""), values.get("organisation", ""),
                         values.get("bio", ""))
        invisible = visible_name_problem(name)
        if not fold(name) or (invisible and invisible.kind == "invisible"):
            found.append(("name", _("This is required.")))
        elif invisible is not None:
            found.append(("name", invisible.message("")))
        elif fold(name) in first_name:
            found.append(("name", _("This name is also in row %(row)s.", row=first_name[fold(name)])))
        elif fold(name) in speakers:
            found.append(("name", _("%(name)s is already a speaker of this course.",
                                    name=speakers[fold(name)])))
        first_name.setdefault(fold(name), number)
        if email and not any(key == "email" for key, _message in found):
            found += _link(row, email, first_email, participants, taken)
            first_email.setdefault(email, number)
        report.problems += [Problem(number, str(LABELS[key]), message) for key, message in found]
        report.rows.append(row)
    return report


def _link(row: SpeakerRow, email: str, first_email: dict[str, int],
          participants: dict[str, Registration], taken: dict[str, str]) -> list[tuple[str, str]]:
    """Link ``row`` to the participant registered with ``email``, if any; the problems found."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return [("email", _("“%(value)s” is not a valid email address.", value=email))]
    if email in first_email:
        return [("email", _("This email is also in row %(row)s.", row=first_email[email]))]
    if email in taken:
        return [("email", _("This participant is already linked to %(name)s.", name=taken[email]))]
    row.registration = participants.get(email)  # a speaker who is not registered is fine
    return []


def add_speakers(course: Course, report: SpeakerReport) -> list[Speaker]:
    """Add every row of a report without problems (a bio in the course's working language)."""
    if not report.ok:
        raise ValueError("a report with problems adds nothing")
    added = [Speaker(course_id=course.id, name=row.name, title=row.title, organisation=row.organisation,
                     bio=MultilingualText({course.working_language: row.bio}),
                     registration=row.registration) for row in report.rows]
    db.session.add_all(added)
    db.session.flush()
    return added
