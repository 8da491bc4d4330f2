"""A report: the courses it covers, its filters and threshold, its figures and its tables; the
dashboard, the donor report (page, XLSX, PDF, JSON) and the programme report are each one."""
from dataclasses import dataclass, field
from datetime import date, datetime

from ..courses.models import Course
from ..followup.results import action_headlines
from ..i18n.multilingual import Localized, MultilingualText
from . import about, figures as counting
from .figures import Filters
from .learning import evaluation_tables, follow_up_tables, knowledge_tables
from .tables import Table, attendance_tables, people_tables, shown, worksheet_tables

DEFAULT_THRESHOLD = 5  # Course.report_threshold's default: a programme of no course uses it


@dataclass
class Report:
    courses: list[Course]
    filters: Filters
    threshold: int
    figures: dict
    programme: bool = False
    scope: str = ""  # a programme's year, organiser and donor, in words
    headlines: list[dict] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def course(self) -> Course | None:
        return None if self.programme else self.courses[0]

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)


def course_report(course: Course, filters: Filters = Filters(), *, donor: bool = False) -> Report:
    """One course's figures as tables; ``donor``: with its objectives, organisers and donors,
    agenda and action plans' headlines too."""
    report = Report([course], filters, course.report_threshold, counting.compute([course], filters))
    if not donor:
        report.tables = figure_tables(report)
        return report
    report.headlines = action_headlines(course.id)
    *context, plans = about.course_tables(
        course, course.organisation_links,
        [s for s in report.figures["attendance"]["sessions"] if s["kind"] != "break"], report.headlines)
    report.tables = [*context, *figure_tables(report, [plans])]
    return report


def programme_report(courses: list[Course], filters: Filters = Filters(), scope: str = "") -> Report:
    """Several courses' figures added up; the threshold is the strictest of the courses'."""
    threshold = max((course.report_threshold for course in courses), default=DEFAULT_THRESHOLD)
    report = Report(courses, filters, threshold, counting.compute(courses, filters), programme=True,
                    scope=scope)
    report.tables = [about.programme_table(courses, report.figures, threshold), *figure_tables(report)]
    return report


def figure_tables(report: Report, plans: list[Table] = ()) -> list[Table]:
    """The figures' tables (``plans``: the action plans' headlines, before their follow-up)."""
    found, threshold = report.figures, report.threshold
    return [*people_tables(found, threshold),
            *attendance_tables(found, threshold, report.courses, report.programme),
            *worksheet_tables(found, threshold), *knowledge_tables(found["knowledge"], threshold),
            *evaluation_tables(found["evaluation"], threshold, open_answers=not report.programme), *plans,
            *follow_up_tables(found["follow_up"], threshold)]


def as_json(report: Report) -> dict:
    """The report as plain JSON data: counts as they are, percentages (0–100) and means as
    numbers, None where the group is under the threshold (the small-cell rule) or empty."""
    found, threshold = report.figures, report.threshold
    people = found["participants"]
    attendance = found["attendance"]
    knowledge = dict(found["knowledge"])
    for key, size in (("pre_mean", "pre_count"), ("post_mean", "post_count"), ("change_mean", "paired_count")):
        knowledge[key] = shown(knowledge[key], knowledge[size], threshold)
    knowledge["by_sex"] = {sex: {**values, "pre_mean": shown(values["pre_mean"], values["paired_count"], threshold),
                                 "post_mean": shown(values["post_mean"], values["paired_count"], threshold)}
                           for sex, values in knowledge["by_sex"].items()}
    evaluation = {key: {**survey, "scales": [
        {**item, "mean": shown(item["mean"], sum(item["counts"].values()), threshold)}
        for item in survey["scales"]]} for key, survey in found["evaluation"].items()}
    result = {
        "courses": [{"slug": course.slug, "title": course.title.localize(course.working_language).text,
                     "start_date": course.start_date, "end_date": course.end_date,
                     "country": course.country} for course in report.courses],
        "filters": found["filters"], "threshold": threshold,
        "participants": {key: people[key] for key in (
            "total", "by_sex", "by_country", "by_organisation_type", "by_ministry")},
        "registrations": found["registrations"],
        "attendance": {
            "rate": shown(attendance["rate"], people["total"], threshold),
            "attended": attendance["attended"], "possible": attendance["possible"],
            "by_sex": {sex: {**values, "rate": shown(values["rate"], values["people"], threshold)}
                       for sex, values in attendance["by_sex"].items()},
            "sessions": [{"title": session["title"], "starts_at": session["starts_at"],
                          "present": session["present"]}
                         for session in attendance["sessions"] if session["counts"]]},
        "worksheets": {"exercises": [{key: item[key] for key in ("key", "mode", "counts")}
                                     for item in found["worksheets"]["exercises"]],
                       "teams": found["worksheets"]["teams"]},
        "knowledge": knowledge, "evaluation": evaluation, "follow_up": found["follow_up"]}
    if not report.programme:
        result["course"] = result["courses"][0]
        result["action_plans"] = report.headlines
    return plain(result)


def plain(value):
    """``value`` with dates as ISO text and multilingual texts in the reader's language."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (MultilingualText, Localized)):
        return str(value)
    return value

