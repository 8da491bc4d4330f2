"""Who may have a certificate, issuing, revoking, reissuing, and issuing in bulk."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from ..agenda.operations import attendees, rates
from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..registrations.models import Registration
from .models import Certificate, CertificateSettings, IssueJob


class IssueRefused(ValueError):
    """The certificate cannot be issued as asked (the message says why, translated)."""


@dataclass
class Standing:
    """A participant's position for a certificate."""

    registration: Registration
    rate: float
    eligible: bool
    certificate: Certificate | None


def settings_for(course: Course) -> CertificateSettings:
    """The course's certificate settings, created with the defaults on first use."""
    if course.certificate_settings is None:
        course.certificate_settings = CertificateSettings()
        db.session.flush()
    return course.certificate_settings


def standings(course: Course) -> list[Standing]:
    """Every approved participant with their attendance and current certificate (few queries)."""
    rate_of = rates(course)
    people = attendees(course)
    valid = {c.registration_id: c for c in db.session.scalars(sa.select(Certificate).where(
        Certificate.registration_id.in_([p.id for p in people]), Certificate.status == "valid"))}
    return [Standing(p, rate_of.get(p.id, 0.0), rate_of.get(p.id, 0.0) >= course.attendance_threshold,
                     valid.get(p.id)) for p in people]


def issue(registration: Registration, by=None, override_reason: str = "") -> Certificate:
    """Issue (once) a certificate; below the threshold only with a recorded reason, for the hours
    actually attended."""
    from ..i18n import _

    existing = db.session.scalar(sa.select(Certificate).where(
        Certificate.registration_id == registration.id, Certificate.status == "valid"))
    if existing is not None:
        return existing
    course = registration.course
    if registration.status != "approved":
        raise IssueRefused(_("Only approved participants receive certificates."))
    rate = rates(course).get(registration.id, 0.0)
    eligible = rate >= course.attendance_threshold
    if not eligible and not override_reason.strip():
        raise IssueRefused(_("Below the attendance threshold: give a reason to issue anyway."))
    hours = Decimal(course.contact_hours)
    if not eligible:
        hours = (hours * Decimal(str(rate)) / 100).quantize(Decimal("0.5"), rounding=ROUND_HALF_UP)
    certificate = Certificate(
        registration=registration, number=next_number(course), second_language=registration.certificate_language,
        hours=hours, full_hours=eligible, attendance_rate=Decimal(str(round(rate, 1))),
        override_reason=override_reason.strip()[:300], issued_by_id=getattr(by, "id", None))
    db.session.add(certificate)
    db.session.flush()
    return certificate


def next_number(course: Course) -> str:
    """Certificate numbers run per course: JAKARTA-2025-WPS-0007."""
    issued = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).join(Registration).where(
        Registration.course_id == course.id))
    return f"{course.slug.upper()[:30]}-{issued + 1:04d}"


def revoke(certificate: Certificate, reason: str, by=None) -> None:
    certificate.status = "revoked"
    certificate.revoked_at = utcnow()
    certificate.revoke_reason = reason.strip()[:300]
    db.session.flush()


def reissue(certificate: Certificate, by=None) -> Certificate:
    """Replace a certificate (e.g. after a name correction); the old one is marked superseded."""
    certificate.status = "superseded"
    db.session.flush()
    replacement = issue(certificate.registration, by, override_reason=certificate.override_reason or
                        ("reissue" if not certificate.full_hours else ""))
    certificate.superseded_by_id = replacement.id
    db.session.flush()
    return replacement


def issue_all_eligible(course: Course, by=None) -> list[Certificate]:
    """Issue to every eligible participant who has no valid certificate yet."""
    return [issue(s.registration, by) for s in standings(course) if s.eligible and s.certificate is None]


def start_job(course: Course, by) -> IssueJob:
    """Queue a bulk issue; it runs on the RQ worker, or in this process without Redis."""
    from .. import jobs

    job = IssueJob(course_id=course.id, started_by_id=getattr(by, "id", None))
    db.session.add(job)
    db.session.commit()  # the worker must see the job row
    jobs.enqueue("app.certificates.jobs.run", job.id)
    return job


def latest_job(course: Course) -> IssueJob | None:
    return db.session.scalar(sa.select(IssueJob).where(IssueJob.course_id == course.id)
                             .order_by(IssueJob.id.desc()).limit(1))
