"""The demo data: the reference course (Jakarta, 9–11 April 2025) and an upcoming seminar."""
from datetime import date, time, timedelta

import sqlalchemy as sa
from helpers import count

from app.auth.models import User
from app.courses.models import Course
from app.organisations.models import Organisation


def test_seed_demo_creates_the_reference_course_idempotently(runner, db, monkeypatch):
    monkeypatch.setenv("DEMO_TRAINER_PASSWORD", "a demo password")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "a demo password" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert (count(Course), count(Organisation), count(User)) == (2, 5, 1)  # and the seminar

    course = db.session.scalar(sa.select(Course).where(Course.slug == "jakarta-2025-wps"))
    assert course.slug == "jakarta-2025-wps"
    assert (course.start_date, course.end_date) == (date(2025, 4, 9), date(2025, 4, 11))
    assert course.timezone == "Asia/Jakarta" and course.country == "ID"
    assert len(course.objectives) == 5
    assert all(o.text.missing(["en", "vi", "id"]) == [] for o in course.objectives)
    assert [o.acronym for o in course.organisations("organiser")] == ["ASEAN-IPR", "UN Women"]
    assert [o.acronym for o in course.organisations("donor")] == ["Canada", "ROK", "UK"]
    trainer = db.session.scalar(sa.select(User))
    assert trainer.email == "trainer@example.org" and trainer.check_password("a demo password")
    assert trainer in course.trainers


def test_without_a_password_in_the_environment_a_random_one_is_printed(runner, db, monkeypatch):
    monkeypatch.delenv("DEMO_TRAINER_PASSWORD", raising=False)
    result = runner.invoke(args=["seed-demo"])
    password = result.output.split("password: ")[1].split()[0]
    assert db.session.scalar(sa.select(User)).check_password(password)


def test_the_demo_course_reads_in_english_vietnamese_and_indonesian(runner, client):
    runner.invoke(args=["seed-demo"])
    expected = {"en": "Strengthening implementation and localization",
                "vi": "Tăng cường thực hiện và địa phương hóa",
                "id": "Penguatan implementasi dan lokalisasi"}
    for language, title in expected.items():
        page = client.get(f"/courses/jakarta-2025-wps/?lang={language}").get_data(as_text=True)
        assert title in page
        assert "fallback-tag" not in page


