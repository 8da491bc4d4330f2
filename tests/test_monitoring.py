"""Monitoring: JSON log lines with request ids, Prometheus metrics (one process, and gunicorn's
workers with an RQ worker adding up), who may read them, and /readyz's storage and migrations."""
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families

from job_support import REDIS_URL, redis_queue, work_off  # noqa: F401,F811 - a fixture
from log_support import json_log  # noqa: F401,F811 - a fixture
from mail_support import free_port

from app import create_app, jobs
from app.core import health
from app.extensions import db
from app.paths import ROOT

log = logging.getLogger(__name__)


def note(label: str) -> str:
    """A job body that logs one line."""
    log.warning("noted %s", label)
    return label


def explode(label: str) -> None:
    """A job body that fails."""
    raise RuntimeError(f"boom {label}")


def sample(text: str, name: str, **labels) -> float:
    """The sum of the samples ``name`` with ``labels`` in a Prometheus text exposition."""
    return sum(found.value for family in text_string_to_metric_families(text)
               for found in family.samples
               if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()))


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return response.get_data(as_text=True)


# --- logs ---------------------------------------------------------------------------------------

def test_each_request_gives_one_json_access_line_with_its_route_and_request_id(
        app, client, make_course, make_user, login, json_log):
    make_course(slug="json-2030")
    trainer = make_user()
    response = client.get("/courses/json-2030/?utm_source=mail.person%40example.org",
                          headers={"X-Request-ID": "edge-4f2a.9"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "edge-4f2a.9"
    login(trainer)
    assert client.get("/manage/courses/").status_code == 200
    client.get("/static/app.css")
    lines = json_log()
    access = [line for line in lines if line["logger"] == "app.access"]
    assert [line["route"] for line in access] == ["/courses/<slug>/", "/login", "/manage/courses/"]
    public, _signin, staff = access
    assert public["request_id"] == "edge-4f2a.9" and public["method"] == "GET"
    assert public["status"] == 200 and public["duration_ms"] >= 0 and "user_id" not in public
    assert public["level"] == "INFO" and public["time"].endswith("Z")
    assert public["message"].startswith("GET /courses/<slug>/ 200 ")
    assert staff["user_id"] == trainer.id
    text = "\n".join(map(json.dumps, access))
    for private in ("json-2030", "utm_source", "mail.person", trainer.email, trainer.name):
        assert private not in text, private


def test_a_failed_request_is_logged_by_its_url_rule_not_its_path(json_log):
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "PROPAGATE_EXCEPTIONS": False})

    @other.route("/p/<token>/fails")
    def fails(token):
        raise RuntimeError("broken")

    response = other.test_client().get("/p/secret-token-9/fails")
    assert response.status_code == 500
    lines = json_log()
    failed, = (line for line in lines if line["level"] == "ERROR")
    assert failed["message"] == "Exception on /p/<token>/fails [GET]"
    assert "RuntimeError: broken" in failed["exception"]
    assert "secret-token-9" not in json.dumps(lines)
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("given", [None, "", "bad id with spaces", "x" * 200, "<script>",
                                   "-starts-with-a-dash", "ünïcode"])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(client, given):
    headers = {"X-Request-ID": given} if given is not None else {}
    first, second = (client.get("/healthz", headers=headers).headers["X-Request-ID"]
                     for _ in range(2))
    assert first != second and len(first) == 32 and first.isalnum()


def test_a_job_carries_the_request_id_of_the_request_that_queued_it(app, json_log):
    with app.test_request_context(headers={"X-Request-ID": "queued-by-7"}):
        jobs.enqueue("test_monitoring.note", "in-process")
    assert jobs.wait_local(30)
    noted = [line for line in json_log() if line["message"] == "noted in-process"]
    assert [line["request_id"] for line in noted] == ["queued-by-7"]


@pytest.mark.redis
def test_an_rq_job_carries_the_request_id_too(app, redis_queue, monkeypatch, json_log):
    with app.test_request_context(headers={"X-Request-ID": "queued-by-8"}):
        job_id = jobs.enqueue("test_monitoring.note", "on-rq")
    assert redis_queue.fetch_job(job_id).meta["request_id"] == "queued-by-8"
    work_off(redis_queue, app, monkeypatch)
    noted = [line for line in json_log() if line["message"] == "noted on-rq"]
    assert [line["request_id"] for line in noted] == ["queued-by-8"]


# --- metrics ------------------------------------------------------------------------------------

