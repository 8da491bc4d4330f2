"""Recovering a team's worksheet: a link checker's HEAD request changes nothing, and when answers
were lost anyway (as that request once caused), a trainer restores the version that had them."""
import urllib.request

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.toolkit import filling, operations
from helpers import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser


def save(exercise, registration, data: dict, app):
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, registration)
        filling.save_form(sheet, MultiDict(data), base_version=sheet.version, registration=registration)
        db.session.commit()
    return sheet


def test_a_trainer_restores_a_teams_lost_action_plan(app, live_server, staff_page, new_page, make_user,
                                                      make_course, make_registration, make_exercise):
    trainer = make_user(email="lead@example.org")
    course = make_course(trainer=trainer, slug="restore-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course)
    sheet = save(plan, ha, {"actions-0-action": "Draft MOHA plan", "actions-1-action": "Train police"},
                 app)

    # A mail scanner follows the emailed link with HEAD: the real server saves nothing.
    request = urllib.request.Request(f"{live_server}/p/{ha.token}/worksheets/M11", method="HEAD")
    assert urllib.request.urlopen(request).status == 200
    db.session.commit()
    db.session.refresh(sheet)
    assert sheet.version == 1 and len(sheet.answers["actions"]) == 2

    # Answers lost as that request once lost them: an empty form saved over the sheet.
    save(plan, ha, {}, app)
    db.session.refresh(sheet)
    assert sheet.version == 2 and sheet.answers["actions"] == []

    page = staff_page(trainer)
    page.goto(f"{live_server}/courses/restore-2025/exercises/M11/sheets/{sheet.id}")
    version_2 = page.locator("#version-2")
    assert "Row 1 removed from" in version_2.inner_text() and "Train police" in version_2.inner_text()
    page.get_by_role("button", name="Restore version 1").click()
    page.locator(".flash-success").filter(has_text="restored as version 3").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "worksheet-restored.png", full_page=True)
    assert "restores version 1" in page.locator("#version-3").inner_text()

    db.session.commit()
    db.session.refresh(sheet)
    assert sheet.version == 3
    assert [row["action"] for row in sheet.answers["actions"]] == ["Draft MOHA plan", "Train police"]
    phone = new_page(**PHONE)
    phone.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    assert phone.locator("#table-actions .rows > .row-card").count() == 2
