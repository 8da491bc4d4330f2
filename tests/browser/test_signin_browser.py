"""Sign-in hardening (issue 15) in headless Chromium: a trainer switches two-step sign-in on from
the staff navigation and signs in with a code; a forgotten password is reset through the emailed
link, which then stops working; the sign-in and code forms work from the keyboard alone and
announce their errors; and the code and reset pages speak Khmer."""
import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from app.auth import second_factor
from app.i18n import _, use_language
from app.mail.models import OutboxMessage
from helpers import PASSWORD, wait_until

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a fresh long password"
WRONG_CODE_MESSAGE = "The code is not correct."
FORM_PATHS = ("/login", "/login/code")  # with /login/reset/…: they answer bad input with a 400


def watch(page) -> list[str]:
    """The page's console errors and uncaught exceptions (CSP violations are console errors).

    Chromium also logs each 400 response as "Failed to load resource"; the forms answer bad
    input with a 400 page on purpose, so those of the pages themselves are not problems."""
    problems = []

    def note(message):
        if message.type != "error" and "Content Security Policy" not in message.text:
            return
        path = urlsplit(message.location["url"]).path
        if "status of 400" in message.text and (path in FORM_PATHS
                                                or path.startswith("/login/reset/")):
            return
        problems.append(f"{message.type}: {message.text} ({message.location['url']})")

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def sign_in_with_password(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def is_signed_in(page) -> bool:
    return main_nav(page).get_by_role("button", name="Sign out").count() == 1


def codes_around_now(secret: str) -> set[str]:
    totp = pyotp.TOTP(secret)
    now = time.time()
    return {totp.at(now + 30 * step) for step in range(-3, 4)}


def wrong_code(secret: str) -> str:
    """Six digits that are no code of this secret now or in the steps around it."""
    taken = codes_around_now(secret)
    return next(code for code in (f"{digit}" * 6 for digit in range(10)) if code not in taken)


def next_step_code(secret: str) -> str:
    """The code of the next 30-second step: accepted (one step of drift is allowed) and newer
    than a code just used, without waiting for the clock."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def reset_link_for(db, email: str) -> str:
    db.session.rollback()  # see what the live server committed
    body = db.session.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.recipient == email))
    assert body is not None, "no reset email in the outbox"
    found = re.search(r"https?://\S+/login/reset/\S+", body)
    assert found, body
    return found.group(0)


def test_a_trainer_switches_two_step_sign_in_on_and_then_needs_a_code(
        live_server, new_page, make_user, db):
    trainer = make_user(email="two.step@example.org")
    page = new_page()
    problems = watch(page)

    sign_in_with_password(page, live_server, trainer.email, PASSWORD)
    page.wait_for_url(f"{live_server}/manage/courses/")
    main_nav(page).get_by_role("link", name="Two-step sign-in").click()
    page.wait_for_url(f"{live_server}/manage/account/security")
    assert page.inner_text("h1") == "Two-step sign-in"

    qr = page.get_by_role("img", name="QR code to add Lokakarya to your authenticator app")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    wait_until(lambda: qr.evaluate("image => image.complete"))
    assert qr.evaluate("image => image.naturalWidth") > 0
    assert qr.is_visible()

    key = page.locator("main code").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key), key  # in groups of four
    secret = key.replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch on").click()
    page.wait_for_url(f"{live_server}/manage/account/security")
    assert "Two-step sign-in is on" in page.inner_text(".flashes")
    db.session.rollback()
    db.session.refresh(trainer)
    assert trainer.totp_secret == secret

    main_nav(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/")
    assert not is_signed_in(page)

    # The password alone now leads to the code page, not in.
    sign_in_with_password(page, live_server, trainer.email, PASSWORD)
    page.wait_for_url(f"{live_server}/login/code")
    assert not is_signed_in(page)
    code_field = page.get_by_label("Code from your authenticator app")
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    assert code_field.get_attribute("inputmode") == "numeric"

    code_field.fill(wrong_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{live_server}/login/code"
    assert WRONG_CODE_MESSAGE in page.inner_text("#code-error")
    assert page.get_by_role("alert").is_visible()
    assert not is_signed_in(page)
    page.goto(f"{live_server}/manage/courses/")  # still kept out
    assert page.url.startswith(f"{live_server}/login?next=")

    page.goto(f"{live_server}/login/code")  # the password step is still remembered
    page.get_by_label("Code from your authenticator app").fill(next_step_code(secret))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/manage/courses/")
    assert is_signed_in(page)
    page.goto(f"{live_server}/manage/account/security")
    assert "Two-step sign-in is on" in page.inner_text("main")

    assert problems == []


def test_a_forgotten_password_is_reset_through_the_emailed_link_once(
        live_server, new_page, make_user, db):
    user = make_user(email="forgetful@example.org")
    page = new_page()
    problems = watch(page)

    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(f"{live_server}/login/forgot")
    page.get_by_label("Email").fill(user.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    assert page.inner_text("h1") == "Check your email"

    link = reset_link_for(db, user.email)
    assert link.startswith(f"{live_server}/login/reset/")  # BASE_URL: the site the user uses
    page.goto(link)
    assert page.inner_text("h1") == "Choose a new password"
    page.locator("#password").fill(NEW_PASSWORD)  # "New password", not "New password again"
    page.get_by_label("New password again").fill("something else entirely")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.url == link
    assert page.inner_text("#confirm-error") == "The two passwords differ."
    assert page.get_by_role("alert").is_visible()
    assert page.get_attribute("#confirm", "aria-invalid") == "true"
    assert page.get_attribute("#confirm", "aria-describedby") == "confirm-error"

    page.locator("#password").fill(NEW_PASSWORD)  # "New password", not "New password again"
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/login")
    assert "Your new password is set" in page.inner_text(".flashes")

    sign_in_with_password(page, live_server, user.email, PASSWORD)  # the old one is gone
    assert "The email or password is not correct." in page.get_by_role("alert").inner_text()
    sign_in_with_password(page, live_server, user.email, NEW_PASSWORD)
    page.wait_for_url(f"{live_server}/manage/courses/")
    assert is_signed_in(page)

    response = page.goto(link)
    assert response.status == 400
    assert page.inner_text("h1") == "This link does not work any more"
    assert page.get_by_role("link", name="Ask for a new link").get_attribute("href") \
        == "/login/forgot"

    assert problems == []


def tab_to(page, target_id: str, limit: int = 15) -> list[str]:
    """Press Tab from where the focus is until ``#target_id`` has it; the stops on the way."""
    stops = []
    for _step in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        if stop == f"#{target_id}":
            return stops
    raise AssertionError(f"Tab never reached #{target_id}: {stops}")


def focused(page) -> str:
    """The element with the focus: ``#id``, or ``form button``/``header a`` and its text."""
    return page.evaluate("""() => {
        const element = document.activeElement;
        if (element.id) return '#' + element.id;
        const where = element.closest('main form') ? 'form' : element.closest('header') ? 'header'
            : element.closest('main') ? 'main' : 'page';
        return where + ' ' + element.tagName.toLowerCase() + ' ' + element.textContent.trim();
    }""")


def assert_announced(page, field_id: str) -> None:
    """As every form in the app: the error summary is a role=alert, and the field points at its
    own message with aria-describedby (and says it is invalid)."""
    assert page.get_by_role("alert").is_visible()
    described = page.get_attribute(f"#{field_id}", "aria-describedby")
    assert described == f"{field_id}-error"
    assert page.inner_text(f"#{described}").strip() != ""
    assert page.get_attribute(f"#{field_id}", "aria-invalid") == "true"


def test_the_sign_in_and_code_forms_work_from_the_keyboard_alone(
        live_server, new_page, make_user, db):
    user = make_user(email="keyboard@example.org")
    secret = second_factor.new_secret()
    second_factor.enrol(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
    db.session.commit()
    page = new_page()
    problems = watch(page)
    page.goto(f"{live_server}/login")

    # From the top of the page: the header's links, then the email, the password, the button.
    stops = tab_to(page, "email")
    assert not any(stop.startswith(("#", "form ", "main ")) for stop in stops[:-1]), stops
    page.keyboard.press("Tab")
    assert focused(page) == "#password"
    page.keyboard.press("Tab")
    assert focused(page) == "form button Sign in"

    with page.expect_navigation():  # nothing typed: the fields say what is missing
        page.keyboard.press("Enter")
    assert_announced(page, "email")
    assert_announced(page, "password")

    tab_to(page, "email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "The email or password is not correct." in page.get_by_role("alert").inner_text()
    assert page.input_value("#email") == user.email  # kept; the password is not

    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert focused(page) == "form button Sign in"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/login/code")

    stops = tab_to(page, "code")
    assert not any(stop.startswith(("#", "form ", "main ")) for stop in stops[:-1]), stops
    page.keyboard.type(wrong_code(secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert WRONG_CODE_MESSAGE in page.inner_text("#code-error")
    assert_announced(page, "code")
    assert not is_signed_in(page)

    tab_to(page, "code")
    page.keyboard.type(next_step_code(secret))
    page.keyboard.press("Tab")
    assert focused(page) == "form button Sign in"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/manage/courses/")
    assert is_signed_in(page)

    assert problems == []


KHMER = re.compile(r"[\u1780-\u17ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
VISIBLE_TEXTS = """() => {
    // Every text a reader meets, outside the language menu's endonyms and the form's values.
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('details.languages ul, script, style, code')) continue;
        if (node.parentElement.closest('details.languages summary')
            && !node.parentElement.closest('.visually-hidden')) continue;
        texts.push(node.textContent);
    }
    for (const element of document.querySelectorAll('[alt], [title], [aria-label]')) {
        for (const name of ['alt', 'title', 'aria-label']) {
            if (element.getAttribute(name)) texts.push(element.getAttribute(name));
        }
    }
    return texts.map(text => text.replace(/\\s+/g, ' ').trim()).filter(Boolean);
}"""


def english_left(page, app, allowed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Texts on the page still in English: (those the Khmer catalogue translates, so the page
    should not show them: bugs; those it does not translate yet: work for the translators)."""
    assert page.get_attribute("html", "lang") == "km"
    texts = page.evaluate(VISIBLE_TEXTS)
    assert any(KHMER.search(text) for text in texts)
    leaking, untranslated = [], []
    with app.test_request_context(), use_language("km"):
        for text in texts:
            if KHMER.search(text):  # translated (a translator may keep a word such as "spam")
                continue
            rest = text
            for word in allowed:
                rest = rest.replace(word, "")
            if not LATIN_WORD.search(rest):
                continue
            (untranslated if str(_(text)) == text else leaking).append(text)
    return leaking, untranslated


def test_the_code_and_reset_pages_speak_khmer(app, live_server, new_page, make_user, db):
    user = make_user(email="khmer@example.org")
    secret = second_factor.new_secret()
    second_factor.enrol(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
    db.session.commit()
    allowed = ("Lokakarya", user.email)
    page = new_page()
    problems = watch(page)
    seen = {}

    page.goto(f"{live_server}/login?lang=km")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/login/code")
    seen["code"] = english_left(page, app, allowed)
    page.fill("#code", wrong_code(secret))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#code-error").is_visible()
    seen["code, wrong"] = english_left(page, app, allowed)

    other = new_page()
    problems_there = watch(other)
    other.goto(f"{live_server}/login/forgot?lang=km")
    seen["forgot"] = english_left(other, app, allowed)
    other.fill("#email", user.email)
    with other.expect_navigation():
        other.click("main form button[type=submit]")
    seen["forgot, sent"] = english_left(other, app, allowed)
    link = reset_link_for(db, user.email)
    other.goto(link)
    seen["reset"] = english_left(other, app, allowed)
    other.fill("#password", NEW_PASSWORD)
    other.fill("#confirm", "something else entirely")
    with other.expect_navigation():
        other.click("main form button[type=submit]")
    assert other.locator("#confirm-error").is_visible()
    seen["reset, mismatch"] = english_left(other, app, allowed)
    other.goto(link.replace("/reset/", "/reset/x"))  # a broken link
    seen["reset, invalid"] = english_left(other, app, allowed)

    leaking = {name: found[0] for name, found in seen.items() if found[0]}
    assert leaking == {}, "English shown although the Khmer catalogue translates it"
    # Strings not translated yet are the catalogue completeness test's business; shown with -rP.
    for name, (_leaking, untranslated) in seen.items():
        if untranslated:
            print(f"Not yet in Khmer on the {name} page: {untranslated}")
    assert problems == [] and problems_there == []
