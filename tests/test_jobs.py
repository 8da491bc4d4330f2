"""Background jobs run in the app process without Redis, and on a real RQ worker with it."""
import os
import time

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def count_courses(label: str) -> str:
    """A job body: touches the database through the app context."""
    total = db.session.scalar(sa.text("SELECT count(*) FROM course"))
    return f"{label}:{total}"


def wait_for(job_id: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while (state := jobs.status(job_id)) not in ("finished", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
    return state


def test_without_redis_jobs_run_inside_the_app(app, make_course):
    make_course()
    assert app.config["REDIS_URL"] is None
    job_id = jobs.enqueue("test_jobs.count_courses", "local")
    assert wait_for(job_id) == "finished"
    assert jobs._local_jobs[job_id].result() == "local:1"
    assert jobs.status("no-such-job") == "unknown"


@pytest.fixture
def redis_queue(app, monkeypatch):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.fail(f"Redis does not answer at {REDIS_URL}; `make test` deselects this test then")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    yield connection
    connection.flushdb()


@pytest.mark.redis
def test_with_redis_jobs_run_on_an_rq_worker(app, redis_queue, make_course, monkeypatch):
    from rq import Queue, SimpleWorker

    make_course()
    monkeypatch.setattr(jobs, "_worker_app", app)  # the worker's app, on the test database
    job_id = jobs.enqueue("test_jobs.count_courses", "rq")
    assert jobs.status(job_id) == "queued"
    SimpleWorker([Queue(jobs.QUEUE, connection=redis_queue)], connection=redis_queue).work(burst=True)
    assert jobs.status(job_id) == "finished"
    from rq.job import Job

    assert Job.fetch(job_id, connection=redis_queue).return_value() == "rq:1"
