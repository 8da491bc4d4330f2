"""The trainers' agenda builder: sessions and a session's sign-in sheet PDF (speakers:
``speakers``)."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from ...audit.operations import record_export
from ...extensions import db
from ...forms import choices, protect, render_form
from ...i18n import _
from ...i18n.fields import apply_languages
from ...web.files import pdf_response
from ...web.loaders import get_managed_course
from ...web.routes import Routes
from .. import documents, operations
from ..forms import SessionForm
from ..models import AgendaSession
from .common import format_day, get_managed_session

routes = Routes()


@routes.route("/manage/courses/<slug>/agenda/")
@login_required
def manage(slug: str):
    course = get_managed_course(slug)
    return render_template("agenda/manage.html", course=course, days=operations.days(course, shown=True))


@routes.route("/manage/courses/<slug>/agenda/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    return _edit(get_managed_course(slug), None)


@routes.route("/manage/courses/<slug>/agenda/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, session_id: int):
    return _edit(*get_managed_session(slug, session_id))


def _edit(course, session: AgendaSession | None):
    form = SessionForm(obj=session)
    course_days = [course.start_date.fromordinal(course.start_date.toordinal() + n) for n in range(course.days)]
    form.day.choices = choices((d.isoformat(), format_day(d)) for d in course_days)
    speakers = choices([(0, "—"), *((s.id, s.name) for s in course.speakers)])
    if not form.is_submitted() and session is not None:
        form.day.data = session.local(session.starts_at).date().isoformat()
        form.start.data = session.local(session.starts_at).time()
        form.end.data = session.local(session.ends_at).time()
        for index, lead in enumerate(session.leads[:len(form.leads.entries)]):
            form.leads.entries[index].form.speaker.data = lead.speaker_id
            form.leads.entries[index].form.role.data = lead.role
    for entry in form.leads:
        entry.form.speaker.choices = speakers
    apply_languages(form, course.second_languages, course.working_language)
    if form.validate_on_submit():
        details = operations.SessionDetails(
            day=date.fromisoformat(form.day.data), start=form.start.data, end=form.end.data,
            title=form.title.data, description=form.description.data, kind=form.kind.data,
            room=form.room.data or "", online_url=form.online_url.data or "",
            leads=[(e.form.speaker.data, e.form.role.data) for e in form.leads if e.form.speaker.data])
        try:
            operations.save_session(course, session, details)
        except operations.AgendaRejected as problem:
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("The session is saved."), "success")
            return redirect(url_for(".manage", slug=course.slug))
    return render_form("agenda/edit.html", form, course=course, session=session)


@routes.route("/manage/courses/<slug>/agenda/<int:session_id>/move", methods=["POST"])
@login_required
def move(slug: str, session_id: int):
    """Move a session 15 minutes earlier or later (buttons, no dragging needed)."""
    course, session = get_managed_session(slug, session_id)
    protect()
    minutes = 15 if request.form.get("direction") == "later" else -15
    try:
        operations.move_session(session, minutes)
    except operations.AgendaRejected as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
    return redirect(url_for(".manage", slug=slug) + f"#session-{session_id}")


@routes.route("/manage/courses/<slug>/agenda/<int:session_id>/delete", methods=["POST"])
@login_required
def delete(slug: str, session_id: int):
    course, session = get_managed_session(slug, session_id)
    protect()
    db.session.delete(session)
    db.session.commit()
    flash(_("The session is deleted."), "success")
    return redirect(url_for(".manage", slug=slug))


@routes.route("/manage/courses/<slug>/sessions/<int:session_id>/sign-in.pdf")
@login_required
def signin_sheet(slug: str, session_id: int):
    """A paper sign-in sheet for one session, for venues without Wi-Fi."""
    course, session = get_managed_session(slug, session_id)
    pdf = documents.signin_sheet_pdf(course, session)
    record_export("export.signin_sheet", course=course, details={"session": session.id})
    return pdf_response(pdf, f"sign-in-{course.slug}-{session.id}.pdf")
