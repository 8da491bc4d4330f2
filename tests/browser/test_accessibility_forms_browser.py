"""Forms by keyboard and screen reader, in Chromium (issue 18): an action-plan row filled and
saved with Tab, typing, Space and Enter only; a failed registration opens on its error summary,
whose links lead to the fields; an autosave error is tied to its input and read out; a worksheet
sent offline waits, says so, and is sent when the connection returns; a filled table folds its
rows so "+ Add a row" is a few tab stops away. The rendered HTML alone:
tests/test_accessibility_forms.py."""
import time
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.registrations.models import Registration
from app.toolkit import operations
from app.toolkit.models import Worksheet

pytestmark = pytest.mark.browser

ACTION = {"action": "Draft the sector plan", "responsible": "moha", "partners": ["womens_union"],
          "start": "2025-05-01", "end": "2025-09-30",
          "resources_amount": {"amount": "150000000", "currency": "VND"},
          "resources_note": "State budget", "indicator": "Plan issued", "status": "in_progress"}


def wait_until(condition, seconds: float = 15) -> None:
    """Poll from Python (the page's CSP forbids Playwright's eval-based waiting)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def tab_to(page, selector: str, limit: int = 300) -> int:
    """Press Tab until the element ``selector`` matches has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} tab stops")


def stored(exercise) -> Worksheet | None:
    db.session.commit()  # end the test's snapshot: read what the server wrote
    return db.session.scalar(sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id))


def complete_registration(page, email: str) -> None:
    """Fill what a registration asks besides the name, and the email ``email``."""
    page.fill("#email", email)
    page.check("#sex-1")
    page.select_option("#age_group", "35-44")
    page.select_option("#country", "TH")
    page.select_option("#organisation_type", "cso")
    page.fill("#organisation", "Foundation for Women")
    page.check("#confirm_name")
    page.check("#consent")


@pytest.fixture
def team_plan(app, make_course, make_registration, make_exercise):
    """An M11 team action plan and a member; ``fill(rows)`` stores that many rows."""
    course = make_course(slug="a11y-plan-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11),
                         country="VN", timezone="Asia/Ho_Chi_Minh")
    exercise = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn")

    def fill(rows: int) -> None:
        with app.test_request_context(method="POST"):
            sheet = operations.sheet_for(exercise, ha)
            typed = [{**ACTION, "action": f"Action {n}", "row_id": f"r{n}"} for n in range(rows)]
            operations.save(sheet, operations.Typed({"actions": typed}), base_version=0, registration=ha)
            db.session.commit()

    return exercise, ha, fill


def test_an_action_plan_row_is_filled_and_saved_by_keyboard_alone(live_server, new_page, team_plan):
    exercise, ha, _fill = team_plan
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    tab_to(page, ".skip-to-add")
    page.keyboard.press("Enter")  # "Skip to add a row"
    assert focused(page) == "add-actions"
    page.keyboard.press("Space")  # a new row, its first input focused
    assert focused(page) == "actions-0-action"
    page.keyboard.type("Train provincial officers")
    page.keyboard.press("Tab")  # the responsible ministry
    page.keyboard.press("Tab")  # the first partner
    assert focused(page) == "actions-0-partners-0"
    page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "actions-0-action"
    page.keyboard.press("Enter")  # saves (the form's first button is a plain save)
    wait_until(lambda: "Saved at" in page.inner_text("#save-status"))
    row = stored(exercise).answers["actions"][0]
    assert row["action"] == "Train provincial officers" and row["partners"] == ["other_ministries"]
    # Back on the page, the filled row is folded to one button, which Space opens.
    page.reload()
    toggle = page.locator("#actions-0 .row-toggle")
    assert toggle.inner_text() == "Train provincial officers" and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#actions-0-action").is_visible()
    toggle.focus()
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#actions-0-action").is_visible()


def test_add_a_row_is_a_few_tab_stops_away_on_a_four_row_sheet(live_server, new_page, team_plan):
    _exercise, ha, fill = team_plan
    fill(4)
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    stops = tab_to(page, "#add-actions")
    assert stops <= 25  # was 125 with every row open: ~25 a row
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    to_skip = tab_to(page, ".skip-to-add")
    page.keyboard.press("Enter")
    assert focused(page) == "add-actions"
    print(f"tab stops to '+ Add a row' on a 4-row M11 team sheet: {stops}; "
          f"by the skip link: {to_skip} and Enter")
    assert [page.locator(f"#actions-{n} .row-toggle").inner_text() for n in range(4)] == \
        [f"Action {n}" for n in range(4)]
    # The contents list each row by its first answer, lead to it, and open it.
    assert page.locator("[data-contents=actions] a").all_inner_texts() == [f"Action {n}" for n in range(4)]
    page.click(".sheet-contents a[href='#actions-2']")
    assert page.locator("#actions-2 .row-toggle").get_attribute("aria-expanded") == "true"
    assert page.locator("#actions-2-action").is_visible()


