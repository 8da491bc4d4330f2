"""Public pages that belong to no single feature."""
from flask import Blueprint, jsonify, render_template

from ..courses.operations import current_and_past
from .health import report

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    """Open and upcoming courses first, then past ones."""
    upcoming, past = current_and_past()
    return render_template("core/index.html", upcoming=upcoming, past=past)


@bp.route("/healthz")
@bp.route("/readyz")
def health():
    """The database, Redis and the job queue, each on its own: 503 when one configured fails."""
    healthy, body = report()
    return jsonify(body), 200 if healthy else 503
