"""Changing staff accounts."""
from ..audit.operations import record
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
    created = user is None
    if created:
        user = create_user(email, name, password, role=role, language=language)
        record("user.create", target=user, actor=actor, details={"role": role, "active": active})
    before = {} if created else {name: getattr(user, name) for name in ("role", "active", *ACCOUNT_FIELDS)}
    user.email = normalise_email(email)
    user.name = name.strip()
    user.role = role
    user.language = language
    user.active = active
    if password:
        user.set_password(password)
    audit_changes(actor, user, before, bool(password) and not created)
    db.session.flush()
    return user


# What an account change records, by field name only (a staff member's name and address are
# personal data too).
ACCOUNT_FIELDS = ("email", "name", "language")


def audit_changes(actor: User, user: User, before: dict, new_password: bool) -> None:
    """Note a change of role, of active state and of other details (``before``: the values
    they had) in the audit log."""
    if before.get("role", user.role) != user.role:
        record("user.role", target=user, actor=actor, details={"old": before["role"], "new": user.role})
    if before.get("active", user.active) != user.active:
        record("user.activate" if user.active else "user.deactivate", target=user, actor=actor)
    changed = [name for name in ACCOUNT_FIELDS if name in before and before[name] != getattr(user, name)]
    changed += ["password"] if new_password else []
    if changed:
        record("user.edit", target=user, actor=actor, details={"fields": changed})


def update_account(user: User, *, name: str, language: str | None, password: str | None,
                   current_password: str | None) -> None:
    """Change one's own name, language and (knowing the current one) password."""
    if password and not user.check_password(current_password or ""):
        raise AccountRejected("current_password", _("The current password is not correct."))
    before = {name: getattr(user, name) for name in ACCOUNT_FIELDS}
    user.name = name.strip()
    user.language = language
    if password:
        user.set_password(password)
    audit_changes(user, user, before, bool(password))
    db.session.flush()
