"""The agenda: sessions, the people who lead them, and who attended."""
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.multilingual import MultilingualText, MultilingualType

KINDS = ("ceremony", "presentation", "panel", "group_work", "plenary", "case_study", "break",
         "evaluation")
ROLES = ("facilitator", "speaker", "moderator")
METHODS = ("trainer", "qr", "sheet", "link", "report")  # link: own join link; report: Zoom/Teams
PLATFORMS = ("zoom", "teams")  # meeting platforms whose participant reports can be imported


class AgendaSession(db.Model):
    """A block of the agenda: when (UTC, shown in the venue's zone), where, what, led by whom."""

    __tablename__ = "agenda_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(sa.String(40), unique=True, default=lambda: uuid.uuid4().hex)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[MultilingualText] = mapped_column(MultilingualType)
    description: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    kind: Mapped[str] = mapped_column(sa.String(20), default="presentation")
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: bumped on every edit
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course = relationship("Course", backref=sa.orm.backref(
        "sessions", order_by="(AgendaSession.starts_at, AgendaSession.room)", cascade="all, delete-orphan"))
    leads: Mapped[list["SessionLead"]] = relationship(
        order_by="SessionLead.position", cascade="all, delete-orphan", back_populates="session")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="times"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind"),
    )

    def __repr__(self) -> str:
        return f"<AgendaSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.course.timezone))

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at) / timedelta(hours=1)

    @property
    def counts_for_attendance(self) -> bool:
        return self.kind != "break"


class Speaker(db.Model):
    """Someone who leads sessions without being a participant: a facilitator, speaker or moderator."""

    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # A speaker who is also a registered participant of the course.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    bio: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    photo: Mapped[str | None] = mapped_column(sa.String(80))

    course = relationship("Course", backref=sa.orm.backref("speakers", order_by="Speaker.name",
                                                           cascade="all, delete-orphan"))
    registration = relationship("Registration")

    def __repr__(self) -> str:
        return f"<Speaker {self.id} {self.name}>"


class SessionLead(db.Model):
    """A speaker's part in a session."""

    __tablename__ = "session_lead"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_session.id", ondelete="CASCADE"),
                                            primary_key=True)
    speaker_id: Mapped[int] = mapped_column(sa.ForeignKey("speaker.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), default="speaker")
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[AgendaSession] = relationship(back_populates="leads")
    speaker: Mapped[Speaker] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role"),)

    def __repr__(self) -> str:
        return f"<SessionLead {self.session_id} {self.speaker_id} {self.role}>"


class Attendance(db.Model):
    """Whether a participant attended a session, and who said so when."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_session.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                 index=True)
    present: Mapped[bool] = mapped_column(default=True)
    method: Mapped[str] = mapped_column(sa.String(20))
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    marked_by = relationship("User")
    session = relationship(AgendaSession)
    registration = relationship("Registration")

    __table_args__ = (sa.UniqueConstraint("session_id", "registration_id"),
                      sa.CheckConstraint(sa.column("method").in_(METHODS), name="method"))

    def __repr__(self) -> str:
        return f"<Attendance {self.session_id} {self.registration_id} {self.present}>"


class AttendanceChange(db.Model):
    """The history of an attendance record: every mark and correction, with its reason."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance.id", ondelete="CASCADE"),
                                               index=True)
    present: Mapped[bool]
    method: Mapped[str] = mapped_column(sa.String(20))
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # The trainer confirmed marking a session that had not started yet.
    before_start: Mapped[bool] = mapped_column(default=False)
    client_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    def __repr__(self) -> str:
        return f"<AttendanceChange {self.attendance_id} {self.present}>"


class AttendanceImport(db.Model):
    """A meeting platform's participant report for one session, uploaded and waiting for the
    trainer's review (``rows``: each with the name, email, minutes and the registration matched
    or chosen), then applied all at once (``applied_at``)."""

    __tablename__ = "attendance_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_session.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    rows: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session = relationship(AgendaSession)

    __table_args__ = (sa.CheckConstraint(sa.column("platform").in_(PLATFORMS), name="platform"),)

    def __repr__(self) -> str:
        return f"<AttendanceImport {self.id} {self.platform} {self.session_id}>"
