"""The knowledge test and the evaluation surveys: windows the trainers open and close, taking
each questionnaire once through the personal link, anonymity, and what each side sees."""
import json
import re

import pytest
import sqlalchemy as sa

from app.evaluation import questionnaires
from app.evaluation.models import EvaluationReceipt, EvaluationResponse, KnowledgeAttempt, \
    QuestionnaireWindow
from helpers import count

SLUG = "eval-2025"


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="eval@example.org"), slug=SLUG)


@pytest.fixture
def trainer(course, login):
    login(course.trainers[0])
    return course.trainers[0]


@pytest.fixture
def participant(app):
    """A second browser: the participant's (the trainer stays signed in on ``client``)."""
    return app.test_client()


def window(client, name: str, action: str, slug: str = SLUG):
    return client.post(f"/manage/courses/{slug}/evaluation/", data={"action": action, "name": name})


def answers(right: int) -> dict:
    """Knowledge answers with the first ``right`` questions correct and the others wrong."""
    test = questionnaires.get("knowledge")
    result = {}
    for number, spec in enumerate(test.fields):
        correct = test.correct[spec.name]
        wrong = next(value for value, _label in spec.options if value != correct)
        result[spec.name] = correct if number < right else wrong
    return result


def stored_windows(db, course) -> dict:
    return {w.name: w for w in db.session.scalars(
        sa.select(QuestionnaireWindow).where(QuestionnaireWindow.course_id == course.id))}


