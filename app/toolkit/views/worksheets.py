"""Participants' pages: their worksheets, filled online with autosave, or without JavaScript."""
from uuid import uuid4
from zoneinfo import ZoneInfo

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError

from ...database import utcnow
from ...extensions import db
from ...i18n import _
from ...web.routes import Routes
from .. import filling, forms, history, operations, posted
from ..labels import progress_label
from .common import csrf_ok, exercise_of, number, participant, saved_label

routes = Routes()


@routes.route("/p/<token>/worksheets/")
def my_worksheets(token: str):
    registration = participant(token)
    return render_template("toolkit/worksheets.html", registration=registration,
                           course=registration.course)


@routes.route("/p/<token>/worksheets/<key>", methods=["GET", "POST"])
def fill(token: str, key: str):
    registration = participant(token)
    exercise = exercise_of(registration, key)
    if request.method != "POST":  # GET and HEAD only read: the sheet is made by its first save
        sheet = operations.find_sheet(exercise, registration) or filling.unsaved_sheet(exercise, registration)
        return page(sheet, registration, add=request.args.get("add"))
    formdata = request.form.copy()
    try:
        operations.check_team(exercise, registration, formdata.get("team"))
    except operations.TeamChanged as refused:  # nothing saved: the page shows what was typed
        sheet = operations.find_sheet(exercise, registration) or filling.unsaved_sheet(exercise, registration)
        return page(sheet, registration, notice=str(refused), kept=filling.typed_context(sheet, formdata),
                    status=409)
    if formdata.get("delta") == "1":  # the light page, posted without its script: no row in it
        formdata = filling.with_stored_rows(
            operations.find_sheet(exercise, registration) or filling.unsaved_sheet(exercise, registration),
            formdata, number(formdata.get("version")))
    sheet = operations.sheet_for(exercise, registration)
    action, _colon, target = formdata.get("action", "save").partition(":")
    if not csrf_ok():
        return page(sheet, registration, typed=formdata, status=400, notice=_(
            "This page was open for a long time, so it was not saved. Everything you typed is "
            "still below: press Save again."))
    if action == "remove_row":
        mark_removed(formdata, *target.partition(":")[::2])
    try:
        result = filling.save_form(sheet, formdata, base_version=number(formdata.get("version")),
                                 save_key=formdata.get("save_key") or None, registration=registration)
    except operations.SaveRefused as refused:
        db.session.rollback()  # a sheet made by this save is gone again
        sheet = operations.find_sheet(exercise, registration) or filling.unsaved_sheet(exercise, registration)
        return page(sheet, registration, typed=filling.trim_rows(exercise.module, formdata),
                    notice=str(refused), status=400)
    missing = []
    if action == "submit" and not (result.errors or result.conflicts):
        missing = operations.submit(sheet, registration)
    db.session.commit()
    add = target if action == "add_row" else None
    if result.errors or result.conflicts or missing:
        return page(sheet, registration, formdata=formdata, result=result, missing=missing, add=add,
                    status=400 if result.errors or missing else 200)
    if action == "submit":
        flash(_("Sent for review. The trainers will read it; you can still change it."), "success")
    elif action == "save":
        flash(_("Saved."), "success")
    return redirect(url_for(".fill", token=token, key=key, add=add) +
                    (f"#add-{add}" if add else "#worksheet" if action == "remove_row" else ""))


def mark_removed(formdata, table: str, row_id: str) -> None:
    """Mark the row ``row_id`` of ``table`` in ``formdata`` as removed."""
    suffix = "-row_id"
    for name in list(formdata.keys()):
        if name.startswith(f"{table}-") and name.endswith(suffix) and formdata.get(name) == row_id:
            formdata.setlist(name[:-len(suffix)] + "-delete", ["1"])


def page(sheet, registration, *, typed=None, formdata=None, result=None, missing=(), add=None,
         notice=None, kept=None, status=200):
    """The fill page: the stored answers, or after a save the cells that did not save as typed
    (``kept``: the context of a save refused because the team changed, shown read-only). A
    participant in no working group sees why instead of a team sheet."""
    exercise, module = sheet.exercise, sheet.exercise.module
    team = operations.team_for(exercise, registration)
    if team.key == "none":
        return render_template("toolkit/no_group.html", exercise=exercise, module=module,
                               course=exercise.course, registration=registration, notice=notice,
                               message=operations.no_group_message(), kept=kept), status
    ctx = operations.context(sheet)
    errors, conflicts, sheet_rows = {}, [], None
    computed = filling.computed_display(module, sheet.answers, ctx)
    if typed is not None:  # nothing was saved: show exactly what was sent
        form = forms.build(module, ctx, formdata=typed)
    else:
        if result is not None:
            form, errors = filling.display_form(sheet, ctx, formdata, result)
            conflicts = filling.conflict_notes(sheet, ctx, result.conflicts,
                                               number(formdata.get("version")))
        elif rows_by_script(sheet):  # the rows as data, drawn by worksheet.js: a light page
            tables = {spec.name for spec in module.tables()}
            form = forms.build(module, ctx, answers={name: value for name, value in sheet.answers.items()
                                                     if name not in tables})
            sheet_rows = {"rows": posted.state(module, ctx, sheet.answers)["rows"],
                          "computed": computed["rows"]}
        else:
            form = forms.build(module, ctx, answers=sheet.answers)
        form.version.data = str(sheet.version)
    form.save_key.data = uuid4().hex
    spec = module.field(add) if add else None
    if spec is not None and spec.type.name == "table" and sheet.status != "final":
        if len(form[add].entries) < spec.type.maximum(spec):
            form[add].append_entry({"row_id": forms.new_row_id()})
        else:
            notice = _("This table can have at most %(max)d rows.", max=spec.type.maximum(spec))
    comments = {}
    for comment in sheet.comments:
        comments.setdefault(comment.field or "", []).append(comment)
    return render_template(
        "toolkit/fill.html", sheet=sheet, exercise=exercise, module=module, course=exercise.course,
        registration=registration, form=form, ctx=ctx, errors=errors, notice=notice,
        conflicts={note["key"]: note for note in conflicts}, missing=missing, comments=comments,
        computed=computed, sheet_rows=sheet_rows, example=filling.example(module),
        blank_rows=filling.blank_rows(form, module), cell_key=filling.cell_key, leaves=forms.leaves,
        marks=forms.marks, team=team, kept=kept,
        error_links_of_sheet=forms.error_links(module, form, errors) if errors else [],
        posted=request.method == "POST"), status


