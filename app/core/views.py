"""Public pages that belong to no single feature."""
import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from ..courses.models import Course
from ..database import utcnow
from ..extensions import db

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
def health():
    """Tell a load balancer the app and its database answer."""
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
