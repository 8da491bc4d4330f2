"""Participants from Thailand, Cambodia, Lao PDR and Myanmar read the demo course on a 390 px
phone in their own script: the course page, the registration form, their personal page, a
worksheet and their certificate's verification page. Long labels wrap; nothing is clipped or
wider than the screen. Screenshots are kept in tests/artifacts/."""
import subprocess
import urllib.request

import pytest
import sqlalchemy as sa

from app.certificates.models import Certificate
from app.extensions import db
from helpers import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser

SCRIPTS = {"th": ("TH", "[\u0e00-\u0e7f]"), "km": ("KH", "[\u1780-\u17ff]"),
           "lo": ("LA", "[\u0e80-\u0eff]"), "my": ("MM", "[\u1000-\u109f]")}

# Elements wider than the screen, leaving out what scrolls inside its own box (wide tables).
OVERFLOW = """() => Array.from(document.querySelectorAll('body *')).filter(e => {
    if (e.closest('.table-scroll, [role=region], script, template, .skip, .visually-hidden')) return false;
    const closed = e.closest('details:not([open])');
    if (closed && !e.closest('summary')) return false;  // not shown until opened
    const box = e.getBoundingClientRect();
    return box.width > 0 && (box.right > window.innerWidth + 1 || box.left < -1);
}).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""

CLIPPED = """() => Array.from(document.querySelectorAll('body *')).filter(e => {
    const style = getComputedStyle(e);
    return style.overflowX === 'hidden' && e.scrollWidth > e.clientWidth + 1
        && !e.closest('.visually-hidden');
}).map(e => e.tagName + '.' + e.className)"""


@pytest.fixture
def demo(demo_course):
    course = demo_course
    people = {}
    for language, (country, _script) in SCRIPTS.items():
        person = next(r for r in course.registrations if r.country == country and r.status == "approved"
                      and any(c.status == "valid" for c in r.certificates))
        person.language = language  # they chose their own language for pages and emails
        people[language] = person
    db.session.commit()
    return course, people


@pytest.mark.parametrize("language", SCRIPTS)
def test_a_participant_reads_everything_in_their_script_on_a_phone(live_server, new_page, demo,
                                                                   language, tmp_path):
    import re

    course, people = demo
    person, script = people[language], re.compile(SCRIPTS[language][1])
    code = db.session.scalar(sa.select(Certificate.code).where(
        Certificate.registration_id == person.id, Certificate.status == "valid"))
    pages = {"course": f"/courses/{course.slug}/?lang={language}",
             "register": f"/courses/{course.slug}/register?lang={language}",
             "personal": f"/p/{person.token}/", "worksheet": f"/p/{person.token}/worksheets/M11",
             "verify": f"/verify/{code}?lang={language}"}
    phone = new_page(**PHONE, extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in pages.items():
        phone.goto(live_server + path)
        assert phone.get_attribute("html", "lang") == language, name
        heading = phone.inner_text("h1")
        body = phone.inner_text("main")
        assert script.search(body), (name, body[:200])
        phone.screenshot(path=ARTIFACTS / f"phone-{language}-{name}.png", full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
        assert phone.evaluate(OVERFLOW) == [], name
        assert phone.evaluate(CLIPPED) == [], name
        assert heading.strip(), name
        if name == "course":  # the language menu, open, stays on the screen too
            phone.click("details.languages summary")
            assert phone.evaluate(OVERFLOW) == [], "language menu"
            phone.screenshot(path=ARTIFACTS / f"phone-{language}-menu.png")
            phone.click("details.languages summary")

    # The certificate itself: English and the participant's language, in their script.
    with urllib.request.urlopen(f"{live_server}/p/{person.token}/certificate.pdf") as response:
        (tmp_path / "certificate.pdf").write_bytes(response.read())
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "certificate.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert script.search(text) and "Certificate of Participation" in text
