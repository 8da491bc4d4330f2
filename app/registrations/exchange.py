"""Registrations to and from spreadsheets: CSV and XLSX export, all-or-nothing import."""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..audit.operations import record, record_export
from ..courses.models import Course
from ..database import write_lock_at_begin
from ..extensions import db
from ..forms import clean_line, one_line
from ..i18n import _, _l, current_language, use_language
from ..i18n.languages import LANGUAGES
from ..mail.operations import store_composed
from ..reference import country_choices, country_name, is_country, ministries, organisation_types
from .labels import STATUS_LABELS
from .models import AGE_GROUPS, ATTENDANCE_MODES, NAME_ORDERS, SEXES, STATUSES, Registration
from .names import passport_name_problem, visible_name_problem
from .notifications import registration_received
from .operations import Person, decide_statuses, insert_registrations, lock_course, \
    prepare_registration
# Other features' imports (speakers, working groups) read their tables through here too.
from .tables import (FORMULA_START, ImportFileError, fold_label,  # noqa: F401
                     numbered_rows, read_table, uploaded_rows)

# The spreadsheet's columns, in order; the labels are its header row, in the reader's language.
COLUMNS = [
    ("full_name", _l("Full name")),
    ("family_name", _l("Family name")),
    ("given_names", _l("Given names")),
    ("name_order", _l("Name order")),
    ("honorific", _l("Honorific or title")),
    ("native_name", _l("Name in native script")),
    ("address_as", _l("Form of address")),
    ("certificate_name", _l("Name on the certificate")),
    ("sex", _l("Sex")),
    ("age_group", _l("Age group")),
    ("country", _l("Country")),
    ("organisation_type", _l("Type of organisation")),
    ("ministry", _l("Ministry or agency")),
    ("organisation", _l("Organisation")),
    ("position", _l("Position")),
    ("province", _l("Province or city")),
    ("email", _l("Email")),
    ("phone", _l("Phone")),
    ("language", _l("Preferred language")),
    ("certificate_language", _l("Certificate language")),
    ("dietary", _l("Dietary needs")),
    ("accessibility", _l("Accessibility needs")),
    ("attendance_mode", _l("Taking part")),  # in_person or online (hybrid courses)
    ("status", _l("Status")),
    ("submitted_at", _l("Submitted (UTC)")),
]
EXPORT_ONLY = {"certificate_name", "submitted_at"}  # derived or decided here
REQUIRED = ("full_name", "sex", "age_group", "country", "organisation_type", "email")
CHOICES = {"sex": SEXES, "age_group": AGE_GROUPS, "name_order": NAME_ORDERS,
           "language": LANGUAGES, "certificate_language": LANGUAGES,
           "attendance_mode": ATTENDANCE_MODES}
CODES = {*CHOICES, "country", "organisation_type", "ministry", "status"}  # checked against lists
QUIET = ("declined", "cancelled")  # imported with these, people hold no place and get no email
# Names as on the forms: printed on the certificate's Latin line, or in any script but visible.
LATIN_NAMES = ("full_name", "family_name", "given_names", "honorific")
OTHER_NAMES = ("native_name", "address_as")
TEXT_AREAS = ("dietary", "accessibility")  # the form's only fields of several lines
TITLES = ("organisation", "position")  # empty, as on the form, when nothing in them is visible
# Phone numbers are exempt from defusing (tables.FORMULA_START).
PHONE_LIKE = re.compile(r"\+?[0-9 ().\-/]+")


