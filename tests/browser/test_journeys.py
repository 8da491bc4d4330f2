"""Journeys through the real app in a real browser."""
import re

from helpers import PASSWORD

from helpers import ARTIFACTS, PHONE

TITLE_VI = "Tập huấn địa phương hóa Kế hoạch hành động quốc gia về Phụ nữ, Hòa bình và An ninh"


def test_trainer_creates_a_course_in_vietnamese_and_a_visitor_reads_it_on_a_phone(
        live_server, new_page, make_user):
    trainer = make_user(email="trang@example.org", name="Nguyễn Thị Trang")

    page = new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(trainer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/manage/courses/")

    page.get_by_role("link", name="New course").click()
    page.fill("#title-en", "Localizing national action plans on WPS")
    page.fill("#title-vi", TITLE_VI)
    page.fill("#slug", "hanoi-2026-nap")
    page.fill("#start_date", "2026-12-07")
    page.fill("#end_date", "2026-12-08")
    page.fill("#city-en", "Hanoi")
    page.fill("#city-vi", "Hà Nội")
    page.select_option("#country", "VN")
    page.select_option("#timezone", "Asia/Ho_Chi_Minh")
    page.select_option("#mode", "hybrid")
    page.fill("#contact_hours", "12")
    page.fill("#objectives-0-text-en", "Share experience of NAP drafting")
    page.fill("#objectives-0-text-vi", "Chia sẻ kinh nghiệm xây dựng kế hoạch hành động quốc gia")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/manage/courses/hanoi-2026-nap/")
    assert "The course is created." in page.inner_text(".flashes")

    visitor = new_page(**PHONE)
    visitor.goto(f"{live_server}/courses/hanoi-2026-nap/?lang=vi")
    assert visitor.get_attribute("html", "lang") == "vi"
    assert visitor.inner_text("h1") == TITLE_VI
    facts = visitor.inner_text(".facts")
    assert "Hà Nội, Việt Nam" in facts
    assert re.search(r"7\s*–\s*8 thg 12, 2026", facts)
    assert "Chia sẻ kinh nghiệm" in visitor.inner_text(".objectives")
    # Readable on a phone: nothing wider than the screen.
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    visitor.screenshot(path=ARTIFACTS / "course-vi-phone.png", full_page=True)
    # The language choice is remembered on the next page.
    visitor.goto(f"{live_server}/")
    assert visitor.get_attribute("html", "lang") == "vi"
    assert TITLE_VI in visitor.inner_text("main")


def test_invalid_input_keeps_what_was_typed_in_the_browser(live_server, staff_page, make_user):
    page = staff_page(make_user(), lang="vi")
    page.goto(f"{live_server}/manage/courses/new")
    page.fill("#title-vi", TITLE_VI)
    page.fill("#start_date", "2026-12-08")
    page.fill("#end_date", "2026-12-07")
    page.click("button.primary")
    assert page.locator("#end_date-error").is_visible()
    assert page.locator("#title-error").is_visible()
    assert page.input_value("#title-vi") == TITLE_VI
    assert page.get_attribute("html", "lang") == "vi"
