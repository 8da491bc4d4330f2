"""Taking attendance: the trainer's tablet list, the projector's QR code, paper sheets keyed
in, the grid and corrections."""
import segno
import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ...extensions import db
from ...forms import protect, render_form
from ...i18n import _
from ...links import external_url
from ...registrations.models import Registration
from ...web.loaders import get_managed_course, get_of_course
from ...web.routes import Routes
from .. import checkin, operations
from ..forms import CorrectionForm, SheetForm
from ..models import Attendance
from .common import get_managed_session

routes = Routes()


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/checkin")
@login_required
def checkin_list(slug: str, session_id: int):
    """One tap per person; works offline (taps queue in the browser) and without JavaScript."""
    course, session = get_managed_session(slug, session_id)
    present = set(db.session.scalars(sa.select(Attendance.registration_id).where(
        Attendance.session_id == session.id, Attendance.present)))
    return render_template("agenda/checkin.html", course=course, session=session,
                           people=operations.attendees(course), present=present)


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
    present = str(data.get("present", "1")) not in ("0", "false", "False")
    key = str(data.get("key") or "")[:64] or None
    operations.mark(session, registration, present=present, method="trainer", by=current_user, client_key=key)
    db.session.commit()
    if request.is_json:
        return jsonify(ok=True, registration_id=registration.id, present=present)
    return redirect(url_for(".checkin_list", slug=slug, session_id=session_id) + f"#r{registration.id}")


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
            count = operations.mark_sheet(course, session, form.ids.data, by=current_user)
        except operations.AgendaRejected as problem:
            form.ids.errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("%(count)d people marked present.", count=count), "success")
            return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/sheet.html", form, course=course, session=session)


@routes.route("/manage/courses/<slug>/attendance")
@login_required
def grid(slug: str):
    course = get_managed_course(slug)
    sessions, people, present = operations.grid(course)
    return render_template("agenda/grid.html", course=course, sessions=sessions, people=people,
                           present=present, rates=operations.rates(course))


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/attendance/<int:registration_id>",
              methods=["GET", "POST"])
@login_required
def correct(slug: str, session_id: int, registration_id: int):
    """Correct one attendance record, with a reason kept in its history."""
    course, session = get_managed_session(slug, session_id)
    registration = get_of_course(Registration, registration_id, course)
    form = CorrectionForm()
    if form.validate_on_submit():
        operations.mark(session, registration, present=form.present.data == "yes", method="trainer",
                        by=current_user, reason=form.reason.data)
        db.session.commit()
        flash(_("The attendance is corrected."), "success")
        return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/correct.html", form, course=course, session=session,
                       registration=registration)
