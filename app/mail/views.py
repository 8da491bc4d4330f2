"""The outbox: every email a course has sent or still holds, for its trainers to read."""
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_required

from ..extensions import db
from ..forms import protect
from ..i18n import _
from ..web.loaders import get_managed_course
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
    operations.queue_unsent(course.id)  # in the background: a slow server holds no page
    flash(_("The unsent messages are being sent again. Reload this page in a moment to see the "
            "outcome."), "success")
    return redirect(url_for(".outbox", slug=slug))
