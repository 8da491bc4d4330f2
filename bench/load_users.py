"""The simulated users of `load.py`, run by it in a process of their own (locust as a library).

    .venv/bin/python bench/load_users.py PLAN.json RESULTS.json

Locust patches the standard library for gevent when it is imported, so the users live apart
from the process that starts the servers, kills them and checks the database. ``PLAN.json``
(written by `load.py`) names the servers, the people and the run's length; ``RESULTS.json``
receives every request (start, kind, ms, ok, what went wrong) and every acknowledged write.

Each participant is a phone at a workshop: it opens its personal page (the cookie that check-in
needs) and its two worksheets, then every ``interval`` seconds autosaves one of them, as
worksheet.js does (the fields outside tables and the changed row: the page knows the server's
rows; the version it started from, a fresh save key, resent unchanged after a network error), and between two saves, half the time, does one other thing:
the course page, the agenda, its personal page, a registration on the open seminar (the public
form with its CSRF token), a QR check-in to a session of the demo course, or its certificate.
One more user asks for the bare route (``/healthz``) twice a second.
"""
import json
import random
import re
import secrets
import string
import sys
import time

from locust import HttpUser, constant, events, task  # patches the standard library for gevent
from locust.env import Environment
import gevent

from worksheets import autosave_form

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN = re.compile(r"/p/([^/?]+)/")  # where an accepted registration sends the browser
TIMEOUT = 30  # seconds: a request that takes longer counts as a hang
RAMP_S = 30  # the users arrive over this many seconds (phones opened after the trainer's word)

plan = json.loads(open(sys.argv[1], encoding="utf-8").read())
samples = []  # [start (epoch s), kind, ms, ok, detail, server]
acknowledged = {"registrations": [], "checkins": [], "saves": {}}


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, context=None,
           exception=None, start_time=None, url=None, **_kwargs):
    detail = ""
    if exception is not None:
        status = getattr(response, "status_code", 0) or 0
        body = (getattr(response, "text", "") or "")[:4000] if status else ""
        if not status:
            error = str(exception)
            detail = "timeout" if "timed out" in error.lower() else \
                f"no answer ({error.split('(', 2)[-1][:60].strip()})"
        elif "<!doctype html" in body.lower() and "<h1>" in body:
            detail = f"app page {status}"  # the app's translated error page
        elif status and body.lstrip().startswith("{"):
            detail = f"JSON {status}"
        else:
            detail = f"other {status}: {body[:80]!r}"
    samples.append([start_time, name, response_time, exception is None, detail,
                    (context or {}).get("server", "")])


def checkin_code(session_id: int) -> str:
    """The code the projector shows now, computed as the app does (same secret)."""
    from flask import Flask

    from app.agenda import checkin

    app = Flask("bench")
    app.config["SECRET_KEY"] = plan["secret_key"]
    with app.app_context():
        return checkin.code(session_id)


