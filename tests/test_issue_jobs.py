"""Bulk issue jobs never stick: real faults (a locked SQLite, a dead Redis, a worker killed with
SIGKILL) end in a visible state, and a loop of 100 issues all finish or fail visibly."""
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, time as clock, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import count
from job_support import REDIS_URL, redis_queue  # noqa: F401,F811 - a fixture
from sqlalchemy import event

from app import ROOT, jobs
from app.agenda.operations import SessionDetails, mark, save_session
from app.certificates import job_state as issue_jobs
from app.certificates import operations
from app.certificates.models import IssueJob
from app.database import utcnow
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import Person, register

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_url(redis_queue):
    return REDIS_URL


def start(app, db, course) -> IssueJob:
    """Start a bulk issue as the issue button's POST does: its own transaction, one commit."""
    db.session.commit()
    with app.test_request_context(method="POST"):
        job = operations.start_job(course, None)
        db.session.commit()
    return job


def make_issue_course(make_course, db, slug: str, people: int = 2):
    course = make_course(slug=slug, start_date=date(2030, 4, 9), end_date=date(2030, 4, 9),
                         requires_approval=False, contact_hours=Decimal("4"))
    save_session(course, None, SessionDetails(day=date(2030, 4, 9), start=clock(9), end=clock(13),
                                              title=MultilingualText(en="Day one")))
    db.session.commit()
    for index in range(people):
        registration = register(course, Person(
            full_name=f"Person {slug} {index}", sex="female", age_group="35-44", country="TH",
            organisation_type="cso", email=f"p{index}-{slug}@example.org"), notify=False)
        mark(course.sessions[0], registration, method="trainer")
    operations.settings_for(course)
    db.session.commit()
    return course


