"""Choosing a new password through a link sent by email.

The link carries a signed token (the app's SECRET_KEY, a salt of its own) over the user's id and
a stamp of their current password hash, and expires after PASSWORD_RESET_MAX_AGE seconds.
Setting a password changes the hash, so a link works once; and the answer to a request is the
same whether or not an account has the address.

The email has no course, so no outbox page shows it (the outbox lists one course's messages to
that course's team): without MAIL_SERVER it waits in the outbox table, seen by no one, until
``flask mail retry`` sends it — by then the link has usually expired.
"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..api.operations import revoke_all
from ..audit.operations import record
from ..extensions import db
from ..links import external_url
from ..mail.operations import send_email
from .models import User
from .operations import find_user, normalise_email
from .throttle import PASSWORDS, RESET_EMAILS, account_key

SALT = "lokakarya.password-reset"


class ResetLinkInvalid(Exception):
    """The link is forged, expired, already used, or its account is gone or inactive."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def token_for(user: User) -> str:
    return _serializer().dumps([user.id, user.password_stamp()])


def request_reset(email: str, language: str) -> None:
    """Email a reset link if an active account has this address, at most
    PASSWORD_RESET_ACCOUNT_LIMIT times; otherwise do nothing. The caller answers the same."""
    email = normalise_email(email)
    if not RESET_EMAILS.hit(account_key(email)):
        return
    user = find_user(email)
    if user is None or not user.active:
        return
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    send_email(user.email, user.language or language, "password_reset", user=user,
               link=external_url("auth.reset_password", token=token_for(user)),
               minutes=max(1, max_age // 60))


def user_for(token: str) -> User:
    """The user a reset link is for, while it is valid; raise ResetLinkInvalid."""
    try:
        user_id, stamp = _serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        raise ResetLinkInvalid() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.password_stamp() != stamp:
        raise ResetLinkInvalid()
    return user


def reset_password(token: str, password: str, address: str) -> User:
    """Set a new password through a reset link (which then stops working); raise
    ResetLinkInvalid. Other sessions of the account end, as with any password change, and its
    API tokens are revoked: whoever had the old password may have made one."""
    user = user_for(token)
    user.set_password(password)
    revoke_all(user, by=user)
    PASSWORDS.succeeded(account_key(user.email), address)  # earlier slips from here are forgiven
    record("user.password_reset", target=user, actor=user)
    db.session.flush()
    return user
