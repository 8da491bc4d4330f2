"""A mixed load test: 200 workshop participants on the real servers, with an optional fault.

    .venv/bin/python bench/load.py [--layout one|two] [--database sqlite|postgresql]
        [--users 200] [--duration 300] [--fault none|app|worker|redis|s3]
        [--pg-database lokakarya_load] [--workers 2]

`--layout one` starts what `make run` starts (migrations, the demo, gunicorn with 2 workers × 4
threads) on a throw-away SQLite, or on the PostgreSQL database `--pg-database` on 127.0.0.1:5432
(dropped and made again). `--layout two` (PostgreSQL only) starts two such gunicorn servers and
one RQ worker sharing the database and a Redis server of its own on a free port, and, once
`app/storage/s3.py` exists, a moto S3 server of its own as the file store. Everything listens on
127.0.0.1 only; the run is bounded (`--hard-timeout`, default the duration plus 10 minutes).

The users (`load_users.py`, locust as a library, in a process of its own) are the demo's
participants and 200 people of a bench course with two worksheets: each autosaves a worksheet
every 10 s and, half the time in between, opens the course page, the agenda or its personal
page, registers someone on the open seminar, checks in to a session by its QR code or downloads
its certificate; one more user asks for the bare route `/healthz` twice a second on the same
server. In layout two the users are split between the two servers (no balancer in front).
Every rate limit of the public forms is raised for the run, since all users share 127.0.0.1.

`--fault app|worker|redis|s3` halfway through kills that process with SIGKILL (an app server:
its whole process group, the second server in layout two), keeps it down 15 s and starts it again
(s3: moto keeps its objects in memory, so it is frozen with SIGSTOP and thawed with SIGCONT
instead). Failed requests from the kill until a minute after the restart are `fault_errors`,
classed as the app's error page, JSON error, no answer or timeout (a hang); the time to recover is
from the restart to the end of the last failed request of that window.

Afterwards it checks in the database that every acknowledged write is there: each registration
the server accepted (its personal link), each check-in it accepted, and each participant's last
acknowledged autosave (and no revision stored under the wrong person). It prints throughput,
p50/p95/p99 and errors per kind of request; the last line reads
`p95_ms=… bare_p95_ms=… errors=… lost=…` (p95 over every request but the bare one).
"""
import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from support import database_url
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from s3_support import create_bucket, moto_executable, s3_settings  # noqa: E402 (tests/)
from worksheets import free_port, setup as worksheet_setup, verify as verify_worksheets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
FAULT_DOWN_S = 15
FAULT_WINDOW_S = 60  # after the restart, failures still count as the fault's
BUCKET = "lokakarya-load"
GENEROUS = "100000 per minute"  # every user shares 127.0.0.1


