"""Latency, throughput and transferred bytes of the main public pages against a running server.

    make run &                      # in another terminal
    .venv/bin/python bench/pages.py --requests 500 --concurrency 8
    .venv/bin/python bench/pages.py --transfer-only --page /p/<token>/   # add a page

Latency: requests per second and p50/p95 of each page, next to /healthz (the bare route), asked
as a browser asks (accepting compressed answers).
Transfer: bytes of the bodies on the wire, per page, without compression, with gzip and with
what a browser accepts (gzip, deflate, br, zstd): the HTML alone; a first visit (the HTML, its
stylesheets, scripts, images and the icon a browser picks, /favicon.ico when it links none);
a later visit (the HTML, plus what the browser must ask again: assets whose Cache-Control lets
it keep them are not asked, the others are revalidated with their ETag, a 304 carrying no
body). Ends with `course_first_bytes=… course_later_bytes=…` (br) for the course page.

CPU and SQL (in-process, no server needed; ``--cpu-only`` for this part alone): the seeded demo
course on a throw-away SQLite file (``--database postgresql``: the database lokakarya_bench on
127.0.0.1:5432, dropped and made again), each page asked ``--cpu-requests`` times through Flask's
test client, each request in its own app context as in production: CPU ms per request
(``time.process_time``), SQL statements and HTML kB per request, next to a bare "ok" route; the
public pages above and what participants (personal page, worksheet list, their country team's M11
action plan grown to 19 rows) and trainers (registrations, attendance, certificates, exercises)
look at.

Sends only to the given loopback URL, a bounded number of requests, then stops.
"""
import argparse
import http.client
import re
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from support import database_url, grow_team_sheet

COURSE = "/courses/jakarta-2025-wps/"
PAGES = ["/", COURSE, COURSE + "?lang=vi", "/login"]
BARE = "/healthz"
ENCODINGS = {"identity": "identity", "gzip": "gzip", "br": "gzip, deflate, br, zstd"}


def fetch(url: str) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Accept-Encoding": ENCODINGS["br"]})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return time.perf_counter() - started


def latency(base: str, pages: list[str], requests: int, concurrency: int) -> None:
    for page in [BARE, *pages]:
        url = base + page
        fetch(url)  # warm up
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            timings = sorted(pool.map(fetch, [url] * requests))
        wall = time.perf_counter() - started
        p95 = timings[int(len(timings) * 0.95) - 1]
        label = f"{page} (bare)" if page == BARE else page
        print(f"{label:40} {requests / wall:7.1f} req/s"
              f"  p50 {statistics.median(timings) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms")


class Assets(HTMLParser):
    """The same-site files a browser fetches to show a page: stylesheets, scripts, images and
    one icon (the SVG one if linked, as Chrome and Firefox choose; else the first linked; else
    /favicon.ico)."""

    def __init__(self):
        super().__init__()
        self.urls, self.icons = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        if tag == "link" and "stylesheet" in rel and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "link" and "icon" in rel and attrs.get("href"):
            self.icons.append((attrs.get("type") == "image/svg+xml", attrs["href"]))
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])

    def files(self) -> list[str]:
        svg = [href for is_svg, href in self.icons if is_svg]
        return self.urls + (svg or [href for _, href in self.icons] or ["/favicon.ico"])[:1]


class Browser:
    """One connection, the request headers a browser sends, and the bodies' sizes as sent."""

    def __init__(self, base: str, accept_encoding: str):
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        self.accept_encoding = accept_encoding

    def get(self, path: str, etag: str | None = None) -> tuple[int, bytes, http.client.HTTPMessage]:
        headers = {"Accept-Encoding": self.accept_encoding, "Sec-Fetch-Site": "same-origin"}
        if etag:
            headers["If-None-Match"] = etag
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read(), response.headers

    def close(self) -> None:
        self.connection.close()


def kept(headers) -> bool:
    """Whether a browser reuses this answer without asking again (for a while, at least)."""
    cache = (headers.get("Cache-Control") or "").lower()
    age = re.search(r"max-age=(\d+)", cache)
    fresh = bool(age) and int(age.group(1)) > 0
    return fresh and "no-cache" not in cache and "no-store" not in cache


def visits(base: str, page: str, accept_encoding: str) -> dict:
    """Bytes and requests of the HTML alone, a first visit and a later one."""
    browser = Browser(base, accept_encoding)
    try:
        status, html, _ = browser.get(page)
        assert status == 200, (page, status)
        reader = Browser(base, "identity")
        parser = Assets()
        parser.feed(reader.get(page)[1].decode("utf-8"))
        reader.close()
        assets = [path for path in dict.fromkeys(urljoin(page, url) for url in parser.files())
                  if not urlsplit(path).netloc]
        first, later, later_requests = len(html), len(html), 1
        for path in assets:
            status, body, headers = browser.get(path)
            first += len(body)
            if status == 200 and not kept(headers):  # a missing icon is not asked for again
                status, body, _ = browser.get(path, headers.get("ETag"))
                later += len(body) if status != 304 else 0
                later_requests += 1
        return {"html": len(html), "first": first, "first_requests": 1 + len(assets),
                "later": later, "later_requests": later_requests}
    finally:
        browser.close()