def test_users_create_command(runner, db):
    result = runner.invoke(args=["users", "create", "--email", "Admin@Example.org", "--name", "Admin",
                                 "--role", "admin"])
    assert result.exit_code == 0 and "with password:" in result.output
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.role) == ("admin@example.org", "admin")
    again = runner.invoke(args=["users", "create", "--email", "admin@example.org", "--name", "X"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_the_demo_course_uses_all_eleven_modules_two_teams_filled_four_and_eight_wrote_plans(runner, db):
    from app.toolkit.demo import demo_answers
    from app.toolkit.models import Worksheet, WorksheetRevision
    from app.toolkit.modules import _check_example, modules

    for country, by_module in demo_answers().items():  # the demo's own answers pass the checker
        for key, answers in by_module.items():
            assert _check_example(modules()[key], {"country": country, "answers": answers}, "demo") == []
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    course = db.session.scalar(sa.select(Course).where(Course.slug == "jakarta-2025-wps"))
    assert [e.module_key for e in course.exercises] == [f"M{n}" for n in range(1, 12)]
    assert all(e.session is not None for e in course.exercises)
    assert "(M8, M10)" in next(e for e in course.exercises if e.module_key == "M10").session.title["en"]
    filled = {(s.country, s.exercise.module_key) for s in db.session.scalars(sa.select(Worksheet))}
    plans_only = ("TH", "PH", "KH", "MY", "LA", "TL")  # action plans for the follow-up
    assert filled == {(c, k) for c in ("VN", "ID") for k in ("M1", "M4", "M8", "M11")} | \
        {(c, "M11") for c in plans_only}
    assert count(WorksheetRevision) == 8 + len(plans_only)
    vn_costs = next(s for s in db.session.scalars(sa.select(Worksheet))
                    if (s.country, s.exercise.module_key) == ("VN", "M8"))
    assert vn_costs.answers["costs"][0]["action"]["row"]  # linked to the team's M11 action


# --- The upcoming seminar: a newcomer can register on a fresh demo --------------------------

def three_weeks_ahead(course, today: date) -> bool:
    """On a weekday, three weeks ahead (or the Monday after)."""
    return course.start_date.weekday() < 5 and 21 <= (course.start_date - today).days <= 23


def seminar(db):
    from app.demo_seminar import SLUG

    return db.session.scalar(sa.select(Course).where(Course.slug == SLUG))


def test_seed_demo_adds_a_vietnamese_seminar_three_weeks_ahead_with_registration_open(
        runner, db, monkeypatch):
    from app.courses.dates import course_today
    from app.registrations.operations import registration_state

    monkeypatch.setenv("DEMO_TRAINER_PASSWORD", "a demo password")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "/courses/hanoi-action-month-seminar/" in result.output
    course = seminar(db)
    today = course_today(course)
    assert course.timezone == "Asia/Ho_Chi_Minh" and course.country == "VN"
    assert (course.working_language, course.languages) == ("vi", ["vi"])
    assert course.start_date == course.end_date and three_weeks_ahead(course, today)
    assert course.registration_opens <= today
    assert course.registration_closes == course.start_date - timedelta(days=1)
    assert registration_state(course) == "open"
    assert course.city["vi"] == "Hà Nội" and course.title["vi"].startswith("Hội thảo chuyên đề")
    assert "Action Month" in course.title["en"] and "Tháng hành động" in course.title["vi"]
    for text in [course.title, course.description, *(o.text for o in course.objectives)]:
        assert text.missing(["vi", "en"]) == []
    assert len(course.objectives) == 3
    sessions = sorted(course.sessions, key=lambda s: s.starts_at)
    assert len(sessions) == 7 and all(s.title["vi"] and s.title["en"] for s in sessions)
    assert {s.local(s.starts_at).date() for s in sessions} == {course.start_date}
    first, last = sessions[0].local(sessions[0].starts_at), sessions[-1].local(sessions[-1].ends_at)
    assert (first.time(), last.time()) == (time(8), time(12))
    assert course.certificate_settings.language_mode == "participant"  # certificates in Vietnamese
    assert [t.email for t in course.trainers] == ["trainer@example.org"]


def test_seed_demo_again_keeps_the_seminar_as_it_is_and_never_makes_a_second(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    course = seminar(db)
    before = (course.start_date, course.registration_opens, course.registration_closes,
              sorted((s.starts_at, s.ends_at) for s in course.sessions))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    course = seminar(db)
    assert count(Course) == 2
    assert before == (course.start_date, course.registration_opens, course.registration_closes,
                      sorted((s.starts_at, s.ends_at) for s in course.sessions))


def test_once_the_seminars_day_has_come_seed_demo_moves_it_three_weeks_ahead(runner, db):
    """A demo seeded long ago: the seminar took place; seeding again opens registration again,
    with the agenda at the same times on the new day and the registrations kept."""
    from app.agenda.operations import venue_moment
    from app.courses.dates import course_today
    from app.registrations.operations import Person, register, registration_state

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    course = seminar(db)
    old_day = date(2024, 11, 20)
    shift = old_day - course.start_date
    for session in course.sessions:
        local = session.local(session.starts_at), session.local(session.ends_at)
        session.starts_at, session.ends_at = (venue_moment(course, moment.date() + shift, moment.time())
                                              for moment in local)
    course.start_date = course.end_date = old_day
    course.registration_opens, course.registration_closes = date(2024, 11, 1), date(2024, 11, 19)
    register(course, Person(full_name="Lê Thị Thu", sex="female", age_group="25-34", country="VN",
                            organisation_type="government", email="thu@example.vn"), notify=False)
    db.session.commit()
    assert registration_state(course) == "ended"

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    course = seminar(db)
    today = course_today(course)
    assert course.start_date == course.end_date and three_weeks_ahead(course, today)
    assert (course.registration_opens, course.registration_closes) == \
        (today, course.start_date - timedelta(days=1))
    assert registration_state(course) == "open"
    starts = sorted(s.local(s.starts_at) for s in course.sessions)
    assert {moment.date() for moment in starts} == {course.start_date}
    assert [moment.time() for moment in starts][:3] == [time(8), time(8, 30), time(9)]
    assert [r.email for r in course.registrations] == ["thu@example.vn"]
    assert count(Course) == 2


def test_a_newcomer_finds_the_seminar_open_on_the_home_page_and_registers(runner, client, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    home = client.get("/").get_data(as_text=True)
    upcoming = home.split('id="past"')[0]
    assert "/courses/hanoi-action-month-seminar/" in upcoming
    assert "/courses/jakarta-2025-wps/" not in upcoming  # April 2025: among the past courses
    page = client.get("/courses/hanoi-action-month-seminar/").get_data(as_text=True)
    assert "Hội thảo chuyên đề" in page  # the course's own language, Vietnamese
    assert 'href="/courses/hanoi-action-month-seminar/register"' in page
    form = client.get("/courses/hanoi-action-month-seminar/register")
    assert form.status_code == 200 and 'name="consent"' in form.get_data(as_text=True)
