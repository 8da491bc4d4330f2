"""The demo data: the reference course (Jakarta, 9–11 April 2025)."""
from datetime import date

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
    assert (count(Course), count(Organisation), count(User)) == (1, 5, 1)

    course = db.session.scalar(sa.select(Course))
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


def test_the_demo_course_uses_all_eleven_modules_and_two_teams_filled_four(runner, db):
    from app.toolkit.demo import demo_answers
    from app.toolkit.models import Worksheet, WorksheetRevision
    from app.toolkit.modules import _check_example, modules

    for country, by_module in demo_answers().items():  # the demo's own answers pass the checker
        for key, answers in by_module.items():
            assert _check_example(modules()[key], {"country": country, "answers": answers}, "demo") == []
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    course = db.session.scalar(sa.select(Course))
    assert [e.module_key for e in course.exercises] == [f"M{n}" for n in range(1, 12)]
    assert all(e.session is not None for e in course.exercises)
    assert "(M8, M10)" in next(e for e in course.exercises if e.module_key == "M10").session.title["en"]
    filled = {(s.country, s.exercise.module_key) for s in db.session.scalars(sa.select(Worksheet))}
    assert filled == {(c, k) for c in ("VN", "ID") for k in ("M1", "M4", "M8", "M11")}
    assert count(WorksheetRevision) == 8
    vn_costs = next(s for s in db.session.scalars(sa.select(Worksheet))
                    if (s.country, s.exercise.module_key) == ("VN", "M8"))
    assert vn_costs.answers["costs"][0]["action"]["row"]  # linked to the team's M11 action