def transfer(base: str, pages: list[str]) -> dict:
    print("\ntransferred body bytes (first visit: HTML + CSS, JS, images, icon; later visit: "
          "what the browser still asks for)")
    print(f"{'page':40} {'encoding':9} {'html':>8} {'first visit':>12} {'req':>4}"
          f" {'later visit':>12} {'req':>4}")
    results = {}
    for page in [BARE, *pages]:
        for name, accept in ENCODINGS.items():
            if page == BARE:
                browser = Browser(base, accept)
                size = len(browser.get(page)[1])
                browser.close()
                result = {"html": size, "first": size, "first_requests": 1,
                          "later": size, "later_requests": 1}
            else:
                result = visits(base, page, accept)
            results[page, name] = result
            label = (f"{page} (bare)" if page == BARE else page) if name == "identity" else ""
            print(f"{label:40} {name:9} {result['html']:>8,}"
                  f" {result['first']:>12,} {result['first_requests']:>4}"
                  f" {result['later']:>12,} {result['later_requests']:>4}")
    return results


def in_process(pages: list[str], requests: int, database: str = "sqlite") -> None:
    """CPU ms and SQL statements per request of each page, served in-process from the demo."""
    import os
    import tempfile

    import sqlalchemy as sa
    from sqlalchemy import event

    from app import create_app
    from app.courses.models import Course
    from app.demo import SLUG, TRAINER
    from app.extensions import db
    from app.registrations.models import Registration

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(database, tmp), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": tmp,
                      "PDF_CACHE_FOLDER": os.path.join(tmp, "pdf-cache")})
    app.add_url_rule("/bench-bare", "bench_bare", lambda: "ok")
    password = "bench-password-1"
    os.environ["DEMO_TRAINER_PASSWORD"] = password
    with app.app_context():  # the set-up's own context; each request below gets a fresh one
        db.create_all()
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        person = db.session.scalar(sa.select(Registration).join(Course).where(
            Course.slug == SLUG, Registration.status == "approved", Registration.country == "VN")
            .order_by(Registration.id))
        token = person.token
        grow_team_sheet(person, "M11", 19)
        engine = db.engine
    manage = f"/manage/courses/{SLUG}"
    participant_pages = [f"/p/{token}/", f"/p/{token}/worksheets/", f"/p/{token}/worksheets/M11"]
    staff_pages = [f"{manage}/registrations/", f"{manage}/attendance", f"{manage}/certificates/",
                   f"/courses/{SLUG}/exercises", f"/courses/{SLUG}/exercises/M11/"]
    visitor, trainer = app.test_client(), app.test_client()
    response = trainer.post("/login", data={"email": TRAINER, "password": password})
    assert response.status_code == 302, response.status_code
    sent = []
    event.listen(engine, "before_cursor_execute", lambda *args, **kwargs: sent.append(1))
    print(f"\nCPU and SQL per request, in-process (demo course, {database}, {requests} requests each)")
    print(f"{'page':48} {'CPU ms':>8} {'SQL':>5} {'× bare':>7} {'HTML kB':>8}")
    bare_ms = None
    for page in ["/bench-bare", *pages, *participant_pages, *staff_pages]:
        client = trainer if page in staff_pages else visitor
        for _ in range(3):  # warm up: templates compiled, caches filled
            response = client.get(page)
            assert response.status_code == 200, page
        sent.clear()
        started = time.process_time()
        for _ in range(requests):
            client.get(page)
        cpu_ms = (time.process_time() - started) * 1000 / requests
        bare_ms = bare_ms or cpu_ms
        label = f"{page} (bare)" if page == "/bench-bare" else page
        print(f"{label[:48]:48} {cpu_ms:8.2f} {len(sent) // requests:5d} {cpu_ms / bare_ms:7.1f}"
              f" {len(response.get_data()) / 1000:8.1f}")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page", action="append", default=[],
                        help="another page to measure (a path), e.g. a personal link")
    parser.add_argument("--transfer-only", action="store_true", help="only the transferred bytes")
    parser.add_argument("--cpu-only", action="store_true",
                        help="only CPU and SQL per page, in-process (no server needed)")
    parser.add_argument("--cpu-requests", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="for CPU and SQL: a throw-away SQLite file, or the PostgreSQL "
                             "database lokakarya_bench on 127.0.0.1:5432 (dropped and made again)")
    args = parser.parse_args()
    host = urlsplit(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmarks only run against this machine")
    pages = PAGES + args.page
    if not args.transfer_only:
        in_process(PAGES, args.cpu_requests, args.database)
    if args.cpu_only:
        return
    if not args.transfer_only:
        latency(args.base, pages, args.requests, args.concurrency)
    results = transfer(args.base, pages)
    course = results[COURSE, "br"]
    print(f"course_first_bytes={course['first']} course_later_bytes={course['later']}")


if __name__ == "__main__":
    main()