def test_requests_are_counted_and_timed_by_url_rule(client, make_course):
    make_course(slug="metrics-2030")
    route = {"route": "/courses/<slug>/", "method": "GET"}
    before = scrape(client)
    for slug in ("metrics-2030", "metrics-2030", "no-such-course"):
        client.get(f"/courses/{slug}/")
    after = scrape(client)
    histogram = "lokakarya_http_request_duration_seconds_count"
    assert sample(after, histogram, **route, status="2xx") - \
        sample(before, histogram, **route, status="2xx") == 2
    assert sample(after, histogram, **route, status="4xx") - \
        sample(before, histogram, **route, status="4xx") == 1
    assert sample(after, "lokakarya_http_requests_total", **route, code="404") - \
        sample(before, "lokakarya_http_requests_total", **route, code="404") == 1
    assert "metrics-2030" not in after and "no-such-course" not in after
    for path, method in (("/nowhere/4f2a", "GET"), ("/courses/metrics-2030/", "BREW")):
        client.open(path, method=method)
    odd = scrape(client)
    assert "nowhere" not in odd and "BREW" not in odd  # no endless labels
    assert sample(odd, "lokakarya_http_requests_total", route="unmatched", code="404") >= 1
    assert sample(odd, "lokakarya_http_requests_total", method="other", code="405") >= 1


def test_jobs_in_the_app_are_timed_and_their_failures_counted(app, client):
    before = scrape(client)
    jobs.enqueue("test_monitoring.note", "timed")
    jobs.enqueue("test_monitoring.explode", "counted")
    jobs.wait_local(30)
    after = scrape(client)

    def change(name, function):
        return sample(after, name, function=function) - sample(before, name, function=function)

    assert change("lokakarya_job_duration_seconds_count", "test_monitoring.note") == 1
    assert change("lokakarya_job_duration_seconds_count", "test_monitoring.explode") == 1
    assert change("lokakarya_job_failures_total", "test_monitoring.explode") == 1
    assert change("lokakarya_job_failures_total", "test_monitoring.note") == 0


@pytest.mark.redis
def test_rq_jobs_are_timed_and_the_queue_length_read_when_scraped(app, client, redis_queue,
                                                                  monkeypatch):
    name = redis_queue.name
    jobs.enqueue("test_monitoring.note", "rq-timed")
    jobs.enqueue("test_monitoring.explode", "rq-counted")
    waiting = scrape(client)
    assert sample(waiting, "lokakarya_job_queue_length", queue=name) == 2
    assert sample(waiting, "lokakarya_job_queue_up", queue=name) == 1
    work_off(redis_queue, app, monkeypatch)
    done = scrape(client)
    assert sample(done, "lokakarya_job_queue_length", queue=name) == 0
    assert sample(done, "lokakarya_job_failures_total", function="test_monitoring.explode") - \
        sample(waiting, "lokakarya_job_failures_total", function="test_monitoring.explode") == 1
    assert sample(done, "lokakarya_job_duration_seconds_count", function="test_monitoring.note") - \
        sample(waiting, "lokakarya_job_duration_seconds_count",
               function="test_monitoring.note") == 1


