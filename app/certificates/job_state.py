"""A bulk issue's state in the database, shared by the job (app.certificates.jobs) and the
operations that start, show and retry it: its lease, its failure, and finding the jobs whose
worker died (their lease ran out)."""
import logging
import os

import sqlalchemy as sa
from flask import current_app

from .. import jobs
from ..database import utcnow
from ..extensions import db
from .models import IssueJob

log = logging.getLogger("app.certificates.jobs")
table = IssueJob.__table__
ACTIVE = ("queued", "running")
# Reasons the page explains in the reader's language (operations.failure_message).
LOST = "lost: no heartbeat from the worker before its lease ran out"
UNQUEUED = "unqueued: the job queue did not answer after the job was saved"


def _setting(name: str, default: float) -> float:
    return float(current_app.config.get(name) or os.environ.get(name) or default)


def lease_seconds() -> float:
    """How long a running job may go without a heartbeat before it counts as dead."""
    return _setting("JOB_LEASE_SECONDS", 120)


def queued_seconds() -> float:
    """How long a job may wait for a worker to pick it up."""
    return _setting("JOB_QUEUED_SECONDS", 900)


def lock_wait_seconds() -> float:
    """How long a job's state write waits for a locked database before the job fails."""
    return _setting("JOB_LOCK_WAIT_SECONDS", 60)


def fail(job_id: int, reason: str) -> None:
    """Record that the job failed and why (retried for a while if the database is locked)."""
    log.error("Issue job %s failed: %s", job_id, reason)
    try:
        jobs.write(table.update().where(table.c.id == job_id, table.c.state.in_(ACTIVE)).values(
            state="failed", error=reason[:500], finished_at=utcnow(), lease_until=None),
            max(lock_wait_seconds(), 120))
    except Exception:  # noqa: BLE001 - its lease runs out, and expire_stale says so then
        log.exception("Recording the failure of issue job %s failed", job_id)


def describe(exc: BaseException) -> str:
    """A failure's reason for the trainer and the log: the error's kind and message."""
    cause = getattr(exc, "orig", None) or exc
    message = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {message[0] if message else ''}"[:500]


def stale_condition(now=None):
    """Queued or running, with the lease run out (or never given, by older code)."""
    now = now or utcnow()
    return sa.and_(table.c.state.in_(ACTIVE),
                   sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now))


def is_stale(job: IssueJob, now=None) -> bool:
    """Whether ``job`` lost its worker (read only: for pages that must not write)."""
    now = now or utcnow()
    return job.state in ACTIVE and (job.lease_until is None or job.lease_until < now)


def expire_stale(course_id: int | None = None) -> int:
    """Mark the jobs that lost their worker failed, in the session's transaction; how many."""
    where = stale_condition()
    if course_id is not None:
        where = sa.and_(where, table.c.course_id == course_id)
    stale = db.session.scalars(sa.select(table.c.id).where(where)).all()
    if stale:
        log.error("Issue job(s) %s lost their worker: marked failed", stale)
        db.session.execute(table.update().where(table.c.id.in_(stale)).values(
            state="failed", error=LOST, finished_at=utcnow(), lease_until=None))
        for job in [o for o in db.session.identity_map.values() if isinstance(o, IssueJob)]:
            db.session.expire(job)
    return len(stale)