@dataclass(frozen=True)
class Problem:
    """What is wrong where: ``row`` as numbered in the spreadsheet (header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("Row %(row)s: %(message)s", row=self.row, message=self.message)
        return _("Row %(row)s, %(column)s: %(message)s", row=self.row, column=self.column,
                 message=self.message)


@dataclass
class ImportReport:
    """How an import went: the counts and the rows that went on the waitlist without asking
    (``notes``) when registered, else every problem found."""

    imported: int = 0
    waitlisted: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Export

def export_rows(course: Course) -> tuple[list[str], list[list[str]]]:
    """Header (in the current language) and rows of raw codes, by country then certificate name."""
    fields = [name for name, _label in COLUMNS]
    query = (sa.select(*(getattr(Registration, name) for name in fields))
             .where(Registration.course_id == course.id, Registration.anonymised_at.is_(None))
             .order_by(Registration.country, Registration.certificate_name, Registration.id))
    rows = [[_cell_text(value) for value in row] for row in db.session.execute(query)]
    return [str(label) for _name, label in COLUMNS], rows


def write_csv(course: Course, stream) -> None:
    """Write the export as CSV to the binary ``stream``: UTF-8 with a BOM, so Excel reads Thai."""
    headers, rows = export_rows(course)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([_defuse(value) for value in row] for row in rows)
    stream.write(text.getvalue().encode("utf-8-sig"))


def write_xlsx(course: Course, stream) -> None:
    """Write the export as an XLSX workbook to the binary ``stream``."""
    from openpyxl import Workbook

    from ..spreadsheets import add_sheet

    headers, rows = export_rows(course)
    book = Workbook()
    add_sheet(book, _("Registrations"), headers, rows, first=True)
    book.save(stream)


def export(course: Course, stream, file_format: str) -> None:
    """Write the export (``file_format``: "csv" or "xlsx") to the binary ``stream``, and note
    the download of everyone's details in the audit log (a page's, a command's)."""
    (write_xlsx if file_format == "xlsx" else write_csv)(course, stream)
    record_export("export.participants", course=course, details={"format": file_format})


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def _defuse(value: str) -> str:
    if value.startswith(FORMULA_START) and not PHONE_LIKE.fullmatch(value):
        return "'" + value
    return value


# Import

@dataclass
class Newcomer:
    """A checked row on its way in: the person, the Status column, and once prepared the
    registration (not stored yet) and the email it will be sent (None: declined, cancelled)."""

    number: int
    person: Person
    asked: str | None
    registration: Registration | None = None
    email: dict | None = None


def import_upload(course: Course, field) -> ImportReport | None:
    """Import the file of the import page's upload ``field`` (:func:`import_rows`), or return
    None with the reason it cannot be read in the field's errors. The request's transaction
    ends first: on SQLite a POST holds the write lock from its start, and reading a file of
    thousands of rows takes a while."""
    db.session.commit()
    rows = uploaded_rows(field)
    return None if rows is None else import_rows(course, rows)


def import_rows(course: Course, rows: list[dict[str, str]]) -> ImportReport:
    """Check every row; register them all if none has a problem, else none.

    A Status column is followed as the form's rules allow: pending or approved only while a place
    is free (else the waitlist, noted row by row). Each person is emailed, in their language, what
    the registration form would have sent them (nothing for declined or cancelled rows).

    Other writers are never held for long: the rows are checked and their emails written
    (seconds, for thousands) with no lock held, then one short transaction takes the lock,
    checks again what may have changed meanwhile (an email registered, places taken) and
    stores every registration, its status event and its email at once (bench/imports.py:
    well under a second at IMPORT_MAX_ROWS). The caller's transaction is committed first; the
    import commits its own, and the emails go out only after it."""
    db.session.commit()
    with write_lock_at_begin(False):  # reading only, even inside a POST
        report, newcomers = _check_rows(course, rows)
        if report.ok:
            _prepare(course, newcomers)
        db.session.rollback()
    if report.ok:
        with write_lock_at_begin(True):  # no other writer between the last checks and the writes
            try:
                _store(course, newcomers, report)
            except BaseException:
                db.session.rollback()
                raise
    return report


def _check_rows(course: Course, rows: list[dict[str, str]]) -> tuple[ImportReport, list[Newcomer]]:
    """Every problem of every row, or the people to register; the database is only read."""
    report = ImportReport()
    numbered = numbered_rows(rows)
    if not numbered:
        report.problems.append(Problem(2, "", _("The file has no rows to import.")))
        return report, []
    labels = {name: str(label) for name, label in COLUMNS}
    columns, report.problems = _resolve_columns(
        list(dict.fromkeys(header for _number, row in numbered for header in row)), labels)
    taken = _emails_taken(course)
    first_row_of: dict[str, int] = {}
    newcomers = []
    for number, row in numbered:
        values = {name: _cell(name, row.get(header)) for header, name in columns.items()}
        problems = _check_row(values)
        email = values.get("email", "").lower()
        if email and "email" not in dict(problems):
            if email in first_row_of:
                problems.append(("email", _("This email is also in row %(row)s.",
                                            row=first_row_of[email])))
            elif email in taken:
                problems.append(("email", _("%(email)s is already registered for this course.",
                                            email=email)))
            first_row_of.setdefault(email, number)
        report.problems += [Problem(number, labels[name], message) for name, message in problems]
        values["language"] = values.get("language") or _default_language(course)
        if report.ok:  # so far: every column is there
            status = values.pop("status", "") or None
            newcomers.append(Newcomer(number, Person(**{
                name: value for name, value in values.items() if name not in EXPORT_ONLY}), status))
    return report, (newcomers if report.ok else [])


