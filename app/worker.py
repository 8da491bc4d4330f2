"""What an RQ worker runs (``make worker``): each job of ``app.jobs`` in an app of its own.

It sits above the app factory, like ``app.wsgi``: nothing in the app imports it.
"""
from flask import Flask
from rq import Worker as RQWorker
from rq import get_current_job

from . import create_app, logs
from .jobs import run_with

_worker_app: Flask | None = None


def run(function: str, *args):
    """Entry point on the RQ worker: one app per worker process, an app context per job."""
    global _worker_app
    if _worker_app is None:
        logs.configure_process()
        _worker_app = create_app()
    job = get_current_job()
    return run_with(_worker_app, function, args, job.meta.get("request_id") if job else None)


class Worker(RQWorker):
    """RQ's worker (``rq worker --worker-class app.worker.Worker``), which registers itself again
    when Redis comes back empty: a Redis restarted without persistence forgets its workers, and
    /readyz, which counts them, would say no worker listens while this one still runs jobs."""

    def heartbeat(self, *args, **kwargs):
        if not self.connection.exists(self.key):
            self.log.warning("Worker %s: Redis forgot this worker; registering again", self.name)
            self.register_birth()
        return super().heartbeat(*args, **kwargs)
