"""Self check-in codes: short-lived, tied to one session, unforgeable without the app's secret."""
import hashlib
import hmac
import time

from flask import current_app

ROTATION_SECONDS = 30


def window(now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // ROTATION_SECONDS)


def code(session_id: int, at_window: int | None = None) -> str:
    """The code shown on the projector for ``session_id`` now (changes every 30 seconds)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"checkin:{session_id}:{window() if at_window is None else at_window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def is_valid(session_id: int, candidate: str, now: float | None = None) -> bool:
    """True for the current code, or the one just before it (a phone may take a moment to open
    the link): a code works for at most one minute, then never again."""
    current = window(now)
    return any(hmac.compare_digest(code(session_id, w), candidate or "") for w in (current, current - 1))


def seconds_left(now: float | None = None) -> int:
    now = now if now is not None else time.time()
    return ROTATION_SECONDS - int(now % ROTATION_SECONDS)
