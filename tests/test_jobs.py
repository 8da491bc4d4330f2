"""Background jobs run in the app process without Redis, and on a real RQ worker with it."""
import time

import pytest
import sqlalchemy as sa

from job_support import redis_queue, work_off  # noqa: F401,F811 - a fixture

from app import jobs
from app.extensions import db


def count_courses(label: str) -> str:
    """A job body: touches the database through the app context."""
    total = db.session.scalar(sa.text("SELECT count(*) FROM course"))
    return f"{label}:{total}"


def explode(label: str) -> None:
    """A job body that fails."""
    raise RuntimeError(f"boom {label}")


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


def test_a_failing_job_is_logged_not_swallowed_by_the_thread_pool(app, caplog):
    """Measured: the pool kept the exception to itself and nothing was logged."""
    job_id = jobs.enqueue("test_jobs.explode", "quietly")
    assert wait_for(job_id) == "failed"
    assert jobs.wait_local(10)
    assert "Background job test_jobs.explode('quietly',) failed" in caplog.text
    assert "RuntimeError: boom quietly" in caplog.text


def test_jobs_asked_for_in_a_transaction_are_queued_only_once_it_commits(app, db, make_course):
    make_course()
    jobs.after_commit("test_jobs.count_courses", "rolled back")
    db.session.rollback()
    before = set(jobs._local_jobs)
    jobs.after_commit("test_jobs.count_courses", "committed")
    assert set(jobs._local_jobs) == before  # not yet
    db.session.commit()
    [new] = set(jobs._local_jobs) - before
    assert wait_for(new) == "finished" and jobs._local_jobs[new].result() == "committed:1"


def test_a_dead_redis_is_said_clearly_within_seconds(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    started = time.monotonic()
    with pytest.raises(jobs.QueueUnavailable, match="job queue does not answer"):
        jobs.check_queue()
    with pytest.raises(jobs.QueueUnavailable):
        jobs.enqueue("test_jobs.count_courses", "nowhere")
    assert jobs.enqueue("test_jobs.count_courses", "here", fallback=True)  # runs in the app
    assert time.monotonic() - started < 5
    assert jobs.wait_local(10)


@pytest.mark.redis
def test_with_redis_jobs_run_on_an_rq_worker(app, redis_queue, make_course, monkeypatch):
    from rq.job import Job

    make_course()
    job_id = jobs.enqueue("test_jobs.count_courses", "rq")
    assert jobs.status(job_id) == "queued"
    work_off(redis_queue, app, monkeypatch)
    assert jobs.status(job_id) == "finished"
    assert Job.fetch(job_id, connection=redis_queue.connection).return_value() == "rq:1"
