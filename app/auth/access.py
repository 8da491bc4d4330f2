"""Who may see and change what."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Let only signed-in admins through."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def can_manage(user, course) -> bool:
    """Admins manage every course; trainers only those whose team they are on."""
    return bool(user and user.is_authenticated and user.active and
                (user.is_admin or user in course.trainers))
