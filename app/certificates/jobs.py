"""The bulk issue, run by ``app.jobs``: on the RQ worker, or in the app process without Redis.

Its state lives in its ``issue_job`` row from the first line to the last: every state change is
a short write of its own, retried while SQLite is locked, and made only while the row is still
this run's (queued, then running); a failure at any step is recorded with its reason. While it
runs, a heartbeat moves ``lease_until`` forward: a job past its lease lost its worker (killed,
restarted) and ``job_state.expire_stale`` marks it failed, so that it can be started again.

The PDFs are rendered into a temporary folder of the machine that runs the job; the merged PDF
and the ZIP of individual ones are then kept in the app's storage (:func:`job_key`), where every
app server finds them, and each certificate's own PDF as its stored file.
"""
import logging
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from .. import jobs
from ..database import utcnow
from ..extensions import db
from ..registrations.models import Registration
from ..links import verify_url
from ..storage import storage as kept_files
from . import storage
from .job_state import describe, fail, lease_seconds, lock_wait_seconds, table
from .models import Certificate, IssueJob

log = logging.getLogger(__name__)


class JobLost(RuntimeError):
    """The job's row is no longer this run's (it was given up as stale): stop working."""


JOB_FILES = {"merged": "certificates.pdf", "zip": "certificates.zip"}


def job_key(job: IssueJob, kind: str) -> str:
    """The storage key of a finished job's file: ``kind`` "merged" (one PDF to print) or "zip"."""
    return f"issue-jobs/{job.course_id}/{job.id}/{JOB_FILES[kind]}"


def verify_url_for(certificate: Certificate) -> str:
    """The same BASE_URL address as a certificate downloaded alone (app.links)."""
    return verify_url(certificate)


def run(job_id: int) -> None:
    """Issue to everyone eligible, then render one PDF for printing and a ZIP of individual ones."""
    try:
        if not _update(job_id, "queued", seconds=lock_wait_seconds(), state="running",
                       lease_until=utcnow() + timedelta(seconds=lease_seconds())):
            log.warning("Issue job %s is no longer queued (given up, or run): skipped", job_id)
            return
        with jobs.Heartbeat(lambda: renew(job_id), lease_seconds() / 4) as heartbeat:
            _issue_and_render(job_id, heartbeat)
    except BaseException as exc:
        try:
            db.session.rollback()
        finally:
            fail(job_id, describe(exc))
        raise


def _issue_and_render(job_id: int, heartbeat: jobs.Heartbeat) -> None:
    from .operations import issue_all_eligible
    from .batch import render_batch

    job = db.session.get(IssueJob, job_id)
    starter, via = started_by(job)
    _retrying(lambda: issue_all_eligible(job_course(job), by=starter, job=job, via=via))
    certificates = db.session.scalars(sa.select(Certificate).join(Registration).where(
        Registration.course_id == job.course_id, Certificate.status == "valid")
        .options(selectinload(Certificate.registration))
        .order_by(Registration.country, Registration.certificate_name)).all()
    _update(job_id, "running", total=len(certificates))

    def progress(done: int, total: int) -> None:
        if heartbeat.lost.is_set():
            raise JobLost("the job was given up as stale while it ran")
        _update(job_id, "running", done=done)

    # Both cores on the RQ worker; inside the web process (no Redis) one, never forking it.
    workers = 2 if current_app.config.get("REDIS_URL") else 1
    with tempfile.TemporaryDirectory(prefix="lokakarya-issue-") as folder:
        merged, paths = render_batch(certificates, verify_url_for, folder, workers=workers,
                                     progress=progress)
        keep_files(job, certificates, merged, paths)
    _update(job_id, "running", done=len(certificates), state="finished", finished_at=utcnow(),
            lease_until=None)


def keep_files(job: IssueJob, certificates, merged: Path, paths: list[Path]) -> None:
    """Store what the batch rendered: each certificate's PDF (downloads send these from now
    on), the merged PDF and a ZIP of the individual ones."""
    for certificate, path in zip(certificates, paths):
        with open(path, "rb") as data:
            storage.keep(certificate, data)
    archive_path = merged.with_name(JOB_FILES["zip"])
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_STORED) as archive:
        for path in paths:  # PDFs are compressed already
            archive.write(path, path.name)
    for kind, path in (("merged", merged), ("zip", archive_path)):
        if path.exists():  # no merged PDF when nobody was eligible
            with open(path, "rb") as data:
                kept_files().put(job_key(job, kind), data)


def _retrying(step) -> None:
    """Run a session step and commit it; start again while the database is locked.

    On SQLite a transaction that read before another connection wrote cannot write any more
    ("database is locked" at once, whatever the busy timeout); the step is safe to repeat.
    """

    deadline = time.monotonic() + lock_wait_seconds()
    while True:
        try:
            step()
            db.session.commit()
            return
        except sa.exc.OperationalError as exc:
            db.session.rollback()
            if not jobs.is_locked(exc) or time.monotonic() > deadline:
                raise
            log.warning("Database busy, repeating the issue step: %s", getattr(exc, "orig", exc))
            time.sleep(0.2)


def _update(job_id: int, expected: str, *, seconds: float = 60, **values) -> bool:
    """Write ``values`` to the job if it is still in state ``expected``; True if it was."""
    statement = table.update().where(table.c.id == job_id, table.c.state == expected) \
        .values(**values)
    if jobs.write(statement, seconds) == 1:
        return True
    if expected == "running":
        raise JobLost(f"issue job {job_id} was given up as stale while it ran")
    return False


def renew(job_id: int) -> bool:
    """The heartbeat: move the running job's lease forward; False once it is not ours."""
    lease = utcnow() + timedelta(seconds=lease_seconds())
    return jobs.write(table.update().where(table.c.id == job_id, table.c.state == "running")
                      .values(lease_until=lease), lease_seconds() / 2) == 1


def started_by(job: IssueJob):
    """Who started the job, and from where ("web", "api"): the audit log names them, not the
    worker, for every certificate the job issues."""
    from ..audit.models import AuditEvent
    from ..auth.models import User

    via = db.session.scalar(sa.select(AuditEvent.channel).where(
        AuditEvent.action == "certificate.issue_all", AuditEvent.target_type == IssueJob.__tablename__,
        AuditEvent.target_id == job.id).limit(1))
    starter = db.session.get(User, job.started_by_id) if job.started_by_id else None
    return starter, via


def job_course(job: IssueJob):
    from ..courses.models import Course

    return db.session.get(Course, job.course_id)
