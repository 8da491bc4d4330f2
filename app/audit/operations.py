"""Recording what staff do. Call ``record`` inside the operation's own transaction: the event is
written with the change it describes, or not at all."""
from flask import g, has_request_context
from flask_login import current_user

from ..extensions import db
from .models import AuditEvent


def record(action: str, *, course=None, target=None, details: dict | None = None,
           actor=None) -> AuditEvent:
    """Add an audit event for ``action`` (e.g. ``"registration.status"``) on ``target`` (a model
    instance with an ``id``) in ``course``. ``details``: ids, codes, old and new values, never a
    participant's name or contact. The actor is the signed-in user (or the API token's owner)
    unless given; the channel is "api" inside the API, "web" in other requests, else "cli"."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action, channel=channel(),
        actor_id=getattr(actor, "id", None),
        course_id=getattr(course, "id", None),
        target_type=type(target).__tablename__ if target is not None else "",
        target_id=getattr(target, "id", None),
        details=details or {})
    db.session.add(event)
    return event


def channel() -> str:
    if not has_request_context():
        return "cli"
    return "api" if g.get("api_token") is not None else "web"
