"""The trainers' evaluation page: the questionnaires' windows (open, close, reopen), the
settings (anonymity, early post-test, the small-cell threshold) and the results."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, ngettext
from flask_login import login_required

from ...extensions import db
from ...forms import protect
from ...reports.tables import big_enough
from ...i18n import _
from ...web.loaders import get_managed_course
from ...web.routes import Routes
from ...web.templates import add_helper, helper
from .. import operations, questionnaires, results
from ..forms import SettingsForm
from ..labels import SCALE, scale_label, window_label

routes = Routes()
add_helper(scale_label, "scale_label")
add_helper(window_label, "window_label")
add_helper(big_enough, "big_enough")  # the small-cell rule, as in the reports


@helper("evaluation_share")
def share(count: int, total: int, threshold: int) -> str:
    """``count``, with its share of ``total`` only when ``total`` people are at least the
    course's small-cell threshold (else the count alone)."""
    if not big_enough(total, threshold):
        return str(count)
    return _("%(count)d (%(percent)s)", count=count, percent=format_percent(count / total))


@routes.route("/manage/courses/<slug>/evaluation/", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """The page; its forms say what to do (``action``): open, close or reopen a window
    (``name``), or save the settings."""
    course = get_managed_course(slug)
    if request.method != "POST":
        return page(course)
    protect()
    action = request.form.get("action", "")
    if action == "settings":
        form = SettingsForm(formdata=request.form)
        if not form.validate():
            return page(course, form=form, problem=_("Please correct the marked fields."), status=400)
        unlinked = operations.save_settings(
            course, anonymous=form.anonymous.data == "yes", post_test_early=form.post_test_early.data,
            threshold=form.report_threshold.data)
        message = _("Saved.")
        if unlinked:
            message = ngettext("Saved. %(num)d evaluation answer is no longer linked to its author.",
                               "Saved. %(num)d evaluation answers are no longer linked to their authors.",
                               unlinked)
        anchor = "settings"
    elif action in ("open", "close", "reopen"):
        try:
            message = operations.set_window(course, request.form.get("name", ""), action)
        except operations.EvaluationRefused as refused:
            db.session.rollback()
            return page(course, problem=str(refused), status=400)
        anchor = "windows"
    else:
        abort(400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".manage", slug=slug) + "#" + anchor)


def page(course, form=None, problem: str = "", status: int = 200):
    found = operations.windows(course)
    rows = [{"name": name, "label": window_label(name), "window": found.get(name),
             "state": operations.window_state(found.get(name))} for name in operations.window_names(course)]
    if form is None:
        form = SettingsForm(formdata=None, data={
            "anonymous": "yes" if course.evaluations_anonymous else "no",
            "post_test_early": course.post_test_early, "report_threshold": course.report_threshold})
    summary = results.survey_summary([course.id])
    surveys = [{"key": key, "label": window_label(key), "options": option_labels(key),
                **(summary.get(key) or results.empty_survey(key))} for key in operations.survey_names(course)]
    return render_template(
        "evaluation/manage.html", course=course, windows=rows, form=form, problem=problem,
        knowledge=results.knowledge_summary([course.id]), people=results.knowledge_people(course.id),
        surveys=surveys, scale=SCALE), status


def option_labels(survey: str) -> dict[str, dict[str, str]]:
    """Question name → option value → English label, for a survey's choice questions."""
    found = questionnaires.get(operations.questionnaire_key(survey))
    return {spec.name: dict(spec.options) for spec in (found.fields if found else ())}