def test_a_failed_registration_opens_on_its_summary_whose_links_lead_to_the_fields(
        live_server, new_page, make_course):
    make_course(slug="a11y-reg-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11), country="TH")
    page = new_page()
    page.goto(f"{live_server}/courses/a11y-reg-2030/register")
    page.fill("#full_name", "SOMCHAI JAIDEE")
    page.fill("#email", "not an address")
    page.click("button.primary")
    page.wait_for_selector("#error-summary")
    assert focused(page) == "error-summary"
    links = page.locator("#error-summary a")
    count = links.count()
    # sex, age group, country, type of organisation, email, confirm name, consent
    assert page.inner_text("#error-summary h2") == f"There are {count} problems" and count == 7
    # By keyboard: Tab from the summary reaches its first link; Enter follows it to the field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#sex-0"
    page.keyboard.press("Enter")
    assert focused(page) == "sex-0"
    assert page.get_attribute("#sex-0", "aria-invalid") == "true"
    page.click("#error-summary a[href='#email']")
    assert focused(page) == "email"
    complete_registration(page, "somchai@example.org")
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/p/**")
    db.session.commit()
    assert db.session.scalar(sa.select(Registration.email)) == "somchai@example.org"


def test_an_autosave_error_is_tied_to_its_input_and_read_out(live_server, new_page, team_plan):
    exercise, ha, fill = team_plan
    fill(1)
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    page.click("#actions-0 .row-toggle")
    page.fill("#actions-0-resources_amount-amount", "12abc")
    wait_until(lambda: page.get_attribute("#actions-0-resources_amount-amount", "aria-invalid") == "true")
    described = page.get_attribute("#actions-0-resources_amount-amount", "aria-describedby").split()
    assert described == ["actions-0-resources_amount-amount-error"]
    message = page.inner_text(f"#{described[0]}").strip()
    assert message == "Type a number here, such as 1,250.5."
    assert page.text_content("#autosave-errors") == f"Row 1 · Resources needed · Amount: {message}"
    # Corrected, the error and its reference go.
    page.fill("#actions-0-resources_amount-amount", "12")
    wait_until(lambda: page.get_attribute("#actions-0-resources_amount-amount", "aria-invalid") is None)
    assert page.get_attribute("#actions-0-resources_amount-amount", "aria-describedby") is None
    wait_until(lambda: stored(exercise).answers["actions"][0]["resources_amount"]["amount"] == "12")


def test_a_worksheet_sent_offline_waits_and_goes_when_the_connection_returns(
        live_server, new_page, team_plan):
    exercise, ha, fill = team_plan
    fill(4)
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    page.fill("#sign_off", "Ha and Minh")
    page.context.set_offline(True)
    page.click("button[value=submit]")
    wait_until(lambda: "You are offline" in page.inner_text("#save-status"))
    assert page.inner_text("#save-status") == ("You are offline: your answers are kept and will be "
                                               "submitted when the connection returns")
    assert page.get_attribute("#save-status", "aria-live") == "polite"
    time.sleep(1)
    assert stored(exercise).status == "draft" and page.url.endswith("/worksheets/M11")
    page.context.set_offline(False)
    wait_until(lambda: stored(exercise).status == "submitted")
    sheet = stored(exercise)
    assert sheet.answers["sign_off"] == "Ha and Minh"
    assert [row["action"] for row in sheet.answers["actions"]] == [f"Action {n}" for n in range(4)]  # folded rows too
    page.wait_for_load_state()
    assert "Sent for review" in page.inner_text("main")


def test_a_registration_sent_offline_goes_when_the_connection_returns(live_server, new_page, make_course):
    make_course(slug="a11y-off-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11), country="TH")
    page = new_page()
    page.goto(f"{live_server}/courses/a11y-off-2030/register")
    page.fill("#full_name", "SOMCHAI JAIDEE")
    complete_registration(page, "offline@example.org")
    page.context.set_offline(True)
    page.click("button.primary")
    wait_until(lambda: "You are offline" in page.inner_text("#offline-status"))
    page.context.set_offline(False)
    page.wait_for_url(f"{live_server}/p/**")
    db.session.commit()
    assert db.session.scalar(sa.select(Registration.email)) == "offline@example.org"
