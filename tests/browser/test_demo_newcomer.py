"""A newcomer on a freshly seeded demo: the upcoming seminar is open, they register and are told so.

The report: the demo course took place in April 2025, so on a fresh `make run` registration was
closed and a newcomer could not try registering.
"""
import sqlalchemy as sa
from flask_babel import gettext

from app.demo_seminar import SLUG
from app.i18n import use_language
from app.registrations.labels import STATUS_LABELS
from app.registrations.models import Registration
from helpers import ARTIFACTS


def test_a_newcomer_registers_for_the_upcoming_seminar_of_a_fresh_demo(
        app, db, demo_course, live_server, new_page):
    page = new_page()
    page.goto(f"{live_server}/")
    page.click(f"section:has(#upcoming) a[href='/courses/{SLUG}/']")  # listed as open and upcoming
    page.wait_for_url(f"{live_server}/courses/{SLUG}/")
    assert page.get_attribute("html", "lang") == "vi"  # the seminar's own language
    assert "Hội thảo chuyên đề" in page.inner_text("h1")
    page.click(f"a.button.primary[href='/courses/{SLUG}/register']")
    page.wait_for_url(f"{live_server}/courses/{SLUG}/register")

    page.fill("#full_name", "NGUYEN THI MAI")
    page.check("#name_order-1")  # family name first
    page.fill("#family_name", "Nguyen")
    page.fill("#given_names", "Thi Mai")
    page.fill("#native_name", "Nguyễn Thị Mai")
    page.check("#sex-0")
    page.select_option("#age_group", "25-34")
    page.select_option("#country", "VN")
    page.select_option("#organisation_type", "government")
    ministry = page.eval_on_selector(
        "#ministry", "s => [...s.options].find(o => o.value.startsWith('VN:')).value")
    page.select_option("#ministry", ministry)
    page.fill("#position", "Chuyên viên")
    page.fill("#email", "mai.nguyen@example.vn")
    page.check("#confirm_name")
    page.check("#consent")
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/p/**")

    with app.test_request_context(), use_language("vi"):
        thanks, pending = gettext("Thank you for registering."), str(STATUS_LABELS["pending"])
    assert thanks != "Thank you for registering." and thanks in page.inner_text(".flash-success")
    assert pending in page.inner_text(".status")
    assert "Nguyen Thi Mai" in page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "demo-newcomer-registered.png", full_page=True)
    db.session.commit()
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.email == "mai.nguyen@example.vn"))
    assert registration.course.slug == SLUG and registration.status == "pending"