def rows_by_script(sheet) -> bool:
    """Whether the page sends a sheet's rows as data for its script to draw (a GET of a sheet
    with tables that can be changed; not with a row added by a post, ``?add=``); without the
    script the page reloads with every row drawn (``?all=1``, fill.html)."""
    return (request.method == "GET" and not request.args.get("all") and not request.args.get("add")
            and sheet.status != "final" and bool(sheet.exercise.module.tables()))


@routes.route("/p/<token>/worksheets/<key>/history", methods=["GET", "POST"])
def sheet_history(token: str, key: str):
    """The team's (or the participant's) saved versions, and restoring an earlier one."""
    registration = participant(token)
    exercise = exercise_of(registration, key)
    sheet = operations.find_sheet(exercise, registration)
    if sheet is None:
        sheet = filling.unsaved_sheet(exercise, registration)
    here = url_for(".sheet_history", token=token, key=key)
    if request.method == "POST":
        if not csrf_ok():
            flash(_("This page was open for a long time. Press the button again."), "error")
            return redirect(here)
        done, message = history.restore_requested(sheet, request.form, registration=registration)
        if done:
            db.session.commit()
        flash(message, "success" if done else "error")
        return redirect(url_for(".fill", token=token, key=key) if done else here)
    return render_template("toolkit/history.html", sheet=sheet, exercise=exercise,
                           module=exercise.module, course=exercise.course, registration=registration,
                           **history.page_context(sheet, request.args.get("before"), here))


@routes.route("/p/<token>/worksheets/<key>/save", methods=["POST"])
def autosave(token: str, key: str):
    """Save what the page's script sends; answer with the merged state as JSON."""
    registration = participant(token, json=True)
    exercise = exercise_of(registration, key, json=True)
    if not csrf_ok():
        return jsonify(error="csrf", message=_("This page was open for a long time.")), 400
    try:
        operations.check_team(exercise, registration, request.form.get("team"))
    except operations.TeamChanged as refused:  # the page keeps what was typed (worksheet.js)
        return jsonify(error=str(refused), moved=True), 409
    base = number(request.form.get("version"))
    for attempt in (1, 2):
        sheet = operations.sheet_for(exercise, registration, for_update=True)
        try:
            result = filling.save_form(sheet, request.form, base_version=base, registration=registration,
                                     save_key=request.form.get("save_key") or None)
            answer = save_answer(sheet, result, request.form, base)  # before the commit: no reloads
            db.session.commit()
            break
        except operations.SaveRefused as refused:
            db.session.rollback()
            return jsonify(error=str(refused)), 400
        except IntegrityError:  # the same save arrived twice at once: the second is a repeat
            db.session.rollback()
            if attempt == 2:
                raise
    return jsonify(answer)


def save_answer(sheet, result, formdata, base: int | None) -> dict:
    """A save's JSON: the result, errors and conflicts named for the page, the merged state."""
    module = sheet.exercise.module
    ctx = operations.context(sheet)
    errors = result.errors
    if result.repeated:  # the first answer was lost on the way: say again what was wrong
        errors = posted.read(module, ctx, formdata)[1]
    state = posted.state(module, ctx, sheet.answers)
    now = utcnow().astimezone(ZoneInfo(sheet.exercise.course.timezone))
    # did this save make a new version (a restored draft said something)?
    changed = bool(formdata.get("save_key")) and result.recorded
    return {**result.as_json(), "repeated": result.repeated, "changed": changed,
            "errors": filling.page_errors(module, formdata, errors),
            "conflicts": filling.conflict_notes(sheet, ctx, result.conflicts, base),
            "state": state, "rows": {name: [row["row_id"] for row in rows]
                                     for name, rows in state["rows"].items()},
            "computed": filling.computed_display(module, sheet.answers, ctx),
            "time": format_time(now, "HH:mm", rebase=False), "saved_label": saved_label(sheet),
            "progress": sheet.progress, "progress_label": progress_label(sheet.progress)}


@routes.route("/p/<token>/worksheets/<key>/state")
def state(token: str, key: str):
    """The sheet's version, status and inputs, and a fresh CSRF token for a page whose session
    ended."""
    registration = participant(token, json=True)
    sheet = operations.find_sheet(exercise_of(registration, key, json=True), registration)
    fields = {}
    if sheet is not None:
        module = sheet.exercise.module
        fields["state"] = posted.state(module, operations.context(sheet), sheet.answers)
    response = jsonify(version=sheet.version if sheet else 0, status=sheet.status if sheet else "draft",
                       csrf_token=generate_csrf(), **fields,
                       saved_at=sheet.saved_at.isoformat() if sheet and sheet.saved_at else None,
                       saved_by=sheet.saved_by.certificate_name if sheet and sheet.saved_by else None)
    response.headers["Cache-Control"] = "no-store"
    return response
