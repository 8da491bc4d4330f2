"""Choosing in a light worksheet page: a row's country and themes come from lists drawn once
for the page, with the script; without it the page reloads with every list in full."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.toolkit.models import Worksheet
from helpers import wait_until

pytestmark = pytest.mark.browser


def rows(exercise) -> list[dict]:
    db.session.commit()  # end the test's snapshot: read what the server wrote
    sheet = db.session.scalar(sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id))
    return sheet.answers.get("recommendations", []) if sheet else []


def test_a_country_is_chosen_in_a_new_row_with_and_without_the_script(
        live_server, new_page, make_course, make_registration, make_exercise):
    course = make_course(slug="choices-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    exercise = make_exercise(course, "M10", mode="individual")
    person = make_registration(course, certificate_name="Nguyễn Thị Hà")
    url = f"{live_server}/p/{person.token}/worksheets/M10"

    page = new_page()
    page.goto(url)
    page.click("#add-recommendations")
    card = page.locator("#table-recommendations .rows > .row-card").last
    card.locator("[data-column=text] textarea").fill("Adopt a national action plan")
    card.locator("[data-column=recommending_state] select").select_option("DE")
    card.get_by_label("Peacekeeping").check()
    wait_until(lambda: [(row.get("recommending_state"), row.get("themes")) for row in rows(exercise)]
               == [("DE", ["peacekeeping"])])
    page.reload()
    card = page.locator("#table-recommendations .rows > .row-card").last
    assert card.locator("[data-column=recommending_state] select").input_value() == "DE"
    assert card.get_by_label("Peacekeeping").is_checked() and card.get_by_label("Health").count() == 1

    plain = new_page(java_script_enabled=False)
    plain.goto(url)
    plain.wait_for_url("**/worksheets/M10?all=1")
    plain.select_option("#recommendations-0-recommending_state", "FR")
    plain.check("#recommendations-0-themes-4")  # Education
    plain.click("button.primary")
    plain.wait_for_url("**/worksheets/M10*")
    assert [(row.get("recommending_state"), row.get("themes")) for row in rows(exercise)] \
        == [("FR", ["peacekeeping", "education"])]
