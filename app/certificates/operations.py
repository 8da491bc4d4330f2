"""Who may have a certificate, issuing, revoking, reissuing, and issuing in bulk."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from ..agenda.operations import attendees, rates
from ..audit.operations import record
from ..courses.dates import before_last_day
from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..registrations.models import Registration
from .models import Certificate, CertificateSettings, IssueJob


class IssueRefused(ValueError):
    """The certificate cannot be issued as asked (the message says why, translated)."""


class EarlyIssue(IssueRefused):
    """The course's last day has not come yet at its venue: the trainer must confirm first."""


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


def check_early(course: Course, confirmed: bool | None) -> bool:
    """Whether issuing now comes before the course's last day (the venue's date).

    ``confirmed`` is a trainer's answer: False refuses an early issue (:class:`EarlyIssue`, the
    message says why), True goes ahead; None is for issues no trainer is asked about (the demo,
    scripts). An early certificate records that it was (``Certificate.issued_early``).
    """
    from flask_babel import format_date

    from ..i18n import _

    early = before_last_day(course)
    if early and confirmed is False:
        raise EarlyIssue(_("The course has not ended yet: its last day is %(date)s. Confirm to "
                           "issue certificates before it ends.",
                           date=format_date(course.end_date, "long")))
    return early


def issue(registration: Registration, by=None, override_reason: str = "",
          confirmed_early: bool | None = None) -> Certificate:
    """Issue (once) a certificate; below the threshold only with a recorded reason, for the hours
    actually attended; before the course's last day only if confirmed (see :func:`check_early`)."""
    existing = _valid_certificate(registration)
    if existing is not None:
        return existing
    certificate = _issue(registration, by, override_reason, confirmed_early)
    record("certificate.issue", course=registration.course, target=certificate, actor=by,
           details=_audited(certificate))
    return certificate


def _valid_certificate(registration: Registration) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.registration_id == registration.id, Certificate.status == "valid"))


def _issue(registration: Registration, by, override_reason: str,
           confirmed_early: bool | None) -> Certificate:
    course = registration.course
    early = check_early(course, confirmed_early)
    certificate = _certificate(registration, rates(course).get(registration.id, 0.0), by,
                               override_reason, next_number(course))
    certificate.issued_early = early
    db.session.flush()
    return certificate


def _audited(certificate: Certificate, **more) -> dict:
    """What the audit log keeps of a certificate: its number and holder's registration id,
    whether it was issued below the threshold or before the course ended."""
    details = {"number": certificate.number, "registration": certificate.registration_id, **more}
    if not certificate.full_hours:
        details["below_threshold"] = True
    if certificate.issued_early:
        details["early"] = True
    return details


def _certificate(registration: Registration, rate: float, by, override_reason: str,
                 number: str) -> Certificate:
    """A new certificate for ``registration`` at attendance ``rate`` (added, not flushed)."""
    from ..i18n import _

    course = registration.course
    if registration.status != "approved":
        raise IssueRefused(_("Only approved participants receive certificates."))
    eligible = rate >= course.attendance_threshold
    if not eligible and not override_reason.strip():
        raise IssueRefused(_("Below the attendance threshold: give a reason to issue anyway."))
    hours = Decimal(course.contact_hours)
    if not eligible:
        hours = (hours * Decimal(str(rate)) / 100).quantize(Decimal("0.5"), rounding=ROUND_HALF_UP)
    certificate = Certificate(
        registration=registration, number=number, second_language=registration.certificate_language,
        hours=hours, full_hours=eligible, attendance_rate=Decimal(str(round(rate, 1))),
        override_reason=override_reason.strip()[:300], issued_by_id=getattr(by, "id", None))
    db.session.add(certificate)
    return certificate


def next_number(course: Course, after: int = 0) -> str:
    """Certificate numbers run per course: JAKARTA-2025-WPS-0007 (``after`` more to come first)."""
    issued = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).join(
        Registration).where(Registration.course_id == course.id))
    return number_for(course, issued + after + 1)


def number_for(course: Course, position: int) -> str:
    return f"{course.slug.upper()[:30]}-{position:04d}"


def revoke(certificate: Certificate, reason: str, by=None) -> None:
    """Revoke a certificate (its verification page says so); the reason stays on the
    certificate, the audit log keeps who and when."""
    certificate.status = "revoked"
    certificate.revoked_at = utcnow()
    certificate.revoke_reason = reason.strip()[:300]
    record("certificate.revoke", course=certificate.registration.course, target=certificate,
           actor=by, details={"number": certificate.number,
                              "registration": certificate.registration_id})
    db.session.flush()