class Service:
    """A server process of the run, in a process group of its own (so that a kill takes its
    workers too), that can be killed and started again on the same port."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int | None, log: Path):
        self.name, self.argv, self.env, self.port, self.log = name, argv, env, port, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        if self.port:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    if self.process.poll() is not None:
                        break
                    time.sleep(0.2)
            raise SystemExit(f"{self.name} did not start: see {self.log}")

    def signal(self, number: int) -> None:
        os.killpg(self.process.pid, number)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_healthy(port: int, timeout: float = 60) -> str | None:
    """Wait until /healthz answers 200: None, or (after ``timeout``) what it said last."""
    deadline, said = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return None
        except urllib.error.HTTPError as error:
            said = f"{error.code} {error.read()[:300].decode(errors='replace')}"
        except OSError as error:
            said = str(error)
        time.sleep(0.5)
    return said


def services(args, env: dict, tmp: Path) -> tuple[dict[str, Service], list[int]]:
    """The processes of the layout (not started), and the app servers' ports."""
    found, app_ports = {}, [free_port() for _ in range(1 if args.layout == "one" else 2)]
    if args.layout == "two":
        port = free_port()
        found["redis"] = Service("redis", ["redis-server", "--save", "", "--appendonly", "no",
                                           "--bind", "127.0.0.1", "--port", str(port)],
                                 env, port, tmp / "redis.log")
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        if (ROOT / "app" / "storage" / "s3.py").exists():
            port = free_port()
            found["s3"] = Service("s3", [moto_executable(), "-H", "127.0.0.1", "-p", str(port)],
                                  env, port, tmp / "s3.log")
            env.update(s3_settings(f"http://127.0.0.1:{port}", bucket=BUCKET, prefix="files"))
        found["worker"] = Service("worker", [str(BIN / "rq"), "worker", "--worker-class",
                                             "app.worker.Worker", "--url", env["REDIS_URL"],
                                             "lokakarya"], env, None, tmp / "worker.log")
    for number, port in enumerate(app_ports, 1):
        server_env = {**env, "PDF_CACHE_FOLDER": str(tmp / f"pdf-cache-{number}")}
        found[f"app{number}"] = Service(
            f"app{number}", [str(BIN / "gunicorn"), "--workers", str(args.workers), "--threads", "4",
                             "--bind", f"127.0.0.1:{port}", "app.wsgi:app"],
            server_env, port, tmp / f"app{number}.log")
    return found, app_ports


def demo_plan(url: str) -> dict:
    """The demo's approved participants (token, whether a certificate was issued) and its
    sessions (all started: the course was in 2025)."""
    import sqlalchemy as sa

    from app import create_app
    from app.agenda.models import AgendaSession
    from app.certificates.models import Certificate
    from app.courses.models import Course
    from app.demo import SLUG
    from app.demo_seminar import SLUG as SEMINAR
    from app.extensions import db
    from app.registrations.models import Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == SLUG))
        certified = set(db.session.scalars(sa.select(Certificate.registration_id).where(
            Certificate.status == "valid")))
        people = [{"id": r.id, "token": r.token, "certificate": r.id in certified}
                  for r in db.session.scalars(sa.select(Registration).where(
                      Registration.course_id == course.id, Registration.status == "approved")
                      .order_by(Registration.id))]
        sessions = list(db.session.scalars(sa.select(AgendaSession.id).where(
            AgendaSession.course_id == course.id).order_by(AgendaSession.starts_at)))
    return {"course": SLUG, "open_course": SEMINAR, "demo_people": people, "sessions": sessions}


def lost_writes(url: str, people: list[dict], acknowledged: dict) -> dict:
    """Acknowledged writes missing from the database, by kind."""
    import sqlalchemy as sa

    from app import create_app
    from app.agenda.models import Attendance
    from app.extensions import db
    from app.registrations.models import Registration

    clients = {}
    for person in people:
        mine = acknowledged["saves"].get(str(person["id"]), {"texts": {}, "keys": []})
        clients[person["id"]] = SimpleNamespace(row=f"p{person['id']}", acknowledged=mine["texts"],
                                                saves=mine["keys"])
    saves, misattributed, _stored = verify_worksheets(url, people, clients)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        tokens = set(acknowledged["registrations"])
        found = set(db.session.scalars(sa.select(Registration.token).where(Registration.token.in_(tokens))))
        present = {(session, registration) for session, registration in db.session.execute(
            sa.select(Attendance.session_id, Attendance.registration_id).where(Attendance.present.is_(True)))}
    checkins = {tuple(pair) for pair in acknowledged["checkins"]}
    return {"registrations": len(tokens - found), "check-ins": len(checkins - present),
            "autosaves": saves, "misattributed autosaves": misattributed}


