"""200 participants autosaving worksheets every 10 s for 5 minutes, against the real server.

    .venv/bin/python bench/worksheets.py [--database sqlite|postgresql] [--participants 200]
                                         [--interval 10] [--duration 300]

Starts the app as `make run` does (migrations, then gunicorn with 2 workers × 4 threads) on a
throw-away database: SQLite in a temporary folder, or the PostgreSQL database `lokakarya_bench`
on 127.0.0.1:5432 (created, then emptied). It registers the participants (11 countries) on a
course with two exercises: M1 filled by each person alone, M11 filled by each country team
together, so about 18 people merge their saves into one sheet. Each simulated participant
opens both pages once (CSRF token, current version), then every `interval` seconds (with jitter)
types into its own row of both sheets and autosaves, the way worksheet.js does: the fields outside
tables and the changed row (the page knows the server's rows: it drew them from the data it came with),
the version it started from, a fresh save key (resent unchanged on a network error).

At the end it reports p50/p95/max save latency and checks, in the database, that every
acknowledged save is there (each person's row holds the last text the server acknowledged: no
lost save) and that every stored revision names the person who sent it (no misattributed save).
Then it times the Viet Nam country pack PDF of the demo-sized team (next to WeasyPrint's floor), and measures in-process the
CPU of one autosave of the demo's 19-row M11 team sheet next to a bare route (``--cpu-only`` for
this part alone). The last line reads `save_p95_ms=… save_cpu_ms=… bare_ms=… lost=…`.
"""
import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from support import database_url, grow_team_sheet

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
COUNTRIES = ["VN", "ID", "TH", "PH", "KH", "TL", "MY", "LA", "MM", "SG", "BN"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(url: str, participants: int) -> tuple[list[dict], str]:
    """Register the participants on a bench course with M1 (alone) and M11 (per team)."""
    from app import create_app
    from app.auth.operations import create_user
    from app.courses.operations import CourseDetails, create_course
    from app.extensions import db
    from app.i18n.multilingual import MultilingualText
    from app.registrations.models import Registration
    from app.toolkit.models import Exercise

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        trainer = create_user("bench@example.org", "Bench", "bench-password-1")
        course = create_course(trainer, CourseDetails(
            title=MultilingualText(en="Worksheet bench"), start_date=date(2030, 1, 6),
            end_date=date(2030, 1, 8), city=MultilingualText(en="Jakarta"), country="ID",
            timezone="Asia/Jakarta", contact_hours=Decimal(20)), slug="bench-worksheets")
        db.session.add(Exercise(course=course, module_key="M1", mode="individual", position=0))
        db.session.add(Exercise(course=course, module_key="M11", mode="team", position=1))
        people = []
        for number in range(participants):
            registration = Registration(
                course=course, full_name=f"Participant {number}", certificate_name=f"Participant {number}",
                sex=("female", "male")[number % 2], age_group="35-44", country=COUNTRIES[number % 11],
                organisation_type="government", email=f"p{number}@example.org", status="approved")
            db.session.add(registration)
            people.append(registration)
        db.session.commit()
        return [{"id": r.id, "token": r.token, "country": r.country} for r in people], course.slug


def _pairs(items) -> list[tuple[str, str]]:
    """Form pairs for input values (a list for checkboxes, None for an unticked box)."""
    pairs = []
    for name, value in items:
        for one in (value if isinstance(value, list) else [value]):
            if one is not None and one is not False:
                pairs.append((name, "y" if one is True else str(one)))
    return pairs


def autosave_form(sheet: dict, key: str, row_id: str, text: str, csrf: str, save_key: str) -> str:
    """Sheet ``key`` (M1 or M11) as worksheet.js sends it, its own row ``row_id`` holding
    ``text``: the fields outside tables and the changed row when it knows the server's state
    (``sheet["known"]``: the page's rows, then each answer's), else the whole form (every row it
    knows, ``sheet``: {"version", "state"})."""
    table = "actors" if key == "M1" else "actions"
    column = "actor" if key == "M1" else "action"
    state = sheet["state"] or {"fields": {}, "rows": {}}
    rows = [] if sheet.get("known") else [r for r in state["rows"].get(table, []) if r["row_id"] != row_id]
    rows.append({"row_id": row_id, "cells": {column: text}})
    fields = [("csrf_token", csrf), ("version", str(sheet["version"])), ("save_key", save_key)]
    fields += [("delta", "1")] if sheet.get("known") else []
    fields += _pairs(state["fields"].items())
    for index, row in enumerate(rows):
        fields.append((f"{table}-{index}-row_id", row["row_id"]))
        fields += _pairs((f"{table}-{index}-{name}", value) for name, value in row["cells"].items()
                         if name != "row_id")
    return urlencode(fields)


class Participant(threading.Thread):
    """One person on a phone: opens both worksheets, then types and autosaves until told to stop."""

    def __init__(self, person: dict, port: int, interval: float, stop: threading.Event, results: dict):
        super().__init__(daemon=True)
        self.person, self.port, self.interval, self.stop, self.results = person, port, interval, stop, results
        self.cookie, self.csrf = "", ""
        self.sheets = {}  # key → {"version": int, "answers": dict}
        self.row = f"p{person['id']}"
        self.acknowledged = {}  # key → last text the server acknowledged
        self.latencies, self.failures, self.saves = [], 0, []
        self.refusals = []  # (status, start of the body) of each save not taken

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response.status, data

    def open(self, key: str) -> None:
        status, page = self.request("GET", f"/p/{self.person['token']}/worksheets/{key}")
        assert status == 200, (status, page[:300])
        text = page.decode()
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text).group(1)
        status, state = self.request("GET", f"/p/{self.person['token']}/worksheets/{key}/state")
        state = json.loads(state)
        self.sheets[key] = {"version": state["version"], "state": state.get("state") or {}, "known": True}

    def form(self, key: str, text: str, save_key: str) -> bytes:
        return autosave_form(self.sheets[key], key, self.row, text, self.csrf, save_key).encode()

    def save(self, key: str, number: int) -> None:
        text = f"{self.row} save {number}"
        save_key = secrets.token_hex(16)
        for _attempt in range(5):  # a network error resends the same save key
            started = time.perf_counter()
            try:
                status, body = self.request(
                    "POST", f"/p/{self.person['token']}/worksheets/{key}/save", self.form(key, text, save_key),
                    {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.csrf})
            except OSError:
                time.sleep(1)
                continue
            self.latencies.append(time.perf_counter() - started)
            if status == 200:
                result = json.loads(body)
                self.sheets[key] = {"version": result["version"], "state": result["state"], "known": True}
                self.acknowledged[key] = text
                self.saves.append(save_key)
                return
            self.failures += 1
            self.refusals.append((status, body[:200]))
            return
        self.failures += 1
        self.refusals.append(("network", b""))

    def run(self) -> None:
        time.sleep(random.uniform(0, self.interval))  # people do not all open the page at one instant
        for key in ("M1", "M11"):
            self.open(key)
        number = 0
        while not self.stop.is_set():
            number += 1
            for key in ("M1", "M11"):
                self.save(key, number)
            self.stop.wait(self.interval * random.uniform(0.8, 1.2))
        self.results[self.person["id"]] = self


