"""A trainer approves every pending delegate of one country at once, across pages."""
from datetime import date

import sqlalchemy as sa

from app.registrations import operations
from app.registrations.models import Registration
from app.registrations.operations import Person
from helpers import ARTIFACTS


def test_a_trainer_approves_all_matching_registrations_across_pages(
        app, db, live_server, staff_page, make_user, make_course):
    trainer = make_user(email="hanoi-trainer@example.org")
    course = make_course(trainer=trainer, slug="hanoi-2030", start_date=date(2030, 9, 8),
                         end_date=date(2030, 9, 10), country="VN", timezone="Asia/Ho_Chi_Minh")
    for index in range(72):
        country = "VN" if index < 62 else "TH"
        operations.register(course, Person(
            full_name=f"Delegate {chr(65 + index % 26)}{chr(65 + index // 26)}", sex="female",
            age_group="35-44", country=country, organisation_type="cso", organisation="Example",
            email=f"d{index}@example.org", language="vi" if country == "VN" else "th"),
            notify=False)
    db.session.commit()

    page = staff_page(trainer)
    page.goto(f"{live_server}/manage/courses/hanoi-2030/registrations/")
    assert "72 registrations match." in page.inner_text("#match-count")
    # The script ticks every row of the page at once.
    page.check("#select-page")
    assert page.locator("input[name=selected]:checked").count() == 50
    page.uncheck("#select-page")
    assert page.locator("input[name=selected]:checked").count() == 0

    page.select_option("#f-country", "VN")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**country=VN**")
    assert "62 registrations match." in page.inner_text("#match-count")
    assert page.locator("input[name=selected]").count() == 50  # and 12 more on page 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "registrations-list-filtered.png", full_page=True)
    page.check("#everyone")
    page.select_option("#status", "approved")
    page.click("form#bulk button.primary")
    heading = page.inner_text("h1")
    assert "62" in heading and "Approved" in heading
    page.screenshot(path=ARTIFACTS / "registrations-select-all-confirm.png", full_page=True)
    page.click("#confirm-everyone")
    page.wait_for_url("**country=VN**")
    assert "62 registrations changed." in page.inner_text(".flashes")

    db.session.rollback()  # read what the server committed
    statuses = db.session.execute(sa.select(Registration.country, Registration.status)).all()
    assert sorted(set(statuses)) == [("TH", "pending"), ("VN", "approved")]
    assert len(statuses) == 72
