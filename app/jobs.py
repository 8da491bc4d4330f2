"""Background jobs: on an RQ worker when REDIS_URL is set, else on a thread of the app process."""
import importlib
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app

QUEUE = "lokakarya"
_local = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lokakarya-job")
_local_jobs: dict[str, Future] = {}
_worker_app: Flask | None = None


def enqueue(function: str, *args) -> str:
    """Run ``function`` (a dotted path, e.g. "app.certificates.jobs.issue_all") in the background.

    Returns the job id. The function runs inside an app context, with plain arguments only.
    """
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(url))
        return queue.enqueue(run, function, *args, job_timeout=3600).id
    app = current_app._get_current_object()
    job_id = uuid.uuid4().hex
    _local_jobs[job_id] = _local.submit(_run_with, app, function, args)
    return job_id


def status(job_id: str) -> str:
    """Return "queued", "started", "finished" or "failed" (or "unknown")."""
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            return Job.fetch(job_id, connection=Redis.from_url(url)).get_status(refresh=True).value
        except NoSuchJobError:
            return "unknown"
    future = _local_jobs.get(job_id)
    if future is None:
        return "unknown"
    if not future.done():
        return "started" if future.running() else "queued"
    return "failed" if future.exception() else "finished"


def run(function: str, *args):
    """Entry point on the RQ worker: one app per worker process, an app context per job."""
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    return _run_with(_worker_app, function, args)


def _run_with(app: Flask, function: str, args: tuple):
    module, _dot, name = function.rpartition(".")
    target = getattr(importlib.import_module(module), name)
    with app.app_context():
        return target(*args)
