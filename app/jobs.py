"""Background jobs: on an RQ worker when REDIS_URL is set, else on a thread of the app process.

Jobs are queued after the transaction that asked for them commits (:func:`after_commit`), so a
worker always finds the rows it is given and a rolled-back request queues nothing. A job that
raises is logged here, wherever it runs: the thread pool would otherwise keep the exception to
itself. What a job did (its state, its reason for failing) is the job's own business, kept in the
database by the feature (e.g. ``app.certificates.jobs``).
"""
import importlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import event

from . import logs, metrics
from .extensions import db

log = logging.getLogger(__name__)
QUEUE = "lokakarya"
PENDING = "lokakarya.jobs_pending"  # session.info key: jobs asked for in this transaction
# Separate lanes: a long bulk issue must not hold emails back; documents render one at a time.
_lanes = {"default": ThreadPoolExecutor(max_workers=2, thread_name_prefix="lokakarya-job"),
          "mail": ThreadPoolExecutor(max_workers=1, thread_name_prefix="lokakarya-mail"),
          "documents": ThreadPoolExecutor(max_workers=1, thread_name_prefix="lokakarya-document")}
_local_jobs: dict[str, Future] = {}
WORKER_ENTRY = "app.worker.run"  # by name: the worker's module imports the app factory


class QueueUnavailable(RuntimeError):
    """REDIS_URL is set but Redis does not answer; the message says so, translated."""


def queue_name() -> str:
    """The RQ queue (``make worker`` listens to it); tests use their own."""
    return current_app.config.get("JOB_QUEUE") or os.environ.get("LOKAKARYA_JOB_QUEUE") or QUEUE


def redis_connection(url: str):
    """A Redis client that gives up quickly: a dead server must not hold a request."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def uses_redis() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def check_queue() -> None:
    """Raise :class:`QueueUnavailable` when Redis is configured and does not answer."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return
    from redis.exceptions import RedisError

    try:
        redis_connection(url).ping()
    except RedisError as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> QueueUnavailable:
    from .i18n import _

    log.error("The job queue (Redis) does not answer: %s", exc)
    return QueueUnavailable(_("The job queue does not answer, so nothing was started. "
                              "Try again in a few minutes, or ask the administrator to check "
                              "Redis."))


def enqueue(function: str, *args, lane: str = "default", fallback: bool = False) -> str:
    """Run ``function`` (a dotted path, e.g. "app.certificates.jobs.run") in the background.

    Returns the job id. The function runs inside an app context, with plain arguments only.
    With Redis down, raise :class:`QueueUnavailable`, or run in this process if ``fallback``.
    """
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            queue = Queue(queue_name(), connection=redis_connection(url))
            return queue.enqueue(WORKER_ENTRY, function, *args, job_timeout=3600,
                                 at_front=lane == "mail",
                                 meta={"request_id": logs.request_id()}).id
        except RedisError as exc:
            if not fallback:
                raise _unavailable(exc) from exc
            log.warning("Redis does not answer (%s): running %s in this process", exc, function)
    if len(_local_jobs) > 500:  # forget finished ones: their outcome lives in the database
        for done in [k for k, future in list(_local_jobs.items()) if future.done()]:
            _local_jobs.pop(done, None)
    job_id = uuid.uuid4().hex
    _local_jobs[job_id] = in_this_process(function, *args, lane=lane)
    return job_id


def in_this_process(function: str, *args, lane: str = "default") -> Future:
    """Run ``function`` on a thread of this process, with or without Redis: for work whose
    outcome stays on this machine (a PDF into the machine's cache). Returns its future."""
    app = current_app._get_current_object()
    return _lanes[lane].submit(run_with, app, function, args, logs.request_id())


