"""Trainers' pages: a course's exercises, the sheets of each, reviewing one, the XLSX export."""
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required
from wtforms import SelectField

from ...agenda.models import AgendaSession
from ...audit.operations import record_export
from ...extensions import db
from ...forms import Form, choices, protect, render_form
from ...i18n import _, _l, current_language
from ...i18n.fields import MultilingualField, apply_languages
from ...reference import country_name, is_country
from ...web.files import asked_since, preparing_response, stored_pdf_response, xlsx_response
from ...web.loaders import get_managed_course
from ...web.routes import Routes
from .. import documents, exchange, exercises, history, operations
from ..forms import CommentForm, ReturnForm, computed
from ..models import Exercise, Worksheet
from ..modules import modules

routes = Routes()
MODE_LABELS = {"team": _l("Country team: one worksheet per delegation"),
               "individual": _l("Individual: one worksheet per participant")}
# The templates use the toolkit's helpers translate, progress_label and has_endpoint (common.py).


class ExerciseForm(Form):
    """How a course uses one module: who fills it, in which session, with which instructions."""

    mode = SelectField(_l("Who fills it"), choices=choices(MODE_LABELS.items()))
    session = SelectField(_l("Agenda session"))
    instructions = MultilingualField(
        _l("Instructions for this course"), multiline=True, max_length=2000,
        description=_l("Shown to participants above the worksheet, after the module's own help."))


def session_label(course, session: AgendaSession) -> str:
    """"Thu 10 Apr, 09:00 · Mapping actors": a session by its time at the venue and title."""
    start = format_datetime(session.local(session.starts_at), "EEE d MMM, HH:mm", rebase=False)
    return start + " · " + session.title.localize(current_language(), (course.working_language,)).text


def exercise_form(course, exercise: Exercise, formdata=None) -> ExerciseForm:
    form = ExerciseForm(formdata=formdata, prefix=f"{exercise.module_key}-", data={
        "mode": exercise.mode, "session": str(exercise.session_id or ""),
        "instructions": exercise.instructions})
    form.session.choices = choices([("", _("No session")), *(
        (str(s.id), session_label(course, s)) for s in course.sessions)])
    apply_languages(form, course.second_languages, course.working_language)
    return form


@routes.route("/courses/<slug>/exercises", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """Every module of the toolkit; those the course uses in order, with their settings."""
    course = get_managed_course(slug)
    forms = {exercise.module_key: exercise_form(course, exercise) for exercise in course.exercises}
    action, key = request.form.get("action", ""), request.form.get("key", "")
    exercise = next((e for e in course.exercises if e.module_key == key), None)
    if request.method != "POST":
        return render_template("toolkit/manage/exercises.html", **manage_context(course, forms))
    if action not in ("add", "save", "up", "down", "remove"):
        abort(400)
    if action != "add" and exercise is None:
        abort(404)
    if action == "save":
        return save(course, exercise, forms)
    protect()
    try:
        if action == "add":
            exercises.add_exercise(course, key)
            message = _("%(key)s is added to the course.", key=key)
        elif action == "remove":
            exercises.remove(exercise, request.form.get("confirm") == "1")
            message = _("%(key)s is removed from the course.", key=key)
        else:
            exercises.move(exercise, action)
            message = ""
    except exercises.ExerciseRefused as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        if message:
            flash(message, "success")
    anchor = f"#exercise-{key}" if key in modules() and action != "remove" else ""
    return redirect(url_for(".manage", slug=slug) + anchor)


def save(course, exercise: Exercise, forms: dict):
    """Save one exercise's form; show the page again with its problems if refused."""
    key = exercise.module_key
    form = forms[key] = exercise_form(course, exercise, request.form)
    if form.validate():
        chosen = form.session.data
        session = db.session.get(AgendaSession, int(chosen)) if chosen else None
        try:
            exercises.update_exercise(exercise, mode=form.mode.data, session=session,
                                      instructions=form.instructions.data)
        except exercises.ExerciseRefused as problem:
            form[problem.field or "mode"].errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("%(key)s is saved.", key=key), "success")
            return redirect(url_for(".manage", slug=course.slug) + f"#exercise-{key}")
    return render_form("toolkit/manage/exercises.html", form, **manage_context(course, forms))


def manage_context(course, forms) -> dict:
    used = {exercise.module_key for exercise in course.exercises}
    answered = exercises.answered_by_exercise(course)
    return {"course": course, "forms": forms,
            "answered": {e.id: answered.get(e.id, 0) for e in course.exercises},
            "available": [(key, module) for key, module in modules().items() if key not in used]}


def get_exercise(slug: str, key: str) -> tuple:
    """The course and its exercise for ``key``: 404 unless the course uses that module."""
    course = get_managed_course(slug)
    exercise = next((e for e in course.exercises if e.module_key == key), None)
    if exercise is None or exercise.module is None:
        abort(404)
    return course, exercise


@routes.route("/courses/<slug>/exercises/<key>/")
@login_required
def exercise(slug: str, key: str):
    """The sheets of one exercise, how far each has come, filtered by progress and country."""
    course, exercise = get_exercise(slug, key)
    found = exercises.lines(exercise)
    progress, country = request.args.get("progress", ""), request.args.get("country", "")
    shown = [line for line in found if (not progress or line.progress == progress) and
             (not country or country in line.countries)]
    countries = sorted(set().union(*(line.countries for line in found)), key=country_name)
    return render_template("toolkit/manage/exercise.html", course=course, exercise=exercise,
                           module=exercise.module, lines=shown, counts=exercises.counts(found),
                           countries=countries, progress=progress, country=country,
                           progresses=exercises.PROGRESS)