class Participant(HttpUser):
    """One person: autosaves every ``interval`` s and, half the time, does one other thing."""

    wait_time = constant(0)  # the task paces itself
    others = ("course", "agenda", "personal", "register", "checkin", "certificate")
    weights = (3, 2, 3, 1, 2, 1)

    def on_start(self) -> None:
        number = Participant.count = getattr(Participant, "count", -1) + 1
        self.person = plan["people"][number % len(plan["people"])]
        self.demo = plan["demo_people"][number % len(plan["demo_people"])]
        self.server = plan["servers"][number % len(plan["servers"])]
        self.client.base_url = self.server
        self.row = f"p{self.person['id']}"
        self.sheets, self.csrf, self.number = {}, "", 0
        self.mine = acknowledged["saves"].setdefault(str(self.person["id"]), {"texts": {}, "keys": []})
        gevent.sleep(random.uniform(0, plan["interval"]))
        self.call("personal page", "GET", f"/p/{self.demo['token']}/")
        for key in ("M1", "M11"):
            self.open(key)

    def call(self, kind: str, method: str, path: str, expect=(200,), check=None, **kwargs):
        """One request named ``kind``: a failure unless its status is in ``expect`` and
        ``check(response)`` (if given) finds nothing wrong; the response, or None."""
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, path, name=kind, catch_response=True,
                                 context={"server": self.server}, **kwargs) as response:
            if not response.status_code:
                problem = f"no answer ({response.error})"
            elif response.status_code not in expect:
                problem = f"status {response.status_code}"
            else:
                problem = check(response) if check else None
            if problem:
                response.failure(f"{kind}: {problem}")
                return None
            response.success()
            return response

    def open(self, key: str) -> bool:
        token = self.person["token"]
        page = self.call("worksheet page", "GET", f"/p/{token}/worksheets/{key}")
        state = page and self.call("worksheet state", "GET", f"/p/{token}/worksheets/{key}/state")
        if not state:
            return False
        found = CSRF.search(page.text)
        self.csrf = found.group(1) if found else state.json()["csrf_token"]
        body = state.json()
        self.sheets[key] = {"version": body["version"], "state": body.get("state") or {}, "known": True}
        return True

    def save(self) -> None:
        key = ("M1", "M11")[self.number % 2]
        if key not in self.sheets and not self.open(key):
            return
        text, save_key = f"{self.row} save {self.number}", secrets.token_hex(16)
        for _attempt in range(3):  # no answer: the same save key again, as worksheet.js does
            response = self.call("autosave", "POST", f"/p/{self.person['token']}/worksheets/{key}/save",
                                 data=autosave_form(self.sheets[key], key, self.row, text, self.csrf,
                                                    save_key),
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "X-CSRFToken": self.csrf})
            if response is not None:
                result = response.json()
                self.sheets[key] = {"version": result["version"], "state": result["state"], "known": True}
                self.mine["texts"][key] = text
                self.mine["keys"].append(save_key)
                return
            gevent.sleep(2)

    def register(self) -> None:
        path = f"/courses/{plan['open_course']}/register"
        page = self.call("registration form", "GET", path)
        found = page and CSRF.search(page.text)
        if not found:
            return
        unique = "".join(random.choices(string.ascii_lowercase, k=10))  # a passport name: letters
        data = {"csrf_token": found.group(1), "full_name": f"BENCH {unique.upper()}",
                "family_name": "Bench", "given_names": unique.title(), "name_order": "given_first",
                "sex": random.choice(("female", "male")), "age_group": "35-44", "country": "VN",
                "organisation_type": "cso", "organisation": "Bench Network", "position": "Officer",
                "email": f"bench-{unique}@example.org", "language": "en", "certificate_language": "",
                "attendance_mode": "in_person", "confirm_name": "y", "consent": "y",
                "submission_key": secrets.token_hex(16)}
        response = self.call("registration", "POST", path, expect=(302, 303), data=data,
                             check=lambda r: None if TOKEN.search(r.headers.get("Location", ""))
                             else "not sent to a personal page")
        if response is not None:
            acknowledged["registrations"].append(TOKEN.search(response.headers["Location"]).group(1))

    def checkin(self) -> None:
        session_id = random.choice(plan["sessions"])
        path = f"/checkin/{session_id}/{checkin_code(session_id)}"
        page = self.call("check-in page", "GET", path)
        found = page and CSRF.search(page.text)
        if not found:
            return
        response = self.call("check-in", "POST", path, data={"csrf_token": found.group(1)})
        if response is not None:
            acknowledged["checkins"].append([session_id, self.demo["id"]])

    @task
    def workshop(self) -> None:
        started = time.monotonic()
        self.number += 1
        self.save()
        if random.random() < 0.5:
            choice = random.choices(self.others, self.weights)[0]
            if choice == "course":
                self.call("course page", "GET", f"/courses/{plan['course']}/")
            elif choice == "agenda":
                self.call("agenda", "GET", f"/courses/{plan['course']}/agenda")
            elif choice == "personal":
                self.call("personal page", "GET", f"/p/{self.demo['token']}/")
            elif choice == "register":
                self.register()
            elif choice == "checkin":
                self.checkin()
            elif self.demo["certificate"]:
                self.call("certificate", "GET", f"/p/{self.demo['token']}/certificate.pdf")
        pause = plan["interval"] * random.uniform(0.8, 1.2) - (time.monotonic() - started)
        gevent.sleep(max(0.0, pause))


class Bare(HttpUser):
    """The bare route on the first server, twice a second."""

    fixed_count = 1
    wait_time = constant(0.5)

    def on_start(self) -> None:
        self.client.base_url = plan["servers"][0]

    @task
    def bare(self) -> None:
        with self.client.get("/healthz", name="bare", timeout=TIMEOUT, catch_response=True,
                             context={"server": plan["servers"][0]}) as response:
            if response.status_code != 200:
                response.failure(f"bare: status {response.status_code}")


def main() -> None:
    environment = Environment(user_classes=[Participant, Bare], host=plan["servers"][0],
                              events=events)
    runner = environment.create_local_runner()
    users = plan["users"] + 1
    runner.start(users, spawn_rate=max(1, users / RAMP_S))
    gevent.spawn_later(plan["duration"], runner.quit)
    runner.greenlet.join()
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump({"samples": samples, "acknowledged": acknowledged}, fh)


if __name__ == "__main__":
    main()
