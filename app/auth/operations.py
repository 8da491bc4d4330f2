"""Signing staff in: the password, then (when enrolled) a code from their authenticator app.

Every refusal looks and costs the same: a wrong password, an unknown or inactive address, an
account throttled after too many failures and a wrong code all raise :class:`LoginRefused`, and
each password attempt runs exactly one scrypt check. Failures are counted by
:mod:`app.auth.throttle`, never by locking the account.
"""
import time

import sqlalchemy as sa
from flask import current_app

from ..database import utcnow
from ..extensions import db
from . import known_browsers, second_factor
from .models import User
from .passwords import dummy_hash, verify_password
from .throttle import CODES, PASSWORDS, account_key


class LoginRefused(Exception):
    """Sign-in refused. Deliberately without a reason: the page says the same in every case."""


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str, address: str, browser_mark: str | None = None) -> User:
    """Return the user whose password this is; raise LoginRefused.

    ``address`` is the client's: failures are counted per account and address, and per account.
    ``browser_mark``: the browser's known-browser cookie; one that signed in to this account
    before is not held by the limit per account (:mod:`app.auth.known_browsers`).
    A user with a second factor is not signed in yet: see :func:`pending_signin`.
    """
    email = normalise_email(email)
    account = account_key(email)
    user = find_user(email)
    allowed = PASSWORDS.allows(account, address,
                               everywhere=not known_browsers.recognises(browser_mark, email))
    # One scrypt check whatever the case, so that the time says nothing either.
    correct = verify_password(user.password_hash if user is not None else dummy_hash(), password)
    if not (allowed and correct and user is not None and user.active):
        if allowed:  # once throttled, further tries are refused without extending the wait
            PASSWORDS.failed(account, address)
        raise LoginRefused()
    PASSWORDS.succeeded(account, address)
    if not user.has_second_factor:
        user.last_login_at = utcnow()
        db.session.flush()
    return user


def pending_signin(user: User, next_url: str | None) -> dict:
    """What the session keeps between the password and the code: the user is not signed in."""
    return {"user": user.id, "stamp": user.password_stamp(), "next": next_url,
            "at": int(time.time())}


def pending_user(pending: dict | None) -> User | None:
    """The user a pending sign-in is for, while it is fresh (SIGNIN_CODE_SECONDS) and their
    password and second factor are as they were; else None."""
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int) \
            or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > current_app.config["SIGNIN_CODE_SECONDS"]:
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or not user.has_second_factor \
            or user.password_stamp() != pending.get("stamp"):
        return None
    return user


def confirm_code(user: User, code: str, address: str) -> None:
    """Finish a pending sign-in with a code from the user's app; raise LoginRefused.

    Codes are throttled like passwords (per account and address, per account); a code already
    used (its time step or an earlier one) is refused.
    """
    account = f"user:{user.id}"
    if not CODES.allows(account, address):
        raise LoginRefused()
    if not second_factor.accept_code(user, code):
        CODES.failed(account, address)
        raise LoginRefused()
    CODES.succeeded(account, address)
    user.last_login_at = utcnow()
    db.session.flush()


def create_user(email: str, name: str, password: str, role: str = "trainer",
                language: str | None = None) -> User:
    """Add a staff account."""
    user = User(email=normalise_email(email), name=name.strip(), role=role, language=language)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    current_app.logger.info("Created %s account %d", role, user.id)  # an id, not the address
    return user
