"""What /readyz reports: the database, Redis, the job queue, the file storage and whether the
database's schema is the code's, each on its own (/healthz, liveness only, asks nothing).

Read only (it answers GET requests) and quick: a dead Redis or S3 answers within seconds.
"""
from dataclasses import asdict, dataclass
from functools import cache

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from ..extensions import db
from ..paths import ROOT
from ..storage import storage as file_storage


@dataclass
class Check:
    """One component: "ok", "fail" or "off" (not configured), and why."""

    status: str
    detail: str = ""


def report() -> tuple[bool, dict]:
    """(everything configured answers, {"status": …, "database": {…}, "redis": {…},
    "queue": {…}, "storage": {…}, "migrations": {…}}); the status is "ok" or "fail"."""
    checks = {"database": database(), "redis": redis(), "queue": None}
    checks["queue"] = queue(checks["redis"])
    checks["storage"] = storage()
    checks["migrations"] = migrations()
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


def storage() -> Check:
    """Files can be kept: the folder is writable, the object store answers."""
    try:
        backend = file_storage()
        backend.check()
    except Exception as exc:  # noqa: BLE001 - any backend error means "unusable"
        return Check("fail", _reason(exc))
    return Check("ok", backend.kind)


def migrations() -> Check:
    """The database's Alembic revision is the code's head (else the code expects another
    schema: upgrade the database before this code serves, or it fails in odd places)."""
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except Exception as exc:  # noqa: BLE001 - the database check reports it
        return Check("fail", _reason(exc))
    heads = code_heads()
    if set(current) != set(heads):
        return Check("fail", f"database at {', '.join(current) or 'no revision'}, "
                             f"code at {', '.join(heads)}")
    return Check("ok", ", ".join(heads))


@cache
def code_heads() -> tuple[str, ...]:
    """The head revision(s) of ``migrations/``, read once per process."""
    return tuple(ScriptDirectory(str(ROOT / "migrations")).get_heads())


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
