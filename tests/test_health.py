"""/readyz: the database, Redis and the job queue, each reported on its own (the storage and the
migrations: tests/test_monitoring.py)."""
import os
import uuid

import pytest

from app.core import health

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_without_redis_jobs_run_in_the_app_and_all_is_well(app, db):
    healthy, report = health.report()
    assert healthy and report["status"] == "ok"
    assert report["database"] == {"status": "ok", "detail": db.engine.dialect.name}
    assert report["redis"]["status"] == "off"
    assert report["queue"] == {"status": "ok", "detail": "in-process"}
    assert report["storage"] == {"status": "ok", "detail": "local"}
    assert report["migrations"]["status"] == "ok"


def test_a_dead_redis_fails_redis_and_the_queue_but_not_the_database(app, monkeypatch):
    """Measured: /healthz answered 200 while Redis was down and the issue button answered 500."""
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    healthy, report = health.report()
    assert not healthy and report["status"] == "fail"
    assert report["database"]["status"] == "ok"
    assert report["redis"]["status"] == "fail" and "Connection" in report["redis"]["detail"]
    assert report["queue"] == {"status": "fail", "detail": "Redis does not answer"}


@pytest.mark.redis
def test_redis_without_a_worker_fails_the_queue(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOB_QUEUE", f"lokakarya-test-{uuid.uuid4().hex[:8]}")
    healthy, report = health.report()
    assert report["redis"]["status"] == "ok"
    assert not healthy and report["queue"]["status"] == "fail"
    assert "no worker listens" in report["queue"]["detail"]


def test_jobs_that_lost_their_worker_are_counted(app, db, make_course):
    from datetime import timedelta

    from app.certificates.models import IssueJob
    from app.database import utcnow

    course = make_course()
    db.session.add(IssueJob(course_id=course.id, state="running",
                            lease_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    _healthy, report = health.report()
    assert report["queue"]["detail"] == "in-process; 1 issue job(s) lost their worker"
