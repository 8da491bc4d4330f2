"""Browsers that have signed in to an account before, recognised by a signed cookie.

The limit on failed sign-ins per account over all client addresses (LOGIN_ACCOUNT_LIMIT) stops
guessing spread over many addresses, but anyone can reach it: fifty wrong passwords from fifty
addresses (one IPv6 network holds billions) would keep the real owner out everywhere, as the old
lock-out did. A browser that signed in to the account before carries a mark for it, and the
account-wide limit does not hold it back; the limit per account and client address still does.
The mark names the account by the same digest as the counters (no address, no user id) and is
signed with the app's secret, so it cannot be made for an account without signing in to it.
"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .throttle import account_key

COOKIE = "lokakarya_known_browser"
PATH = "/login"  # sent to the sign-in pages only
DAYS = 365
SALT = "lokakarya.known-browser"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def mark_for(email: str) -> str:
    """The cookie's value for the account with this (normalised) address."""
    return _serializer().dumps(account_key(email))


def recognises(mark: str | None, email: str) -> bool:
    """Whether ``mark`` was given to a browser that signed in to this (normalised) address."""
    if not mark:
        return False
    try:
        return _serializer().loads(mark, max_age=DAYS * 24 * 3600) == account_key(email)
    except (BadSignature, ValueError, TypeError):
        return False


def remember(response, email: str):
    """Give the browser the mark for the account it just signed in to."""
    config = current_app.config
    response.set_cookie(COOKIE, mark_for(email), max_age=DAYS * 24 * 3600, path=PATH,
                        secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response
