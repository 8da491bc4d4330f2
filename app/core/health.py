"""What /healthz and /readyz report: the database, Redis, the job queue and the file storage,
each on its own.

Read only (they answer GET requests) and quick: a dead Redis or S3 answers within seconds.
"""
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask import current_app

from ..extensions import db


@dataclass
class Check:
    """One component: "ok", "fail" or "off" (not configured), and why."""

    status: str
    detail: str = ""


def report() -> tuple[bool, dict]:
    """(everything configured answers, {"status": …, "database": {…}, "redis": {…},
    "queue": {…}, "storage": {…}}); the status is "ok" or "fail"."""
    checks = {"database": database(), "redis": redis(), "queue": None}
    checks["queue"] = queue(checks["redis"])
    checks["storage"] = kept_files()
    healthy = all(check.status != "fail" for check in checks.values())
    return healthy, {"status": "ok" if healthy else "fail",
                     **{name: asdict(check) for name, check in checks.items()}}


def database() -> Check:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means "unreachable"
        return Check("fail", _reason(exc))
    return Check("ok", db.engine.dialect.name)


def redis() -> Check:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return Check("off", "REDIS_URL is not set: jobs run inside the app")
    from .. import jobs

    try:
        jobs.redis_connection(url).ping()
    except Exception as exc:  # noqa: BLE001
        return Check("fail", _reason(exc))
    return Check("ok")


def kept_files() -> Check:
    """The storage of uploads and issued files (the upload folder, or S3) can be used."""
    from ..storage import storage

    try:
        storage().check()
    except Exception as exc:  # noqa: BLE001
        return Check("fail", _reason(exc))
    return Check("ok", storage().kind)


def queue(redis_check: Check) -> Check:
    """Jobs can run: in this process without Redis; else a worker listens to the queue.
    Issue jobs that lost their worker are counted (they show as failed, with a retry button)."""
    from .. import jobs

    stuck = _stale_jobs()
    suffix = f"; {stuck} issue job(s) lost their worker" if stuck else ""
    if redis_check.status == "off":
        return Check("ok", "in-process" + suffix)
    if redis_check.status == "fail":
        return Check("fail", "Redis does not answer" + suffix)
    from rq import Queue, Worker

    try:
        name = jobs.queue_name()
        connection = jobs.redis_connection(current_app.config["REDIS_URL"])
        workers = Worker.count(queue=Queue(name, connection=connection))
        waiting = Queue(name, connection=connection).count
    except Exception as exc:  # noqa: BLE001
        return Check("fail", _reason(exc))
    if not workers:
        return Check("fail", f"no worker listens to queue {name!r} ({waiting} job(s) waiting)"
                     + suffix)
    return Check("ok", f"{workers} worker(s), {waiting} job(s) waiting" + suffix)


def _stale_jobs() -> int:
    from ..certificates.job_state import stale_condition, table

    try:
        with db.engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.count()).select_from(table)
                                     .where(stale_condition()))
    except Exception:  # noqa: BLE001 - the database check reports it
        return 0


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
