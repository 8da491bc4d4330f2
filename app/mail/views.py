"""The outbox: every email a course has sent or still holds, for its trainers to read."""
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import login_required

from ..courses.views import get_managed_course
from ..extensions import db
from ..forms import protect
from ..i18n import _
from . import operations
from .models import OutboxMessage

bp = Blueprint("mail", __name__)
PER_PAGE = 50


@bp.route("/manage/courses/<slug>/outbox")
@login_required
def outbox(slug: str):
    course = get_managed_course(slug)
    query = (sa.select(OutboxMessage).where(OutboxMessage.course_id == course.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("mail/outbox.html", course=course, page=page,
                           unsent=operations.unsent_count(course.id),
                           smtp=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/manage/courses/<slug>/outbox/send", methods=["POST"])
@login_required
def send_unsent(slug: str):
    course = get_managed_course(slug)
    protect()
    if not current_app.config.get("MAIL_SERVER"):
        flash(_("No mail server is configured: messages stay in the outbox."), "error")
        return redirect(url_for(".outbox", slug=slug))
    course_id = course.id
    # End this request's transaction first: delivery records each outcome on its own connection,
    # which on SQLite must not wait for this one.
    db.session.rollback()
    sent = operations.deliver_unsent(course_id)
    failed = operations.unsent_count(course_id)
    if sent:
        flash(ngettext("%(num)d message sent.", "%(num)d messages sent.", sent), "success")
    if failed:
        flash(ngettext("%(num)d message could not be sent: see the error below.",
                       "%(num)d messages could not be sent: see the errors below.", failed),
              "error")
    return redirect(url_for(".outbox", slug=slug))
