"""Courses: create, edit, clone, archive, teams; bad input changes nothing."""
from datetime import date

import sqlalchemy as sa
from helpers import count

from app.courses.models import Course
from app.organisations.models import Organisation
from app.i18n.multilingual import MultilingualText


def course_form(**overrides):
    data = {
        "working_language": "en", "second_languages": ["vi", "id"],
        "title-en": "Localizing WPS national action plans",
        "title-vi": "Địa phương hóa kế hoạch hành động quốc gia về phụ nữ, hòa bình và an ninh",
        "start_date": "2026-03-02", "end_date": "2026-03-04",
        "city-en": "Hanoi", "city-vi": "Hà Nội", "country": "VN", "timezone": "Asia/Ho_Chi_Minh",
        "mode": "hybrid", "contact_hours": "18",
        "objectives-0-position": "2", "objectives-0-text-en": "Second objective",
        "objectives-1-position": "1", "objectives-1-text-en": "First objective",
        "objectives-1-text-vi": "Mục tiêu thứ nhất",
        "objectives-2-position": "3",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_trainer_creates_a_course_with_texts_in_several_languages(client, make_user, login, db):
    trainer = make_user()
    login(trainer)
    assert client.get("/manage/courses/new").status_code == 200
    response = client.post("/manage/courses/new", data=course_form())
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course))
    assert course.slug == "localizing-wps-national-action-plans-2026"
    assert response.headers["Location"] == f"/manage/courses/{course.slug}/"
    assert course.title["vi"].startswith("Địa phương hóa")
    assert [o.text["en"] for o in course.objectives] == ["First objective", "Second objective"]
    assert course.objectives[0].text["vi"] == "Mục tiêu thứ nhất"
    assert course.languages == ["en", "vi", "id"]
    assert course.mode == "hybrid" and course.timezone == "Asia/Ho_Chi_Minh"
    assert trainer in course.trainers


def test_missing_translations_are_flagged_for_the_organiser(client, make_user, login):
    login(make_user())
    client.post("/manage/courses/new", data=course_form(slug="flagged-2026"))
    page = client.get("/manage/courses/flagged-2026/").get_data(as_text=True)
    # Title and city lack Indonesian; the second objective lacks Vietnamese and Indonesian.
    assert "Indonesian" in page and "Objective 2" in page
    edit = client.get("/manage/courses/flagged-2026/edit").get_data(as_text=True)
    assert 'name="title-id"' in edit and "not yet written" in edit


def test_the_public_page_shows_the_readers_language_and_marks_fallbacks(client, make_course):
    make_course(slug="reader-2025", title={"en": "Localizing the RPA", "vi": "Địa phương hóa RPA"},
                city={"en": "Jakarta"})
    page = client.get("/courses/reader-2025/?lang=vi").get_data(as_text=True)
    assert '<bdi lang="vi">Địa phương hóa RPA</bdi>' in page
    assert '<bdi lang="en">Jakarta</bdi> <abbr class="fallback-tag"' in page
    assert "9\u2009–\u200911 thg 4, 2025" in page
    page = client.get("/courses/reader-2025/?lang=id").get_data(as_text=True)
    assert '<bdi lang="en">Localizing the RPA</bdi>' in page  # falls back to the working language


def test_invalid_course_input_is_refused_next_to_the_fields_and_changes_nothing(client, make_user, login):
    login(make_user())
    bad = course_form(**{"title-en": "", "start_date": "2026-03-05", "end_date": "2026-03-01",
                         "slug": "Not A Slug!", "contact_hours": "lots", "timezone": "Mars/Olympus"})
    response = client.post("/manage/courses/new", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("title", "end_date", "slug", "contact_hours", "timezone"):
        assert f'id="{field}-error"' in page, field
    assert "The last day cannot be before the first day." in page
    assert "Địa phương hóa kế hoạch" in page  # what was typed is still there
    assert count(Course) == 0


def test_the_web_address_is_unique(client, make_user, login, make_course):
    make_course(slug="taken-2025")
    login(make_user())
    response = client.post("/manage/courses/new", data=course_form(slug="taken-2025"))
    assert response.status_code == 400
    assert "Another course already uses this web address." in response.get_data(as_text=True)
    assert count(Course) == 1


def test_editing_keeps_the_web_address(client, make_user, login, make_course, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="keep-2025")
    login(trainer)
    response = client.post("/manage/courses/keep-2025/edit",
                           data=course_form(slug="changed", **{"title-id": "Judul"}))
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.slug == "keep-2025" and course.title["id"] == "Judul"


def test_clone_copies_settings_objectives_organisations_and_team_to_new_dates(
        client, make_user, login, make_course, db):
    trainer, colleague = make_user(), make_user()
    donor = Organisation(name=MultilingualText(en="Government of Canada"), acronym="Canada")
    db.session.add(donor)
    db.session.commit()
    course = make_course(trainer=trainer, slug="original-2025", donor_ids=[donor.id],
                         objectives=[MultilingualText(en="Build skills")])
    course.trainers.append(colleague)
    db.session.commit()
    login(trainer)
    response = client.post("/manage/courses/original-2025/clone",
                           data={"slug": "repeat-2026", "start_date": "2026-05-18",
                                 "parts": ["objectives", "organisations"]})
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Course).where(Course.slug == "repeat-2026"))
    assert (copy.start_date, copy.end_date) == (date(2026, 5, 18), date(2026, 5, 20))
    assert copy.title == course.title and copy.timezone == course.timezone
    assert [o.text["en"] for o in copy.objectives] == ["Build skills"]
    assert copy.organisations("donor") == [donor]
    assert set(copy.trainers) == {trainer, colleague}
    assert copy.cloned_from_id == course.id
    assert len(course.objectives) == 1  # the original is untouched


