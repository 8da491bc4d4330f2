"""The tables every output of a report shows (the dashboard, the PDF, one XLSX sheet each), built
once from the figures in the reader's language: so the page, the PDF and the workbook hold the
same numbers.

The small-cell rule lives in :func:`big_enough` alone: a percentage (or a mean) of a group is
shown only when the group has at least the threshold's number of people (the course's
``report_threshold``; a programme takes the strictest of its courses'). Otherwise the cell is
None, drawn as "–" with a note, and the counts stay.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask_babel import format_date, format_decimal, format_percent, get_locale

from ..i18n import _, current_language
from ..i18n.multilingual import Localized, MultilingualText
from ..reference import country_name, ministries, organisation_types
from ..registrations.forms import SEX_LABELS
from ..registrations.labels import status_label
from ..registrations.models import SEXES, STATUSES
from ..toolkit import translate
from ..toolkit.modules import get as get_module
from .figures import DONE, PROGRESS

TEXT, COUNT, PERCENT, DECIMAL, DATE = "text", "count", "percent", "decimal", "date"


@dataclass
class Column:
    header: str
    kind: str = COUNT  # text (str or Localized), count (int), percent (0–1), decimal, date


@dataclass
class Chart:
    """How to draw a table: ``stacked`` or side-by-side (``bars``) horizontal bars, one series
    per column of ``series`` (column indexes), one bar per row."""

    kind: str
    series: list[int]


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    chart: Chart | None = None

    def column(self, index: int) -> list:
        return [row[index] for row in self.rows]


def big_enough(size: int | None, threshold: int) -> bool:
    """The small-cell rule: may a percentage or mean of a group of ``size`` people be shown?"""
    return bool(size) and size >= threshold


def share(part: int, whole: int, threshold: int, size: int | None = None) -> float | None:
    """``part`` of ``whole`` (0–1), or None when the group (``size`` people, else ``whole``) is
    under ``threshold`` or there is no whole."""
    return part / whole if whole and big_enough(whole if size is None else size, threshold) else None


def shown(value: float | None, size: int | None, threshold: int, scale: float = 1.0) -> float | None:
    """A mean (or a percentage worked out elsewhere) of a group of ``size``, divided by
    ``scale``, or None under the threshold."""
    return value / scale if value is not None and big_enough(size, threshold) else None


def display(value, kind: str) -> str:
    """A cell as a page or the PDF shows it, in the reader's locale: "–" for a percentage or
    mean not shown (small group, or no one to count), "" for a count that does not apply."""
    if value is None:
        return "–" if kind in (PERCENT, DECIMAL) else ""
    if kind == PERCENT:
        return format_percent(value, "#,##0.#%")
    if kind == DECIMAL:
        return format_decimal(value, "#,##0.0")
    if kind == DATE:
        return format_date(value, "medium", rebase=False) if isinstance(value, date) else str(value)
    if kind == COUNT and isinstance(value, (int, float)):
        return format_decimal(value)
    return str(value)


def sex_label(sex: str) -> str:
    return str(SEX_LABELS.get(sex, sex))


def organisation_type_label(code: str) -> str:
    return next((kind.label for kind in organisation_types() if kind.code == code), code)


def ministry_label(country: str, code: str) -> str:
    return next((ministry.label() for ministry in ministries(country) if ministry.code == code), code)


def exercise_label(key: str) -> str:
    module = get_module(key)
    return f"{key} {translate(module.title)}" if module else key


def localized(text: MultilingualText, fallback: str) -> Localized:
    return text.localize(current_language(), (fallback,))


def moment(value: datetime | date, skeleton: str) -> str:
    return format_skeleton(skeleton, value, locale=get_locale())


def by_sex_columns(first: str) -> list[Column]:
    return [Column(first, TEXT), *(Column(sex_label(sex)) for sex in SEXES), Column(_("Total")),
            Column(_("Share female"), PERCENT)]


def by_sex_row(label, counts: dict[str, int], threshold: int) -> list:
    total = sum(counts.values())
    return [label, *(counts[sex] for sex in SEXES), total, share(counts["female"], total, threshold)]


def people_tables(figures: dict, threshold: int) -> list[Table]:
    """Participants by sex, country, organisation type and ministry; registrations by status."""
    people = figures["participants"]
    total = people["total"]
    by_sex = Table("participants_sex", _("Participants by sex"),
                   [Column(_("Sex"), TEXT), Column(_("Participants")), Column(_("Share"), PERCENT)],
                   [[sex_label(sex), people["by_sex"][sex], share(people["by_sex"][sex], total, threshold)]
                    for sex in SEXES] + [[_("Total"), total, share(total, total, threshold)]])
    country = Table("participants_country", _("Participants by country and sex"),
                    by_sex_columns(_("Country")),
                    sorted((by_sex_row(country_name(code), counts, threshold)
                            for code, counts in people["by_country"].items()), key=lambda row: row[0]),
                    chart=Chart("stacked", [1, 2, 3]))
    kinds = Table("participants_organisation", _("Participants by type of organisation and sex"),
                  by_sex_columns(_("Type of organisation")),
                  sorted((by_sex_row(organisation_type_label(code), counts, threshold)
                          for code, counts in people["by_organisation_type"].items()),
                         key=lambda row: (-row[4], row[0])), chart=Chart("stacked", [1, 2, 3]))
    ministry_rows = []
    for key, counts in people["by_ministry"].items():
        code_country, code = key.split(":", 1)
        ministry_rows.append([country_name(code_country), *by_sex_row(
            ministry_label(code_country, code), counts, threshold)])
    ministry_rows.sort(key=lambda row: (row[0], row[1]))
    ministry = Table("participants_ministry", _("Participants by ministry or agency and sex"),
                     [Column(_("Country"), TEXT), *by_sex_columns(_("Ministry or agency"))],
                     ministry_rows)
    status = Table("registrations_status", _("Registrations by status and sex"),
                   by_sex_columns(_("Status"))[:-1],
                   [by_sex_row(status_label(code), figures["registrations"]["by_status"][code],
                               threshold)[:-1] for code in STATUSES])
    return [by_sex, country, kinds, ministry, status]


def attendance_tables(figures: dict, threshold: int, courses: list, programme: bool) -> list[Table]:
    """Attendance by sex, then per session (a course) or per course (a programme)."""
    attendance, people = figures["attendance"], figures["participants"]
    rows = [[sex_label(sex), values["people"], values["attended"], values["possible"],
             share(values["attended"], values["possible"], threshold, values["people"])]
            for sex, values in attendance["by_sex"].items()]
    rows.append([_("Total"), people["total"], attendance["attended"], attendance["possible"],
                 share(attendance["attended"], attendance["possible"], threshold, people["total"])])
    by_sex = Table("attendance_sex", _("Attendance by sex"),
                   [Column(_("Sex"), TEXT), Column(_("Participants")), Column(_("Sessions attended")),
                    Column(_("Sessions possible")), Column(_("Attendance rate"), PERCENT)], rows,
                   note=_("Sessions that count for attendance and have started; parallel sessions "
                          "count once."), chart=Chart("bars", [4]))
    if programme:
        per_course = Table("attendance_courses", _("Attendance by course"),
                           [Column(_("Course"), TEXT), Column(_("Participants")),
                            Column(_("Sessions attended")), Column(_("Sessions possible")),
                            Column(_("Attendance rate"), PERCENT)], chart=Chart("bars", [4]))
        for course in courses:
            values = attendance["by_course"][course.id]
            size = sum(people["by_course"][course.id].values())
            per_course.rows.append([localized(course.title, course.working_language), size,
                                    values["attended"], values["possible"],
                                    share(values["attended"], values["possible"], threshold, size)])
        return [by_sex, per_course]
    languages = {course.id: course for course in courses}
    per_session = Table("attendance_sessions", _("Attendance per session, by sex"),
                        [Column(_("Session"), TEXT), *(Column(sex_label(sex)) for sex in SEXES),
                         Column(_("Present")), Column(_("Share of participants"), PERCENT)],
                        chart=Chart("stacked", [1, 2, 3]))
    for session in attendance["sessions"]:
        if not session["counts"]:
            continue
        course = languages[session["course_id"]]
        present = session["present"]
        when = session["starts_at"].astimezone(ZoneInfo(course.timezone))
        per_session.rows.append([
            Localized(f"{moment(when, 'MMMEd')} {moment(when, 'Hm')} · {localized(session['title'], course.working_language)}",
                      localized(session["title"], course.working_language).language, False),
            *(present[sex] for sex in SEXES), sum(present.values()),
            share(sum(present.values()), people["total"], threshold)])
    return [by_sex, per_session]


def worksheet_tables(figures: dict, threshold: int) -> list[Table]:
    """Worksheets by exercise (exercises of a programme's courses added up by module) and by
    country team (team exercises), counted by progress."""
    labels = {"empty": _("Not started"), "draft": _("Draft"), "submitted": _("Submitted"),
              "returned": _("Returned"), "final": _("Final")}
    columns = [*(Column(labels[state]) for state in PROGRESS), Column(_("Total")),
               Column(_("Share handed in"), PERCENT)]

    def row(label, counts):
        total = sum(counts.values())
        return [label, *(counts[state] for state in PROGRESS), total,
                share(sum(counts[state] for state in DONE), total, threshold)]

    by_key: dict[str, dict[str, int]] = {}
    for exercise in figures["worksheets"]["exercises"]:
        counts = by_key.setdefault(exercise["key"], dict.fromkeys(PROGRESS, 0))
        for state, number in exercise["counts"].items():
            counts[state] += number
    ordered = sorted(by_key, key=lambda key: int(key[1:]) if key[1:].isdigit() else 0)
    exercises = Table("worksheets_exercises", _("Worksheets by exercise"),
                      [Column(_("Exercise"), TEXT), *columns],
                      [row(exercise_label(key), by_key[key]) for key in ordered],
                      note=_("Handed in: submitted or final."), chart=Chart("stacked", [1, 2, 3, 4, 5]))
    teams = Table("worksheets_teams", _("Team worksheets by country team"),
                  [Column(_("Country team"), TEXT), *columns],
                  sorted((row(country_name(code), counts)
                          for code, counts in figures["worksheets"]["teams"].items()), key=lambda r: r[0]))
    return [exercises, teams]
