"""The application's log: readable text by default, one JSON object a line with LOG_FORMAT=json.

Every line carries the request id of the request (or of the request that queued the job) it
belongs to; each request ends with one access line (method, URL rule, status, duration, signed-in
user's id), static files excepted. People are named by id only: never an address, a name, a
query string or a token (so the access line gives the URL rule, "/p/<token>/", not the path).

The process entry points (``app.wsgi``, ``app.worker``) call :func:`configure_process`; the app
factory calls :func:`configure` for the request hooks.
"""
import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request, request_started

access_log = logging.getLogger("app.access")
HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_job_request_id: ContextVar[str | None] = ContextVar("lokakarya_job_request_id", default=None)
# Fields a line may carry beyond the standard ones (the access line sets them with ``extra``).
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "user_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def request_id() -> str | None:
    """The current request's id (its X-Request-ID when it looks safe, else a new one), or, in a
    job, the id of the request that queued it; None elsewhere."""
    if not has_request_context():
        return _job_request_id.get()
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def bind_request_id(value: str | None):
    """Attach ``value`` to this context's lines (a job's); returns the token to reset it with."""
    return _job_request_id.set(value)


def reset_request_id(token) -> None:
    _job_request_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` to every record (None outside requests and jobs)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id, the
    request fields an access line carries, and the traceback of an exception."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
                            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({field: getattr(record, field) for field in REQUEST_FIELDS
                     if getattr(record, field, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when each line is written (like logging's last resort),
    not as it was when the handler was made."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def handler(log_format: str = "text") -> logging.Handler:
    """A handler writing stderr in ``log_format``: "text" or "json"."""
    if log_format not in ("text", "json"):
        raise SystemExit(f"LOG_FORMAT must be text or json, not {log_format!r}")
    made = StderrHandler()
    made.addFilter(ContextFilter())
    if log_format == "json":
        made.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
        formatter.converter = time.gmtime  # the same clock as the JSON lines: UTC
        made.setFormatter(formatter)
    made.lokakarya = True
    return made


def configure_process() -> None:
    """Send this process's log to stderr in LOG_FORMAT (text or json): the app's from LOG_LEVEL
    (INFO by default), its libraries' warnings. Replaces a handler it installed before."""
    from flask.logging import default_handler

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "lokakarya", False)]:
        root.removeHandler(old)
    root.addHandler(handler(os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"))
    root.setLevel(logging.WARNING)
    app_log = logging.getLogger("app")
    app_log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    app_log.removeHandler(default_handler)  # Flask's: lines would come twice


def configure(app: Flask) -> None:
    """Time each request, give it its request id (echoed in the response), log its access line."""
    request_started.connect(_started, app)
    app.after_request(_finished)


def _started(sender, **extra) -> None:
    g.request_started = time.perf_counter()


def _finished(response):
    response.headers[HEADER] = request_id()
    if request.endpoint != "static":
        fields = request_fields(response.status_code)
        access_log.info("%s %s %s %.1fms", fields["method"], fields["route"] or "-",
                        fields["status"], fields["duration_ms"], extra=fields)
    return response


def request_fields(status: int) -> dict:
    """What the access line and the metrics say of the current request: no path, no query."""
    started = g.get("request_started")
    user = g.get("_login_user")  # only if the request loaded it: the line costs no query
    return {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user_id": user.id if user is not None and user.is_authenticated else None,
    }