@routes.route("/courses/<slug>/exercises/<key>/sheets/<int:sheet_id>", methods=["GET", "POST"])
@login_required
def review(slug: str, key: str, sheet_id: int):
    """Read a sheet, comment on its fields, return it for revision, mark it final or reopen it."""
    course, exercise = get_exercise(slug, key)
    sheet = db.session.get(Worksheet, sheet_id)
    if sheet is None or sheet.exercise_id != exercise.id:
        abort(404)
    comment_form, return_form = CommentForm(formdata=None), ReturnForm(formdata=None)
    action = request.form.get("action", "")
    if request.method == "POST":
        here = url_for(".review", slug=slug, key=key, sheet_id=sheet.id)
        if action == "comment":
            comment_form = CommentForm()
            if written(comment_form):
                comment = operations.add_comment(sheet, comment_form.field.data or "",
                                                 comment_form.text.data, current_user)
                db.session.commit()
                flash(_("Your comment is saved."), "success")
                return redirect(here + f"#field-{comment.field}" if comment.field else
                                here + "#comments")
            form = comment_form
        elif action == "return":
            return_form = ReturnForm()
            if sheet.status == "final":
                return_form.text.errors = [_("This worksheet is final: reopen it first.")]
            elif written(return_form):
                operations.set_status(sheet, "returned", current_user,
                                      return_form.text.data.strip())
                db.session.commit()
                flash(_("The worksheet is returned for revision; the participants see your "
                        "comment."), "success")
                return redirect(here)
            form = return_form
        elif action == "restore":
            protect()
            done, message = history.restore_requested(sheet, request.form, user=current_user)
            if done:
                db.session.commit()
            flash(message, "success" if done else "error")
            return redirect(here + "#history-heading")
        elif action in ("final", "reopen"):
            protect()
            operations.set_status(sheet, "final" if action == "final" else "draft", current_user)
            db.session.commit()
            flash(_("The worksheet is final: it can no longer be changed.") if action == "final"
                  else _("The worksheet is open again for changes."), "success")
            return redirect(here)
        else:
            abort(400)
        return render_form("toolkit/manage/review.html", form, **review_context(
            course, exercise, sheet, comment_form, return_form))
    return render_template("toolkit/manage/review.html", **review_context(
        course, exercise, sheet, comment_form, return_form))


def written(form) -> bool:
    """Validate a comment form; text of spaces only counts as none."""
    if not form.validate():
        return False
    if not form.text.data.strip():
        form.text.errors.append(_("Write your comment first."))
        return False
    return True


def review_context(course, exercise, sheet, comment_form, return_form) -> dict:
    module = exercise.module
    ctx = operations.context(sheet)
    ctx.answers = computed(module, sheet.answers or {}, ctx)
    comments: dict[str, list] = {}
    for comment in sheet.comments:
        field = comment.field if module.field(comment.field) else ""
        comments.setdefault(field, []).append(comment)
    return {"course": course, "exercise": exercise, "module": module, "sheet": sheet, "ctx": ctx,
            "members": operations.team_members(sheet), "comments": comments,
            "team_name": operations.team_name(operations.owner_of(sheet)),
            "comment_form": comment_form, "return_form": return_form,
            **history.page_context(sheet, request.args.get("before"), url_for(
                ".review", slug=course.slug, key=exercise.module_key, sheet_id=sheet.id))}


@routes.route("/courses/<slug>/exercises/<key>/export.xlsx")
@login_required
def export(slug: str, key: str):
    """Every answer of the exercise as a spreadsheet, headers in the reader's language."""
    course, exercise = get_exercise(slug, key)
    buffer = BytesIO()
    exchange.write_xlsx(exercise, buffer)
    record_export("export.worksheets", course=course,  # members are named beside their answers
                  details={"exercise": exercise.module_key, "format": "xlsx"})
    filename = f"{course.slug}-{exercise.module_key}-answers.xlsx"
    return xlsx_response(buffer.getvalue(), filename)


@routes.route("/courses/<slug>/exercises/<key>/sheets/<int:sheet_id>.pdf")
@login_required
def sheet_pdf(slug: str, key: str, sheet_id: int):
    course = get_managed_course(slug)
    sheet = db.session.get(Worksheet, sheet_id)
    if sheet is None or sheet.exercise.course_id != course.id or sheet.exercise.module_key != key \
            or sheet.exercise.module is None:
        abort(404)
    path = documents.sheet_file(sheet.exercise, sheet, documents.owner_of(sheet))
    record_export("export.worksheets", course=course,
                  details={"exercise": key, "sheet": sheet.id, "format": "pdf"})
    return stored_pdf_response(path, f"{key}-{sheet.country}-{sheet.id}.pdf", private=True)


@routes.route("/courses/<slug>/exercises/pack/<country>.pdf")
@login_required
def pack_pdf(slug: str, country: str):
    course = get_managed_course(slug)
    if not is_country(country) or not operations.country_team(course, country):
        abort(404)
    since = asked_since()
    path = documents.pack_file(course, country, since=since)
    if path is None:
        return preparing_response(since)
    record_export("export.worksheets", course=course, details={"country": country, "format": "pdf"})
    return stored_pdf_response(path, f"{course.slug}-{country}.pdf", private=True)