def _cell(name: str, value) -> str:
    """A cell as the form's field would keep it: one-line fields on one line."""
    text = str(value or "")
    if name in TEXT_AREAS:
        return text.strip()
    return one_line(text) if name in TITLES else clean_line(text).strip()


def _emails_taken(course: Course) -> set[str]:
    return set(db.session.scalars(sa.select(sa.func.lower(Registration.email)).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None))))


def _prepare(course: Course, newcomers: list[Newcomer]) -> None:
    """Make each registration, with the status it would get now, and write its email."""
    registrations = [prepare_registration(course, newcomer.person) for newcomer in newcomers]
    decide_statuses(course, registrations, [newcomer.asked for newcomer in newcomers])
    for newcomer, registration in zip(newcomers, registrations):
        newcomer.registration = registration
        if newcomer.asked not in QUIET:
            newcomer.email = registration_received(registration)


def _store(course: Course, newcomers: list[Newcomer], report: ImportReport) -> None:
    """The short transaction: check again under the lock, store everyone and their emails,
    commit; or, if an email got registered meanwhile, report it and write nothing."""
    lock_course(course)
    taken = _emails_taken(course)
    email_label = str(dict(COLUMNS)["email"])
    report.problems = [Problem(newcomer.number, email_label, _(
        "%(email)s is already registered for this course.", email=newcomer.registration.email))
        for newcomer in newcomers if newcomer.registration.email in taken]
    if report.problems:
        db.session.rollback()
        return
    registrations = [newcomer.registration for newcomer in newcomers]
    expected = [registration.status for registration in registrations]
    decide_statuses(course, registrations, [newcomer.asked for newcomer in newcomers])
    insert_registrations(course, registrations)
    status_label = str(dict(COLUMNS)["status"])
    for newcomer, status in zip(newcomers, expected):
        registration = newcomer.registration
        if newcomer.email is not None:
            if registration.status != status:  # places taken meanwhile: the email says so
                newcomer.email = registration_received(registration)
            newcomer.email["registration_id"] = registration.id
        if registration.status == "waitlisted":
            report.waitlisted += 1
            if newcomer.asked != "waitlisted":
                report.notes.append(Problem(newcomer.number, status_label,
                                            _("No place was free: on the waitlist.")))
    store_composed([newcomer.email for newcomer in newcomers if newcomer.email is not None])
    report.imported = len(newcomers)
    record("registration.import", course=course,
           details={"rows": report.imported, "waitlisted": report.waitlisted})
    db.session.commit()


def required_labels() -> list[str]:
    """The headers an import cannot do without, in the reader's language."""
    labels = dict(COLUMNS)
    return [str(labels[name]) for name in REQUIRED]


def _default_language(course: Course) -> str:
    """A row without a language reads the course's, as the registration form would offer."""
    return course.working_language if course.working_language in LANGUAGES else "en"


def _resolve_columns(headers: list[str], labels: dict[str, str]) -> tuple[dict[str, str], list]:
    """Map header cells to fields, by the labels of the language that fits the header best."""
    by_language = {}
    for code in (current_language(), "en", *LANGUAGES):  # ties go to the reader, then English
        if code not in by_language:
            with use_language(code):
                by_language[code] = {fold_label(str(label)): name for name, label in COLUMNS}
    folded = [fold_label(header) for header in headers]
    best = max(by_language, key=lambda code: sum(key in by_language[code] for key in folded))
    anywhere = {name: name for name, _label in COLUMNS}
    for names in reversed(by_language.values()):
        anywhere.update(names)
    columns, problems = {}, []
    for header, key in zip(headers, folded):
        name = by_language[best].get(key) or anywhere.get(key)
        if name is None:
            problems.append(Problem(1, header, _("Unknown column.") if header else
                                    _("A column without a header has values.")))
        elif name in columns.values():
            problems.append(Problem(1, header, _("This column appears twice.")))
        else:
            columns[header] = name
    problems += [Problem(1, labels[name], _("This column is missing."))
                 for name in REQUIRED if name not in columns.values()]
    return columns, problems