def wait_done(db, job_id: int, seconds: float = 60) -> IssueJob:
    deadline = time.monotonic() + seconds
    while True:
        db.session.commit()  # a fresh snapshot each time
        job = db.session.get(IssueJob, job_id)
        db.session.refresh(job)
        if job.state in ("finished", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def queued_job(db, course) -> IssueJob:
    """A job row as start_job commits it, not yet handed to a worker."""
    job = IssueJob(course_id=course.id, lease_until=utcnow() + timedelta(minutes=15))
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def short_busy_timeout(db):
    """SQLite connections that wait 0.2 s (not 15 s) for a lock, so that a held lock bites."""
    def pragma(connection, _record):
        connection.execute("PRAGMA busy_timeout=200")

    db.session.commit()
    event.listen(db.engine, "connect", pragma)
    db.engine.dispose()
    yield
    assert jobs.wait_local(60)
    event.remove(db.engine, "connect", pragma)
    db.engine.dispose()


class CompetingWriter:
    """A second connection holding SQLite's write lock (BEGIN IMMEDIATE) for ``seconds``."""

    def __init__(self, db, seconds: float):
        self.path = db.engine.url.database
        self.seconds = seconds
        self.locked = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        self.locked.set()
        time.sleep(self.seconds)
        connection.execute("COMMIT")
        connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(5)
        return self

    def __exit__(self, *exc):
        self.thread.join()


@pytest.mark.sqlite_only
def test_a_locked_database_at_the_first_write_is_waited_out(db, make_course, short_busy_timeout,
                                                            caplog):
    """Measured: the first write hit "database is locked" and the job stayed queued forever."""
    course = make_issue_course(make_course, db, "lock-1")
    job = queued_job(db, course)
    with CompetingWriter(db, 1.5):
        jobs.enqueue("app.certificates.jobs.run", job.id)
        time.sleep(0.5)
        assert db.session.get(IssueJob, job.id).state == "queued"  # waiting, not given up
    job = wait_done(db, job.id)
    assert (job.state, job.done, job.total) == ("finished", 2, 2), job.error
    assert "Database busy" in caplog.text


@pytest.mark.sqlite_only
def test_a_lock_longer_than_the_wait_fails_the_job_with_its_reason(
        app, db, make_course, short_busy_timeout, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "JOB_LOCK_WAIT_SECONDS", 0.3)
    course = make_issue_course(make_course, db, "lock-2")
    job = queued_job(db, course)
    with caplog.at_level(logging.ERROR), CompetingWriter(db, 2):
        jobs.enqueue("app.certificates.jobs.run", job.id)
    job = wait_done(db, job.id)
    assert job.state == "failed" and "database is locked" in job.error
    assert job.finished_at is not None and operations.failure_message(job) == job.error
    assert jobs.wait_local(10)
    assert f"Issue job {job.id} failed" in caplog.text  # logged, not swallowed by the pool
    assert "Background job app.certificates.jobs.run" in caplog.text and "Traceback" in caplog.text


def test_one_bulk_issue_per_course_at_a_time_enforced_by_the_database(db, make_course):
    course = make_issue_course(make_course, db, "once")
    first = operations.start_job(course, None)
    db.session.flush()
    assert operations.start_job(course, None) is first  # the running one, not a second
    db.session.rollback()  # nothing queued: the test drives the rows itself
    db.session.add(IssueJob(course_id=course.id, state="running",
                            lease_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    db.session.add(IssueJob(course_id=course.id, state="queued"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()  # whatever the Python code does, the database refuses
    db.session.rollback()
    db.session.add(IssueJob(course_id=course.id, state="failed"))
    db.session.commit()  # finished and failed jobs are history: any number


def test_with_redis_down_the_issue_is_refused_clearly_and_nothing_is_committed(
        app, db, make_course, monkeypatch):
    """Measured: the job row was committed, then enqueue raised: a job queued forever."""
    course = make_issue_course(make_course, db, "dead-redis")
    monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
    started = time.monotonic()
    db.session.commit()
    with app.test_request_context(method="POST"):
        with pytest.raises(jobs.QueueUnavailable) as refused:
            operations.start_job(course, None)
    assert time.monotonic() - started < 5
    assert "Redis" in str(refused.value)
    db.session.commit()
    assert count(IssueJob) == 0


def test_with_redis_down_the_issue_button_says_so_and_leaves_no_job(
        app, client, db, make_course, login, monkeypatch):
    """Measured: the button answered 500 after committing a job that then stayed queued."""
    course = make_issue_course(make_course, db, "dead-redis-page")
    monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
    login(course.trainers[0])
    response = client.post(f"/manage/courses/{course.slug}/certificates/", follow_redirects=True,
                           data={"confirm_early": "1"})  # the course is in 2030
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The job queue does not answer, so nothing was started." in page
    assert count(IssueJob) == 0


@pytest.mark.redis
def test_redis_dying_between_the_check_and_the_commit_fails_the_job_visibly(
        app, db, make_course, redis_url, monkeypatch):
    course = make_issue_course(make_course, db, "dying-redis")
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    db.session.commit()
    with app.test_request_context(method="POST"):
        job = operations.start_job(course, None)  # Redis answers the check
        monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
        db.session.commit()  # does not raise: the row is committed, queueing fails after
    job = wait_done(db, job.id, 5)
    assert job.state == "failed" and job.error == issue_jobs.UNQUEUED
    assert "job queue did not answer" in operations.failure_message(job)


def test_a_job_whose_worker_died_is_shown_failed_then_marked_and_retried(db, make_course):
    course = make_issue_course(make_course, db, "died")
    dead = IssueJob(course_id=course.id, state="running", total=2, done=1,
                    lease_until=utcnow() - timedelta(seconds=1))
    db.session.add(dead)
    db.session.commit()
    assert operations.job_state(dead) == "failed"  # read only: what a page shows
    assert "stopped before it finished" in operations.failure_message(dead)
    retried = operations.retry_job(dead, None)
    db.session.commit()
    assert (dead.state, dead.error) == ("failed", issue_jobs.LOST) and dead.finished_at
    assert retried.id != dead.id
    retried = wait_done(db, retried.id)
    assert (retried.state, retried.done, retried.total) == ("finished", 2, 2), retried.error
    with pytest.raises(operations.IssueRefused):
        operations.retry_job(retried, None)  # only a failed job is started again


def test_a_job_given_up_as_stale_does_not_overwrite_its_failure(db, make_course):
    course = make_issue_course(make_course, db, "zombie")
    job = queued_job(db, course)
    db.session.execute(sa.update(IssueJob).where(IssueJob.id == job.id).values(
        lease_until=utcnow() - timedelta(seconds=1)))
    assert issue_jobs.expire_stale(course.id) == 1
    db.session.commit()
    jobs.enqueue("app.certificates.jobs.run", job.id)  # its worker wakes up late
    assert jobs.wait_local(30)
    db.session.commit()
    assert (job.state, job.error, job.total) == ("failed", issue_jobs.LOST, 0)


def test_a_hundred_bulk_issues_in_a_row_all_finish_or_fail_visibly(app, db, make_course):
    """Measured on `make run`: 10 of 19 stayed "queued" forever. Here with a competing writer
    (another request's short write transactions) while the jobs run, in the app's threads."""
    courses = [make_issue_course(make_course, db, f"loop-{k}", people=2 + k % 2) for k in range(4)]
    outcomes, started = {}, time.monotonic()
    for round_ in range(100):
        course = courses[round_ % len(courses)]
        job = start(app, db, course)
        deadline = time.monotonic() + 30
        while True:
            db.session.commit()  # a fresh snapshot
            state = db.session.get(IssueJob, job.id).state
            if state not in ("queued", "running") or time.monotonic() > deadline:
                break
            with db.engine.begin() as other:  # another user's request writing meanwhile
                other.execute(sa.text("UPDATE course SET updated_at = updated_at WHERE id = :id"),
                              {"id": course.id})
            time.sleep(0.02)
        job = db.session.get(IssueJob, job.id)
        assert state in ("finished", "failed"), f"round {round_}: job {job.id} stuck {state}"
        assert state == "finished" or job.error, f"round {round_}: failed without a reason"
        outcomes[job.id] = state
    assert len(outcomes) == 100 and time.monotonic() - started < 240
    print(f"100 bulk issues: {list(outcomes.values()).count('finished')} finished, "
          f"{list(outcomes.values()).count('failed')} failed, 0 stuck, "
          f"{time.monotonic() - started:.0f} s")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssueJob).where(
        IssueJob.state.in_(("queued", "running")))) == 0


@pytest.mark.redis
def test_an_rq_worker_killed_with_sigkill_mid_job_is_detected_and_the_job_retried(
        app, db, make_course, redis_url, monkeypatch, tmp_path):
    """Measured: a worker killed mid-job left the job "running" forever, blocking the course."""
    course = make_issue_course(make_course, db, "killed", people=12)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": redis_url, "LOKAKARYA_JOB_QUEUE": app.config["JOB_QUEUE"],
           "JOB_LEASE_SECONDS": "1", "BASE_URL": "https://lokakarya.test"}
    rq = [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url,
          app.config["JOB_QUEUE"]]

    def worker(name: str = "first"):
        with (tmp_path / f"worker-{name}.log").open("w") as log:
            return subprocess.Popen(rq, cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    job = start(app, db, course)
    process = worker()
    try:
        deadline = time.monotonic() + 60
        while (state := wait_state(db, job.id)) == "queued" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert state == "running", (tmp_path / "worker-first.log").read_text()
    finally:
        kill_tree(process.pid)  # the worker, its work horse (own process group), renderers
        process.wait()
    db.session.commit()
    job = db.session.get(IssueJob, job.id)
    assert job.state == "running" and job.done < 12  # killed mid-job
    time.sleep(max(0.0, (job.lease_until - utcnow()).total_seconds()) + 0.2)
    db.session.commit()
    assert operations.job_state(job) == "failed"  # what the page shows, without writing

    with app.test_request_context(method="POST"):
        retried = operations.retry_job(job, None)
        db.session.commit()
    assert (job.state, job.error) == ("failed", issue_jobs.LOST)
    process = worker("again")
    try:
        retried = wait_done(db, retried.id, 90)
    finally:
        kill_tree(process.pid)  # RQ's worker can take a minute to quit; the job is what counts
        process.wait()
    assert (retried.state, retried.done, retried.total) == ("finished", 12, 12), retried.error


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants, as a machine's crash would."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    family, todo = [], [pid]
    while todo:
        family.append(todo.pop())
        todo.extend(children.get(family[-1], []))
    for member in family:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_state(db, job_id: int) -> str:
    db.session.commit()
    return db.session.get(IssueJob, job_id).state
