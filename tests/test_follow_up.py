"""The action-plan follow-up: due dates, sending each round once in each member's language, a
team's statuses through the personal link, and the trainers' page and figures."""
import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.followup import operations, results
from app.followup.models import ActionUpdate, FollowUpRound
from app.i18n import _, use_language
from app.mail.models import OutboxMessage
from app.toolkit.examples import stored_answers
from app.toolkit.modules import get as get_module
from app.toolkit.operations import record
from app.toolkit.teams import sheet_for
from helpers import count, selects

ACTIONS = {"VN": ["Draft the sector plan", "Train ten provinces", "Publish the annual report"],
           "TH": ["Hold community dialogues", "Set up the indicator database"]}


def write_plan(person, exercise, actions: list[str]):
    sheet = sheet_for(exercise, person)
    values = {"actions": [{"action": text, "end": "2025-12-31"} for text in actions]}
    record(sheet, stored_answers(get_module("M11"), values, prefix="r"), base_version=0,
           registration=person)
    return sheet


@pytest.fixture
def course(make_course, make_exercise, make_registration, db):
    """A course ending 31 January 2025; the Viet Nam team (two members, Vietnamese and English)
    and the Thailand team wrote plans, Cambodia did not."""
    course = make_course(slug="follow-2025", start_date=date(2025, 1, 29), end_date=date(2025, 1, 31))
    exercise = make_exercise(course, "M11")
    people = {
        "ha": make_registration(course, country="VN", language="vi", email="ha@example.vn"),
        "minh": make_registration(course, country="VN", language="en", email="minh@example.vn",
                                  certificate_name="Trần Văn Minh", address_as="Anh Minh"),
        "som": make_registration(course, country="TH", language="th", email="som@example.th",
                                 certificate_name="Somchai Wong", address_as="Khun Somchai"),
        "dara": make_registration(course, country="KH", language="km", email="dara@example.kh"),
        "waiting": make_registration(course, country="VN", status="waitlisted", email="w@example.vn"),
    }
    write_plan(people["ha"], exercise, ACTIONS["VN"])
    write_plan(people["som"], exercise, ACTIONS["TH"])
    db.session.commit()
    course.people = people
    return course


def sheet_of(person):
    return operations.plan_of(person)


def test_default_due_dates_are_three_and_six_months_after_the_end_clamped_to_the_month(course, db,
                                                                                      writes):
    assert operations.add_months(date(2025, 1, 31), 3) == date(2025, 4, 30)
    assert operations.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    rounds = operations.rounds(course)
    assert [(r.number, r.due_on, r.sent_at) for r in rounds] == [
        (1, date(2025, 4, 30), None), (2, date(2025, 7, 31), None)]
    db.session.flush()
    assert writes == [] and count(FollowUpRound) == 0  # worked out, not stored


