"""What an RQ worker runs (``make worker``): each job of ``app.jobs`` in an app of its own.

It sits above the app factory, like ``app.wsgi``: nothing in the app imports it.
"""
from flask import Flask
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
