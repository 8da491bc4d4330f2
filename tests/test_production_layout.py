"""The production layout, as separate processes (docs/deployment.md): two app servers and a worker
started with the command lines of deploy/'s systemd units and the variables of its env file,
sharing one fresh PostgreSQL database, one Redis and one S3 object store (moto), and nothing
else: each server has its own upload folder and PDF cache. Then, over real HTTP, what a user
does on one server is seen on the other: the session, an uploaded logo, a bulk issue run by the
worker, a check-in code, a worksheet saved through both at once, and the sign-in rate limit.
nginx's example is checked with ``nginx -t``, then run in front of both servers.

It runs in the PostgreSQL run only (marker ``postgresql``) and starts its own redis-server.
"""
import hashlib
import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from mail_support import free_port
from PIL import Image
from s3_support import MotoServer, create_bucket, s3_client, s3_settings

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/lokakarya"  # where the unit files expect the checkout
BIN = Path(sys.executable).parent
PASSWORD = "layout-demo-pass-1"
TRAINER = "trainer@example.org"
SLUG = "jakarta-2025-wps"
BUCKET, PREFIX = "lokakarya-layout", "layout"
# Variables the test adds to the env file's: its own folders and the demo password.
EXTRA = {"UPLOAD_FOLDER", "DEMO_TRAINER_PASSWORD", "PYTHONPATH"}


# --- the deploy/ examples, read as systemd and the env file would be -------------------------

