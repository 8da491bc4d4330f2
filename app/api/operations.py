"""Personal API tokens: creating one (shown once), revoking it, and recognising it on a request.

A token is ``lk_`` and 43 random URL-safe characters (256 bits). Only its SHA-256 is kept, with
its first characters so that its owner can tell tokens apart; a database copy therefore holds no
usable token. Creating and revoking one are audited.
"""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from ..audit.operations import record
from ..database import RECORDS_A_READ, reading_request, utcnow
from ..extensions import db
from .models import SCOPES, ApiToken

TOKEN_START = "lk_"
PREFIX_LENGTH = 11  # "lk_" and 8 characters: enough to recognise, far too few to guess from
TOKEN_LENGTH = len(TOKEN_START) + 43  # secrets.token_urlsafe(32)
EXPIRY_DAYS = (30, 90, 365)  # the choices offered; None: never
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user, name: str, scope: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return it and its secret, which is never stored nor shown again."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    secret = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), scope=scope, token_hash=digest(secret),
                     prefix=secret[:PREFIX_LENGTH],
                     expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(token)
    db.session.flush()
    record("api_token.create", target=token, actor=user, details={
        "scope": scope, "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, secret


def revoke_token(token: ApiToken, by) -> bool:
    """Stop ``token`` working from now on; False if it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    record("api_token.revoke", target=token, actor=by, details={"prefix": token.prefix})
    return True


def revoke_all(user, by) -> int:
    """Revoke every token of ``user`` still working (their password was reset: whoever knew it
    may have made one); return how many."""
    now = utcnow()
    live = [token for token in tokens_of(user) if state(token, now) == "active"]
    for token in live:
        revoke_token(token, by)
    return len(live)


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too: they say when)."""
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def token_of(user, token_id) -> ApiToken | None:
    """One of the user's own tokens, by id (None for anybody else's)."""
    try:
        number = int(token_id)
    except (TypeError, ValueError):
        return None
    token = db.session.get(ApiToken, number) if 0 < number < 2**31 else None
    return token if token is not None and token.user_id == user.id else None


def state(token: ApiToken, now=None) -> str:
    """"active", "expired" or "revoked"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret this is, its owner still an active account; else None."""
    if not secret.startswith(TOKEN_START) or len(secret) != TOKEN_LENGTH:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret))
                              .options(sa.orm.joinedload(ApiToken.user)))
    if token is None or state(token) != "active" or not token.user.active:
        return None
    return token


def note_use(token: ApiToken) -> None:
    """Keep when the token was last used, at most once a minute. A reading request (GET) must not
    change the database, so there the time is written on its own short transaction, the one
    kind of write such a request may send besides the audit log's (app/database.py)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    if not reading_request():
        token.last_used_at = now
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                               .values(last_used_at=now), execution_options={RECORDS_A_READ: True})
    except OperationalError as error:  # busy database: the request matters more than the note
        current_app.logger.warning("Last use of API token %s not kept: %s", token.id, error.orig)
        return
    sa.orm.attributes.set_committed_value(token, "last_used_at", now)
