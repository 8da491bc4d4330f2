"""The demo's monitoring and evaluation data: the knowledge test before and after, anonymous
evaluations, and the action-plan follow-up, made once and telling a story."""
import sqlalchemy as sa

from app.evaluation import questionnaires
from app.evaluation.models import EvaluationReceipt, EvaluationResponse, KnowledgeAttempt, \
    QuestionnaireWindow
from app.followup import results
from app.followup.models import ActionUpdate, FollowUpRound
from app.registrations.models import Registration
from helpers import PASSWORD, count

MODELS = (QuestionnaireWindow, KnowledgeAttempt, EvaluationResponse, EvaluationReceipt,
          FollowUpRound, ActionUpdate)


def test_seeding_twice_adds_nothing_the_second_time(runner, db, monkeypatch):
    monkeypatch.setenv("DEMO_TRAINER_PASSWORD", PASSWORD)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = {model.__name__: count(model) for model in MODELS}
    answers = sorted((a.registration_id, a.phase, a.score) for a in db.session.scalars(sa.select(KnowledgeAttempt)))
    assert all(first.values())
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert {model.__name__: count(model) for model in MODELS} == first
    assert sorted((a.registration_id, a.phase, a.score)
                  for a in db.session.scalars(sa.select(KnowledgeAttempt))) == answers


def mean(values) -> float:
    return sum(values) / len(values)


def test_the_demo_tells_a_story(demo_course, db):
    course = demo_course
    test = questionnaires.get("knowledge")
    attempts = list(db.session.scalars(sa.select(KnowledgeAttempt).where(KnowledgeAttempt.course_id == course.id)))
    assert all(a.score == test.score(a.answers) and a.out_of == len(test.correct) for a in attempts)
    pre = [a.score / a.out_of for a in attempts if a.phase == "pre"]
    post = [a.score / a.out_of for a in attempts if a.phase == "post"]
    approved = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.course_id == course.id, Registration.status == "approved"))
    assert approved * 0.8 <= len(pre) < approved and approved * 0.7 <= len(post) < len(pre)
    assert 0.4 <= mean(pre) <= 0.6 and 0.7 <= mean(post) <= 0.88 and mean(post) > mean(pre)
    by_phase = {a.phase: a.language for a in attempts}
    assert set(by_phase) == {"pre", "post"}

    windows = {w.name: w for w in db.session.scalars(sa.select(QuestionnaireWindow))}
    assert set(windows) == {"pre", "post", "day-1", "day-2", "day-3", "course"}
    assert windows["pre"].closed_at < windows["post"].opened_at < windows["post"].closed_at
    for attempt in attempts:
        window = windows[attempt.phase]
        assert window.opened_at <= attempt.submitted_at <= window.closed_at

    responses = list(db.session.scalars(sa.select(EvaluationResponse)))
    assert course.evaluations_anonymous and all(r.registration_id is None for r in responses)
    surveys = {r.survey for r in responses}
    assert surveys == {"day-1", "day-2", "day-3", "course"}
    assert count(EvaluationReceipt) == len(responses)
    written = {(r.language, text) for r in responses for name, text in r.answers.items()
               if isinstance(text, str) and len(text) > 12 and name not in ("next_step",)}
    assert {"vi", "id", "th", "km"} <= {language for language, _text in written}
    assert any("ក" <= text[0] <= "៹" for language, text in written if language == "km")  # Khmer script

    first, second = results.follow_up_summary([course.id])["rounds"]
    assert first["sent_at"] and second["sent_at"]
    assert first["teams_count"] == 8 and 5 <= first["answered_teams"] <= 6  # two or three silent
    silent = sorted(t["country"] for t in first["teams"] if not t["answered"])
    assert 2 <= len(silent) <= 3
    assert 0 < second["answered_teams"] < first["answered_teams"]
    assert sum(1 for n in first["counts"].values() if n) >= 3  # a mix of statuses
    updates = list(db.session.scalars(sa.select(ActionUpdate)))
    assert sum(1 for u in updates if u.evidence_url.startswith("https://")) >= 2
    assert sum(1 for u in updates if u.note) >= 3
    headlines = results.action_headlines(course.id)
    assert "Draft the RAD P3AKS for Central Sulawesi" in next(
        h["actions"] for h in headlines if h["country"] == "ID")


def test_a_demo_member_opens_the_follow_up_and_the_trainer_sees_who_answered(demo_course, client,
                                                                               db, login):
    course = demo_course
    member = db.session.scalar(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.country == "ID",
        Registration.status == "approved").order_by(Registration.id))
    page = client.get(f"/p/{member.token}/follow-up/1").get_data(as_text=True)
    assert "Draft the RAD P3AKS for Central Sulawesi" in page and "Konsultasi publik pertama" in page
    assert f"/p/{member.token}/follow-up/2" in client.get(f"/p/{member.token}/").get_data(as_text=True)
    login(course.trainers[0])
    overview = client.get(f"/manage/courses/{course.slug}/follow-up/")
    assert overview.status_code == 200
    text = overview.get_data(as_text=True)
    silent = text[text.index('<ul class="unanswered-teams">'):]
    assert "Malaysia team" in silent[:silent.index("</ul>")] and "Timor-Leste team" in silent[:silent.index("</ul>")]
