"""The audit log page, for admins only."""
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request

from ..auth.access import admin_required
from . import labels, listing

bp = Blueprint("audit", __name__)


@bp.route("/manage/audit")
@admin_required
def log():
    """What staff did, newest first, filtered by course, action, person and days (in the
    reader's chosen time zone), a page at a time by id."""
    filters = listing.read_filters(request.args)
    page = listing.page(filters)
    courses, staff = listing.choices()
    return render_template("audit/log.html", page=page, filters=filters, courses=courses, staff=staff,
                           zone=ZoneInfo(filters.zone), actions=labels.ACTION_LABELS,
                           action_label=labels.action_label, channel_label=labels.channel_label,
                           describe=labels.describe), 400 if filters.problems else 200
