"""Translated error pages."""
from flask import Flask, current_app, render_template
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, ServiceUnavailable

from ..api.problems import from_http_exception, is_api_request, problem
from ..database import SafeMethodWrite
from ..extensions import db
from ..i18n import _
from ..storage import StorageUnavailable

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)


def configure_errors(app: Flask) -> None:
    """Render every handled HTTP error, and database outages, as a page in the reader's language."""
    for code in HANDLED:
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(StorageUnavailable, storage_unavailable)
    app.register_error_handler(SafeMethodWrite, safe_method_write)


def render_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        db.session.rollback()  # the page itself must not trip over a failed transaction
    if is_api_request():  # the JSON API answers problem details, in the same language
        return from_http_exception(error)
    return render_template("core/error.html", code=code, error=error), code


def database_unavailable(error: OperationalError):
    db.session.rollback()
    current_app.logger.error("Database unavailable: %s", error.orig)
    return render_error(ServiceUnavailable())


def storage_unavailable(error: StorageUnavailable):
    """The file storage (S3) did not answer: nothing of the request is saved, 503."""
    db.session.rollback()
    current_app.logger.error("Storage unavailable: %s", error)
    detail = _("The file storage does not answer. Nothing was saved; please try again shortly.")
    if is_api_request():
        return problem(503, kind="storage-unavailable", detail=detail)
    return render_template("core/error.html", code=503, error=ServiceUnavailable(),
                           detail=detail), 503


def safe_method_write(error: SafeMethodWrite):
    """A reading request reached a write: a bug. Fail loudly in tests; refuse it in production."""
    db.session.rollback()
    if current_app.testing:
        raise error
    current_app.logger.error("Refused: %s", error)
    return render_error(MethodNotAllowed(valid_methods=["POST"]))
