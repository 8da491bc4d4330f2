"""Changing staff accounts."""
from ..auth.models import User
from ..auth.operations import create_user, find_user, normalise_email
from ..extensions import db
from ..i18n import _


class AccountRejected(ValueError):
    """The change would break a rule; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def save_user(actor: User, user: User | None, *, email: str, name: str, role: str,
              language: str | None, active: bool, password: str | None) -> User:
    """Create or update a staff account (an admin's action); raise AccountRejected."""
    other = find_user(email)
    if other is not None and other is not user:
        raise AccountRejected("email", _("Another account already uses this email."))
    if user is None and not password:
        raise AccountRejected("password", _("Give the new account a password."))
    if user is not None and user.id == actor.id and (role != "admin" or not active):
        raise AccountRejected("role", _("You cannot remove your own admin rights or account."))
    if user is None:
        user = create_user(email, name, password, role=role, language=language)
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


def update_account(user: User, *, name: str, language: str | None, password: str | None,
                   current_password: str | None) -> None:
    """Change one's own name, language and (knowing the current one) password."""
    if password and not user.check_password(current_password or ""):
        raise AccountRejected("current_password", _("The current password is not correct."))
    user.name = name.strip()
    user.language = language
    if password:
        user.set_password(password)
    db.session.flush()
