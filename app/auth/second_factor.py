"""The optional second factor: six-digit codes from an authenticator app (TOTP, RFC 6238).

A code is good for its 30-second time step and the neighbouring ones (clocks drift), and only
once: the last step accepted is kept on the account, and a code of that step or an earlier one
is refused, so a code read over a shoulder or from a proxy log cannot be used again.
"""
import base64
import binascii
import hmac
import re
import time

import pyotp
import segno
import sqlalchemy as sa

from ..audit.operations import record
from ..extensions import db
from .models import User
from .passwords import verify_password
from .throttle import CODES

ISSUER = "Lokakarya"
VALID_WINDOW = 1  # steps either side of now
SECRET_LENGTH = 32  # base32 characters: 160 bits, as RFC 4226 recommends
SEPARATORS = re.compile(r"[\s-]")


class SecondFactorRefused(Exception):
    """A code (or the password confirming a change) was not right."""


def new_secret() -> str:
    return pyotp.random_base32(SECRET_LENGTH)


def is_secret(value: str | None) -> bool:
    """True for a secret as :func:`new_secret` makes them (it comes back through a form)."""
    if not isinstance(value, str) or len(value) != SECRET_LENGTH:
        return False
    try:
        base64.b32decode(value, casefold=False)
    except (binascii.Error, ValueError):
        return False
    return True


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI, for an ``<img>`` (the CSP allows data: images)."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(
        scale=5, border=2, dark="#000", light="#fff")


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step, within the window around ``now``, whose code is ``code``; else None."""
    code = SEPARATORS.sub("", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now if now is not None else time.time())
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # look at every step: the same work whichever matched
    return found


def accept_code(user: User, code: str, secret: str | None = None) -> bool:
    """Check ``code`` against the user's secret (or the one being enrolled) and, if it is good
    and newer than the last one used, remember its step."""
    step = matching_step(secret or user.totp_secret or "", code)
    if step is None:
        return False
    # One statement that only moves the step forward: of two requests racing with the same
    # code, the second finds the step taken (PostgreSQL re-reads the row after the first commits).
    moved = db.session.execute(
        sa.update(User)
        .where(User.id == user.id,
               sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session="evaluate"))
    return moved.rowcount == 1


def enrol(user: User, secret: str, code: str) -> None:
    """Store ``secret`` once a code from it shows the app has it; raise SecondFactorRefused."""
    if user.has_second_factor or not is_secret(secret):
        raise SecondFactorRefused()
    user.totp_last_step = None  # a new secret starts a new count
    db.session.flush()
    if not accept_code(user, code, secret=secret):
        raise SecondFactorRefused()
    user.totp_secret = secret
    record("user.totp_enrol", target=user, actor=user)
    db.session.flush()


def disable(user: User, password: str, code: str, address: str) -> None:
    """Switch the second factor off, knowing the password and a current code; raise
    SecondFactorRefused (both are always checked, and failures throttled like sign-ins, so an
    unlocked screen is no shortcut to guessing)."""
    account = f"user:{user.id}"
    allowed = CODES.allows(account, address)
    password_ok = verify_password(user.password_hash, password)
    code_ok = user.has_second_factor and accept_code(user, code)
    if not (allowed and password_ok and code_ok):
        if allowed:
            CODES.failed(account, address)
        raise SecondFactorRefused()
    _forget(user)
    record("user.totp_disable", target=user, actor=user)
    db.session.flush()


def remove(user: User) -> None:
    """An admin's action, for someone who lost their phone: they sign in with the password alone
    and may enrol again."""
    _forget(user)
    record("user.totp_reset", target=user)
    db.session.flush()


def _forget(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