def _older(stored: str | None, acknowledged: str) -> bool:
    """Whether the stored "<row> save <n>" is missing or older than the acknowledged one (a
    later save may have replaced it: sent, stored, its answer cut off by the end of the run)."""
    def number(text):
        return int(text.rsplit(" ", 1)[1])

    return not stored or not stored.startswith(acknowledged.rsplit(" ", 1)[0] + " ") or \
        number(stored) < number(acknowledged)


def verify(url: str, people: list[dict], clients: dict) -> tuple[int, int]:
    """Count lost saves (an acknowledged text missing, or replaced by an older one) and
    misattributed revisions."""
    from app import create_app
    from app.extensions import db
    from app.toolkit.models import WorksheetRevision
    from app.toolkit.operations import sheet_for
    from app.registrations.models import Registration

    import sqlalchemy as sa

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    lost = misattributed = 0
    with app.app_context():
        for person in people:
            client = clients[person["id"]]
            registration = db.session.get(Registration, person["id"])
            for exercise in registration.course.exercises:
                sheet = sheet_for(exercise, registration, create=False)
                table, column = ("actors", "actor") if exercise.module_key == "M1" else ("actions", "action")
                answers = sheet.answers if sheet else {}  # (a sheet no one saved is not there)
                mine = [r for r in (answers.get(table) or []) if r.get("row_id") == client.row]
                if client.acknowledged.get(exercise.module_key) and \
                        (len(mine) != 1 or _older(mine[0].get(column), client.acknowledged[exercise.module_key])):
                    lost += 1
        owners = {key: pid for pid, client in clients.items() for key in client.saves}
        for save_key, registration_id in db.session.execute(sa.select(
                WorksheetRevision.save_key, WorksheetRevision.registration_id)):
            if save_key in owners and owners[save_key] != registration_id:
                misattributed += 1
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(WorksheetRevision))
    return lost, misattributed, stored