def test_a_dead_redis_is_reported_by_the_scrape_not_raised(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    text = scrape(client)
    assert sample(text, "lokakarya_job_queue_up", queue=jobs.QUEUE) == 0
    assert "lokakarya_job_queue_length{" not in text


def test_metrics_are_for_allowed_networks_and_admins_only(client, make_user, login):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code \
        == 200
    login(make_user(role="trainer"))
    assert client.get("/metrics", environ_base=outside).status_code == 404
    client.post("/logout")
    login(make_user(role="admin"))
    assert client.get("/metrics", environ_base=outside).status_code == 200


def test_a_forwarded_address_is_not_believed_without_a_trusted_proxy(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                          headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status_code == 404


def test_allowed_networks_come_from_the_setting(monkeypatch):
    monkeypatch.setenv("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, 192.0.2.7")
    client = create_app({"TESTING": True, "SECRET_KEY": "x"}).test_client()
    for address, expected in (("10.4.5.6", 200), ("192.0.2.7", 200), ("192.0.2.8", 404),
                              ("127.0.0.1", 404)):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == \
            expected, address
    monkeypatch.setenv("METRICS_ALLOWED_NETWORKS", "10.0.0.0/33")
    with pytest.raises(SystemExit, match="METRICS_ALLOWED_NETWORKS"):
        create_app({"TESTING": True, "SECRET_KEY": "x"})


# --- gunicorn's workers and an RQ worker, one set of metrics -----------------------------------

def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def started(command: list[str], url: str, env: dict, log: Path) -> subprocess.Popen:
    """Start ``command`` (a server), once ``url`` answers; its output goes to ``log``."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            get(url)
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"{command[0]} did not start:\n{log.read_text()}")
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(30)


@pytest.mark.redis
def test_gunicorn_workers_and_an_rq_worker_add_up_in_one_scrape(app, redis_queue, tmp_path):
    """Two gunicorn workers answer requests and a forking RQ worker runs jobs, each process
    writing its own files in PROMETHEUS_MULTIPROC_DIR: any worker's /metrics adds them all."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_FORMAT": "json",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "LOKAKARYA_JOB_QUEUE": redis_queue.name, "BASE_URL": f"http://127.0.0.1:{port}",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    bin_folder = Path(sys.executable).parent
    base = f"http://127.0.0.1:{port}"
    server = started([str(bin_folder / "gunicorn"), "--workers", "2", "--bind",
                      f"127.0.0.1:{port}", "app.wsgi:app"], f"{base}/healthz", env,
                     tmp_path / "gunicorn.log")
    try:
        _status, before = get(f"{base}/metrics")
        with ThreadPoolExecutor(8) as pool:  # at once: both workers answer some
            answers = list(pool.map(lambda n: get(f"{base}/healthz",
                                                  {"X-Request-ID": f"probe-{n}"}), range(60)))
        assert {status for status, _body in answers} == {200}
        with app.test_request_context(headers={"X-Request-ID": "queued-by-9"}):
            jobs.enqueue("test_monitoring.note", "multi")
            jobs.enqueue("test_monitoring.explode", "multi")
        _status, waiting = get(f"{base}/metrics")
        worker = subprocess.run(
            [str(bin_folder / "rq"), "worker", "--burst", "--url", REDIS_URL, redis_queue.name],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert worker.returncode == 0, worker.stderr
        scrapes = [get(f"{base}/metrics")[1] for _ in range(6)]  # answered by either worker
    finally:
        stop(server)
    # A worker's machine has no app server: `flask serve-metrics` serves the folder.
    exporter_port = free_port()
    exporter = started([str(bin_folder / "flask"), "--app", "app", "serve-metrics", "--bind",
                        f"127.0.0.1:{exporter_port}"], f"http://127.0.0.1:{exporter_port}/", env,
                       tmp_path / "exporter.log")
    try:
        scrapes.append(get(f"http://127.0.0.1:{exporter_port}/")[1])
    finally:
        stop(exporter)
    writers = {path.stem.rsplit("_", 1)[1] for path in folder.glob("*.db")}
    assert len(writers) >= 3, writers  # two app workers, at least one work horse
    assert sample(waiting, "lokakarya_job_queue_length", queue=redis_queue.name) == 2
    healthz = {"route": "/healthz", "method": "GET", "status": "2xx"}
    for text in scrapes:
        assert sample(text, "lokakarya_http_request_duration_seconds_count", **healthz) == \
            sample(before, "lokakarya_http_request_duration_seconds_count", **healthz) + 60
        assert sample(text, "lokakarya_job_duration_seconds_count",
                      function="test_monitoring.note") == 1
        assert sample(text, "lokakarya_job_failures_total",
                      function="test_monitoring.explode") == 1
    assert all(sample(text, "lokakarya_job_queue_length", queue=redis_queue.name) == 0
               for text in scrapes[:-1])  # the app servers read Redis
    access = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
              if line.startswith("{")]
    assert {line["request_id"] for line in access if line.get("route") == "/healthz"} >= \
        {f"probe-{n}" for n in range(60)}
    job_lines = [json.loads(line) for line in (worker.stderr + worker.stdout).splitlines()
                 if line.startswith("{")]
    assert {line["request_id"] for line in job_lines if line["message"] == "noted multi"} == \
        {"queued-by-9"}


# --- /readyz ------------------------------------------------------------------------------------

def test_readyz_reports_storage_and_migrations_and_healthz_asks_nothing(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["storage"] == {"status": "ok", "detail": "local"}
    assert ready.json["migrations"] == {"status": "ok", "detail": ", ".join(health.code_heads())}
    assert client.get("/healthz").json == {"status": "ok"}


def test_an_upload_folder_that_cannot_be_written_fails_storage(app, client, tmp_path, monkeypatch):
    """A file where the folder should be (a chmod would not stop the root user these tests may
    run as)."""
    blocked = tmp_path / "uploads"
    blocked.write_text("not a folder")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocked))
    monkeypatch.delitem(app.extensions, "lokakarya.storage", raising=False)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "fail"
    assert ready.json["storage"]["status"] == "fail"
    assert ready.json["storage"]["detail"].startswith("FileExistsError")
    assert ready.json["database"]["status"] == "ok"
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_a_database_at_another_revision_fails_migrations(empty_database):
    other = create_app({"TESTING": True, "SECRET_KEY": "x",
                        "SQLALCHEMY_DATABASE_URI": empty_database})
    scripts = ScriptDirectory(str(ROOT / "migrations"))
    head, = health.code_heads()
    older = scripts.get_revision(head).down_revision
    client = other.test_client()
    with other.app_context():
        assert health.migrations().detail == f"database at no revision, code at {head}"
        with db.engine.begin() as connection:
            MigrationContext.configure(connection).stamp(scripts, head)
        assert client.get("/readyz").json["migrations"] == {"status": "ok", "detail": head}
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = :older"),
                               {"older": older})
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["migrations"] == {
            "status": "fail", "detail": f"database at {older}, code at {head}"}
        db.engine.dispose()
