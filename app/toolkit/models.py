"""Exercises of a course, the worksheets filled for them, every saved version, and comments."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.multilingual import MultilingualText, MultilingualType

MODES = ("individual", "team")  # one sheet per participant, or one per team (country or group)
STATUSES = ("draft", "submitted", "returned", "final")


class Exercise(db.Model):
    """A toolkit module used in a course, perhaps in one of its agenda sessions."""

    __tablename__ = "exercise"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_key: Mapped[str] = mapped_column(sa.String(8))
    position: Mapped[int] = mapped_column(default=0)
    mode: Mapped[str] = mapped_column(sa.String(12), default="team")
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_session.id", ondelete="SET NULL"), index=True)
    instructions: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course", backref=sa.orm.backref(
        "exercises", order_by="Exercise.position", cascade="all, delete-orphan"))
    session = relationship("AgendaSession", backref=sa.orm.backref("exercises", passive_deletes=True))
    worksheets: Mapped[list["Worksheet"]] = relationship(
        back_populates="exercise", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        sa.UniqueConstraint("course_id", "module_key"),
        sa.CheckConstraint(sa.column("mode").in_(MODES), name="mode"),
    )

    @property
    def module(self):
        from .modules import get

        return get(self.module_key)

    def __repr__(self) -> str:
        return f"<Exercise {self.course_id} {self.module_key} {self.mode}>"


class Worksheet(db.Model):
    """The answers of one participant, or of one country team, to one exercise.

    ``version`` counts saves; every save keeps a :class:`WorksheetRevision`, so a save made
    from an older version is merged against what it started from (see ``merge.py``)."""

    __tablename__ = "worksheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercise.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="CASCADE"), index=True)
    # A working group's sheet; no cascade: a group holding a saved sheet is never deleted.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("working_group.id"), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})
    version: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exercise: Mapped[Exercise] = relationship(back_populates="worksheets")
    registration = relationship("Registration", foreign_keys=[registration_id])
    delegation = relationship("Delegation")
    group = relationship("WorkingGroup")
    saved_by = relationship("Registration", foreign_keys=[saved_by_id])
    revisions: Mapped[list["WorksheetRevision"]] = relationship(
        back_populates="worksheet", order_by="WorksheetRevision.version", cascade="all, delete-orphan",
        passive_deletes=True, lazy="dynamic")
    comments: Mapped[list["WorksheetComment"]] = relationship(
        back_populates="worksheet", order_by="WorksheetComment.created_at", cascade="all, delete-orphan",
        passive_deletes=True)

    __table_args__ = (
        sa.UniqueConstraint("exercise_id", "registration_id"),
        sa.UniqueConstraint("exercise_id", "delegation_id"),
        sa.UniqueConstraint("exercise_id", "group_id"),
        sa.CheckConstraint("(CASE WHEN registration_id IS NULL THEN 0 ELSE 1 END"
                           " + CASE WHEN delegation_id IS NULL THEN 0 ELSE 1 END"
                           " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_owner"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),
    )

    @property
    def country(self) -> str:
        if self.group is not None:
            return self.group.country or self.exercise.course.country
        owner = self.delegation or self.registration
        return owner.country if owner else ""

    @property
    def progress(self) -> str:
        """empty, draft, submitted, returned or final: what the trainer's list shows."""
        return "empty" if self.status == "draft" and self.version == 0 else self.status

    def __repr__(self) -> str:
        return f"<Worksheet {self.id} v{self.version} {self.status}>"


class WorksheetRevision(db.Model):
    """A worksheet's answers as one save left them: who saved, when, from which version.

    It holds the whole sheet (``answers``) or what changed since the version before it
    (``changes``), never both: read a version's answers through :mod:`.revisions`."""

    __tablename__ = "worksheet_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    worksheet_id: Mapped[int] = mapped_column(sa.ForeignKey("worksheet.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    base_version: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    changes: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    save_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    conflicts: Mapped[list] = mapped_column(sa.JSON, default=lambda: [])
    restored_from: Mapped[int | None] = mapped_column()  # the earlier version this one brought back
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    worksheet: Mapped[Worksheet] = relationship(back_populates="revisions")
    registration = relationship("Registration")

    __table_args__ = (sa.UniqueConstraint("worksheet_id", "version"),)

    def __repr__(self) -> str:
        return f"<WorksheetRevision {self.worksheet_id} v{self.version}>"


class WorksheetComment(db.Model):
    """A trainer's remark on a worksheet, on one field (``field``: "actors" or "") or the whole."""

    __tablename__ = "worksheet_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    worksheet_id: Mapped[int] = mapped_column(sa.ForeignKey("worksheet.id", ondelete="CASCADE"),
                                              index=True)
    field: Mapped[str] = mapped_column(sa.String(80), default="")
    text: Mapped[str] = mapped_column(sa.String(2000))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    worksheet: Mapped[Worksheet] = relationship(back_populates="comments")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<WorksheetComment {self.worksheet_id} {self.field!r}>"