def test_the_trainer_changes_the_dates_but_not_to_before_the_course_end(client, course, db, login):
    login(course.trainers[0])
    page = client.get(f"/manage/courses/{course.slug}/follow-up/")
    assert page.status_code == 200
    assert 'value="2025-04-30"' in page.get_data(as_text=True)
    refused = client.post(f"/manage/courses/{course.slug}/follow-up/",
                          data={"action": "dates", "round-1": "2025-01-15", "round-2": "2025-08-01"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "cannot be due before the course ends" in text
    assert 'value="2025-01-15"' in text  # what was typed is kept
    assert count(FollowUpRound) == 0
    saved = client.post(f"/manage/courses/{course.slug}/follow-up/",
                        data={"action": "dates", "round-1": "2025-05-15", "round-2": "2025-08-01"})
    assert saved.status_code == 302
    assert [(r.number, r.due_on) for r in operations.rounds(course)] == [
        (1, date(2025, 5, 15)), (2, date(2025, 8, 1))]


def test_the_command_sends_due_rounds_once_in_each_members_language_with_their_link(
        runner, course, db):
    people = course.people
    early = runner.invoke(args=["follow-up", "send", "--today", "2025-04-29"])
    assert early.exit_code == 0, early.output
    assert count(OutboxMessage) == 0 and count(FollowUpRound) == 0
    result = runner.invoke(args=["follow-up", "send", "--today", "2025-04-30"])
    assert result.exit_code == 0, result.output
    assert "follow-2025: follow-up 1 sent, 3 email(s)" in result.output
    messages = {m.recipient: m for m in db.session.scalars(sa.select(OutboxMessage))}
    assert set(messages) == {"ha@example.vn", "minh@example.vn", "som@example.th"}  # not KH, not waitlisted
    for person in (people["ha"], people["minh"], people["som"]):
        message = messages[person.email]
        assert message.language == person.language
        assert f"/p/{person.token}/follow-up/1" in message.body
        with use_language(person.language):
            assert _("Kind regards,") in message.body
    assert "Địa phương hóa RPA WPS" in messages["ha@example.vn"].subject  # the course title in Vietnamese
    assert "Localizing the RPA WPS" in messages["minh@example.vn"].subject
    assert "3 actions" in messages["minh@example.vn"].body
    again = runner.invoke(args=["follow-up", "send", "--today", "2025-05-01"])
    assert again.exit_code == 0 and "0 follow-up round(s) sent" in again.output
    assert count(OutboxMessage) == 3
    later = runner.invoke(args=["follow-up", "send", "--today", "2025-08-01"])
    assert "follow-up 2 sent, 3 email(s)" in later.output and count(OutboxMessage) == 6
    assert [r.sent_at is not None for r in operations.rounds(course)] == [True, True]


def test_send_now_sends_a_round_once(client, course, db, login):
    login(course.trainers[0])
    url = f"/manage/courses/{course.slug}/follow-up/"
    assert client.post(url, data={"action": "send:1"}).status_code == 302
    assert client.post(url, data={"action": "send:1"}).status_code == 302
    assert count(OutboxMessage) == 3
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="action" value="send:') == 1  # only round 2 is left to send


def test_the_personal_page_links_to_the_follow_up_once_sent(client, course, db):
    ha = course.people["ha"]
    assert "/follow-up/1" not in client.get(f"/p/{ha.token}/").get_data(as_text=True)
    assert client.get(f"/p/{ha.token}/follow-up/1").status_code == 404  # not sent yet
    operations.send_round(course, 1)
    db.session.commit()
    assert f"/p/{ha.token}/follow-up/1" in client.get(f"/p/{ha.token}/").get_data(as_text=True)
    dara = course.people["dara"]  # Cambodia wrote no plan
    assert "/follow-up/1" not in client.get(f"/p/{dara.token}/").get_data(as_text=True)


def form_data(page: str) -> dict:
    """The follow-up form's inputs as the page drew them."""
    data = {}
    for name, value in re.findall(r'<input[^>]*name="(actions-\d+-[a-z_]+)"[^>]*value="([^"]*)"', page):
        data[name] = value
    for name in re.findall(r'<select[^>]*name="(actions-\d+-status)"', page):
        selected = re.search(rf'name="{name}".*?</select>', page, re.S).group(0)
        found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', selected)
        data[name] = next(value for value in found.groups() if value is not None) if found else ""
    for name, value in re.findall(r'<textarea[^>]*name="(actions-\d+-note)"[^>]*>\s*([^<]*)</textarea>', page):
        data[name] = value.strip()
    return data


def test_a_member_saves_statuses_and_a_teammate_sees_them(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    ha, minh = course.people["ha"], course.people["minh"]
    url = f"/p/{ha.token}/follow-up/1"
    page = client.get(url).get_data(as_text=True)
    assert all(action in page for action in ACTIONS["VN"])
    data = form_data(page)
    assert data["actions-0-status"] == "" and data["actions-0-was_status"] == ""
    data.update({"actions-0-status": "done", "actions-0-note": "Issued in May",
                 "actions-0-evidence_url": "https://moha.gov.vn/plan.pdf",
                 "actions-1-status": "in_progress"})
    assert client.post(url, data=data).status_code == 302
    updates = {u.row_id: u for u in db.session.scalars(sa.select(ActionUpdate))}
    assert {u.status for u in updates.values()} == {"done", "in_progress"} and len(updates) == 2
    assert all(u.updated_by_id == ha.id for u in updates.values())
    assert updates["r1"].evidence_url == "https://moha.gov.vn/plan.pdf"
    theirs = client.get(f"/p/{minh.token}/follow-up/1").get_data(as_text=True)
    assert "Issued in May" in theirs and "https://moha.gov.vn/plan.pdf" in theirs


def test_an_invalid_evidence_link_saves_nothing_and_keeps_what_was_typed(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    ha = course.people["ha"]
    url = f"/p/{ha.token}/follow-up/1?lang=en"  # Hà reads Vietnamese; the messages checked are English
    data = form_data(client.get(url).get_data(as_text=True))
    data.update({"actions-0-status": "done", "actions-0-note": "Kept note",
                 "actions-1-status": "in_progress", "actions-1-evidence_url": "javascript:alert(1)"})
    response = client.post(url, data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "starting with http:// or https://" in text and "Kept note" in text
    assert count(ActionUpdate) == 0
    data.update({"actions-1-evidence_url": "", "actions-2-note": "No status"})
    response = client.post(url, data=data)
    assert response.status_code == 400 and "Choose a status for this action." in response.get_data(as_text=True)
    assert count(ActionUpdate) == 0


def test_a_teammates_change_made_meanwhile_is_not_overwritten(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    ha, minh = course.people["ha"], course.people["minh"]
    drawn_ha = form_data(client.get(f"/p/{ha.token}/follow-up/1").get_data(as_text=True))
    drawn_minh = form_data(client.get(f"/p/{minh.token}/follow-up/1").get_data(as_text=True))
    assert client.post(f"/p/{minh.token}/follow-up/1", data={
        **drawn_minh, "actions-0-status": "done", "actions-0-note": "Minh: adopted"}).status_code == 302
    clash = client.post(f"/p/{ha.token}/follow-up/1?lang=en", data={
        **drawn_ha, "actions-0-status": "in_progress", "actions-1-status": "not_started"})
    assert clash.status_code == 409
    text = clash.get_data(as_text=True)
    assert "<bdi>Trần Văn Minh</bdi> saved meanwhile" in text and "Minh: adopted" in text
    updates = {u.row_id: u for u in db.session.scalars(sa.select(ActionUpdate))}
    assert (updates["r1"].status, updates["r1"].updated_by_id) == ("done", minh.id)  # Minh's kept
    assert (updates["r2"].status, updates["r2"].updated_by_id) == ("not_started", ha.id)  # Ha's saved
    again = form_data(text)  # saving again on purpose keeps Ha's answer
    assert again["actions-0-status"] == "in_progress" and again["actions-0-was_status"] == "done"
    assert client.post(f"/p/{ha.token}/follow-up/1", data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionUpdate, updates["r1"].id).status == "in_progress"


def test_round_two_starts_from_round_one_and_confirming_counts_as_answering(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    som = course.people["som"]
    data = form_data(client.get(f"/p/{som.token}/follow-up/1").get_data(as_text=True))
    data.update({"actions-0-status": "in_progress", "actions-1-status": "not_started"})
    client.post(f"/p/{som.token}/follow-up/1", data=data)
    operations.send_round(course, 2)
    db.session.commit()
    drawn = form_data(client.get(f"/p/{som.token}/follow-up/2").get_data(as_text=True))
    assert (drawn["actions-0-status"], drawn["actions-1-status"]) == ("in_progress", "not_started")
    assert client.post(f"/p/{som.token}/follow-up/2", data=drawn).status_code == 302  # unchanged
    second = results.follow_up_summary([course.id])["rounds"][1]
    assert next(t for t in second["teams"] if t["country"] == "TH")["answered"]


def test_non_members_get_404_and_other_trainers_403(client, course, db, login, make_user):
    operations.send_round(course, 1)
    db.session.commit()
    for person in (course.people["dara"], course.people["waiting"]):
        assert client.get(f"/p/{person.token}/follow-up/1").status_code == 404
        assert client.post(f"/p/{person.token}/follow-up/1", data={}).status_code == 404
    assert client.get(f"/p/{course.people['ha'].token}/follow-up/3").status_code == 404
    login(make_user())
    assert client.get(f"/manage/courses/{course.slug}/follow-up/").status_code == 403
    assert client.post(f"/manage/courses/{course.slug}/follow-up/", data={"action": "send:2"}).status_code == 403
    assert count(OutboxMessage) == 3


def test_summary_counts_and_the_teams_that_have_not_answered(client, course, db, login):
    operations.send_round(course, 1)
    db.session.commit()
    ha = course.people["ha"]
    data = form_data(client.get(f"/p/{ha.token}/follow-up/1").get_data(as_text=True))
    data.update({"actions-0-status": "done", "actions-1-status": "in_progress",
                 "actions-2-status": "dropped"})
    client.post(f"/p/{ha.token}/follow-up/1", data=data)
    first, second = results.follow_up_summary([course.id])["rounds"]
    assert first["sent_at"] is not None and second["sent_at"] is None
    assert first["total_actions"] == 5 and first["answered_teams"] == 1 and first["teams_count"] == 2
    assert first["counts"] == {"not_started": 0, "in_progress": 1, "done": 1, "dropped": 1}
    teams = {team["country"]: team for team in first["teams"]}
    assert teams["VN"]["answered"] and not teams["TH"]["answered"]
    assert teams["VN"]["team_name"] == "Viet Nam team" and teams["TH"]["total_actions"] == 2
    assert second["counts"] == dict.fromkeys(operations_statuses(), 0)
    assert results.action_headlines(course.id) == [
        {"country": "TH", "team_name": "Thailand team", "actions": ACTIONS["TH"]},
        {"country": "VN", "team_name": "Viet Nam team", "actions": ACTIONS["VN"]}]
    login(course.trainers[0])
    page = client.get(f"/manage/courses/{course.slug}/follow-up/").get_data(as_text=True)
    unanswered = re.search(r'<ul class="unanswered-teams">(.*?)</ul>', page, re.S).group(1)
    assert "Thailand team" in unanswered and "Viet Nam team" not in unanswered
    assert "2 of 3" in page  # three actions: below the threshold of 5, a count, not a percentage
    assert "40%" in page  # all teams: 2 of 5 actions under way or done


def operations_statuses():
    from app.followup.models import STATUSES

    return STATUSES


def test_the_summary_costs_the_same_statements_for_2_or_10_teams(course, db, make_registration):
    exercise, ids = operations.plan_exercise(course), [course.id]
    operations.send_round(course, 1)
    db.session.commit()
    db.session.expire_all()
    small = selects(lambda: results.follow_up_summary(ids))
    db.session.expire_all()
    headlines = selects(lambda: results.action_headlines(ids[0]))
    codes = ["ID", "MY", "PH", "SG", "BN", "LA", "MM", "TL"]
    found = db.session.scalar(sa.select(FollowUpRound).where(FollowUpRound.number == 1))
    for code in codes:
        person = make_registration(course, country=code, email=f"{code.lower()}@example.org")
        sheet = write_plan(person, exercise, [f"Action of {code}", "Second action"])
        db.session.flush()
        db.session.add(ActionUpdate(round_id=found.id, worksheet_id=sheet.id, row_id="r1", status="done"))
    db.session.commit()
    db.session.expire_all()
    summary = results.follow_up_summary(ids)
    assert summary["rounds"][0]["teams_count"] == 10 and summary["rounds"][0]["answered_teams"] == 8
    db.session.expire_all()
    assert selects(lambda: results.follow_up_summary(ids)) == small <= 4
    db.session.expire_all()
    assert selects(lambda: results.action_headlines(ids[0])) == headlines == 1
