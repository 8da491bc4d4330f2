"""A trainer copies the demo course to new dates with only its agenda and exercises, and finds the
agenda on the new days at the same times, its exercises in their sessions, and nothing else."""
import sqlalchemy as sa
from helpers import ARTIFACTS

from app.auth.models import User
from app.courses.models import Course
from app.extensions import db


def test_a_trainer_copies_the_demo_agenda_and_exercises_to_new_dates(live_server, staff_page,
                                                                      demo_course):
    trainer = db.session.scalar(sa.select(User).where(User.email == "trainer@example.org"))
    old_first = [s for s in demo_course.sessions if s.title["en"].startswith("Context analysis")][0]
    page = staff_page(trainer)
    page.goto(f"{live_server}/manage/courses/{demo_course.slug}/")
    page.get_by_role("link", name="Copy to new dates").click()
    page.fill("#slug", "jakarta-2031-wps")
    page.fill("#start_date", "2031-06-04")  # a Wednesday, as 9 April 2025 was
    boxes = page.locator("input[name=parts]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.set_checked(box.get_attribute("value") in ("agenda", "exercises"))
    page.get_by_role("button", name="Copy").click()
    page.wait_for_url(f"{live_server}/manage/courses/jakarta-2031-wps/edit")
    assert "The course is copied." in page.inner_text(".flashes")

    page.goto(f"{live_server}/manage/courses/jakarta-2031-wps/agenda/")
    headings = page.locator("main h2").all_inner_texts()
    assert [h.split(" · ")[1] for h in headings] == [
        "Wednesday, June 4, 2031", "Thursday, June 5, 2031", "Friday, June 6, 2031"]
    opening = page.locator("article.session", has_text="Registration and opening")
    assert opening.locator(".time").inner_text().startswith("08:30–09:30")
    assert "Rahmat Hidayat" in opening.inner_text()  # the speakers came along
    tree = page.locator("article.session", has_text="Context analysis and problem tree")
    assert tree.locator(".time").inner_text().startswith("14:45–16:15")
    assert tree.locator(".session-exercises").inner_text().startswith("M2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "course-copy-agenda.png", full_page=True)

    db.session.commit()  # end the test's read transaction: see what the server wrote
    copy = db.session.scalar(sa.select(Course).where(Course.slug == "jakarta-2031-wps"))
    assert len(copy.sessions) == len(demo_course.sessions)
    assert len(copy.exercises) == len(demo_course.exercises)
    linked = next(e for e in copy.exercises if e.module_key == "M2")
    assert linked.session.title == old_first.title and linked.session.course_id == copy.id
    # Unticked: no objectives, organisers, donors, certificate settings or group rules.
    assert copy.objectives == [] and copy.organisation_links == []
    assert copy.certificate_settings is None and copy.grouping == "country"
    assert copy.registrations.count() == 0
    page.goto(f"{live_server}/courses/jakarta-2031-wps/")
    assert "UN Women" not in page.inner_text("main")
