"""Registrations to and from spreadsheets: CSV and XLSX export, all-or-nothing import."""
import csv
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..courses.models import Course
from ..extensions import db
from ..forms import clean_text
from ..i18n import _, _l, current_language, use_language
from ..i18n.languages import LANGUAGES
from ..reference import country_choices, country_name, is_country, ministries, organisation_types
from .models import AGE_GROUPS, NAME_ORDERS, SEXES, Registration
from .names import passport_name_problem, visible_name_problem
from .operations import Person, register

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
    ("email", _l("Email")),
    ("phone", _l("Phone")),
    ("language", _l("Preferred language")),
    ("certificate_language", _l("Certificate language")),
    ("dietary", _l("Dietary needs")),
    ("accessibility", _l("Accessibility needs")),
    ("status", _l("Status")),
    ("submitted_at", _l("Submitted (UTC)")),
]
EXPORT_ONLY = {"certificate_name", "status", "submitted_at"}  # derived or decided here
REQUIRED = ("full_name", "sex", "age_group", "country", "organisation_type", "email")
CHOICES = {"sex": SEXES, "age_group": AGE_GROUPS, "name_order": NAME_ORDERS,
           "language": LANGUAGES, "certificate_language": LANGUAGES}
CODES = {*CHOICES, "country", "organisation_type", "ministry"}  # checked against their lists
# Names as on the forms: printed on the certificate's Latin line, or in any script but visible.
LATIN_NAMES = ("full_name", "family_name", "given_names", "honorific")
OTHER_NAMES = ("native_name", "address_as")
# A leading = + - @ makes a spreadsheet run a CSV cell as a formula; phone numbers are exempt.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE_LIKE = re.compile(r"\+?[0-9 ().\-/]+")


class ImportFileError(ValueError):
    """The file cannot be read as a table; the message says why, in the user's language."""


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
    """How an import went: the counts when registered, else every problem found."""

    imported: int = 0
    waitlisted: int = 0
    problems: list[Problem] = field(default_factory=list)

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


# Reading

def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Read a CSV or XLSX file into one dict per row, keyed by the header cells as written.

    Blank rows stay in the list (as empty dicts), so a list index maps to the spreadsheet row.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        table = _read_csv(data)
    elif extension == "xlsx":
        table = _read_xlsx(data)
    else:
        raise ImportFileError(_("%(filename)s is neither a CSV nor an XLSX file.",
                                filename=filename))
    if not table or not any(table[0]):
        raise ImportFileError(_("%(filename)s has no header row.", filename=filename))
    headers = [_cell_value(cell) for cell in table[0]]
    twice = next((header for index, header in enumerate(headers)
                  if header and header in headers[:index]), None)
    if twice:
        raise ImportFileError(_("The column “%(column)s” appears twice.", column=twice))
    rows = []
    for cells in table[1:]:
        values = [_cell_value(cell) for cell in cells]
        if not any(values):
            rows.append({})
            continue
        row = {header: value for header, value in zip(headers, values) if header}
        extra = values[len(headers):] + [v for h, v in zip(headers, values) if not h]
        if any(extra):
            row[""] = next(value for value in extra if value)
        rows.append(row)
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not in UTF-8: save it as “CSV UTF-8” and try again."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [[_undefuse(cell) for cell in row]
                for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(reason)s", reason=str(exc)))


MAX_ROWS, MAX_COLUMNS = 5000, 60


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features of other tools' files
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                # Bounded: a sheet may claim a million empty cells (XFD300000) to exhaust memory.
                sheet = book.worksheets[0]
                return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1,
                                                             max_col=MAX_COLUMNS)]
            finally:
                book.close()
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "unreadable"
        raise ImportFileError(_("The XLSX file cannot be read: %(reason)s", reason=str(exc)))


def _cell_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    return clean_text(unicodedata.normalize("NFC", str(value))).strip()


def _undefuse(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


# Import

def import_rows(course: Course, rows: list[dict[str, str]]) -> ImportReport:
    """Check every row; register them all (without emails) if none has a problem, else none."""
    report = ImportReport()
    numbered = [(number, row) for number, row in enumerate(rows, start=2)
                if any(str(value or "").strip() for value in row.values())]
    if not numbered:
        report.problems.append(Problem(2, "", _("The file has no rows to import.")))
        return report
    labels = {name: str(label) for name, label in COLUMNS}
    columns, report.problems = _resolve_columns(
        list(dict.fromkeys(header for _number, row in numbered for header in row)), labels)
    taken = set(db.session.scalars(sa.select(sa.func.lower(Registration.email)).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None))))
    first_row_of: dict[str, int] = {}
    people = []
    for number, row in numbered:
        values = {name: str(row.get(header) or "").strip() for header, name in columns.items()}
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
        people.append({name: value for name, value in values.items() if name not in EXPORT_ONLY})
    if report.problems:
        return report
    for person in people:
        registration = register(course, Person(**person), notify=False)
        report.imported += 1
        report.waitlisted += registration.status == "waitlisted"
    return report


def _resolve_columns(headers: list[str], labels: dict[str, str]) -> tuple[dict[str, str], list]:
    """Map header cells to fields, by the labels of the language that fits the header best."""
    by_language = {}
    for code in (current_language(), "en", *LANGUAGES):  # ties go to the reader, then English
        if code not in by_language:
            with use_language(code):
                by_language[code] = {_fold(str(label)): name for name, label in COLUMNS}
    folded = [_fold(header) for header in headers]
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
    values["name_order"] = values.get("name_order") or "given_first"
    values["language"] = values.get("language") or "en"
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
    return _country_names().get(_fold(value))


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names = {}
    for language in reversed(LANGUAGES):  # English names win a clash
        names.update((_fold(name), code) for code, name in country_choices(language))
    return names


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