def pack_time(url: str) -> float:
    """Seconds to render the demo course's Viet Nam country pack (median of 5, in a process set
    up as an app server's: :func:`app.freeze_startup_objects`, after a first one), next to
    WeasyPrint's floor (a one-line PDF through the same path)."""
    from app import create_app, freeze_startup_objects
    from app.courses.models import Course
    from app.extensions import db
    from app.pdf import render_pdf_string
    from app.toolkit.documents import country_pack_pdf, pack_file

    import sqlalchemy as sa

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "127.0.0.1:5000",
                      "PDF_CACHE_FOLDER": tempfile.mkdtemp(), "PDF_WAIT_SECONDS": 60})
    freeze_startup_objects()
    with app.app_context():
        from app.demo import seed

        seed()
        db.session.commit()
        course = db.session.scalar(sa.select(Course).where(Course.slug == "jakarta-2025-wps"))
        with app.test_request_context():
            # The first in a process loads fonts and templates, and learns how tall the headers
            # print (laid out twice where one needs more than the usual top margin).
            first = _seconds(lambda: country_pack_pdf(course, "VN"))
            render_pdf_string("<p>ok</p>")
            floor = statistics.median(_seconds(lambda: render_pdf_string("<p>ok</p>")) for _ in range(9))
            elapsed = statistics.median(_seconds(lambda: country_pack_pdf(course, "VN")) for _ in range(5))
            pdf = country_pack_pdf(course, "VN")
            pack_file(course, "VN", since=time.time())  # rendered into the cache, as the first download does
            cached = _seconds(lambda: pack_file(course, "VN", since=0).read_bytes())  # a later download
        print(f"Viet Nam country pack: {elapsed:.2f} s ({elapsed / floor:.0f}x WeasyPrint's floor of "
              f"{floor * 1000:.0f} ms), {len(pdf) // 1024} kB; from the cache {cached * 1000:.0f} ms; "
              f"the first in the process {first:.2f} s")
        return elapsed


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def save_cpu(url: str, saves: int = 40) -> tuple[float, float]:
    """CPU ms of one autosave of the demo's Viet Nam M11 team sheet grown to 19 rows (the changed
    row posted, as worksheet.js sends it; the whole form printed beside it), and of a bare "ok"
    route, in-process through Flask's test client on the same database."""
    import tempfile

    import sqlalchemy as sa
    from werkzeug.datastructures import MultiDict

    from app import create_app
    from app.courses.models import Course
    from app.demo import SLUG
    from app.extensions import db
    from app.registrations.models import Registration
    from app.toolkit import operations, posted

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "PDF_CACHE_FOLDER": tempfile.mkdtemp()})
    app.add_url_rule("/bench-bare", "bench_bare", lambda: "ok")
    with app.app_context(), app.test_request_context(method="POST"):  # it writes: not a GET
        person = db.session.scalar(sa.select(Registration).join(Course).where(
            Course.slug == SLUG, Registration.status == "approved", Registration.country == "VN")
            .order_by(Registration.id))
        sheet = grow_team_sheet(person, "M11", 19)
        state = posted.state(sheet.exercise.module, operations.context(sheet), sheet.answers)
        token, version = person.token, sheet.version
    fields = [(name, value) for name, values in state["fields"].items() for value in values]
    rows = {}  # the page's inputs of each row
    for table, table_rows in state["rows"].items():
        for number, row in enumerate(table_rows):
            rows[(table, number)] = [(f"{table}-{number}-{name}", value)
                                     for name, values in row["cells"].items() for value in values]
    client, base = app.test_client(), os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    def save(text: str, version: int, whole: bool) -> int:
        """Row 1's action typed: the whole form, or (as worksheet.js sends once it knows the
        server's state) the fields outside tables and that row."""
        sent = [pair for key, pairs in rows.items() if whole or key == ("actions", 0) for pair in pairs]
        data = MultiDict(fields + sent + [("actions-0-action", text), ("version", str(version)),
                                          ("save_key", secrets.token_hex(8))] + ([] if whole else [("delta", "1")]))
        response = client.post(f"/p/{token}/worksheets/M11/save", data=data, base_url=base)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
        assert len(response.get_json()["rows"]["actions"]) == 19
        return response.get_json()["version"]

    for number in range(5):  # warm up
        version = save(f"Warm-up {number}", version, whole=number % 2 == 0)
        client.get("/bench-bare", base_url=base)
    started = time.process_time()
    for _ in range(saves * 5):
        client.get("/bench-bare", base_url=base)
    bare_ms = (time.process_time() - started) * 1000 / (saves * 5)
    measured = {}
    for whole in (True, False):
        started = time.process_time()
        for number in range(saves):
            version = save(f"Action typed {whole} {number}", version, whole)
        measured[whole] = (time.process_time() - started) * 1000 / saves
    print(f"CPU per save of a 19-row M11 team sheet: {measured[False]:.1f} ms sending the changed row "
          f"({measured[False] / bare_ms:.0f}x), {measured[True]:.1f} ms sending the whole form "
          f"({measured[True] / bare_ms:.0f}x); bare route {bare_ms:.2f} ms")
    return measured[False], bare_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--cpu-only", action="store_true",
                        help="only the in-process CPU per save (no server, no load)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    url = database_url(args.database, tmp)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + secrets.token_hex(8),
           "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000")}
    env.pop("REDIS_URL", None)
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    os.environ.update(DATABASE_URL=url, SECRET_KEY=env["SECRET_KEY"], BASE_URL=env["BASE_URL"])
    if args.cpu_only:
        pack_time(url)  # seeds the demo course
        save_ms, bare_ms = save_cpu(url)
        print(f"save_cpu_ms={save_ms:.1f} bare_ms={bare_ms:.2f}")
        return
    people, _slug = setup(url, args.participants)
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind",
                               f"127.0.0.1:{port}", "app.wsgi:app"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL,  # not a pipe: unread, it would fill and stop the server
                              stderr=open(os.path.join(tmp, "server.log"), "wb"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        stop, results = threading.Event(), {}
        clients = [Participant(person, port, args.interval, stop, results) for person in people]
        print(f"{args.database}: {len(clients)} participants, a save every {args.interval:g} s "
              f"for {args.duration:g} s …", flush=True)
        for client in clients:
            client.start()
        time.sleep(args.duration)
        stop.set()
        for client in clients:
            client.join(timeout=120)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies = sorted(t for client in clients for t in client.latencies)
    failures = sum(client.failures for client in clients)
    refusals = [refusal for client in clients for refusal in client.refusals]
    for status in sorted({str(status) for status, _body in refusals}):
        found = [body for code, body in refusals if str(code) == status]
        print(f"refused or failed with {status}: {len(found)}, e.g. {found[0]!r}")
    lost, misattributed, stored = verify(url, people, {c.person["id"]: c for c in clients})
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(f"saves: {len(latencies)} sent, {failures} refused or failed, {stored} revisions stored")
    print(f"latency: p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    print(f"lost saves: {lost}, misattributed saves: {misattributed}")
    pack_time(url)
    save_ms, bare_ms = save_cpu(url)
    print(f"save_p95_ms={quantiles[94] * 1000:.0f} save_cpu_ms={save_ms:.1f} bare_ms={bare_ms:.2f} "
          f"lost={lost}")
    sys.exit(1 if lost or misattributed or failures else 0)


if __name__ == "__main__":
    main()
