"""A participant's knowledge test and evaluations, taken through their personal link while the
trainers keep the questionnaire open, once each."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import ngettext

from ...extensions import db
from ...i18n import _, current_language
from ...toolkit import forms, translate
from ...toolkit.fields import Context
from ...web.loaders import get_registration
from ...web.routes import Routes
from ...web.templates import helper
from .. import operations, questionnaires
from ..labels import window_label

routes = Routes()


@helper("questionnaire_overview")
def questionnaire_overview(registration) -> operations.Overview:
    """For the personal page: the questionnaires open now or answered, and the scores."""
    return operations.overview(registration)


def participant(token: str):
    """The approved participant of a personal link (404 if unknown, 403 otherwise)."""
    registration = get_registration(token)
    if not operations.may_answer(registration):
        abort(make_response(render_template(
            "evaluation/unavailable.html", registration=registration, course=registration.course,
            title=_("Tests and evaluations"),
            message=_("Tests and evaluations open once your place on the course is confirmed.")), 403))
    return registration


@routes.route("/p/<token>/knowledge/<any(pre, post):phase>", methods=["GET", "POST"])
def knowledge(token: str, phase: str):
    return take(participant(token), phase)


@routes.route("/p/<token>/evaluation/<survey>", methods=["GET", "POST"])
def survey(token: str, survey: str):
    registration = participant(token)
    if not operations.is_survey(registration.course, survey):
        abort(404)
    return take(registration, survey)


def take(registration, name: str):
    """The questionnaire ``name``: its form, or why it cannot be answered now; a POST stores
    the answers (once) or shows the form again with what was typed and what is missing."""
    course = registration.course
    questionnaire = questionnaires.get(operations.questionnaire_key(name))
    if questionnaire is None:  # its definition file is broken: `flask toolkit check` says why
        abort(404)
    state = operations.availability(course, name, operations.windows(course),
                                    operations.answered(registration))
    if state != "open":
        return unavailable(registration, name, operations.refusal(state))
    ctx = Context(translate=translate)
    if request.method != "POST":
        return form_page(registration, name, questionnaire, forms.build(questionnaire, ctx), ctx)
    form = forms.build(questionnaire, ctx, formdata=request.form)
    answers, errors = forms.read(form, questionnaire, ctx)
    problem = problems(form, questionnaire, answers, errors)
    if problem:
        return form_page(registration, name, questionnaire, form, ctx, problem=problem, status=400)
    try:
        if name in ("pre", "post"):
            operations.take_knowledge(course, registration, name, answers, current_language())
        else:
            operations.answer_survey(course, registration, name, answers, current_language())
    except operations.EvaluationRefused as refused:  # answered meanwhile, or just closed
        db.session.rollback()
        return unavailable(registration, name, str(refused))
    db.session.commit()
    flash(_("Thank you: your answers are saved."), "success")
    return redirect(url_for("registrations.personal", token=registration.token) + "#questionnaires")


def problems(form, questionnaire, answers: dict, errors: dict) -> str:
    """What keeps the answers from being stored (marked at the questions), or ""."""
    if form.meta.csrf and form.csrf_token.errors:
        return _("The form had expired. Your entries are kept: please submit again.")
    missing = [spec for spec in questionnaire.fields
               if spec.required and spec.name not in errors and spec.type.is_empty(answers.get(spec.name))]
    for spec in missing:
        form[spec.name].errors.append(_("Choose an answer to this question."))
    if missing or errors:
        return ngettext("%(num)d question needs an answer or a correction: see the marked "
                        "question. Nothing is saved yet.",
                        "%(num)d questions need an answer or a correction: see the marked "
                        "questions. Nothing is saved yet.", len(missing) + len(errors))
    if all(spec.type.is_empty(answers.get(spec.name)) for spec in questionnaire.fields):
        return _("Answer at least one question before sending.")
    return ""


def form_page(registration, name: str, questionnaire, form, ctx, problem: str = "", status: int = 200):
    action = url_for(".knowledge", token=registration.token, phase=name) if name in ("pre", "post") \
        else url_for(".survey", token=registration.token, survey=name)
    return render_template("evaluation/take.html", registration=registration, course=registration.course,
                           questionnaire=questionnaire, form=form, ctx=ctx, name=name, action=action,
                           title=window_label(name), problem=problem,
                           anonymous=registration.course.evaluations_anonymous), status


def unavailable(registration, name: str, message: str):
    """Why the questionnaire cannot be answered now (409 to a POST: nothing was stored)."""
    return render_template("evaluation/unavailable.html", registration=registration,
                           course=registration.course, title=window_label(name),
                           message=message), 409 if request.method == "POST" else 200
