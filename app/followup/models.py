"""Follow-up rounds of a course and the status given to each action of a team's plan."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

STATUSES = ("not_started", "in_progress", "done", "dropped")


class FollowUpRound(db.Model):
    """The n-th follow-up of a course (1: three months after, 2: six months after, by default),
    due on ``due_on``; ``sent_at`` once its emails were queued."""

    __tablename__ = "follow_up_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    due_on: Mapped[date]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    updates: Mapped[list["ActionUpdate"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        sa.UniqueConstraint("course_id", "number"),
        sa.CheckConstraint("number >= 1", name="number"),
    )

    def __repr__(self) -> str:
        return f"<FollowUpRound {self.course_id} #{self.number} {self.due_on}>"


class ActionUpdate(db.Model):
    """The status of one row (``row_id``) of a team's action plan sheet at one round."""

    __tablename__ = "action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_up_round.id", ondelete="CASCADE"),
                                          index=True)
    worksheet_id: Mapped[int] = mapped_column(sa.ForeignKey("worksheet.id", ondelete="CASCADE"),
                                              index=True)
    row_id: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    evidence_url: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[FollowUpRound] = relationship(back_populates="updates")
    worksheet = relationship("Worksheet")
    updated_by = relationship("Registration")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "worksheet_id", "row_id"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),
    )

    def __repr__(self) -> str:
        return f"<ActionUpdate {self.round_id} {self.worksheet_id}/{self.row_id} {self.status}>"
