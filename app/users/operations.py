"""Changing staff accounts."""
from ..auth.models import User
from ..auth.operations import create_user, normalise_email
from ..extensions import db


def save_user(user: User | None, *, email: str, name: str, role: str, language: str | None,
              active: bool, password: str | None) -> User:
    """Create or update a staff account (an admin's action)."""
    if user is None:
        user = create_user(email, name, password, role=role, language=language)
        user.active = active
        return user
    user.email = normalise_email(email)
    user.name = name.strip()
    user.role = role
    user.language = language
    user.active = active
    if password:
        user.set_password(password)
        user.locked_until = None
        user.failed_logins = 0
    db.session.flush()
    return user


def update_account(user: User, *, name: str, language: str | None, password: str | None) -> None:
    """Change one's own name, language and password."""
    user.name = name.strip()
    user.language = language
    if password:
        user.set_password(password)
    db.session.flush()
