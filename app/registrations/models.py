"""Registrations, their status history, and country delegations."""
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

STATUSES = ("pending", "approved", "waitlisted", "declined", "cancelled")
ACTIVE_STATUSES = ("pending", "approved")  # those holding a place
SEXES = ("female", "male", "undisclosed")
AGE_GROUPS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
NAME_ORDERS = ("given_first", "family_first", "single")
ATTENDANCE_MODES = ("in_person", "online")  # how a participant of a hybrid course takes part


def new_token() -> str:
    """An unguessable token for a personal or nomination link (192 bits)."""
    return secrets.token_urlsafe(24)


class Delegation(db.Model):
    """A country's group at a course, with the focal point who may nominate its members."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(sa.String(2))
    focal_name: Mapped[str] = mapped_column(sa.String(200), default="")
    focal_email: Mapped[str] = mapped_column(sa.String(254), default="")
    nomination_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course")
    registrations: Mapped[list["Registration"]] = relationship(back_populates="delegation")

    __table_args__ = (sa.UniqueConstraint("course_id", "country"),)

    def __repr__(self) -> str:
        return f"<Delegation {self.course_id} {self.country}>"


class WorkingGroup(db.Model):
    """A group of a course's participants that fills team worksheets together, when the course
    groups by working group rather than by country (``Course.grouping == "groups"``)."""

    __tablename__ = "working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # its members' country, if one
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course", backref=sa.orm.backref(
        "working_groups", order_by="(WorkingGroup.position, WorkingGroup.id)",
        cascade="all, delete-orphan", passive_deletes=True))
    members: Mapped[list["Registration"]] = relationship(
        back_populates="group", order_by="Registration.certificate_name", passive_deletes=True)

    __table_args__ = (sa.UniqueConstraint("course_id", "name"),)

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.course_id} {self.name!r}>"


class Registration(db.Model):
    """One person's registration for a course: who they are, for reports and the certificate."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("working_group.id", ondelete="SET NULL"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")

    full_name: Mapped[str] = mapped_column(sa.String(300))
    family_name: Mapped[str] = mapped_column(sa.String(200), default="")
    given_names: Mapped[str] = mapped_column(sa.String(200), default="")
    name_order: Mapped[str] = mapped_column(sa.String(20), default="given_first")
    honorific: Mapped[str] = mapped_column(sa.String(80), default="")
    native_name: Mapped[str] = mapped_column(sa.String(300), default="")
    address_as: Mapped[str] = mapped_column(sa.String(200), default="")
    certificate_name: Mapped[str] = mapped_column(sa.String(400), default="")
    search_name: Mapped[str] = mapped_column(sa.String(1200), default="", index=True)

    sex: Mapped[str] = mapped_column(sa.String(20))
    age_group: Mapped[str] = mapped_column(sa.String(10))
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    organisation_type: Mapped[str] = mapped_column(sa.String(40))
    ministry: Mapped[str] = mapped_column(sa.String(60), default="")
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    province: Mapped[str] = mapped_column(sa.String(120), default="")  # or city, as typed
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    attendance_mode: Mapped[str] = mapped_column(sa.String(10), default="in_person")
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    certificate_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    dietary: Mapped[str] = mapped_column(sa.String(500), default="")
    accessibility: Mapped[str] = mapped_column(sa.String(500), default="")

    consent_version: Mapped[str] = mapped_column(sa.String(40), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course = relationship("Course", backref=sa.orm.backref("registrations", lazy="dynamic"))
    delegation: Mapped[Delegation | None] = relationship(back_populates="registrations")
    group: Mapped["WorkingGroup | None"] = relationship(back_populates="members")
    events: Mapped[list["RegistrationEvent"]] = relationship(
        order_by="RegistrationEvent.at", cascade="all, delete-orphan", back_populates="registration")

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),
        sa.CheckConstraint(sa.column("sex").in_(SEXES), name="sex"),
        sa.CheckConstraint(sa.column("name_order").in_(NAME_ORDERS), name="name_order"),
        sa.CheckConstraint(sa.column("attendance_mode").in_(ATTENDANCE_MODES), name="attendance_mode"),
        sa.Index("ix_registration_course_status", "course_id", "status"),
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.course_id} {self.status}>"


class RegistrationEvent(db.Model):
    """A change of status: from what, to what, by whom (None: the participant or the system), why."""

    __tablename__ = "registration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str | None] = mapped_column(sa.String(20))
    new_status: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="events")
    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<RegistrationEvent {self.registration_id} {self.old_status}->{self.new_status}>"