def after_commit(function: str, *args, lane: str = "default", fallback: bool = False,
                 failed: Callable[[Exception], None] | None = None) -> None:
    """Queue ``function`` once the session's transaction commits (nothing on rollback).

    If it cannot be queued then, ``failed(exception)`` records it (the data is committed).
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, too, ends it (and forgets the job)
    session.info.setdefault(PENDING, []).append((function, args, lane, fallback, failed))


@event.listens_for(db.session, "after_commit")
def _enqueue_committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the enclosing transaction may still roll back
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context():
        return
    for function, args, lane, fallback, failed in pending:
        try:
            enqueue(function, *args, lane=lane, fallback=fallback)
        except Exception as exc:  # noqa: BLE001 - committed already: record, never raise
            log.exception("Queueing %s%r after commit failed", function, args)
            if failed is not None:
                try:
                    failed(exc)
                except Exception:  # noqa: BLE001
                    log.exception("Recording that %s%r could not be queued failed", function, args)


@event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def status(job_id: str) -> str:
    """Return "queued", "started", "finished" or "failed" (or "unknown")."""
    url = current_app.config.get("REDIS_URL")
    if url and job_id not in _local_jobs:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            job = Job.fetch(job_id, connection=redis_connection(url))
            return job.get_status(refresh=True).value
        except NoSuchJobError:
            return "unknown"
    future = _local_jobs.get(job_id)
    if future is None:
        return "unknown"
    if not future.done():
        return "started" if future.running() else "queued"
    return "failed" if future.exception() else "finished"


def wait_local(timeout: float = 60) -> bool:
    """Wait for the jobs running in this process; True when none is left (tests, shutdown)."""
    _done, left = wait(list(_local_jobs.values()), timeout=timeout)
    for job_id in [k for k, future in _local_jobs.items() if future.done()]:
        _local_jobs.pop(job_id, None)
    return not left


def call(function: str, *args):
    """Call ``function`` (a dotted path, e.g. "app.certificates.jobs.run") with ``args``."""
    module, _dot, name = function.rpartition(".")
    return getattr(importlib.import_module(module), name)(*args)


def run_with(app: Flask, function: str, args: tuple, request_id: str | None = None):
    """Run one job in an app context of ``app``, its log lines carrying the ``request_id`` of
    the request that queued it; time it and log what it raises, wherever it runs."""
    bound = logs.bind_request_id(request_id)
    with app.app_context():
        try:
            with metrics.job_timer(function):
                return call(function, *args)
        except BaseException:
            log.exception("Background job %s%r failed", function, args)
            raise
        finally:
            db.session.remove()
            logs.reset_request_id(bound)


# --- Helpers for durable jobs --------------------------------------------------------------

def is_locked(exc: BaseException) -> bool:
    """Whether ``exc`` is a database's "busy, try again" (SQLite's lock, a deadlock)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, sa.exc.OperationalError) and (
        "locked" in text or "busy" in text or "deadlock" in text)


def write(statement, seconds: float = 60) -> int:
    """Execute one write on its own short transaction, retried while the database is locked
    for up to ``seconds``; return the rows it matched."""
    deadline = time.monotonic() + seconds
    pause = 0.05
    while True:
        try:
            with db.engine.begin() as connection:
                return connection.execute(statement).rowcount
        except sa.exc.OperationalError as exc:
            if not is_locked(exc) or time.monotonic() > deadline:
                raise
            log.warning("Database busy, retrying a job's write: %s", getattr(exc, "orig", exc))
            time.sleep(pause)
            pause = min(pause * 2, 2)


class Heartbeat:
    """Renews a job's lease every ``every`` seconds on a thread, while the job runs.

    ``renew()`` returns False once the job is no longer ours (marked failed as stale, say);
    then :attr:`lost` is set and the job should stop.
    """

    def __init__(self, renew: Callable[[], bool], every: float):
        self.renew, self.every = renew, max(every, 0.1)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._app = current_app._get_current_object()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="lokakarya-heartbeat")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        with self._app.app_context():
            while not self._stop.wait(self.every):
                try:
                    if not self.renew():
                        self.lost.set()
                        return
                except Exception:  # noqa: BLE001 - a missed beat is not a failure; expiry is
                    log.exception("A job's heartbeat failed")
