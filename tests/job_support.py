"""Redis for the job tests: the test Redis database with a queue of each test's own (other runs
may share the database: nothing is flushed), and an in-process RQ worker."""
import os
import uuid

import pytest
from rq import Queue, SimpleWorker

from app import worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class BurstWorker(SimpleWorker):
    """RQ's worker in this process, without its pub/sub thread (which can take a minute to
    stop): runs what is queued, then returns."""

    def subscribe(self):
        self.pubsub_thread = None


@pytest.fixture
def redis_queue(app, monkeypatch):
    """Configure the app with the test Redis and a queue of this test's own; yield the queue."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.fail(f"Redis does not answer at {REDIS_URL}; `make test` deselects this test then")
    name = f"lokakarya-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "JOB_QUEUE", name)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)


def work_off(queue: Queue, app, monkeypatch) -> None:
    """Run the queue's jobs here, on the test app (and its database), until it is empty."""
    monkeypatch.setattr(worker, "_worker_app", app)
    BurstWorker([queue], connection=queue.connection).work(burst=True)
