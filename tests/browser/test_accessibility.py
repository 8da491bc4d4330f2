"""axe-core over every page of the seeded demo, at 1280 px and 320 px wide, in English and Khmer:
no WCAG 2.2 A/AA violation (issue 18).

The pages are the app's GET routes for the public, participants and staff, with the demo's ids as
the role matrix builds them (tests/test_role_matrix.py): a new page is checked without being
listed here. What is not a page (a file, a PDF, JSON) is named in :data:`NOT_PAGES`; a route
answering something else than HTML fails the test until it is. Each language has one browser
context: the public and personal pages first, anonymously, then the staff pages with the
administrator's cookies (signed in once for the module). Each page is loaded once per language
and checked at both widths (the viewport resized: the stylesheet's media queries apply as on a
fresh load), which halves the page loads of a context per width.

axe-core comes from the npm registry (package.json, pinned by package-lock.json; ``make install``
runs ``npm ci``) and is injected from node_modules: no CDN.
"""
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from app.courses.models import Course
from app.demo_seminar import SLUG as SEMINAR
from app.extensions import db as database
from app.toolkit.models import Exercise
from helpers import PASSWORD
from test_role_matrix import (ADMIN, CHECKIN, COURSE_STAFF, PERSONAL, PERSONAL_RECORD, PUBLIC,
                              STAFF, access_class, url_for)
from test_role_matrix import seeded, world  # noqa: F401 (fixtures: the demo seeded once a module)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"1280": {"width": 1280, "height": 800}, "320": {"width": 320, "height": 640}}
LANGUAGES = ("en", "km")
VISITORS = (PUBLIC, PERSONAL, PERSONAL_RECORD, CHECKIN)  # in this order, before signing in
SIGNED_IN = (STAFF, COURSE_STAFF, ADMIN)
# GET routes that answer a file, not a page (the API's own pages are third-party Swagger UI or
# JSON: tests/test_api.py covers them).
NOT_PAGES = {"static", "core.alive", "core.ready", "core.metrics", "organisations.logo", "certificates.job_file",
             "toolkit.state"}
FILE_SUFFIXES = (".pdf", ".ics", ".json", ".xlsx", ".js", ".css", ">")  # ">": export.<format>

# A rule a page breaks on purpose, with the reason (WCAG 2.2.1's "essential" exception).
ESSENTIAL = {("agenda.projector", "meta-refresh"):
             "the projected QR code is valid 30 seconds: the page reloads with the next one"}

RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                        resultTypes: ["violations"], iframes: false})
  .then(result => result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))"""


def pages(app, world) -> dict:
    """{access class: [(endpoint, path), …]}: every GET page with the demo's ids, the worksheet
    of each module of the demo course and the upcoming seminar's open registration form."""
    found = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        kind = access_class(rule)
        if ("GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/")
                or rule.rule.endswith(FILE_SUFFIXES) or kind not in VISITORS + SIGNED_IN):
            continue
        found.setdefault(kind, []).append((rule.endpoint, url_for(rule, world, "participant")))
    keys = database.session.scalars(sa.select(Exercise.module_key).join(Course).where(
        Course.slug == world.args["slug"]).order_by(Exercise.position)).all()
    token = world.participant["token"]
    found[PERSONAL_RECORD] += [("toolkit.fill", f"/p/{token}/worksheets/{key}")
                               for key in keys if key != "M11"]
    found[PUBLIC].append(("registrations.register", f"/courses/{SEMINAR}/register"))
    return {kind: list(dict.fromkeys(paths)) for kind, paths in found.items()}


@pytest.fixture(scope="module")
def staff_cookies(browser, live_server, seeded):
    """The administrator's session cookies, signed in once through the form."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", seeded.emails["admin"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/manage/courses/")
    cookies = context.cookies()
    context.close()
    return cookies


def in_language(path: str, language: str) -> str:
    parts = urlsplit(path)
    return f"{parts.path}?{parts.query + '&' if parts.query else ''}{urlencode({'lang': language})}"


def check_page(page, base: str, endpoint: str, path: str, language: str) -> list[str]:
    """axe's violations on ``path`` at each width (one line each: rule, targets, width, page)."""
    response = page.goto(base + in_language(path, language))
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    kind = response.headers.get("content-type", "")
    assert kind.startswith("text/html"), f"{path} answers {kind}: add its endpoint to NOT_PAGES"
    found = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        found += [f"{v['rule']} ({v['impact']}: {v['help']}) at {v['targets']}, {width} px, on {path}"
                  for v in page.evaluate(RUN_AXE, TAGS) if (endpoint, v["rule"]) not in ESSENTIAL]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_wcag_violation(app, world, browser, live_server, staff_cookies, language):
    assert AXE.exists(), "axe-core is missing: run `make install` (npm ci)."
    listed = pages(app, world)
    context = browser.new_context(bypass_csp=True)
    context.add_init_script(path=AXE)  # in every page, before its own scripts
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = []
    try:
        for kind in VISITORS:
            for endpoint, path in listed.get(kind, []):
                found += check_page(page, live_server, endpoint, path, language)
        context.add_cookies(staff_cookies)
        for kind in SIGNED_IN:
            for endpoint, path in listed.get(kind, []):
                found += check_page(page, live_server, endpoint, path, language)
    finally:
        context.close()
    assert found == [], f"{len(found)} violations in {language}:\n" + "\n".join(found)


def test_a_long_choice_shows_whole_in_a_closed_select_on_a_phone(world, live_server, new_page):
    page = new_page(viewport=WIDTHS["320"])
    page.goto(f"{live_server}/courses/{SEMINAR}/register")
    page.select_option("#country", "VN")
    page.select_option("#organisation_type", "government")
    longest = page.eval_on_selector("#ministry", """select => [...select.options]
        .filter(option => option.value.startsWith("VN:"))
        .sort((one, other) => other.text.length - one.text.length)[0].value""")
    page.select_option("#ministry", longest)
    box = page.eval_on_selector("#ministry", """select => ({right: select.getBoundingClientRect().right,
        height: select.getBoundingClientRect().height, font: parseFloat(getComputedStyle(select).fontSize),
        text: select.selectedOptions[0].text})""")
    assert len(box["text"]) > 80  # several lines' worth at 320 px
    assert box["right"] <= 320 and box["height"] >= 3 * box["font"], box  # wrapped, not cut
