"""Failed attempts against one account, counted in the rate limiter's storage (Redis when
configured, else memory), never in the account itself.

The old lock-out (five failures locked the account for everyone) let anyone who knew an address
keep its owner out. Failures are now counted twice: per account *and client address* (tight: the
attacker's address is slowed, the owner signing in from elsewhere is not) and per account across
all addresses (looser: against guessing spread over many addresses). Accounts are named by a
digest of the normalised address they were asked for, whether or not an account has it, so
the counters say nothing about which accounts exist and keep no email address in the store.
"""
import hashlib

from flask import current_app
from limits import RateLimitItem, parse_many

from ..extensions import limiter


def account_key(email: str) -> str:
    """The counters' name for a (normalised) email address."""
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


class Counter:
    """Hits against one key within the limits of the config setting ``setting`` (or of what
    ``setting`` returns, when it is a function)."""

    def __init__(self, scope: str, setting):
        self.scope, self.setting = scope, setting

    def _items(self) -> list[RateLimitItem]:
        return parse_many(self.setting() if callable(self.setting)
                          else current_app.config[self.setting])

    def _ids(self, key: str) -> tuple[str, ...]:
        return current_app.config["RATELIMIT_KEY_PREFIX"], self.scope, key

    def allows(self, key: str) -> bool:
        """True while every limit has room for one more hit."""
        return _safely(lambda: all(limiter.limiter.test(item, *self._ids(key))
                                   for item in self._items()))

    def hit(self, key: str) -> bool:
        """Count one hit; False when a limit was already reached (the hit is then not counted)."""
        return _safely(lambda: all([limiter.limiter.hit(item, *self._ids(key))
                                    for item in self._items()]))

    def clear(self, key: str) -> None:
        _safely(lambda: [limiter.limiter.clear(item, *self._ids(key)) for item in self._items()])

    def count(self, key: str) -> int:
        """The hits within the first limit's window (0 if the store fails)."""
        item = self._items()[0]
        return _safely(lambda: item.amount - limiter.limiter.get_window_stats(
            item, *self._ids(key)).remaining, failed=0)


class AccountThrottle:
    """Failures against an account: from one client address, and from all of them."""

    def __init__(self, kind: str, overall: str):
        self.from_address = Counter(f"{kind}-account-address", "LOGIN_ACCOUNT_ADDRESS_LIMIT")
        self.overall = Counter(f"{kind}-account", overall)

    def allows(self, account: str, address: str, everywhere: bool = True) -> bool:
        """``everywhere``: False for a browser that signed in to the account before
        (:mod:`app.auth.known_browsers`), which the limit over all addresses does not hold."""
        return self.from_address.allows(f"{account}|{address}") and \
            (not everywhere or self.overall.allows(account))

    def failed(self, account: str, address: str) -> None:
        self.from_address.hit(f"{account}|{address}")
        self.overall.hit(account)

    def succeeded(self, account: str, address: str) -> None:
        """The owner got in from this address: its earlier slips no longer count (those made
        from other addresses still do)."""
        self.from_address.clear(f"{account}|{address}")


PASSWORDS = AccountThrottle("password", "LOGIN_ACCOUNT_LIMIT")  # keyed by account_key(email)
# Second-factor codes, keyed by user id. Only someone who has the password gets here; a day's
# cap keeps guessing one of a million codes hopeless over months, not just over an hour.
CODES = AccountThrottle("code", "SIGNIN_CODE_ACCOUNT_LIMIT")
RESET_EMAILS = Counter("password-reset-emails", "PASSWORD_RESET_ACCOUNT_LIMIT")  # by account_key


def _safely(count, failed=True):
    """Run a counter operation; if the store fails, log it and let the attempt through, as the
    limiter does (RATELIMIT_SWALLOW_ERRORS) — the per-address limit has by then switched to
    its memory fallback. ``failed``: the answer then."""
    try:
        return count()
    except Exception:  # noqa: BLE001 - a dead Redis must not take sign-in down
        current_app.logger.warning("Rate-limit storage failed; attempt not counted", exc_info=True)
        return failed
