"""The course dashboard, the donor report's files and the programme report (staff pages)."""
from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from ..web.files import pdf_response, xlsx_response
from ..web.loaders import get_managed_course
from ..web.routes import Routes
from ..web.templates import add_helper
from . import charts, documents, programme
from .figures import countries
from .forms import read_filters, read_scope
from .report import course_report, programme_report
from .tables import display, sex_label

bp = Blueprint("reports", __name__)
routes = Routes()
add_helper(display, "report_cell")
add_helper(charts.image, "report_chart")
add_helper(sex_label, "report_sex_label")


def course_and_filters(slug: str, *, strict: bool):
    """The managed course and the filters asked for (files refuse bad ones: 400)."""
    course = get_managed_course(slug)
    known = countries([course.id])
    filters, problem = read_filters(request.args, known)
    if problem and strict:
        abort(400, problem)
    return course, filters, problem, known


@routes.route("/manage/courses/<slug>/dashboard")
@login_required
def dashboard(slug: str):
    """The course's figures and charts, filtered by country and sex."""
    course, filters, problem, known = course_and_filters(slug, strict=False)
    report = course_report(course, filters)
    return render_template("reports/dashboard.html", course=course, report=report, countries=known,
                           problem=problem, threshold=documents.threshold_text(report.threshold),
                           unfiltered=documents.unfiltered_text()), 400 if problem else 200


def donor_report(slug: str):
    """The course's donor report for a download, with the filters of the address (a bad one
    answers 400)."""
    course, filters, _problem, _known = course_and_filters(slug, strict=True)
    return course_report(course, filters, donor=True)


@routes.route("/manage/courses/<slug>/report.xlsx")
@login_required
def donor_xlsx(slug: str):
    report = donor_report(slug)
    return xlsx_response(documents.xlsx(report), documents.filename(report, "xlsx"))


@routes.route("/manage/courses/<slug>/report.pdf")
@login_required
def donor_pdf(slug: str):
    report = donor_report(slug)
    return pdf_response(documents.pdf(report), documents.filename(report, "pdf"))


@routes.route("/manage/courses/<slug>/report.json")
@login_required
def donor_json(slug: str):
    report = donor_report(slug)
    return Response(documents.json_text(report), mimetype="application/json")


def chosen_programme(*, strict: bool):
    options = programme.choices(current_user)
    scope, problem = read_scope(request.args, options)
    if problem and strict:
        abort(400, problem)
    courses = programme.courses(current_user, scope)
    report = programme_report(courses, scope=programme.describe(scope, options))
    return report, scope, options, problem


@routes.route("/manage/reports/")
@login_required
def programme_page():
    """Courses of a year, an organiser and/or a donor, their figures added up."""
    report, scope, options, problem = chosen_programme(strict=False)
    return render_template("reports/programme.html", report=report, scope=scope, options=options,
                           problem=problem, threshold=documents.threshold_text(report.threshold),
                           unfiltered=documents.unfiltered_text()), 400 if problem else 200


@routes.route("/manage/reports/programme.xlsx")
@login_required
def programme_xlsx():
    report = chosen_programme(strict=True)[0]
    return xlsx_response(documents.xlsx(report), documents.filename(report, "xlsx"))


@routes.route("/manage/reports/programme.pdf")
@login_required
def programme_pdf():
    report = chosen_programme(strict=True)[0]
    return pdf_response(documents.pdf(report), documents.filename(report, "pdf"))


routes.register(bp)