def env_file() -> dict[str, str]:
    """deploy/lokakarya.env.example as systemd's EnvironmentFile reads it."""
    values = {}
    for line in (DEPLOY / "lokakarya.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _eq, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit_command(unit: str, env: dict[str, str]) -> list[str]:
    """The unit's ExecStart, split as systemd does, ``${NAME}`` from ``env``, the installed
    checkout replaced by this one."""
    [line] = [line for line in (DEPLOY / unit).read_text().splitlines() if line.startswith("ExecStart=")]
    words = shlex.split(line.removeprefix("ExecStart=").replace(INSTALLED, str(ROOT)))
    return [re.sub(r"\$\{(\w+)\}", lambda found: env[found.group(1)], word) for word in words]


def nginx_site(replacements: dict[str, str]) -> str:
    """deploy/nginx.conf with ``replacements`` made (each must be found: the example and this
    test must not drift apart)."""
    text = (DEPLOY / "nginx.conf").read_text()
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer says {old!r}"
        text = text.replace(old, new)
    return text


# --- processes ----------------------------------------------------------------------------------

@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + self.log.read_text(errors="replace")[-4000:]


def stop_all(processes: list[Process], seconds: float = 8) -> None:
    """Stop them and every process they started (each its own process group): all asked at
    once, any still running after ``seconds`` killed."""
    running = [process.popen for process in processes if process.popen.poll() is None]
    for popen in running:
        signal_group(popen.pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    for popen in running:
        try:
            popen.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            signal_group(popen.pid, signal.SIGKILL)
            popen.wait(10)


def signal_group(pid: int, sent: int) -> None:
    try:
        os.killpg(pid, sent)
    except ProcessLookupError:
        pass


def start(processes: list[Process], name: str, command: list[str], env: dict[str, str],
          logs: Path) -> Process:
    """Start ``command`` in a process group of its own; it joins ``processes`` (stopped together)."""
    log = logs / f"{name}.log"
    with open(log, "wb") as out:
        popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    processes.append(Process(name, popen, log))
    return processes[-1]


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{shlex.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(process: Process, ready, seconds: float = 120) -> None:
    """Wait until ``ready()`` is true; fail with the process's log if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, f"{process.name} exited early\n{process.tail()}"
        try:
            if ready():
                return
        except Exception:  # noqa: BLE001 - not answering yet, whatever the client raises
            pass
        time.sleep(0.2)
    pytest.fail(f"{process.name} was not ready in {seconds} s\n{process.tail()}")


def redis_server(processes: list[Process], logs: Path, port: int | None = None) -> str:
    """A redis-server of this test's own on a free port (never the shared one), keeping nothing
    on disk; ``port``: on that port (a restart)."""
    import redis

    binary = shutil.which("redis-server")
    assert binary, "this test starts its own redis-server: install redis-server"
    port = port or free_port()
    process = start(processes, "redis", [binary, "--port", str(port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], {}, logs)
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(process, lambda: redis.Redis.from_url(url, socket_timeout=1).ping(), 20)
    return url


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database next to TEST_DATABASE_URL's, dropped afterwards."""
    base = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    assert base.get_backend_name() == "postgresql", "the layout test runs on PostgreSQL only"
    name = f"{base.database}_layout_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the layout ---------------------------------------------------------------------------------

@dataclass
class Layout:
    a: str  # app server A's address
    b: str  # app server B's address
    database_url: str
    processes: list[Process]
    endpoint: str  # the object store's
    folders: Path  # each process's own upload folder and cache, under <name>/
    redis_url: str

    def stored(self, prefix: str) -> list[str]:
        """The keys kept in the object store under ``prefix``."""
        listing = s3_client(self.endpoint).list_objects_v2(Bucket=BUCKET, Prefix=f"{PREFIX}/{prefix}")
        return [entry["Key"].removeprefix(f"{PREFIX}/") for entry in listing.get("Contents", [])]

    def local_files(self) -> list[Path]:
        """Files in any process's upload folder (there should be none: the object store keeps them)."""
        return [path for path in self.folders.glob("*/uploads/**/*") if path.is_file()]

    def logs(self) -> str:
        return "\n".join(process.tail() for process in self.processes)


def server_env(common: dict[str, str], tmp: Path, name: str, port: int) -> dict[str, str]:
    """One app server's (or the worker's) environment: the shared settings, its own folders."""
    folder = tmp / name
    inherited = {key: value for key, value in os.environ.items() if key != "LOKAKARYA_JOB_QUEUE"}
    return {**inherited, **common, "LOKAKARYA_BIND": f"127.0.0.1:{port}",
            "UPLOAD_FOLDER": str(folder / "uploads"), "PDF_CACHE_FOLDER": str(folder / "pdf-cache")}


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Iterator[Layout]:
    tmp = tmp_path_factory.mktemp("layout")
    logs = tmp / "logs"
    logs.mkdir()
    with ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        processes: list[Process] = []
        stack.callback(stop_all, processes)
        moto = MotoServer()
        stack.callback(moto.stop)
        moto_started = pool.submit(moto.start)  # its start-up is the slowest: meanwhile, the rest
        database_url = stack.enter_context(fresh_database())
        redis_url = redis_server(processes, logs)
        endpoint = moto_started.result()
        create_bucket(endpoint, BUCKET)
        ports = free_port(), free_port()
        example = env_file()
        common = {
            "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "layout-test-secret",
            "BASE_URL": f"http://127.0.0.1:{ports[0]}", "TRUSTED_HOSTS": "127.0.0.1",
            # Plain HTTP to each server directly (cookies not Secure); X-Forwarded-* from nginx.
            "LOKAKARYA_HTTPS": "0", "LOKAKARYA_PROXY_FIX": "1",
            **s3_settings(endpoint, bucket=BUCKET, prefix=PREFIX),
            "MAX_UPLOAD_BYTES": example["MAX_UPLOAD_BYTES"], "WEB_CONCURRENCY": "1",
            "MAIL_SERVER": "", "MAIL_PORT": "25", "MAIL_USE_TLS": "0", "MAIL_USERNAME": "",
            "MAIL_PASSWORD": "", "MAIL_DEFAULT_SENDER": "lokakarya@localhost",
            "DEMO_TRAINER_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT),
        }
        # Every setting of the example is given here (the per-server ones by server_env), and
        # nothing else but the test's own folders: the example names what a deployment needs.
        assert set(example) == set(common) - EXTRA | {"LOKAKARYA_BIND", "PDF_CACHE_FOLDER"}
        setup = server_env(common, tmp, "setup", 0)
        run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], setup)  # once per release
        for name, port in zip("ab", ports):
            env = server_env(common, tmp, name, port)
            start(processes, f"web-{name}", unit_command("lokakarya-web.service", env), env, logs)
        env = server_env(common, tmp, "worker", 0)
        start(processes, "worker", unit_command("lokakarya-worker.service", env), env, logs)
        run([str(BIN / "flask"), "--app", "app", "seed-demo"], setup)  # while the servers start
        for process, port in zip(processes[1:], ports):
            wait_for(process, lambda: requests.get(f"http://127.0.0.1:{port}/readyz",
                                                   timeout=5).status_code == 200)
        yield Layout(f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", database_url,
                     processes, endpoint, tmp, redis_url)


# --- HTTP helpers -------------------------------------------------------------------------------

def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def signed_in(server: str) -> requests.Session:
    """A browser signed in as the demo trainer on ``server``."""
    browser = requests.Session()
    form = browser.get(f"{server}/login", timeout=30)
    answer = browser.post(f"{server}/login", data={"email": TRAINER, "password": PASSWORD,
                                                   "csrf_token": csrf_token(form.text)},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"], answer.text
    return browser


@pytest.fixture(scope="module")
def trainer(layout) -> requests.Session:
    return signed_in(layout.a)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (90, 30), (0, 114, 188)).save(buffer, "PNG")
    return buffer.getvalue()


# --- the tests ----------------------------------------------------------------------------------

def test_a_session_made_on_one_server_works_on_the_other(layout, trainer):
    page = f"{layout.b}/manage/organisations/"
    assert requests.get(page, allow_redirects=False, timeout=30).status_code == 302  # a stranger
    answer = trainer.get(page, allow_redirects=False, timeout=30)  # A's cookie, sent to B
    assert answer.status_code == 200 and "ASEAN-IPR" in answer.text
    # A form made on B is accepted by A (one secret signs both).
    form = trainer.get(f"{layout.b}/manage/organisations/new", timeout=30)
    created = trainer.post(f"{layout.a}/manage/organisations/new", allow_redirects=False, timeout=30,
                           data={"name-en": "Layout Check One", "acronym": "LC1",
                                 "csrf_token": csrf_token(form.text)})
    assert created.status_code == 302, created.text


def test_a_logo_uploaded_through_one_server_is_served_by_the_other(layout, trainer):
    form = trainer.get(f"{layout.a}/manage/organisations/new", timeout=30)
    answer = trainer.post(f"{layout.a}/manage/organisations/new", allow_redirects=False, timeout=30,
                          data={"name-en": "UN Women Laos", "acronym": "UNW-LA", "country": "LA",
                                "csrf_token": csrf_token(form.text)},
                          files={"logo": ("logo.png", png(), "image/png")})
    assert answer.status_code == 302, answer.text
    with sa.create_engine(layout.database_url).connect() as connection:
        name = connection.scalar(sa.text("SELECT logo FROM organisation WHERE acronym = 'UNW-LA'"))
    assert name and name.endswith(".png")
    served = requests.get(f"{layout.b}/logos/{name}", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).size == (90, 30)
    assert f"logos/{name}" in layout.stored("logos/") and not layout.local_files()


def test_a_bulk_issue_started_on_one_server_runs_on_the_worker_and_downloads_from_the_other(
        layout, trainer):
    page = f"{layout.a}/manage/courses/{SLUG}/certificates/"
    started = trainer.post(page, data={"csrf_token": csrf_token(trainer.get(page, timeout=30).text)},
                           allow_redirects=False, timeout=30)
    assert started.status_code == 302, started.text
    job = int(re.search(r"job=(\d+)", started.headers["Location"]).group(1))
    zip_url = f"{layout.b}/manage/courses/{SLUG}/certificates/jobs/{job}/zip"
    deadline = time.monotonic() + 90
    while (answer := trainer.get(zip_url, timeout=30)).status_code == 404:
        assert time.monotonic() < deadline, f"the bulk issue did not finish\n{layout.logs()}"
        time.sleep(0.5)
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        assert names and all(name.endswith(".pdf") for name in names)
        assert all(archive.read(name).startswith(b"%PDF-") for name in names)
    with sa.create_engine(layout.database_url).connect() as connection:
        valid = connection.scalar(sa.text(
            "SELECT count(*) FROM certificate JOIN registration ON registration.id = "
            "certificate.registration_id JOIN course ON course.id = registration.course_id "
            "WHERE course.slug = :slug AND certificate.status = 'valid'"), {"slug": SLUG})
    assert len(names) == valid
    assert any(key.endswith("certificates.zip") for key in layout.stored("issue-jobs/"))
    assert not layout.local_files()


def test_a_checkin_code_on_one_servers_projector_is_accepted_by_the_other(layout, trainer):
    with sa.create_engine(layout.database_url).connect() as connection:
        session, token, registration = connection.execute(sa.text(
            "SELECT agenda_session.id, registration.token, registration.id FROM agenda_session "
            "JOIN course ON course.id = agenda_session.course_id JOIN registration ON "
            "registration.course_id = course.id WHERE course.slug = :slug AND "
            "registration.status = 'approved' AND agenda_session.kind <> 'break' AND NOT EXISTS ("
            "SELECT 1 FROM attendance WHERE attendance.session_id = agenda_session.id AND "
            "attendance.registration_id = registration.id) ORDER BY agenda_session.id, registration.id "
            "LIMIT 1"), {"slug": SLUG}).one()
    projector = trainer.get(f"{layout.a}/manage/courses/{SLUG}/sessions/{session}/qr", timeout=30)
    path = re.search(rf"/checkin/{session}/[0-9a-f]+", projector.text).group(0)
    phone = requests.Session()
    assert phone.get(f"{layout.b}/p/{token}/", timeout=30).status_code == 200  # its personal link
    page = phone.get(f"{layout.b}{path}", timeout=30)
    assert page.status_code == 200, page.text  # not 410: B knows A's code
    done = phone.post(f"{layout.b}{path}", data={"csrf_token": csrf_token(page.text)}, timeout=30)
    assert done.status_code == 200
    with sa.create_engine(layout.database_url).connect() as connection:
        method = connection.scalar(sa.text(
            "SELECT method FROM attendance WHERE session_id = :session AND registration_id = :id "
            "AND present"), {"session": session, "id": registration})
    assert method == "qr"


def sent_form(state: dict) -> dict[str, list[str]]:
    """The fields a worksheet page holding ``state`` sends (its inputs, rows numbered in order)."""
    form = dict(state["fields"])
    for table, rows in state["rows"].items():
        for number, row in enumerate(rows):
            form.update((f"{table}-{number}-{name}", values) for name, values in row["cells"].items())
    return form


def rows_of(state: dict, table: str) -> dict[str, str]:
    return {row["row_id"]: row["cells"]["action"][0] for row in state["rows"][table]}


def test_a_worksheet_saved_through_both_servers_at_once_loses_nothing(layout):
    with sa.create_engine(layout.database_url).connect() as connection:
        token = connection.scalar(sa.text(
            "SELECT registration.token FROM registration JOIN course ON course.id = "
            "registration.course_id WHERE course.slug = :slug AND registration.status = 'approved' "
            "ORDER BY registration.id LIMIT 1"), {"slug": SLUG})
    sheet = f"/p/{token}/worksheets/M11"
    start = requests.get(f"{layout.a}{sheet}/state", timeout=30).json()
    base = start["state"]
    assert "sign_off" in base["fields"]
    barrier = threading.Barrier(2)
    answers = {}

    def save(server: str, row_id: str, action: str, changes: dict) -> None:
        """One device saves the page it opened at ``start``'s version, with a row added."""
        device = requests.Session()  # a phone on A, a laptop on B: sessions of their own
        csrf = device.get(f"{server}{sheet}/state", timeout=30).json()["csrf_token"]
        added = len(base["rows"].get("actions", []))
        body = {**sent_form(base), **changes, "version": str(start["version"]),
                "save_key": f"layout-{row_id}", "csrf_token": csrf,
                f"actions-{added}-row_id": row_id, f"actions-{added}-action": action}
        barrier.wait()
        answers[row_id] = device.post(f"{server}{sheet}/save", data=body, timeout=60)

    threads = [threading.Thread(target=save, args=(layout.a, "via-a", "Brief the ministry (A)",
                                                   {"sign_off": "Signed on server A"})),
               threading.Thread(target=save, args=(layout.b, "via-b", "Train the police (B)", {}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert {row: answer.status_code for row, answer in answers.items()} == {"via-a": 200, "via-b": 200}
    assert all(not answer.json()["errors"] for answer in answers.values())
    final = requests.get(f"{layout.b}{sheet}/state", timeout=30).json()
    assert final["version"] == start["version"] + 2
    rows = rows_of(final["state"], "actions")
    assert rows["via-a"] == "Brief the ministry (A)" and rows["via-b"] == "Train the police (B)"
    assert rows_of(base, "actions").items() <= rows.items()  # the rows there before, unchanged
    assert final["state"]["fields"]["sign_off"] == ["Signed on server A"]


def nginx_executable() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "install nginx (apt-get install nginx-light) to check deploy/nginx.conf"
    return nginx


@dataclass
class Proxy:
    config: Path  # nginx's main configuration, including the example site
    https: int
    http: int
    certificate: Path


def nginx_config(folder: Path, upstreams: tuple[str, str] = ("127.0.0.1:1", "127.0.0.1:2")) -> Proxy:
    """deploy/nginx.conf made runnable here: a self-signed certificate for 127.0.0.1, free ports,
    ``upstreams`` for the example's two app servers, logs and paths in ``folder``."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True)
    https, http = free_port(), free_port()
    site = nginx_site({
        "/etc/letsencrypt/live/training.example.org/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/training.example.org/privkey.pem": str(key),
        "/var/log/nginx": str(folder), INSTALLED: str(ROOT),
        "server 10.0.0.11:8000": f"server {upstreams[0]}", "server 10.0.0.12:8000": f"server {upstreams[1]}",
        "listen 80;": f"listen 127.0.0.1:{http};", "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server_name training.example.org;": "server_name 127.0.0.1;",
    })
    (folder / "lokakarya.conf").write_text(site)
    main = folder / "nginx.conf"
    # As root, nginx's workers would run as "nobody", who may not enter pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
                    f"events {{}}\nhttp {{\n  access_log off;\n  include /etc/nginx/mime.types;\n"
                    f"  include {folder}/lokakarya.conf;\n}}\n")
    return Proxy(main, https, http, certificate)


def test_the_nginx_example_is_valid(tmp_path):
    proxy = nginx_config(tmp_path)
    checked = subprocess.run([nginx_executable(), "-t", "-c", str(proxy.config), "-p", str(tmp_path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    # The proxy accepts the uploads the app accepts: the same size.
    body = int(env_file()["MAX_UPLOAD_BYTES"])
    site = (tmp_path / "lokakarya.conf").read_text()
    assert body % (1024 * 1024) == 0 and f"client_max_body_size {body // (1024 * 1024)}m;" in site


def test_nginx_in_front_of_both_servers(layout, tmp_path):
    proxy = nginx_config(tmp_path, (layout.a.removeprefix("http://"), layout.b.removeprefix("http://")))
    processes: list[Process] = []
    try:
        nginx = start(processes, "nginx", [nginx_executable(), "-c", str(proxy.config), "-p",
                                           str(tmp_path), "-g", "daemon off;"], {}, tmp_path)
        site = f"https://127.0.0.1:{proxy.https}"
        browser = requests.Session()
        browser.trust_env = False  # else REQUESTS_CA_BUNDLE, if set, replaces ``verify``
        browser.verify = str(proxy.certificate)
        wait_for(nginx, lambda: browser.get(f"{site}/healthz", timeout=5).status_code == 200, 20)
        plain = requests.get(f"http://127.0.0.1:{proxy.http}/login", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
        # Requests go to both app servers, each with an id of its own.
        ids = set()
        for number in range(6):
            answer = browser.get(f"{site}/healthz?through-nginx={number}", timeout=10)
            assert answer.status_code == 200
            ids.add(answer.headers["X-Request-ID"])
        assert len(ids) == 6 and all(re.fullmatch(r"[0-9a-f]{32}", found) for found in ids)
        # Each server's own access lines carry the ids nginx gave (the app logs no paths).
        for server in layout.processes:
            if server.name.startswith("web-"):
                text = server.log.read_text(errors="replace")
                assert any(f"[{found}]" in text for found in ids), server.name
                assert "through-nginx" not in text, server.name
        # nginx's own access log holds no path either: personal links carry their tokens.
        # (nginx writes a request's line once it is done with it, maybe after the client has its answer)
        access_log = tmp_path / "lokakarya.access.log"
        wait_for(nginx, lambda: all(found in access_log.read_text() for found in ids), 10)
        assert "/healthz" not in access_log.read_text()
        # Metrics are not public; static files come from nginx, cached as the app would.
        assert browser.get(f"{site}/metrics", timeout=10).status_code == 404
        static = ROOT / "app" / "static" / "favicon.svg"
        fingerprint = hashlib.sha256(static.read_bytes()).hexdigest()[:12]
        kept = browser.get(f"{site}/static/favicon.svg?v={fingerprint}", timeout=10)
        assert kept.status_code == 200 and kept.content == static.read_bytes()
        assert "immutable" in kept.headers["Cache-Control"]
        assert "must-revalidate" in browser.get(f"{site}/static/favicon.svg", timeout=10).headers["Cache-Control"]
        # A trainer signs in through the proxy (forms check the https Referer, as browsers send it).
        form = browser.get(f"{site}/login", timeout=30)
        signed = browser.post(f"{site}/login", headers={"Referer": f"{site}/login"}, timeout=30,
                              data={"email": TRAINER, "password": PASSWORD,
                                    "csrf_token": csrf_token(form.text)}, allow_redirects=False)
        assert signed.status_code == 302 and "/login" not in signed.headers["Location"], signed.text
        page = browser.get(f"{site}/manage/organisations/", allow_redirects=False, timeout=30)
        assert page.status_code == 200 and "ASEAN-IPR" in page.text
    finally:
        stop_all(processes)


def test_sign_in_attempts_are_counted_across_both_servers(layout):
    """The per-address limit on sign-in attempts (LOGIN_RATE_LIMIT, 10 a minute) counts in Redis:
    attempts alternating between the servers meet it together, where per-process counters would
    let each server take ten. (Last in this file: the address stays limited for a minute.)"""
    browser = requests.Session()
    token = csrf_token(browser.get(f"{layout.a}/login", timeout=30).text)
    answers = []
    for attempt in range(20):
        server = (layout.a, layout.b)[attempt % 2]
        answers.append(browser.post(f"{server}/login", timeout=30, data={
            "email": "nobody@example.org", "password": f"guess-{attempt}", "csrf_token": token}).status_code)
        if answers[-1] == 429:
            break
    assert answers[-1] == 429 and len(answers) <= 11, answers
    assert not {302, 429} & set(answers[:-1])  # refused (wrong password), not yet limited


def test_after_redis_restarts_empty_the_worker_registers_again_and_runs_jobs(layout, trainer):
    """Redis keeps nothing on disk here: a restart forgets the worker's registration (RQ's own
    worker then ran jobs while /readyz said no worker listened, until it was restarted too).
    Last in this file: the other tests keep their Redis."""
    import redis

    port = int(layout.redis_url.rsplit(":", 1)[1].split("/")[0])
    old = next(process for process in layout.processes if process.name == "redis")
    signal_group(old.popen.pid, signal.SIGKILL)
    old.popen.wait(10)
    down = requests.get(f"{layout.a}/readyz", timeout=30)
    assert down.status_code == 503 and down.json()["redis"]["status"] == "fail"
    layout.processes.remove(old)
    redis_server(layout.processes, layout.folders / "logs", port)
    assert not redis.Redis.from_url(layout.redis_url).keys("rq:worker*")  # an empty Redis
    deadline = time.monotonic() + 60
    while (ready := requests.get(f"{layout.a}/readyz", timeout=30)).status_code != 200:
        assert time.monotonic() < deadline, f"{ready.json()}\n{layout.logs()}"
        time.sleep(0.5)
    assert ready.json()["queue"]["detail"].startswith("1 worker(s)")
    # and it runs what is queued now: a bulk issue, downloaded from the other server
    test_a_bulk_issue_started_on_one_server_runs_on_the_worker_and_downloads_from_the_other(
        layout, trainer)
