"""What the knowledge tests and evaluations add up to (app/evaluation/results.py), in a constant
number of SQL statements, and the trainers' results page; the questionnaire files' checker."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.evaluation import questionnaires, results
from app.evaluation.models import EvaluationReceipt, EvaluationResponse, KnowledgeAttempt
from app.registrations.models import Registration
from helpers import selects

SLUG = "results-2025"


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="results@example.org"), slug=SLUG,
                       start_date=date(2025, 4, 9), end_date=date(2025, 4, 10))


def answers(right: set[str]) -> dict:
    """Knowledge answers: the questions in ``right`` correct, the others wrong."""
    test = questionnaires.get("knowledge")
    result = {}
    for spec in test.fields:
        correct = test.correct[spec.name]
        result[spec.name] = correct if spec.name in right else \
            next(value for value, _label in spec.options if value != correct)
    return result


def attempt(db, person, phase: str, right: set[str]) -> None:
    test = questionnaires.get("knowledge")
    given = answers(right)
    db.session.add(KnowledgeAttempt(course_id=person.course_id, registration_id=person.id, phase=phase,
                                    answers=given, score=test.score(given), out_of=10))


def respond(db, course, survey: str, answers: dict, language: str = "en", person=None) -> None:
    db.session.add(EvaluationResponse(course_id=course.id, survey=survey, answers=answers,
                                      language=language))
    if person is not None:
        db.session.add(EvaluationReceipt(registration_id=person.id, survey=survey, course_id=course.id))


FIRST = {"resolution_1325", "four_pillars", "rpa_adopted"}


def test_scores_changes_and_question_difficulty(db, course, make_registration):
    ha = make_registration(course)
    somchai = make_registration(course, email="s@example.org", full_name="Somchai",
                                certificate_name="Somchai", country="TH", sex="male")
    only_pre = make_registration(course, email="p@example.org", full_name="Pre Only",
                                 certificate_name="Pre Only", country="KH")
    attempt(db, ha, "pre", FIRST)                                          # 3
    attempt(db, ha, "post", FIRST | {"baseline", "smart_time", "results_chain"})  # 6
    attempt(db, somchai, "pre", {"resolution_1325"})                       # 1
    attempt(db, somchai, "post", {"resolution_1325", "baseline"})          # 2
    attempt(db, only_pre, "pre", set())                                    # 0
    db.session.commit()
    summary = results.knowledge_summary([course.id])
    assert (summary["pre_count"], summary["post_count"], summary["paired_count"]) == (3, 2, 2)
    assert summary["out_of"] == 10
    assert summary["pre_mean"] == pytest.approx((30 + 10 + 0) / 3)
    assert summary["post_mean"] == pytest.approx((60 + 20) / 2)
    assert summary["change_mean"] == pytest.approx((30 + 10) / 2)
    assert summary["by_sex"]["male"] == {"pre_mean": 10.0, "post_mean": 20.0, "paired_count": 1}
    # By sex, those who took both: Ha alone among the women ("Pre Only" took one test).
    assert summary["by_sex"]["female"] == {"pre_mean": 30.0, "post_mean": 60.0, "paired_count": 1}
    questions = {q["name"]: q for q in summary["questions"]}
    assert questions["resolution_1325"] == {
        "name": "resolution_1325", "label": "Security Council resolution 1325 was adopted in which year?",
        "pre_correct": 2, "pre_answered": 3, "post_correct": 2, "post_answered": 2}
    assert (questions["baseline"]["pre_correct"], questions["baseline"]["post_correct"]) == (0, 2)
    # Restricted to some people (the dashboard's filters).
    women = sa.select(Registration.id).where(Registration.sex == "female")
    filtered = results.knowledge_summary([course.id], people=women)
    assert (filtered["pre_count"], filtered["post_count"], list(filtered["by_sex"])) == (2, 1, ["female"])
    people = {row["registration"].certificate_name: row for row in results.knowledge_people(course.id)}
    assert (people["Nguyễn Thị Hà"]["pre"], people["Nguyễn Thị Hà"]["post"],
            people["Nguyễn Thị Hà"]["change"]) == (3, 6, 3)
    assert (people["Pre Only"]["pre"], people["Pre Only"]["post"], people["Pre Only"]["change"]) == \
        (0, None, None)


def test_only_participants_count_as_in_the_reports(db, course, make_registration):
    """Someone cancelled after the tests is not a participant: the dashboard, the reports and the
    trainers' averages leave them out, filtered or not (they stay in the list of people)."""
    ha = make_registration(course)
    gone = make_registration(course, email="g@example.org", certificate_name="Gone", sex="male",
                             country="TH")
    attempt(db, ha, "pre", FIRST)
    attempt(db, gone, "pre", set(answers(set())) | FIRST | {"baseline"})
    gone.status = "cancelled"
    db.session.commit()
    summary = results.knowledge_summary([course.id])
    assert (summary["pre_count"], summary["pre_mean"], list(summary["by_sex"])) == (1, 30.0, ["female"])
    assert {q["name"]: q["pre_answered"] for q in summary["questions"]}["baseline"] == 1
    everyone = sa.select(Registration.id)
    assert results.knowledge_summary([course.id], people=everyone)["pre_count"] == 1
    assert {row["registration"].certificate_name for row in results.knowledge_people(course.id)} == \
        {"Nguyễn Thị Hà", "Gone"}


