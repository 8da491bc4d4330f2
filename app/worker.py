"""What an RQ worker runs (``make worker``): each job of ``app.jobs`` in an app of its own.

It sits above the app factory, like ``app.wsgi``: nothing in the app imports it.
"""
from flask import Flask

from . import create_app
from .jobs import run_with

_worker_app: Flask | None = None


def run(function: str, *args):
    """Entry point on the RQ worker: one app per worker process, an app context per job."""
    global _worker_app
    if _worker_app is None:
        _worker_app = create_app()
    return run_with(_worker_app, function, args)
