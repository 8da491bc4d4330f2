"""Audit events: who did what to which record, when, and through which channel."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

CHANNELS = ("web", "api", "cli")


class AuditEvent(db.Model):
    """One staff action. ``details`` holds ids, codes and old/new values, never a participant's
    name or contact (those stay in their records, which the log page joins to while they exist)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"),
                                                 index=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="web")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id", ondelete="SET NULL"),
                                                  index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40), default="")
    target_id: Mapped[int | None] = mapped_column()
    details: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})

    actor = relationship("User")
    course = relationship("Course")

    __table_args__ = (sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.target_type}:{self.target_id}>"