def test_empty_results_have_no_division_by_zero(db, course):
    summary = results.knowledge_summary([course.id])
    assert summary["pre_mean"] is None and summary["change_mean"] is None and summary["pre_count"] == 0
    assert all(q["pre_answered"] == 0 for q in summary["questions"])
    assert results.knowledge_summary([]) ["paired_count"] == 0
    assert results.survey_summary([course.id]) == {}
    day = results.survey_summary([course.id], "day-1")["day-1"]
    assert day["responses"] == 0 and day["scales"][0]["mean"] is None
    assert day["scales"][0]["counts"] == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


def test_survey_distributions_choices_and_open_answers(db, course):
    respond(db, course, "day-1", {"relevant": 5, "clear": 4, "most_useful": "Group work", "improve": ""})
    respond(db, course, "day-1", {"relevant": 3, "clear": "", "most_useful": "Thảo luận nhóm"}, "vi")
    respond(db, course, "course", {"objectives_met": 4, "next_step": "update_plan",
                                   "suggestions": "ការពិភាក្សាបន្ថែម"}, "km")
    db.session.commit()
    summary = results.survey_summary([course.id])
    assert list(summary) == ["day-1", "course"]
    relevant = summary["day-1"]["scales"][0]
    assert relevant["name"] == "relevant" and relevant["counts"] == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert relevant["mean"] == 4.0
    assert summary["day-1"]["scales"][1]["counts"][4] == 1 and summary["day-1"]["scales"][1]["mean"] == 4
    useful = summary["day-1"]["open"][0]
    assert sorted(useful["answers"]) == [("Group work", "en"), ("Thảo luận nhóm", "vi")]
    assert summary["day-1"]["open"][1]["answers"] == []
    step = summary["course"]["choices"][0]
    assert step["counts"]["update_plan"] == 1 and step["counts"]["other"] == 0
    assert list(results.survey_summary([course.id], "course")) == ["course"]


def grow(db, courses, people: int) -> None:
    for course in courses:
        for index in range(len(course.registrations.all()), people):
            person = Registration(course_id=course.id, full_name=f"P {index}", certificate_name=f"P {index}",
                                  sex="female" if index % 2 else "male", age_group="35-44", country="VN",
                                  organisation_type="cso", email=f"p{index}@example.org", status="approved")
            db.session.add(person)
            db.session.flush()
            attempt(db, person, "pre", FIRST)
            attempt(db, person, "post", FIRST | {"baseline"})
            respond(db, course, "day-1", {"relevant": 1 + index % 5, "most_useful": f"Answer {index}"},
                    person=person)
            respond(db, course, "course", {"next_step": "other"}, person=person)
    db.session.commit()


