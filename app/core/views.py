"""Public pages that belong to no single feature."""
import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from .health import report

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    """Open and upcoming courses first, then past ones."""
    today = utcnow().date()
    visible = sa.select(Course).where(Course.archived_at.is_(None))
    upcoming = db.session.scalars(
        visible.where(Course.end_date >= today).order_by(Course.start_date)).all()
    past = db.session.scalars(
        visible.where(Course.end_date < today).order_by(Course.start_date.desc()).limit(20)).all()
    return render_template("core/index.html", upcoming=upcoming, past=past)


@bp.route("/healthz")
@bp.route("/readyz")
def health():
    """The database, Redis and the job queue, each on its own: 503 when one configured fails."""
    healthy, body = report()
    return jsonify(body), 200 if healthy else 503
