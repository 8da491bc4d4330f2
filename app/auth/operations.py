"""Signing staff in, with lock-out after repeated failures."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..database import utcnow
from ..extensions import db
from .models import User


class LoginRefused(Exception):
    """Sign-in refused; ``locked`` tells whether the account is locked out."""

    def __init__(self, locked: bool = False, minutes: int = 0):
        super().__init__("locked" if locked else "invalid")
        self.locked = locked
        self.minutes = minutes


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials, counting failures; raise LoginRefused."""
    user = find_user(email)
    if user is None or not user.active:
        raise LoginRefused()
    now = utcnow()
    if user.is_locked(now):
        raise LoginRefused(locked=True, minutes=_minutes_left(user, now))
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            db.session.flush()
            raise LoginRefused(locked=True, minutes=_minutes_left(user, now))
        db.session.flush()
        raise LoginRefused()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def _minutes_left(user: User, now) -> int:
    return max(1, int((user.locked_until - now).total_seconds() // 60) + 1)


def create_user(email: str, name: str, password: str, role: str = "trainer",
                language: str | None = None) -> User:
    """Add a staff account."""
    user = User(email=normalise_email(email), name=name.strip(), role=role, language=language)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    current_app.logger.info("Created %s account %s", role, user.email)
    return user
