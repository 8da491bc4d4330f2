"""A closing ceremony's downloads: 31 certificates and 30 agenda PDFs asked for at once.

    .venv/bin/python bench/documents.py [--warm-rounds 3]

Starts the app as `make run` does (migrations, `seed-demo`, then gunicorn with 2 workers × 4
threads) on a free port, with a throw-away SQLite database, upload folder and PDF cache in a
temporary folder, and stops it at the end. Then it releases, at once (threads and a barrier),
31 participants' `/p/<token>/certificate.pdf` and 30 `/courses/<slug>/agenda.pdf`: first cold
(nothing stored or cached yet), then warm (`--warm-rounds` bursts, pooled). For ratios it
measures a bare route served by the same gunicorn under the same burst, and WeasyPrint's floor:
one render of the agenda in-process.

The last line is `certificate_p95_ms=<a> agenda_p95_ms=<b>` (warm). Targets: ≤ 300 ms each.
"""
import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SLUG = "jakarta-2025-wps"
CERTIFICATES, AGENDAS = 31, 30


def served():
    """The app as gunicorn serves it (``app.wsgi``), plus a bare route to compare with
    (gunicorn calls this: ``--pythonpath bench 'documents:served()'``)."""
    from app.wsgi import app

    app.add_url_rule("/bench-bare", "bench_bare", lambda: "ok")
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def burst(port: int, paths: list[str]) -> list[tuple[str, float]]:
    """GET every path at once (one thread each, released together); (path, seconds) each."""
    barrier = threading.Barrier(len(paths))
    results: list = [None] * len(paths)

    def one(index: int, path: str) -> None:
        barrier.wait()
        started = time.perf_counter()
        status, headers, body = get(port, path)
        elapsed = time.perf_counter() - started
        expected = "text/html" if path == "/bench-bare" else "application/pdf"
        if status != 200 or not headers.get("content-type", "").startswith(expected) or \
                (expected == "application/pdf" and not body.startswith(b"%PDF-")):
            raise SystemExit(f"{path}: {status} {headers.get('content-type')} {body[:200]!r}")
        results[index] = (path, elapsed)

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def p95(values: list[float]) -> float:
    values = sorted(values)
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def summary(label: str, seconds: list[float]) -> float:
    ms = [s * 1000 for s in seconds]
    print(f"  {label:28} n={len(ms):3}  p50 {statistics.median(ms):7.0f} ms  "
          f"p95 {p95(ms):7.0f} ms  max {max(ms):7.0f} ms", flush=True)
    return p95(ms)


def ceremony(port: int, certificates: list[str], agendas: list[str]) -> tuple[list, list]:
    """One burst of every certificate and agenda request; their latencies, by kind."""
    paths = certificates + agendas
    timed = burst(port, paths)
    return ([t for p, t in timed if p.endswith("certificate.pdf")],
            [t for p, t in timed if p.endswith("agenda.pdf")])


def floor(env: dict) -> float:
    """Milliseconds of one render of the demo agenda in this process (fonts already loaded)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from app import create_app
    from app.agenda.documents import agenda_pdf
    from app.courses.models import Course
    from app.extensions import db

    app = create_app()
    with app.test_request_context(base_url=env["BASE_URL"]):
        course = db.session.scalar(sa.select(Course).where(Course.slug == SLUG))
        agenda_pdf(course)  # warm: fonts, templates, stylesheets
        started = time.perf_counter()
        agenda_pdf(course)
        return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lokakarya-documents-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
           "SECRET_KEY": "bench-" + secrets.token_hex(8), "BASE_URL": f"http://127.0.0.1:{port}",
           "UPLOAD_FOLDER": str(tmp / "uploads"), "PDF_CACHE_FOLDER": str(tmp / "pdf-cache"),
           "DEMO_TRAINER_PASSWORD": "bench-password-1"}
    env.pop("REDIS_URL", None)
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "app", *command], env=env, cwd=ROOT,
                       check=True, capture_output=True)
    with sqlite3.connect(tmp / "bench.db") as connection:
        tokens = [row[0] for row in connection.execute(
            "SELECT r.token FROM registration r JOIN certificate c ON c.registration_id = r.id "
            "JOIN course ON course.id = r.course_id WHERE course.slug = ? AND c.status = 'valid' "
            "ORDER BY r.id", (SLUG,))]
    if not tokens:
        raise SystemExit("the demo course has no certificates")
    certificates = [f"/p/{tokens[i % len(tokens)]}/certificate.pdf" for i in range(CERTIFICATES)]
    agendas = [f"/courses/{SLUG}/agenda.pdf"] * AGENDAS
    print(f"{len(tokens)} certificates issued in the demo; {CERTIFICATES} downloads and "
          f"{AGENDAS} agenda PDFs at once, gunicorn 2 workers × 4 threads on port {port}",
          flush=True)

    # The server's log goes to a file: a pipe nobody reads fills up with log lines and stops it.
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--pythonpath", str(ROOT / "bench"), "documents:served()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(tmp / "server.log").open("wb"))
    try:
        for _ in range(150):
            try:
                if get(port, "/bench-bare")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start: " + (tmp / "server.log").read_text(errors="replace")[-2000:])
        for _ in range(4):  # both workers up and their first request's set-up done
            burst(port, ["/bench-bare"] * 8)
        print("bare route:")
        bare = summary("bare (61 at once)", [t for _p, t in burst(port, ["/bench-bare"] * (
            CERTIFICATES + AGENDAS))])
        print("cold (nothing stored or cached):")
        cold_certificates, cold_agendas = ceremony(port, certificates, agendas)
        summary("certificate.pdf", cold_certificates)
        summary("agenda.pdf", cold_agendas)
        warm_certificates, warm_agendas = [], []
        for _ in range(args.warm_rounds):
            found = ceremony(port, certificates, agendas)
            warm_certificates += found[0]
            warm_agendas += found[1]
        print(f"warm ({args.warm_rounds} bursts pooled):")
        certificate_p95 = summary("certificate.pdf", warm_certificates)
        agenda_p95 = summary("agenda.pdf", warm_agendas)
        for label, path in (("agenda.pdf", agendas[0]), ("certificate.pdf", certificates[0])):
            _status, headers, _body = get(port, path)
            etag = headers.get("etag")
            again = get(port, path, {"If-None-Match": etag})[0] if etag else "not possible"
            print(f"{label}: ETag {etag or 'none'}, Cache-Control "
                  f"{headers.get('cache-control')}, revalidated: {again}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    try:
        weasyprint = floor(env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"WeasyPrint floor (one agenda render in-process): {weasyprint:.0f} ms")
    print(f"ratios (warm p95): certificate/bare={certificate_p95 / bare:.1f} "
          f"agenda/bare={agenda_p95 / bare:.1f} agenda/floor={agenda_p95 / weasyprint:.2f}")
    print(f"certificate_p95_ms={certificate_p95:.0f} agenda_p95_ms={agenda_p95:.0f}")


if __name__ == "__main__":
    main()