def reissue(certificate: Certificate, by=None, confirmed_early: bool | None = None) -> Certificate:
    """Replace a certificate (e.g. after a name correction); the old one is marked superseded."""
    check_early(certificate.registration.course, confirmed_early)  # before anything changes
    certificate.status = "superseded"
    db.session.flush()
    replacement = _valid_certificate(certificate.registration) or _issue(
        certificate.registration, by, certificate.override_reason or
        ("reissue" if not certificate.full_hours else ""), confirmed_early)
    certificate.superseded_by_id = replacement.id
    record("certificate.reissue", course=certificate.registration.course, target=replacement,
           actor=by, details=_audited(replacement, replaces=certificate.number))
    db.session.flush()
    return replacement


def issue_all_eligible(course: Course, by=None, confirmed_early: bool | None = None,
                       job: IssueJob | None = None, via: str | None = None) -> list[Certificate]:
    """Issue to every eligible participant who has no valid certificate yet (before the
    course's last day only if confirmed: see :func:`check_early`). Each goes in the audit log
    under ``by``, the trainer who started the bulk ``job`` (from the channel ``via``).

    The attendance, the certificates and the numbering are read once for the whole course,
    not once per participant: a course of thousands is a handful of queries.
    """
    early = check_early(course, confirmed_early)
    pending = [s for s in standings(course) if s.eligible and s.certificate is None]
    if not pending:
        return []
    issued = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).join(
        Registration).where(Registration.course_id == course.id))
    made = [_certificate(s.registration, s.rate, by, "", number_for(course, issued + position))
            for position, s in enumerate(pending, start=1)]
    for certificate in made:
        certificate.issued_early = early
    db.session.flush()
    for certificate in made:
        record("certificate.issue", course=course, target=certificate, actor=by, via=via,
               details=_audited(certificate, **({"job": job.id} if job is not None else {})))
    return made


def start_job(course: Course, by, confirmed_early: bool | None = None) -> IssueJob:
    """Queue a bulk issue for once this transaction commits (the caller commits).

    A course has at most one queued or running issue (a database index says so): while one
    runs, this returns it. A job that lost its worker is marked failed first. Raises
    ``app.jobs.QueueUnavailable`` before writing anything when Redis is configured but down,
    and :class:`EarlyIssue` before the course's last day unless confirmed (the job records it).
    """
    from .. import jobs
    from .job_state import UNQUEUED, expire_stale, fail, queued_seconds

    expire_stale(course.id)
    running = active_job(course)
    if running is not None:
        return running
    early = check_early(course, confirmed_early)
    jobs.check_queue()
    job = IssueJob(course_id=course.id, started_by_id=getattr(by, "id", None),
                   early_confirmed=early, lease_until=utcnow() + timedelta(seconds=queued_seconds()))
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except sa.exc.IntegrityError:  # another request started one meanwhile (and it may be done)
        return active_job(course) or latest_job(course)
    record("certificate.issue_all", course=course, target=job, actor=by,
           details={"early": True} if early else {})
    job_id = job.id
    jobs.after_commit("app.certificates.jobs.run", job_id,
                      failed=lambda exc: fail(job_id, UNQUEUED))
    return job


def retry_job(job: IssueJob, by, confirmed_early: bool | None = None) -> IssueJob:
    """Start again a bulk issue that failed (or whose worker died): a new job, same course.
    A confirmation given for the failed job holds for its retry."""
    from ..i18n import _
    from .job_state import expire_stale

    expire_stale(job.course_id)
    db.session.refresh(job)
    if job.state != "failed":
        raise IssueRefused(_("Only an issue that failed can be started again."))
    return start_job(job_course(job), by, confirmed_early=job.early_confirmed or confirmed_early)


def active_job(course: Course) -> IssueJob | None:
    return db.session.scalar(sa.select(IssueJob).where(
        IssueJob.course_id == course.id, IssueJob.state.in_(("queued", "running"))))


def job_course(job: IssueJob) -> Course:
    return db.session.get(Course, job.course_id)


def latest_job(course: Course) -> IssueJob | None:
    return db.session.scalar(sa.select(IssueJob).where(IssueJob.course_id == course.id)
                             .order_by(IssueJob.id.desc()).limit(1))


def job_state(job: IssueJob | None) -> str | None:
    """The state to show: "failed" for a job that lost its worker (read only, for pages)."""
    from .job_state import is_stale

    if job is None:
        return None
    return "failed" if is_stale(job) else job.state


def failure_message(job: IssueJob) -> str:
    """Why the job failed, in the reader's language where the reason is ours."""
    from ..i18n import _
    from .job_state import LOST, UNQUEUED, is_stale

    if is_stale(job) or job.error == LOST:
        return _("The job stopped before it finished (its worker was restarted or stopped). "
                 "Start it again.")
    if job.error == UNQUEUED:
        return _("The job queue did not answer, so the job never started. Start it again.")
    return job.error