def _check_row(values: dict[str, str]) -> list[tuple[str, str]]:
    """Turn ``values`` into codes in place; return (field, message) for each problem."""
    problems = []
    for name, value in values.items():
        length = getattr(Registration.__table__.c[name].type, "length", None)
        if name not in EXPORT_ONLY and name not in CODES and length and len(value) > length:
            problems.append((name, _("Too long: at most %(max)s characters.", max=length)))
    problems += [(name, _("This is required.")) for name in REQUIRED
                 if name in values and not values[name]]
    failed = {name for name, _message in problems}
    native_column = str(dict(COLUMNS)["native_name"])
    for name in (*LATIN_NAMES, *OTHER_NAMES):
        check = passport_name_problem if name in LATIN_NAMES else visible_name_problem
        problem = check(values.get(name)) if name not in failed else None
        if problem is not None:
            failed.add(name)
            problems.append((name, problem.message(native_column)))

    def choose(name, allowed, message):
        """Replace the value by its code among ``allowed`` (any case), or add ``message()``."""
        value = values.get(name)
        if name in failed or not value:
            return
        found = next((code for code in allowed if code.casefold() == value.casefold()), None)
        if found is None:
            failed.add(name)
            problems.append((name, message(value)))
        else:
            values[name] = found

    for name, allowed in CHOICES.items():
        choose(name, allowed, lambda value, allowed=allowed: _(
            "“%(value)s” is not one of: %(choices)s.", value=value, choices=", ".join(allowed)))
    if values.get("country") and "country" not in failed:
        country = _country_code(values["country"])
        if country is None:
            problems.append(("country", _("Unknown country “%(value)s”: use a two-letter ISO code "
                                          "such as VN.", value=values["country"])))
        else:
            values["country"] = country
            _choose_organisation(values, choose)
    if values.get("email") and "email" not in failed:
        try:
            validate_email(values["email"], check_deliverability=False)
        except EmailNotValidError:
            problems.append(("email", _("“%(value)s” is not a valid email address.",
                                        value=values["email"])))
    if values.get("status") and "status" not in failed:
        status = _status_names().get(fold_label(values["status"]))
        if status is None:
            problems.append(("status", _("“%(value)s” is not one of: %(choices)s.",
                                         value=values["status"], choices=", ".join(STATUSES))))
        else:
            values["status"] = status
    values["name_order"] = values.get("name_order") or "given_first"
    return problems


def _choose_organisation(values: dict[str, str], choose) -> None:
    """Check the organisation type and ministry against the lists for the row's country."""
    country = values["country"]
    kinds = [kind.code for kind in organisation_types(country)]
    choose("organisation_type", kinds, lambda value: _(
        "“%(value)s” is not a type of organisation for %(country)s; use one of: %(choices)s.",
        value=value, country=country_name(country), choices=", ".join(kinds)))
    if values.get("ministry", "").casefold() == "other":
        values["ministry"] = ""  # as on the form: the name goes under Organisation
    listed = [ministry.code for ministry in ministries(country)]
    choose("ministry", listed, lambda value: _(
        "“%(value)s” is not a ministry listed for %(country)s; use one of: %(choices)s.",
        value=value, country=country_name(country), choices=", ".join(listed) or "—"))


def _country_code(value: str) -> str | None:
    """The ISO code for a code, or for a country's name in any interface language."""
    if is_country(value.upper()):
        return value.upper()
    return _country_names().get(fold_label(value))


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names = {}
    for language in reversed(LANGUAGES):  # English names win a clash
        names.update((fold_label(name), code) for code, name in country_choices(language))
    return names


@lru_cache(maxsize=1)
def _status_names() -> dict[str, str]:
    """Status codes, and their labels in every interface language (folded), to the code."""
    names = {}
    for language in reversed(LANGUAGES):  # English labels win a clash
        with use_language(language):
            names.update((fold_label(str(label)), code) for code, label in STATUS_LABELS.items())
    return {**names, **{code: code for code in STATUSES}}


