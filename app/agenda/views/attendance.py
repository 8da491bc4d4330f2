"""Taking attendance: the trainer's tablet list, the projector's QR code, paper sheets keyed
in, meeting platforms' reports, the grid and corrections. A trainer marking a session that has
not started confirms it first."""
from types import SimpleNamespace

import segno
import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...forms import protect, render_form
from ...i18n import _, localize
from ...links import external_url
from ...registrations.models import Registration
from ...web.loaders import get_managed_course, get_of_course
from ...web.routes import Routes
from .. import checkin, meeting_reports, online, operations
from ..forms import METHOD_LABELS, CorrectionForm, ReportApplyForm, ReportUploadForm, SheetForm
from ..models import Attendance, AttendanceImport
from .common import get_managed_session

routes = Routes()


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/checkin")
@login_required
def checkin_list(slug: str, session_id: int):
    """One tap per person; works offline (taps queue in the browser) and without JavaScript.
    Before the session starts, the taps wait for the trainer's "Mark anyway" (?early=1)."""
    course, session = get_managed_session(slug, session_id)
    present = set(db.session.scalars(sa.select(Attendance.registration_id).where(
        Attendance.session_id == session.id, Attendance.present)))
    return render_template("agenda/checkin.html", course=course, session=session,
                           people=operations.attendees(course), present=present,
                           started=operations.has_started(session), early=request.args.get("early") == "1")


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/attendance", methods=["POST"])
@login_required
def mark(slug: str, session_id: int):
    """Mark one person: JSON from the tablet script (idempotent by its key), or a plain form."""
    course, session = get_managed_session(slug, session_id)
    protect()
    data = request.get_json(silent=True) or request.form
    try:
        registration_id = int(data.get("registration_id", 0))
    except (TypeError, ValueError):
        registration_id = 0
    registration = db.session.get(Registration, registration_id) if 0 < registration_id < 2**31 else None
    if registration is None or registration.course_id != course.id or registration.status != "approved":
        if request.is_json:
            return jsonify(error=_("This person is not an approved participant of the course.")), 400
        abort(400)
    back = url_for(".checkin_list", slug=slug, session_id=session_id)
    try:
        early = operations.early_mark(session, str(data.get("confirm_early", "")) in ("1", "true", "on"))
    except operations.NotStarted as problem:
        if request.is_json:
            return jsonify(error=str(problem)), 400  # refused for good: the tablet does not retry
        flash(str(problem), "error")
        return redirect(back)
    present = str(data.get("present", "1")) not in ("0", "false", "False")
    key = str(data.get("key") or "")[:64] or None
    operations.mark(session, registration, present=present, method="trainer", by=current_user,
                    client_key=key, before_start=early)
    db.session.commit()
    if request.is_json:
        return jsonify(ok=True, registration_id=registration.id, present=present)
    return redirect(back + ("?early=1" if early else "") + f"#r{registration.id}")


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/qr")
@login_required
def projector(slug: str, session_id: int):
    """The code to put on the projector; the page reloads itself when the code rotates."""
    course, session = get_managed_session(slug, session_id)
    target = external_url("agenda.self_checkin", session_id=session.id, code=checkin.code(session.id))
    qr = Markup(segno.make(target, error="m").svg_inline(scale=8, dark="#000", light="#fff"))
    return render_template("agenda/projector.html", course=course, session=session, qr=qr, target=target,
                           refresh=checkin.seconds_left())


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/sheet", methods=["GET", "POST"])
@login_required
def sheet(slug: str, session_id: int):
    """Key in a paper sign-in sheet: the IDs of everyone who signed."""
    course, session = get_managed_session(slug, session_id)
    form = SheetForm()
    if form.validate_on_submit():
        try:
            early = operations.early_mark(session, form.confirm_early.data)
            count = operations.mark_sheet(course, session, form.ids.data, by=current_user, before_start=early)
        except operations.AgendaRejected as problem:
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("%(count)d people marked present.", count=count), "success")
            return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/sheet.html", form, course=course, session=session,
                       started=operations.has_started(session))


@routes.route("/manage/courses/<slug>/attendance")
@login_required
def grid(slug: str):
    course = get_managed_course(slug)
    sessions, people, present = operations.grid(course)
    # What every cell of a column repeats, worked out once per column (a course of 50 people
    # and 19 sessions has 950 cells): the session's title, the start of its cells' correction
    # address (the route ends with the participant's id), and the methods' words.
    columns = [SimpleNamespace(session=s, title=str(localize(s.title, course.working_language)),
                               correct=url_for(".correct", slug=slug, session_id=s.id,
                                               registration_id=0).removesuffix("0"))
               for s in sessions]
    return render_template("agenda/grid.html", course=course, columns=columns, people=people,
                           present=present, rates=operations.rates(course),
                           methods={key: str(label) for key, label in METHOD_LABELS.items()})


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/attendance/<int:registration_id>",
              methods=["GET", "POST"])
@login_required
def correct(slug: str, session_id: int, registration_id: int):
    """Correct one attendance record, with a reason kept in its history."""
    course, session = get_managed_session(slug, session_id)
    registration = get_of_course(Registration, registration_id, course)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            early = operations.early_mark(session, form.confirm_early.data)
        except operations.NotStarted as problem:
            form.confirm_early.errors.append(str(problem))
        else:
            operations.mark(session, registration, present=form.present.data == "yes", method="trainer",
                            by=current_user, reason=form.reason.data, before_start=early)
            db.session.commit()
            flash(_("The attendance is corrected."), "success")
            return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/correct.html", form, course=course, session=session,
                       registration=registration, started=operations.has_started(session))


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/report", methods=["GET", "POST"])
@login_required
def report_upload(slug: str, session_id: int):
    """Upload a Zoom or Teams participant report for one session; review it before applying."""
    course, session = get_managed_session(slug, session_id)
    form = ReportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = online.read_report(course, session, upload.filename or "", upload.read(), by=current_user)
        except (meeting_reports.ReportUnreadable, online.ReportRefused) as problem:
            db.session.rollback()
            form.file.errors.append(str(problem))
        else:
            db.session.commit()
            return redirect(url_for(".report_review", slug=slug, import_id=record.id))
    return render_form("agenda/attendance_report.html", form, course=course, session=session,
                       reports=online.reports_of(session))


@routes.route("/manage/courses/<slug>/reports/<int:import_id>", methods=["GET", "POST"])
@login_required
def report_review(slug: str, import_id: int):
    """The rows matched by email, the others with a participant to pick; apply all or none."""
    course = get_managed_course(slug)
    record = get_of_course(AttendanceImport, import_id, course)
    form = ReportApplyForm()
    if form.validate_on_submit():
        try:
            early = operations.early_mark(record.session, form.confirm_early.data)
            recorded, already = online.apply_report(record, online.choices_from(record, request.form),
                                                    by=current_user, before_start=early)
        except (operations.NotStarted, online.ReportRefused) as problem:
            db.session.rollback()
            form.form_errors.append(str(problem))
        except SQLAlchemyError:
            db.session.rollback()  # all rows or none
            form.form_errors.append(_("The report could not be applied, so nothing was recorded. "
                                      "Please try again."))
        else:
            db.session.commit()
            flash(_("%(count)d people marked present from the report; %(already)d were already marked.",
                    count=recorded, already=already), "success")
            return redirect(url_for(".grid", slug=slug))
    matched, others = online.review_rows(record)
    return render_form("agenda/attendance_review.html", form, course=course, session=record.session,
                       record=record, matched=matched, others=others,
                       people=operations.attendees(course), started=operations.has_started(record.session))
