"""Courses, their objectives, organisers and donors, and trainer teams."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.multilingual import MultilingualText, MultilingualType
from ..organisations.models import Organisation

MODES = ("in_person", "online", "hybrid")
ORGANISATION_ROLES = ("organiser", "donor")
GROUPINGS = ("country", "groups")  # team worksheets per country delegation, or per working group

course_trainer = sa.Table(
    "course_trainer",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    """A training course: when and where, who runs and funds it, what it sets out to do."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[MultilingualText] = mapped_column(MultilingualType)
    description: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    start_date: Mapped[date]
    end_date: Mapped[date]
    city: Mapped[MultilingualText] = mapped_column(MultilingualType)
    venue: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    country: Mapped[str] = mapped_column(sa.String(2))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    mode: Mapped[str] = mapped_column(sa.String(20), default="in_person")
    working_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    second_languages: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: [])
    contact_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1), default=Decimal("0"))
    # Registration
    registration_opens: Mapped[date | None]
    registration_closes: Mapped[date | None]
    capacity: Mapped[int | None]
    country_quota: Mapped[int | None]
    requires_approval: Mapped[bool] = mapped_column(default=True)
    privacy_notice: Mapped[MultilingualText] = mapped_column(MultilingualType, default=lambda: {})
    privacy_version: Mapped[str] = mapped_column(sa.String(40), default="")
    # Attendance: the share of sessions (or of hours) a participant must attend for a certificate.
    attendance_threshold: Mapped[int] = mapped_column(default=80)
    attendance_basis: Mapped[str] = mapped_column(sa.String(10), default="hours")
    # Working groups: who fills a team worksheet together (see app/groups).
    grouping: Mapped[str] = mapped_column(sa.String(20), default="country")
    group_rule: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {})  # how groups were made
    # Monitoring and evaluation (app/evaluation, app/reports): evaluation answers kept without
    # names; the post-test allowed before the pre-test closes; below this many people a
    # report shows counts only, no percentage.
    evaluations_anonymous: Mapped[bool] = mapped_column(default=True)
    post_test_early: Mapped[bool] = mapped_column(default=False)
    report_threshold: Mapped[int] = mapped_column(default=5)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cloned_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    objectives: Mapped[list["CourseObjective"]] = relationship(
        order_by="CourseObjective.position", collection_class=ordering_list("position"),
        cascade="all, delete-orphan", back_populates="course")
    organisation_links: Mapped[list["CourseOrganisation"]] = relationship(
        order_by="CourseOrganisation.position", cascade="all, delete-orphan",
        back_populates="course")
    trainers = relationship("User", secondary=course_trainer, order_by="User.name",
                            backref="courses")

    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.CheckConstraint(sa.column("mode").in_(MODES), name="mode"),
        sa.CheckConstraint(sa.column("grouping").in_(GROUPINGS), name="grouping"),
        sa.CheckConstraint("report_threshold >= 1 AND report_threshold <= 100", name="report_threshold"),
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    @property
    def languages(self) -> list[str]:
        """The working language first, then the certificates' second languages."""
        return list(dict.fromkeys([self.working_language, *(self.second_languages or [])]))

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def organisations(self, role: str) -> list[Organisation]:
        return [link.organisation for link in self.organisation_links if link.role == role]


class CourseObjective(db.Model):
    """One of a course's objectives, in the order the organisers list them."""

    __tablename__ = "course_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[MultilingualText] = mapped_column(MultilingualType)

    course: Mapped[Course] = relationship(back_populates="objectives")

    def __repr__(self) -> str:
        return f"<CourseObjective {self.course_id}#{self.position}>"


class CourseOrganisation(db.Model):
    """An organisation's part in a course: organiser or donor."""

    __tablename__ = "course_organisation"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="organisation_links")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ORGANISATION_ROLES), name="role"),)

    def __repr__(self) -> str:
        return f"<CourseOrganisation {self.course_id} {self.organisation_id} {self.role}>"
