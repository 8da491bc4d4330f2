"""A trainer makes working groups, drags a participant to another group and saves: the
participant's worksheet header then names their group. A participant moved while typing keeps
what they typed: the save is refused, the page keeps it, and the draft comes back on their old
group's sheet if they return to it."""
import pytest
import sqlalchemy as sa

from app.database import write_lock_at_begin
from app.extensions import db
from app.groups import operations as groups
from app.registrations.models import Registration, WorkingGroup
from app.toolkit.models import Worksheet
from helpers import ARTIFACTS, wait_until

pytestmark = pytest.mark.browser


def group_of(person) -> str | None:
    db.session.commit()  # end the test's snapshot: read what the server wrote
    group = db.session.get(Registration, person.id).group
    return group.name if group else None


def test_a_trainer_drags_a_participant_to_another_group_and_they_see_it(
        live_server, staff_page, new_page, make_user, make_course, make_registration, make_exercise):
    trainer = make_user(email="groups-trainer@example.org")
    course = make_course(trainer=trainer, slug="drag-2030", country="VN", timezone="Asia/Ho_Chi_Minh")
    make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà", email="ha@example.vn")
    make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn")
    make_registration(course, certificate_name="Sari Dewi", email="sari@example.id", country="ID")

    page = staff_page(trainer)
    page.goto(f"{live_server}/manage/courses/{course.slug}/")
    page.get_by_role("link", name="Working groups").click()
    page.get_by_label("Working groups: one worksheet per group below").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_label("Make the groups").select_option("country")
    page.get_by_role("button", name="Make the groups").click()
    assert "2 groups made." in page.inner_text(".flashes")
    wait_until(lambda: group_of(ha) == "Viet Nam")

    indonesia = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.name == "Indonesia"))
    page.locator("#group-board.dragging-on").wait_for()  # app/static/js/groups.js has run
    member = page.locator(f'.group-member[data-registration="{ha.id}"]')
    target = page.locator(f'.group-column[data-group="{indonesia.id}"]')
    page.locator("#group-board").scroll_into_view_if_needed()  # both ends of the drag in view
    member.drag_to(target, source_position={"x": 8, "y": 8})  # by the name (not the select list)
    assert target.locator(f'.group-member[data-registration="{ha.id}"]').count() == 1  # moved on the page
    assert member.locator("select").input_value() == str(indonesia.id)  # the same form
    assert target.locator("[data-count]").inner_text() == "2"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "groups-dragged.png", full_page=True)
    page.get_by_role("button", name="Save the groups").click()
    assert "1 participant moved." in page.inner_text(".flashes")
    wait_until(lambda: group_of(ha) == "Indonesia")

    sheet = new_page()
    sheet.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    summary = sheet.locator("details.team summary")
    assert "Indonesia" in summary.inner_text() and "2 members" in summary.inner_text()
    assert not sheet.locator("details.team").get_attribute("open") and not sheet.get_by_text("Sari Dewi").is_visible()
    summary.click()
    assert sheet.get_by_text("Sari Dewi").is_visible()


def test_a_participant_moved_while_typing_keeps_what_they_typed(live_server, new_page, make_course,
                                                                make_registration, make_exercise):
    course = make_course(slug="moved-2030", country="VN", timezone="Asia/Ho_Chi_Minh")
    course.grouping = "groups"
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà", email="ha@example.vn")
    red, mekong = groups.add_group(course, "Red River"), groups.add_group(course, "Mekong")
    db.session.flush()
    groups.assign(course, {ha.id: red.id})
    db.session.commit()

    def saved(group_id) -> str | None:
        db.session.commit()
        sheet = db.session.scalar(sa.select(Worksheet).where(Worksheet.exercise_id == plan.id,
                                                             Worksheet.group_id == group_id))
        return sheet.answers.get("top_priorities") if sheet else None

    def move(group) -> None:
        """The trainer moves her, as a POST does on SQLite: the write lock taken first (a read
        snapshot of this test's cannot become a write once the server has committed since)."""
        db.session.commit()
        with write_lock_at_begin(True):
            groups.assign(course, {ha.id: group.id})
            db.session.commit()

    page = new_page()
    url = f"{live_server}/p/{ha.token}/worksheets/M11"
    page.goto(url)
    page.fill("#top_priorities", "1. Train the provinces")
    wait_until(lambda: saved(red.id) == "1. Train the provinces")
    move(mekong)  # the trainer moves her while she types
    page.fill("#top_priorities", "1. Train the provinces 2. Budget it")
    wait_until(lambda: "Your team changed while you were editing" in page.inner_text("#save-status"))
    assert page.input_value("#top_priorities") == "1. Train the provinces 2. Budget it"  # kept on the page
    assert saved(red.id) == "1. Train the provinces" and saved(mekong.id) is None  # nothing written

    page.reload()  # her new group's sheet, without the other group's draft in it
    assert "Mekong" in page.inner_text("details.team summary")
    assert page.input_value("#top_priorities") == ""
    move(red)  # moved back: the draft kept on the device comes back
    page.reload()
    wait_until(lambda: saved(red.id) == "1. Train the provinces 2. Budget it")
    assert "Restored your unsaved changes" in page.inner_text("#save-status")
    assert saved(mekong.id) is None
