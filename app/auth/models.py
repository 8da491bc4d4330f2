"""Staff accounts."""
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .passwords import hash_password, stamp, verify_password

ROLES = ("admin", "trainer")


class User(UserMixin, db.Model):
    """A member of staff: an admin, or a trainer who works on the courses of their team."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20), default="trainer")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # No longer used: an account-wide lock-out let anyone who knew an address lock its owner out.
    # Failed sign-ins are now counted by the rate limiter, per account and client address
    # (app/auth/throttle.py). The columns stay until a migration drops them.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The TOTP second factor (RFC 6238): the shared secret once enrolled, and the last time step
    # accepted, so that a code seen over a shoulder cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role"),)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        # Changing the password changes the id, which signs out every other session.
        return f"{self.id}:{self.password_hash[-12:]}"

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def password_stamp(self) -> str:
        """Changes whenever the password does (see :func:`app.auth.passwords.stamp`)."""
        return stamp(self.password_hash)
