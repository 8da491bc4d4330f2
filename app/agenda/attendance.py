"""Taking attendance: the trainer's tablet list, QR self check-in, paper sheets, the grid."""
import re

import segno
import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, session as cookie, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..courses.views import get_managed_course
from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _, page_for
from ..registrations.models import Registration
from ..registrations.operations import find_by_token
from . import checkin, operations
from .forms import CorrectionForm, SheetForm
from .models import AgendaSession, Attendance
from .views import bp, get_managed_session

ID_PATTERN = re.compile(r"(?:P-?)?0*(\d{1,9})", re.I)


def participant_id(registration: Registration) -> str:
    return f"P-{registration.id:04d}"


bp.add_app_template_global(participant_id, "participant_id")


@bp.route("/manage/courses/<slug>/sessions/<int:session_id>/checkin")
@login_required
def checkin_list(slug: str, session_id: int):
    """One tap per person; works offline (taps queue in the browser) and without JavaScript."""
    course, session = get_managed_session(slug, session_id)
    present = set(db.session.scalars(sa.select(Attendance.registration_id).where(
        Attendance.session_id == session.id, Attendance.present)))
    return render_template("agenda/checkin.html", course=course, session=session,
                           people=operations.attendees(course), present=present)


@bp.route("/manage/courses/<slug>/sessions/<int:session_id>/attendance", methods=["POST"])
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


@bp.route("/manage/courses/<slug>/sessions/<int:session_id>/qr")
@login_required
def projector(slug: str, session_id: int):
    """The code to put on the projector; the page reloads itself when the code rotates."""
    course, session = get_managed_session(slug, session_id)
    target = url_for(".self_checkin", session_id=session.id, code=checkin.code(session.id), _external=True)
    qr = Markup(segno.make(target, error="m").svg_inline(scale=8, dark="#000", light="#fff"))
    return render_template("agenda/projector.html", course=course, session=session, qr=qr, target=target,
                           refresh=checkin.seconds_left())


@bp.route("/checkin/<int:session_id>/<code>", methods=["GET", "POST"])
def self_checkin(session_id: int, code: str):
    """A participant scanned the projector's code: mark them present through their personal link."""
    session = db.session.get(AgendaSession, session_id)
    if session is None:
        abort(404)
    token = (cookie.get("participant") or {}).get(str(session.course_id))
    registration = find_by_token(token) if token else None
    page_for(participant=registration, course=session.course)
    state = "ok"
    if not checkin.is_valid(session.id, code):
        state = "expired"
    elif registration is None:
        state = "unknown"
    elif registration.course_id != session.course_id or registration.status != "approved":
        state = "not_registered"
    elif request.method == "POST":
        protect()
        operations.mark(session, registration, method="qr")
        db.session.commit()
        state = "done"
    status = {"expired": 410, "unknown": 403, "not_registered": 403}.get(state, 200)
    return render_template("agenda/self_checkin.html", session=session, course=session.course,
                           registration=registration, state=state), status


def remember_participant(registration: Registration) -> None:
    """Let this browser check in by scanning: remember its personal link for the course."""
    known = dict(cookie.get("participant") or {})
    if known.get(str(registration.course_id)) != registration.token:
        known[str(registration.course_id)] = registration.token
        cookie["participant"] = known
        cookie.permanent = True


@bp.route("/manage/courses/<slug>/sessions/<int:session_id>/sheet", methods=["GET", "POST"])
@login_required
def sheet(slug: str, session_id: int):
    """Key in a paper sign-in sheet: the IDs of everyone who signed."""
    course, session = get_managed_session(slug, session_id)
    form = SheetForm()
    if form.validate_on_submit():
        wanted = {int(number) for number in ID_PATTERN.findall(form.ids.data or "") if int(number) < 2**31}
        people = {r.id: r for r in operations.attendees(course)}
        unknown = sorted(wanted - set(people))
        if unknown:
            form.ids.errors.append(_("Not participants of this course: %(ids)s",
                                     ids=", ".join(f"P-{n:04d}" for n in unknown)))
        else:
            for number in sorted(wanted):
                operations.mark(session, people[number], method="sheet", by=current_user)
            db.session.commit()
            flash(_("%(count)d people marked present.", count=len(wanted)), "success")
            return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/sheet.html", form, course=course, session=session)


@bp.route("/manage/courses/<slug>/attendance")
@login_required
def grid(slug: str):
    course = get_managed_course(slug)
    sessions, people, present = operations.grid(course)
    return render_template("agenda/grid.html", course=course, sessions=sessions, people=people,
                           present=present, rates=operations.rates(course))


@bp.route("/manage/courses/<slug>/sessions/<int:session_id>/attendance/<int:registration_id>",
          methods=["GET", "POST"])
@login_required
def correct(slug: str, session_id: int, registration_id: int):
    """Correct one attendance record, with a reason kept in its history."""
    course, session = get_managed_session(slug, session_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    form = CorrectionForm()
    if form.validate_on_submit():
        operations.mark(session, registration, present=form.present.data == "yes", method="trainer",
                        by=current_user, reason=form.reason.data)
        db.session.commit()
        flash(_("The attendance is corrected."), "success")
        return redirect(url_for(".grid", slug=slug))
    return render_form("agenda/correct.html", form, course=course, session=session,
                       registration=registration)
