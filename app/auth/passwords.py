"""Password hashes (scrypt), and the same hashing work for every sign-in attempt.

A sign-in for an address without an account used to answer in a tenth of the time, which told
an attacker which staff addresses exist. Every attempt now runs exactly one scrypt check: against
the account's hash, or against :func:`dummy_hash` when there is no (active) account.
"""
import hashlib
import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str, password: str) -> bool:
    """The one place that checks a password against a hash (one scrypt run)."""
    return check_password_hash(stored_hash, password or "")


@cache
def dummy_hash() -> str:
    """A hash made like the real ones (same method and cost) of a password nobody knows: checked
    when the address has no account, so that the answer takes as long as for a real one."""
    return hash_password(secrets.token_urlsafe(32))


def stamp(password_hash: str) -> str:
    """A short digest of a password hash: links and pending sign-ins that carry it stop working
    once the password changes (and carry nothing of the hash itself)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