def test_archiving_hides_a_course_from_lists_but_keeps_its_page(client, make_user, login, make_course):
    trainer = make_user()
    make_course(trainer=trainer, slug="old-2025", start_date=date(2030, 1, 6), end_date=date(2030, 1, 8))
    assert "old-2025" in client.get("/").get_data(as_text=True)
    login(trainer)
    client.post("/manage/courses/old-2025/archive")
    assert "old-2025" not in client.get("/").get_data(as_text=True)
    assert "old-2025" not in client.get("/manage/courses/").get_data(as_text=True)
    assert "old-2025" in client.get("/manage/courses/?archived=1").get_data(as_text=True)
    assert client.get("/courses/old-2025/").status_code == 200
    client.post("/manage/courses/old-2025/archive", data={"restore": "1"})
    assert "old-2025" in client.get("/").get_data(as_text=True)


def test_team_members_are_added_and_removed(client, make_user, login, make_course, db):
    trainer, colleague = make_user(), make_user()
    course = make_course(trainer=trainer, slug="team-2025")
    login(trainer)
    response = client.post("/manage/courses/team-2025/team", data={"email": "nobody@example.org"})
    assert response.status_code == 400
    assert "No active staff account has this email." in response.get_data(as_text=True)
    client.post("/manage/courses/team-2025/team", data={"email": colleague.email.upper()})
    db.session.refresh(course)
    assert colleague in course.trainers
    client.post("/manage/courses/team-2025/team", data={"remove": str(colleague.id)})
    db.session.refresh(course)
    assert colleague not in course.trainers
    client.post("/manage/courses/team-2025/team", data={"remove": str(trainer.id)})
    db.session.refresh(course)
    assert trainer in course.trainers  # nobody locks themself out


def test_home_page_lists_upcoming_then_past_courses(client, make_course):
    make_course(slug="past-2025")
    make_course(slug="next-2030", start_date=date(2030, 1, 6), end_date=date(2030, 1, 8))
    page = client.get("/").get_data(as_text=True)
    assert page.index("next-2030") < page.index("past-2025")


def test_hostile_input_gives_clear_errors_never_a_500(client, make_user, login, make_course, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="hostile-2025")
    login(trainer)
    for overrides, field in [
        ({"working_language": "xx"}, "working_language"),
        ({"second_languages": ["zz"]}, "second_languages"),
        ({"contact_hours": "sNaN"}, "contact_hours"),
        ({"contact_hours": "Infinity"}, "contact_hours"),
        ({"start_date": "1900-01-01"}, "start_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
    ]:
        response = client.post("/manage/courses/new", data=course_form(**overrides))
        assert response.status_code == 400, overrides
        assert f'id="{field}-error"' in response.get_data(as_text=True), overrides
    assert count(Course) == 1
    response = client.post("/manage/courses/hostile-2025/team", data={"remove": "9" * 30})
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.trainers == [trainer]


def test_control_characters_never_reach_the_database(client, make_user, login, db):
    login(make_user())
    response = client.post("/manage/courses/new", data=course_form(
        slug="nul-2026", **{"title-en": "Bad\x00title\x07", "city-vi": "Hà\x00 Nội"}))
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course))
    assert course.title["en"] == "Badtitle" and course.city["vi"] == "Hà Nội"


def test_decimal_comma_is_accepted_for_contact_hours(client, make_user, login, db):
    login(make_user())
    client.post("/manage/courses/new", data=course_form(slug="comma-2026", contact_hours="20,5"))
    assert str(db.session.scalar(sa.select(Course)).contact_hours) == "20.5"


def test_texts_can_be_written_in_languages_beyond_the_courses(client, make_user, login, db):
    login(make_user())
    page = client.get("/manage/courses/new").get_data(as_text=True)
    assert 'name="title-th"' in page and "Other languages" in page
    client.post("/manage/courses/new", data=course_form(slug="thai-2026", **{"title-th": "การอบรม"}))
    assert db.session.scalar(sa.select(Course)).title["th"] == "การอบรม"


def test_editing_keeps_the_objectives_rows(client, make_user, login, make_course, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="rows-2025",
                         objectives=[MultilingualText(en="One"), MultilingualText(en="Two")])
    ids = [o.id for o in course.objectives]
    login(trainer)
    client.post("/manage/courses/rows-2025/edit", data=course_form(**{
        "objectives-0-text-en": "One, revised", "objectives-0-position": "1",
        "objectives-1-text-en": "Two", "objectives-1-position": "2",
        "objectives-1-text-vi": None, "objectives-2-position": None}))
    db.session.refresh(course)
    assert [o.text["en"] for o in course.objectives] == ["One, revised", "Two"]
    assert [o.id for o in course.objectives] == ids


def test_a_clone_cannot_run_past_2100(client, make_user, login, make_course):
    trainer = make_user()
    make_course(trainer=trainer, slug="late-2025")
    login(trainer)
    response = client.post("/manage/courses/late-2025/clone",
                           data={"slug": "late-2100", "start_date": "2100-12-31"})
    assert response.status_code == 400
    assert count(Course) == 1


def test_an_expired_form_comes_back_with_what_was_typed(app, client, make_user, login):
    login(make_user())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/manage/courses/new?lang=vi",
                               data=course_form(csrf_token="stale-token-from-yesterday"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Địa phương hóa kế hoạch hành động quốc gia" in page
    assert "form-errors" in page
    assert count(Course) == 0


def test_bare_post_actions_check_the_csrf_token(app, client, make_user, login, make_course):
    trainer = make_user()
    make_course(trainer=trainer, slug="bare-2025")
    login(trainer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/manage/courses/bare-2025/archive").status_code == 400
        assert client.post("/logout").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