def test_each_summary_costs_the_same_statements_for_few_or_many(db, course, make_course, make_user):
    courses = [course, make_course(trainer=make_user(), slug="results-b-2025")]
    ids = [c.id for c in courses]
    first = ids[0]
    women = sa.select(Registration.id).where(Registration.sex == "female")

    def measure():
        return (selects(lambda: results.knowledge_summary(ids)),
                selects(lambda: results.knowledge_summary(ids, people=women)),
                selects(lambda: results.knowledge_people(first)),
                selects(lambda: results.survey_summary(ids)),
                selects(lambda: results.survey_summary(ids, "day-1")))

    grow(db, courses, 2)
    few = measure()
    grow(db, courses, 40)
    many = measure()
    assert few == many
    assert few == (1, 1, 2, 1, 1)
    assert results.knowledge_summary(ids)["paired_count"] == 80
    assert results.survey_summary(ids)["day-1"]["responses"] == 80


def test_the_results_page_shows_every_answer_in_its_language(client, db, course, login, make_registration):
    ha = make_registration(course)
    attempt(db, ha, "pre", FIRST)
    respond(db, course, "day-2", {"relevant": 4, "most_useful": "Thảo luận nhóm\nvề chỉ số"}, "vi")
    respond(db, course, "course", {"suggestions": "ការពិភាក្សាបន្ថែម", "next_step": "brief_ministry"}, "km")
    db.session.commit()
    login(course.trainers[0])
    page = client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    assert '<li lang="vi" dir="auto">Thảo luận nhóm<br>về chỉ số</li>' in page
    assert '<li lang="km" dir="auto">ការពិភាក្សាបន្ថែម</li>' in page
    day1 = page[page.index('id="survey-day-1"'):page.index('id="survey-day-2"')]
    assert "No answers yet." in day1
    day2 = page[page.index('id="survey-day-2"'):page.index('id="survey-course"')]
    assert "1 response" in day2 and "%" not in day2  # one person: counts, not percentages
    assert "4.0" not in day2  # nor a mean: the dashboard shows none either
    assert "Brief my ministry: 1" in page
    questions = page[page.index('id="knowledge-questions"'):]
    assert "1 of 1" in questions and "0 of 0" in questions and "%" not in questions


def test_percentages_appear_from_the_threshold(client, db, course, login, make_registration):
    course.report_threshold = 2
    for number in range(2):
        person = make_registration(course, email=f"t{number}@example.org")
        attempt(db, person, "pre", FIRST if number else set())
    respond(db, course, "day-1", {"relevant": 5})
    respond(db, course, "day-1", {"relevant": 4})
    db.session.commit()
    login(course.trainers[0])
    page = client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    questions = page[page.index('id="knowledge-questions"'):]
    assert "1 (50%) of 2" in questions
    assert "1 (50%)" in page[page.index('id="survey-day-1"'):]
    assert "4.5" in page[page.index('id="survey-day-1"'):]  # the mean, from the threshold on


def test_an_empty_course_renders(client, course, login):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{SLUG}/evaluation/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("No answers yet.") == 4  # the knowledge test, two days and the course
    assert 'id="knowledge-people"' not in page


def test_the_toolkit_check_reports_a_broken_questionnaire(runner, tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    for path in questionnaires.FOLDER.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    good = runner.invoke(args=["toolkit", "check", str(tmp_path)])
    assert good.exit_code == 0, good.output
    assert "knowledge-test.yaml (10 questions)" in good.output
    text = (folder / "knowledge-test.yaml").read_text(encoding="utf-8")
    (folder / "knowledge-test.yaml").write_text(text.replace("correct: y2000", "correct: y1999"),
                                                encoding="utf-8")
    (folder / "evaluation-day.yaml").write_text(
        "key: day\ntitle: Day\nhelp: Help\nquestions:\n  - {name: q, type: slider, label: Q}\n",
        encoding="utf-8")
    broken = runner.invoke(args=["toolkit", "check", str(tmp_path)])
    assert broken.exit_code == 1
    assert "knowledge-test.yaml: questions[1]: correct must be the value of one of its options" in broken.output
    assert "evaluation-day.yaml: questions[1]: type 'slider' is not one of" in broken.output
    assert "0 problems" not in broken.output and "evaluation-course.yaml (9 questions)" in broken.output