def test_trainers_open_close_and_reopen_windows_others_cannot(client, db, course, trainer, make_user,
                                                              login, participant, make_course):
    page = client.get(f"/manage/courses/{SLUG}/evaluation/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("pre", "post", "day-1", "day-2", "day-3", "course"):
        assert f'id="window-{name}"' in text
    assert "day-4" not in text and "Not opened" in text
    assert count(QuestionnaireWindow) == 0  # nothing made by reading the page
    assert window(client, "pre", "open").status_code == 302
    assert stored_windows(db, course)["pre"].is_open
    assert "Open since" in client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    assert window(client, "pre", "open").status_code == 400  # already open: said, nothing changes
    assert window(client, "pre", "close").status_code == 302
    db.session.expire_all()
    assert stored_windows(db, course)["pre"].closed_at is not None
    assert "Closed on" in client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    assert window(client, "pre", "reopen").status_code == 302
    db.session.expire_all()
    assert stored_windows(db, course)["pre"].is_open and count(QuestionnaireWindow) == 1
    assert window(client, "day-9", "open").status_code == 400  # the course has three days
    # Another trainer's course, and a signed-out visitor.
    make_course(trainer=make_user(), slug="other-2025")
    assert window(client, "pre", "open", slug="other-2025").status_code == 403
    assert client.get("/manage/courses/other-2025/evaluation/").status_code == 403
    assert participant.post(f"/manage/courses/{SLUG}/evaluation/",
                            data={"action": "open", "name": "post"}).status_code == 302  # to sign-in
    assert "post" not in stored_windows(db, course)


def test_the_manage_page_links_to_the_evaluation(client, course, trainer):
    page = client.get(f"/manage/courses/{SLUG}/").get_data(as_text=True)
    assert f"/manage/courses/{SLUG}/evaluation/" in page


def test_pre_and_post_test_once_each_with_scores(client, db, course, trainer, participant,
                                                 make_registration):
    ha = make_registration(course)
    assert participant.get(f"/p/{ha.token}/knowledge/pre").status_code == 200
    assert "not open yet" in participant.get(f"/p/{ha.token}/knowledge/pre").get_data(as_text=True)
    assert participant.post(f"/p/{ha.token}/knowledge/pre", data=answers(4)).status_code == 409
    assert count(KnowledgeAttempt) == 0
    window(client, "pre", "open")
    form = participant.get(f"/p/{ha.token}/knowledge/pre").get_data(as_text=True)
    assert "Security Council resolution 1325" in form and 'type="radio"' in form
    assert form.count("<fieldset") == 10 and form.count("<legend>") == 10
    response = participant.post(f"/p/{ha.token}/knowledge/pre", data=answers(4))
    assert response.status_code == 302
    attempt = db.session.scalar(sa.select(KnowledgeAttempt))
    assert (attempt.phase, attempt.score, attempt.out_of, attempt.language) == ("pre", 4, 10, "en")
    # Sent again (a double click, another tab): nothing changes, the page says so.
    again = participant.post(f"/p/{ha.token}/knowledge/pre", data=answers(10))
    assert again.status_code == 409 and "already answered" in again.get_data(as_text=True)
    db.session.expire_all()
    assert count(KnowledgeAttempt) == 1 and db.session.scalar(sa.select(KnowledgeAttempt)).score == 4
    # The post-test waits for the pre-test to close.
    window(client, "post", "open")
    early = participant.post(f"/p/{ha.token}/knowledge/post", data=answers(9))
    assert early.status_code == 409 and "once the pre-test is closed" in early.get_data(as_text=True)
    window(client, "pre", "close")
    assert participant.post(f"/p/{ha.token}/knowledge/post", data=answers(9)).status_code == 302
    scores = {a.phase: a.score for a in db.session.scalars(sa.select(KnowledgeAttempt))}
    assert scores == {"pre": 4, "post": 9}
    text = client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    table = text[text.index('id="knowledge-people"'):]
    assert re.search(r"Nguyễn Thị Hà</th><td>Viet Nam</td>\s*"
                     r"<td>4 of 10</td>\s*<td>9 of 10</td>\s*<td>\+5</td>", table)


def test_the_post_test_may_be_allowed_before_the_pre_test_closes(client, db, course, trainer,
                                                                 participant, make_registration):
    ha = make_registration(course)
    window(client, "pre", "open")
    window(client, "post", "open")
    response = client.post(f"/manage/courses/{SLUG}/evaluation/", data={
        "action": "settings", "anonymous": "yes", "post_test_early": "y", "report_threshold": "5"})
    assert response.status_code == 302
    assert participant.post(f"/p/{ha.token}/knowledge/post", data=answers(7)).status_code == 302
    assert db.session.scalar(sa.select(KnowledgeAttempt.score)) == 7


def test_a_closed_window_takes_no_answers(client, course, trainer, participant, make_registration):
    ha = make_registration(course)
    window(client, "day-1", "open")
    window(client, "day-1", "close")
    page = participant.get(f"/p/{ha.token}/evaluation/day-1")
    assert page.status_code == 200 and "is closed" in page.get_data(as_text=True)
    response = participant.post(f"/p/{ha.token}/evaluation/day-1", data={"relevant": "5"})
    assert response.status_code == 409
    assert count(EvaluationResponse) == 0 and count(EvaluationReceipt) == 0
    assert participant.get(f"/p/{ha.token}/evaluation/day-4").status_code == 404  # three days
    assert participant.get(f"/p/{ha.token}/knowledge/mid").status_code == 404


def test_an_unanswered_question_is_marked_and_the_other_answers_kept(client, course, trainer,
                                                                     participant, make_registration):
    ha = make_registration(course)
    window(client, "pre", "open")
    typed = answers(10)
    del typed["baseline"]
    response = participant.post(f"/p/{ha.token}/knowledge/pre", data=typed)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1 question needs an answer" in text and "Choose an answer to this question." in text
    marked = text[text.index('id="question-baseline"'):]
    assert marked.index("Choose an answer") < marked.index("</fieldset>")
    assert re.search(r'value="time_bound" id="[^"]+" checked', text)  # what was typed stays
    assert 'value="y2000" id="resolution_1325-y2000" checked' in text
    assert count(KnowledgeAttempt) == 0
    bad = participant.post(f"/p/{ha.token}/knowledge/pre", data={**answers(10), "smart_time": "nonsense"})
    assert bad.status_code == 400 and count(KnowledgeAttempt) == 0


def test_only_approved_participants_answer(client, course, trainer, participant, make_registration):
    waiting = make_registration(course, status="waitlisted", email="wait@example.org")
    window(client, "pre", "open")
    response = participant.get(f"/p/{waiting.token}/knowledge/pre")
    assert response.status_code == 403 and "confirmed" in response.get_data(as_text=True)
    assert participant.post(f"/p/{waiting.token}/knowledge/pre", data=answers(3)).status_code == 403
    assert participant.get("/p/no-such-token/knowledge/pre").status_code == 404
    assert count(KnowledgeAttempt) == 0


def survey_answers(text: str) -> dict:
    return {"relevant": "5", "clear": "4", "pace": "2", "participation": "", "most_useful": text,
            "improve": ""}


def test_an_anonymous_evaluation_has_no_link_to_its_author(client, db, course, trainer, participant,
                                                           make_registration):
    ha = make_registration(course, language="vi")
    window(client, "day-1", "open")
    form = participant.get(f"/p/{ha.token}/evaluation/day-1?lang=en").get_data(as_text=True)
    assert "1 · Strongly disagree" in form and "5 · Strongly agree" in form and "anonymous" in form
    form_vi = participant.get(f"/p/{ha.token}/evaluation/day-1?lang=vi").get_data(as_text=True)
    assert "1 · Hoàn toàn không đồng ý" in form_vi and "Strongly" not in form_vi
    response = participant.post(f"/p/{ha.token}/evaluation/day-1?lang=vi",
                                data=survey_answers("Phần thảo luận nhóm"))
    assert response.status_code == 302
    rows = db.session.execute(sa.text(
        "SELECT registration_id, language, answers FROM evaluation_response")).all()
    assert len(rows) == 1 and rows[0][0] is None and rows[0][1] == "vi"
    receipts = db.session.execute(sa.text("SELECT registration_id, survey FROM evaluation_receipt")).all()
    assert receipts == [(ha.id, "day-1")]
    again = participant.post(f"/p/{ha.token}/evaluation/day-1", data=survey_answers("Twice"))
    assert again.status_code == 409 and count(EvaluationResponse) == 1
    closed = participant.post(f"/p/{ha.token}/evaluation/course?lang=en", data=survey_answers("Never opened"))
    assert closed.status_code == 409 and "not open yet" in closed.get_data(as_text=True)
    assert count(EvaluationResponse) == 1 and count(EvaluationReceipt) == 1


def test_the_stored_order_of_anonymous_answers_does_not_follow_the_receipts(db, course, make_registration,
                                                                           monkeypatch):
    """Receipts are stored in the order people answered; anonymous answers must not be, or the
    n-th answer (SQLite's rowid, PostgreSQL's physical order, a dump) would be the n-th receipt's
    author's. Each new answer swaps places with one picked at random; nothing is lost."""
    from app.evaluation import operations

    picks = iter([0, 0, 1, 3, 2, 0, 5, 1])  # the random draws, fixed so the test says what happens
    monkeypatch.setattr(operations.secrets, "randbelow", lambda bound: min(next(picks), bound - 1))
    people = [make_registration(course, email=f"a{n}@example.org") for n in range(8)]
    db.session.add(QuestionnaireWindow(course_id=course.id, name="day-1", opened_at=sa.func.now()))
    db.session.commit()
    for number, person in enumerate(people):
        operations.answer_survey(course, person, "day-1", {"most_useful": f"answer {number}"}, "en")
        db.session.commit()
    physical = "rowid" if db.engine.dialect.name == "sqlite" else "ctid"  # the order rows lie in
    stored = [(json.loads(answers) if isinstance(answers, str) else answers)["most_useful"]
              for (answers,) in db.session.execute(sa.text(
                  f"SELECT answers FROM evaluation_response ORDER BY {physical}")).all()]
    assert sorted(stored) == [f"answer {n}" for n in range(8)]  # every answer kept, once
    if physical == "rowid":  # PostgreSQL reuses space freed by earlier tests: its order is not theirs
        assert stored != [f"answer {n}" for n in range(8)]  # not in the order they came
        receipts = db.session.execute(sa.text("SELECT registration_id FROM evaluation_receipt ORDER BY rowid"))
        assert [row[0] for row in receipts] == [person.id for person in people]


def test_switching_to_anonymous_deals_the_unlinked_answers_afresh(db, course, make_registration, monkeypatch):
    from app.evaluation import operations

    monkeypatch.setattr(operations.secrets.SystemRandom, "shuffle", lambda self, items: items.reverse())
    course.evaluations_anonymous = False
    people = [make_registration(course, email=f"n{n}@example.org") for n in range(3)]
    for number, person in enumerate(people):
        db.session.add(EvaluationResponse(course_id=course.id, survey="course", registration_id=person.id,
                                          answers={"suggestions": f"said {number}"}, language="en"))
    db.session.commit()
    ids = sorted(db.session.scalars(sa.select(EvaluationResponse.id)))
    before = [db.session.get(EvaluationResponse, key).answers["suggestions"] for key in ids]
    assert operations.save_settings(course, anonymous=True, post_test_early=False, threshold=5) == 3
    db.session.commit()
    db.session.expire_all()
    after = [db.session.get(EvaluationResponse, key) for key in ids]
    assert all(row.registration_id is None for row in after)
    assert [row.answers["suggestions"] for row in after] == before[::-1]  # dealt afresh


def test_a_named_evaluation_keeps_its_author_until_switched_to_anonymous(client, db, course, trainer,
                                                                         participant, make_registration):
    ha = make_registration(course)
    settings = {"action": "settings", "anonymous": "no", "report_threshold": "5"}
    assert client.post(f"/manage/courses/{SLUG}/evaluation/", data=settings).status_code == 302
    window(client, "course", "open")
    blank = participant.post(f"/p/{ha.token}/evaluation/course", data={})
    assert blank.status_code == 400 and "at least one question" in blank.get_data(as_text=True)
    response = participant.post(f"/p/{ha.token}/evaluation/course",
                                data={"objectives_met": "4", "next_step": "update_plan"})
    assert response.status_code == 302
    linked = db.session.execute(sa.text("SELECT registration_id FROM evaluation_response")).scalar()
    assert linked == ha.id
    page = client.get(f"/manage/courses/{SLUG}/evaluation/").get_data(as_text=True)
    assert "applies to new answers only" in page
    settings["anonymous"] = "yes"
    switched = client.post(f"/manage/courses/{SLUG}/evaluation/", data=settings, follow_redirects=True)
    assert "1 evaluation answer is no longer linked to its author" in switched.get_data(as_text=True)
    assert db.session.execute(sa.text("SELECT registration_id FROM evaluation_response")).scalar() is None
    assert count(EvaluationReceipt) == 1


def test_the_settings_refuse_a_threshold_out_of_range(client, db, course, trainer):
    response = client.post(f"/manage/courses/{SLUG}/evaluation/", data={
        "action": "settings", "anonymous": "no", "report_threshold": "0"})
    assert response.status_code == 400
    assert 'value="0"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert (course.report_threshold, course.evaluations_anonymous) == (5, True)


def test_own_scores_show_only_once_the_post_test_is_closed(client, course, trainer, participant,
                                                           make_registration):
    ha = make_registration(course)
    other = make_registration(course, email="other@example.org", full_name="Somchai",
                              certificate_name="Somchai", country="TH")
    personal = participant.get(f"/p/{ha.token}/").get_data(as_text=True)
    assert "Tests and evaluations" not in personal  # nothing opened yet
    window(client, "pre", "open")
    personal = participant.get(f"/p/{ha.token}/").get_data(as_text=True)
    assert f"/p/{ha.token}/knowledge/pre" in personal
    participant.post(f"/p/{ha.token}/knowledge/pre", data=answers(3))
    participant.post(f"/p/{other.token}/knowledge/pre", data=answers(8))
    window(client, "pre", "close")
    window(client, "post", "open")
    participant.post(f"/p/{ha.token}/knowledge/post", data=answers(6))
    personal = participant.get(f"/p/{ha.token}/").get_data(as_text=True)
    assert "Thank you, answered" in personal and 'id="my-scores"' not in personal
    assert "6 of 10" not in personal
    window(client, "post", "close")
    personal = participant.get(f"/p/{ha.token}/").get_data(as_text=True)
    scores = personal[personal.index('id="my-scores"'):]
    assert "3 of 10" in scores and "6 of 10" in scores and "8 of 10" not in scores
    theirs = participant.get(f"/p/{other.token}/").get_data(as_text=True)
    scores = theirs[theirs.index('id="my-scores"'):]
    assert "8 of 10" in scores and "Not taken" in scores and "3 of 10" not in scores
    assert "correct" not in personal.lower()  # never the right answers


def test_a_race_between_two_submits_stores_the_first_only(db, course, make_registration):
    """Two requests that both passed the "not answered yet" check: the unique constraints keep
    the first; the second stores nothing, not even an unlinked anonymous response."""
    from app.evaluation import operations

    ha = make_registration(course)
    operations.store_once(KnowledgeAttempt(course_id=course.id, registration_id=ha.id, phase="pre",
                                           answers={}, score=2, out_of=10))
    with pytest.raises(operations.AlreadyAnswered):
        operations.store_once(KnowledgeAttempt(course_id=course.id, registration_id=ha.id, phase="pre",
                                               answers={}, score=9, out_of=10))
    for text in ("first", "second"):
        try:
            operations.store_once(
                EvaluationReceipt(registration_id=ha.id, survey="course", course_id=course.id),
                EvaluationResponse(course_id=course.id, survey="course", answers={"suggestions": text}))
        except operations.AlreadyAnswered:
            assert text == "second"
    db.session.commit()
    assert db.session.scalars(sa.select(KnowledgeAttempt.score)).all() == [2]
    assert [r.answers for r in db.session.scalars(sa.select(EvaluationResponse))] == [{"suggestions": "first"}]
    assert count(EvaluationReceipt) == 1


def test_a_participants_data_holds_their_tests_and_named_answers_and_erasing_unlinks_them(
        client, db, course, trainer, participant, make_registration):
    ha = make_registration(course)
    client.post(f"/manage/courses/{SLUG}/evaluation/",
                data={"action": "settings", "anonymous": "no", "report_threshold": "5"})
    window(client, "pre", "open")
    window(client, "course", "open")
    assert participant.post(f"/p/{ha.token}/knowledge/pre", data=answers(6)).status_code == 302
    assert participant.post(f"/p/{ha.token}/evaluation/course",
                            data={"objectives_met": "4", "suggestions": "Longer day 3"}).status_code == 302
    data = participant.get(f"/p/{ha.token}/data.json").get_json()
    assert [(t["phase"], t["score"], t["out_of"]) for t in data["knowledge_tests"]] == [("pre", 6, 10)]
    assert data["evaluations_answered"] == ["course"]
    assert data["evaluation_answers"][0]["answers"]["suggestions"] == "Longer day 3"
    assert participant.post(f"/p/{ha.token}/cancel", data={"erase": "1", "confirm": "1"}).status_code == 302
    db.session.expire_all()
    # The answer stays for the figures, with no one behind it.
    assert db.session.execute(sa.text("SELECT registration_id FROM evaluation_response")).scalar() is None
    assert count(EvaluationResponse) == 1
