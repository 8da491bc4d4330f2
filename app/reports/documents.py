"""A report as a file: XLSX (one sheet per table: bold frozen headers, numbers as numbers,
percentages as numbers shown with a percent format), PDF (through :mod:`app.pdf`, charts as
SVG) and JSON. All in the current language (``?lang=`` or the command's ``--language``)."""
import io
import json
from datetime import date

from markupsafe import Markup

from ..i18n import _, current_language, format_date_range
from ..pdf import render_pdf
from ..reference import country_name
from ..spreadsheets import add_sheet
from . import charts
from .figures import Filters
from .report import Report, as_json
from .tables import DATE, DECIMAL, PERCENT, TEXT, sex_label

FORMATS = {PERCENT: "0.0%", DECIMAL: "0.0", DATE: "yyyy-mm-dd"}


def filters_text(filters: Filters) -> str:
    """The filters in words ("" when none)."""
    chosen = [country_name(filters.country) if filters.country else "",
              sex_label(filters.sex) if filters.sex else ""]
    return ", ".join(part for part in chosen if part)


def threshold_text(threshold: int) -> str:
    return _("Percentages and means of groups of fewer than %(num)d people are not shown (–); "
             "their counts are.", num=threshold)


def unfiltered_text() -> str:
    return _("Evaluations and the follow-up are not filtered: anonymous answers name no one.")


def title_of(report: Report) -> str:
    if report.programme:
        return _("Programme report")
    return str(report.course.title.localize(current_language(), (report.course.working_language,)))


def cell(value, kind: str):
    """A table cell as the workbook keeps it: numbers stay numbers, texts become text."""
    if value is None:
        return None
    if kind == TEXT or not isinstance(value, (int, float, date)):
        return str(value)
    return value


def xlsx(report: Report) -> bytes:
    """The workbook: a first sheet saying what it covers, then one sheet per table."""
    from openpyxl import Workbook

    book = Workbook()
    about = [[_("Report"), title_of(report)]]
    if report.course is not None:
        about.append([_("Dates"), format_date_range(report.course.start_date, report.course.end_date)])
    else:
        about.append([_("Courses"), len(report.courses)])
    if report.filters.active:
        about.append([_("Filters"), filters_text(report.filters)])
    about += [[_("Small groups"), threshold_text(report.threshold)], [_("Note"), unfiltered_text()]]
    add_sheet(book, _("About this report"), [_("Item"), _("Value")], about, first=True)
    for table in report.tables:
        rows = [[cell(value, column.kind) for value, column in zip(row, table.columns)] for row in table.rows]
        sheet = add_sheet(book, table.title, [column.header for column in table.columns], rows)
        for index, column in enumerate(table.columns, start=1):
            if column.kind in FORMATS:
                for (found,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    found.number_format = FORMATS[column.kind]
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def pdf(report: Report) -> bytes:
    """The report on A4, each chart (SVG) above its table."""
    drawn = {table.key: Markup(chart) for table in report.tables
             if (chart := charts.svg(table)) is not None}
    return render_pdf("report.html", report=report, charts=drawn, title=title_of(report),
                      filters=filters_text(report.filters), threshold=threshold_text(report.threshold),
                      unfiltered=unfiltered_text(), language=current_language())


def json_text(report: Report) -> str:
    return json.dumps(as_json(report), ensure_ascii=False, indent=2) + "\n"


def filename(report: Report, extension: str) -> str:
    stem = f"report-{report.course.slug}" if report.course is not None else "programme-report"
    return f"{stem}.{extension}"
