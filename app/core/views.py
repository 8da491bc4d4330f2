"""Public pages that belong to no single feature."""
from flask import Blueprint, abort, current_app, jsonify, render_template, request

from .. import jobs
from ..courses.operations import current_and_past
from ..metrics import exposition, may_scrape
from .health import report

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    """Open and upcoming courses first, then past ones."""
    upcoming, past = current_and_past()
    return render_template("core/index.html", upcoming=upcoming, past=past)


@bp.route("/healthz")
def alive():
    """Liveness: the process answers requests. It asks nothing else (a dead database must not
    get every app server restarted)."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def ready():
    """Readiness: the database, Redis, the job queue, the storage and the schema's revision,
    each on its own: 503 when one configured fails."""
    healthy, body = report()
    return jsonify(body), 200 if healthy else 503


@bp.route("/metrics")
def metrics():
    """Prometheus metrics (app/metrics.py), for allowed networks and admins; others find
    nothing."""
    if not may_scrape(request.remote_addr):
        abort(404)
    url = current_app.config.get("REDIS_URL")
    body, content_type = exposition(jobs.queue_name(), jobs.redis_connection(url) if url else None)
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