class Fault(threading.Thread):
    """Halfway through, kill one process, keep it down, start it again; note the times."""

    def __init__(self, kind: str, target: Service, at: float, ready):
        super().__init__(daemon=True)
        self.kind, self.target, self.at, self.ready = kind, target, at, ready
        self.killed = self.restarted = self.healthy = None
        self.unhealthy = []  # what /healthz still said 45 s after the restart

    def run(self) -> None:
        time.sleep(max(0.0, self.at - time.time()))
        self.killed = time.time()
        if self.kind == "s3":
            self.target.signal(signal.SIGSTOP)
        else:
            self.target.kill()
        time.sleep(FAULT_DOWN_S)
        self.restarted = time.time()
        if self.kind == "s3":
            self.target.signal(signal.SIGCONT)
        else:
            self.target.start()
        self.unhealthy = [said for said in self.ready() if said]
        self.healthy = time.time()


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else \
        (values[0] if values else 0.0)


def report(samples: list, duration: float, fault: Fault | None, lost: dict) -> None:
    """Print the table per kind of request, the fault's story and the closing line."""
    window = (fault.killed, fault.restarted + FAULT_WINDOW_S) if fault and fault.killed else None
    in_fault = [s for s in samples if window and window[0] <= s[0] <= window[1]]
    failed = [s for s in samples if not s[3]]
    fault_failed = [s for s in failed if window and window[0] <= s[0] <= window[1] and s[1] != "bare"]
    errors = [s for s in failed if s[1] != "bare" and not (window and window[0] <= s[0] <= window[1])]
    work = [s for s in samples if s[1] != "bare"]
    print(f"\n{len(work)} requests in {duration:.0f} s: {len(work) / duration:.1f} per second "
          f"(+ {len(samples) - len(work)} bare)")
    print(f"{'kind':<20}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in sorted({s[1] for s in samples}):
        mine = [s for s in samples if s[1] == kind]
        times = [s[2] for s in mine]
        print(f"{kind:<20}{len(mine):>7}{sum(not s[3] for s in mine):>8}{quantile(times, 50):>9.0f}"
              f"{quantile(times, 95):>9.0f}{quantile(times, 99):>9.0f}")
    for detail in sorted({s[4] for s in errors}):
        print(f"error outside a fault: {detail}: {sum(s[4] == detail for s in errors)}")
    if window:
        kinds = {}
        for sample in fault_failed:
            kinds[sample[4]] = kinds.get(sample[4], 0) + 1
        end_last = max((s[0] + s[2] / 1000 for s in fault_failed), default=fault.restarted)
        slowest = max((s[2] for s in in_fault), default=0)
        bare_failed = sum(s[1] == "bare" and not s[3] for s in in_fault)
        healthy = fault.healthy or time.time()  # (still waiting for /healthz at the end)
        print(f"fault: {fault.kind} killed at +{fault.killed - samples[0][0]:.0f} s, started again "
              f"{fault.restarted - fault.killed:.0f} s later; "
              + (f"/healthz 200 again after {healthy - fault.restarted:.1f} s" if not fault.unhealthy
                 else f"/healthz still failing {healthy - fault.restarted:.0f} s after the restart: "
                 f"{fault.unhealthy[0]}"))
        print(f"fault_errors={len(fault_failed)} ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))}"
              f"); slowest request in the window {slowest / 1000:.1f} s; hangs (timeouts): "
              f"{kinds.get('timeout', 0)}; bare route failures in the window: {bare_failed}")
        print(f"time_to_recover_s={max(0.0, end_last - fault.restarted):.1f} (from the restart to "
              "the end of the last failed request)")
    print("lost (acknowledged, missing): " + ", ".join(f"{k} {n}" for k, n in lost.items()))
    p95 = quantile([s[2] for s in work], 95)
    bare = quantile([s[2] for s in samples if s[1] == "bare"], 95)
    print(f"p95_ms={p95:.0f} bare_p95_ms={bare:.0f} errors={len(errors)} lost={sum(lost.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layout", choices=("one", "two"), default="one")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--interval", type=float, default=10, help="seconds between autosaves")
    parser.add_argument("--fault", choices=("none", "app", "worker", "redis", "s3"), default="none")
    parser.add_argument("--pg-database", default="lokakarya_load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--hard-timeout", type=float, help="seconds (default: duration + 600)")
    args = parser.parse_args()
    if args.layout == "two" and args.database != "postgresql":
        parser.error("--layout two shares one PostgreSQL database: add --database postgresql")
    if args.fault in ("worker", "redis", "s3") and args.layout == "one":
        parser.error(f"--fault {args.fault} needs --layout two")
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit("hard timeout")))
    signal.alarm(int(args.hard_timeout or args.duration + 600))

    tmp = Path(tempfile.mkdtemp(prefix="lokakarya-load-"))
    url = database_url(args.database, str(tmp), args.pg_database)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + secrets.token_hex(8),
           "UPLOAD_FOLDER": str(tmp / "uploads"), "REGISTRATION_RATE_LIMIT": GENEROUS,
           "CHECKIN_RATE_LIMIT": GENEROUS, "REGISTRATION_DAILY_CAP": "100000"}
    env.pop("REDIS_URL", None)
    env.pop("STORAGE_URL", None)
    found, ports = services(args, env, tmp)
    env["BASE_URL"] = f"http://127.0.0.1:{ports[0]}"
    for service in found.values():
        service.env.update({k: v for k, v in env.items() if k not in service.env})
    os.environ.update({k: env[k] for k in env if k not in ("PDF_CACHE_FOLDER",)})
    started = []
    try:
        for name in ("redis", "s3"):
            if name in found:
                found[name].start()
                started.append(found[name])
        if "s3" in found:
            create_bucket(env["S3_ENDPOINT_URL"], BUCKET)
        for command in (["db", "upgrade"], ["seed-demo"]):
            done = subprocess.run([str(BIN / "flask"), "--app", "app", *command], env=env, cwd=ROOT,
                                  capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stderr[-2000:]}")
        people, _slug = worksheet_setup(url, args.users)
        plan = {**demo_plan(url), "people": people, "users": args.users, "duration": args.duration,
                "interval": args.interval, "secret_key": env["SECRET_KEY"],
                "servers": [f"http://127.0.0.1:{port}" for port in ports]}
        for name in ("worker", "app1", "app2"):
            if name in found:
                found[name].start()
                started.append(found[name])
        for port in ports:
            if (said := wait_healthy(port)) is not None:
                raise SystemExit(f"the server on port {port} is not healthy: {said}")
        (tmp / "plan.json").write_text(json.dumps(plan))
        fault = None
        if args.fault != "none":
            target = found["app2" if "app2" in found else "app1"] if args.fault == "app" else found[args.fault]
            fault = Fault(args.fault, target, time.time() + args.duration / 2,
                          lambda: [wait_healthy(port, 45) for port in ports])  # [None, …]: healthy
            fault.start()
        print(f"layout {args.layout}, {args.database}: {args.users} users for {args.duration:g} s, "
              f"fault {args.fault}; files in {tmp}; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
        began = time.time()
        subprocess.run([str(BIN / "python"), str(Path(__file__).with_name("load_users.py")),
                        str(tmp / "plan.json"), str(tmp / "results.json")], cwd=ROOT, check=True,
                       timeout=args.duration + 300, env={**os.environ, "PYTHONPATH": str(ROOT)})
        elapsed = time.time() - began
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (other people's work included)")
        if fault:
            fault.join(timeout=180)
    finally:
        for service in reversed(started):
            service.stop()
    results = json.loads((tmp / "results.json").read_text())
    lost = lost_writes(url, people, results["acknowledged"])
    acknowledged = results["acknowledged"]
    print(f"acknowledged: {len(acknowledged['registrations'])} registrations, "
          f"{len(acknowledged['checkins'])} check-ins, "
          f"{sum(len(m['keys']) for m in acknowledged['saves'].values())} autosaves")
    samples = sorted(results["samples"])
    report(samples, min(elapsed, args.duration), fault, lost)
    sys.exit(1 if any(lost.values()) else 0)


if __name__ == "__main__":
    main()
