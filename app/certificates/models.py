"""Certificates: what was issued to whom, how to verify it, and bulk issuing jobs."""
import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.multilingual import MultilingualText, MultilingualType

STATUSES = ("valid", "revoked", "superseded")
JOB_STATES = ("queued", "running", "finished", "failed")


def new_code() -> str:
    """The verification code printed (and QR-encoded) on a certificate: unguessable, URL-safe."""
    return secrets.token_urlsafe(18)


class CertificateSettings(db.Model):
    """A course's certificate: its layout, wording per language and signatories."""

    __tablename__ = "certificate_settings"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    layout: Mapped[str] = mapped_column(sa.String(40), default="default")
    arrangement: Mapped[str] = mapped_column(sa.String(20), default="side_by_side")  # or "stacked"
    title: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    wording: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    signatory1_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory1_title: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    signatory1_image: Mapped[str | None] = mapped_column(sa.String(80))
    signatory2_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory2_title: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    signatory2_image: Mapped[str | None] = mapped_column(sa.String(80))
    issue_place: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    pdfa: Mapped[bool] = mapped_column(default=False)
    # Which languages certificates (and the agenda and worksheet PDFs) print in:
    # app/certificates/languages.py.
    language_mode: Mapped[str] = mapped_column(sa.String(30), default="english_and_participant")
    fixed_language1: Mapped[str] = mapped_column(sa.String(8), default="")
    fixed_language2: Mapped[str] = mapped_column(sa.String(8), default="")
    native_digits: Mapped[bool] = mapped_column(default=False)  # Thai, Lao, Khmer, Myanmar digits

    course = relationship("Course", backref=sa.orm.backref("certificate_settings", uselist=False,
                                                           cascade="all, delete-orphan"))

    def __repr__(self) -> str:
        return f"<CertificateSettings {self.course_id}>"


class Certificate(db.Model):
    """One issued certificate. Revoking or reissuing keeps the old one, with its status."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                 index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, default=new_code)
    number: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20), default="valid")
    second_language: Mapped[str] = mapped_column(sa.String(8))
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    full_hours: Mapped[bool] = mapped_column(default=True)
    attendance_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    override_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # The trainer confirmed issuing before the course's last day (venue's local date).
    issued_early: Mapped[bool] = mapped_column(default=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"))

    registration = relationship("Registration", backref=sa.orm.backref(
        "certificates", order_by="Certificate.issued_at", cascade="all, delete-orphan"))

    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),)

    def __repr__(self) -> str:
        return f"<Certificate {self.number} {self.status}>"


class IssueJob(db.Model):
    """A bulk issue running in the background; its files land in the instance folder."""

    __tablename__ = "issue_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    early_confirmed: Mapped[bool] = mapped_column(default=False)  # see Certificate.issued_early
    # Until when the job counts as alive: its worker's heartbeat moves this forward while it
    # runs; a queued or running job past it has lost its worker (app/certificates/job_state.py).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(JOB_STATES), name="state"),
        # At most one bulk issue per course at a time, whichever process starts it.
        sa.Index("uq_issue_job_active_course", "course_id", unique=True,
                 sqlite_where=sa.text("state IN ('queued', 'running')"),
                 postgresql_where=sa.text("state IN ('queued', 'running')")),
    )

    def __repr__(self) -> str:
        return f"<IssueJob {self.id} {self.state} {self.done}/{self.total}>"
