"""Questionnaire windows, knowledge-test attempts and evaluation responses."""
from datetime import datetime
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

PHASES = ("pre", "post")


def new_response_id() -> str:
    """A random key: no sequence that could be matched against the order of receipts."""
    return secrets.token_hex(16)


class QuestionnaireWindow(db.Model):
    """When a questionnaire of a course can be answered: opened and closed by its trainers.

    ``name`` is ``pre`` or ``post`` (the knowledge test), ``day-<n>`` (the end-of-day survey of the
    course's n-th day) or ``course`` (the end-of-course survey)."""

    __tablename__ = "questionnaire_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("course_id", "name"),)

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None

    def __repr__(self) -> str:
        return f"<QuestionnaireWindow {self.course_id} {self.name}>"


class KnowledgeAttempt(db.Model):
    """One participant's answers to the knowledge test, before (``pre``) or after (``post``) the
    course: taken once per phase; the score is worked out when it is submitted."""

    __tablename__ = "knowledge_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(sa.String(4))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})  # question name → value
    score: Mapped[int] = mapped_column(default=0)
    out_of: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration = relationship("Registration")

    __table_args__ = (
        sa.UniqueConstraint("registration_id", "phase"),
        sa.CheckConstraint(sa.column("phase").in_(PHASES), name="phase"),
        sa.CheckConstraint("score >= 0 AND score <= out_of", name="score"),
    )

    def __repr__(self) -> str:
        return f"<KnowledgeAttempt {self.registration_id} {self.phase} {self.score}/{self.out_of}>"


class EvaluationResponse(db.Model):
    """One filled evaluation survey. When the course's evaluations are anonymous it carries no
    registration and no time: nothing links it to the person (their :class:`EvaluationReceipt`
    only records that they answered)."""

    __tablename__ = "evaluation_response"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_response_id)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    survey: Mapped[str] = mapped_column(sa.String(20))  # day-<n> or course
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True)  # None when anonymous
    answers: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})
    language: Mapped[str] = mapped_column(sa.String(8), default="en")  # what open answers are in

    registration = relationship("Registration")

    def __repr__(self) -> str:
        return f"<EvaluationResponse {self.course_id} {self.survey}>"


class EvaluationReceipt(db.Model):
    """That a participant answered a survey (so they answer it once), and nothing of what."""

    __tablename__ = "evaluation_receipt"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True)
    survey: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return f"<EvaluationReceipt {self.registration_id} {self.survey}>"
