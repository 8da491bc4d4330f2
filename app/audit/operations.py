"""Recording what staff do. Call ``record`` inside the operation's own transaction: the event is
written with the change it describes, or not at all. Downloads of personal data, which change
nothing, are noted by ``record_export``."""
import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user

from ..database import RECORDS_A_READ, reading_request
from ..extensions import db
from .models import AuditEvent


def record(action: str, *, course=None, target=None, details: dict | None = None,
           actor=None, via: str | None = None) -> AuditEvent:
    """Add an audit event for ``action`` (e.g. ``"registration.status"``) on ``target`` (a model
    instance with an ``id``) in ``course``. ``details``: ids, codes, old and new values, never a
    participant's name or contact. The actor is the signed-in user (or the API token's owner)
    unless given; the channel is "api" inside the API, "web" in other requests, else "cli"
    (``via``: the channel of the request that started a background job)."""
    event = AuditEvent(**_values(action, course, target, details, actor, via))
    db.session.add(event)
    return event


def record_export(action: str, *, course=None, target=None, details: dict | None = None,
                  actor=None) -> None:
    """Note that staff downloaded personal data (a spreadsheet, sign-in sheets, certificates).

    From a command or a POST, the event joins the caller's transaction like :func:`record`. A
    download from a page is a GET, whose transaction must not change anything (app/database.py):
    the event is written on its own short transaction, before the file is sent, as the one
    statement a reading request may send. A HEAD request sends no file and notes nothing."""
    if not reading_request():
        record(action, course=course, target=target, details=details, actor=actor)
        return
    if request.method != "GET":
        return
    values = _values(action, course, target, details, actor, None)
    with db.engine.begin() as connection:
        connection.execute(sa.insert(AuditEvent).values(**values),
                           execution_options={RECORDS_A_READ: True})


def channel() -> str:
    if not has_request_context():
        return "cli"
    return "api" if g.get("api_token") is not None else "web"


def _values(action: str, course, target, details: dict | None, actor, via: str | None) -> dict:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    return dict(action=action, channel=via or channel(), actor_id=getattr(actor, "id", None),
                course_id=getattr(course, "id", None),
                target_type=type(target).__tablename__ if target is not None else "",
                target_id=getattr(target, "id", None), details=details or {})
