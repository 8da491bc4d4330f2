"""The trainers read each team's answers (status, note, evidence link, who saved it and when, at
the venue's time) on the follow-up page, for the same statements whatever the number of teams;
a participant cannot take a status back once given."""
import re
from datetime import datetime, timezone

import sqlalchemy as sa

from app.followup import operations
from app.followup.models import ActionUpdate
from helpers import count, selects
from test_follow_up import course, form_data, write_plan  # noqa: F401 (fixture)


def answers_of(page: str, team: str) -> str:
    """The collapsible answers of ``team`` on the trainers' page (round 1's, the first)."""
    for block in re.findall(r'<details class="follow-up-answers">.*?</details>', page, re.S):
        if f"<summary>{team} " in block:
            return block
    raise AssertionError(f"no answers for {team}")


def test_the_trainers_read_each_actions_answer(client, course, db, login):
    course.timezone = "Asia/Bangkok"  # UTC+7
    operations.send_round(course, 1)
    db.session.commit()
    ha = course.people["ha"]
    data = form_data(client.get(f"/p/{ha.token}/follow-up/1").get_data(as_text=True))
    data.update({"actions-0-status": "done", "actions-0-note": "Issued in May <b>by decree</b>",
                 "actions-0-evidence_url": "https://moha.gov.vn/plan.pdf?a=1&b=2",
                 "actions-1-status": "in_progress"})
    assert client.post(f"/p/{ha.token}/follow-up/1", data=data).status_code == 302
    updates = {u.row_id: u for u in db.session.scalars(sa.select(ActionUpdate))}
    updates["r1"].updated_at = datetime(2025, 5, 2, 23, 30, tzinfo=timezone.utc)
    updates["r2"].evidence_url = "javascript:alert(1)"  # stored before links were checked
    db.session.commit()
    login(course.trainers[0])
    page = client.get(f"/manage/courses/{course.slug}/follow-up/").get_data(as_text=True)
    viet_nam = answers_of(page, "Viet Nam team")
    assert "2 of 3 actions answered" in viet_nam
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</tr>", viet_nam, re.S)
    assert len(rows) == 3
    assert "Draft the sector plan" in rows[0] and ">Done<" in rows[0]
    assert "Issued in May &lt;b&gt;by decree&lt;/b&gt;" in rows[0]
    assert ('<a href="https://moha.gov.vn/plan.pdf?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
            in rows[0]) and "target=" not in viet_nam
    assert ha.certificate_name in rows[0] and "3 May 2025, 06:30" in rows[0]  # Bangkok time
    assert ">In progress<" in rows[1] and "javascript:alert(1)" in rows[1]
    assert 'href="javascript' not in page
    assert "Publish the annual report" in rows[2] and "Not answered" in rows[2]
    thailand = answers_of(page, "Thailand team")
    assert "0 of 2 actions answered" in thailand and thailand.count("Not answered") == 2


def test_the_page_costs_the_same_statements_for_2_or_10_teams(client, course, db, login,
                                                               make_registration):
    operations.send_round(course, 1)
    db.session.commit()
    found = operations.sent_round(course, 1)
    exercise = operations.plan_exercise(course)
    login(course.trainers[0])
    url = f"/manage/courses/{course.slug}/follow-up/"

    def answer(person, sheet):
        db.session.add_all(ActionUpdate(round_id=found.id, worksheet_id=sheet.id, row_id=row_id,
                                        status="done", note=f"Note {row_id}",
                                        evidence_url="https://example.org/e",
                                        updated_by_id=person.id)
                           for row_id in ("r1", "r2"))

    answer(course.people["som"], operations.plan_of(course.people["som"]))
    db.session.commit()
    db.session.expire_all()
    few = selects(lambda: client.get(url))
    for code in ["ID", "MY", "PH", "SG", "BN", "LA", "MM", "TL"]:
        person = make_registration(course, country=code, email=f"{code.lower()}@example.org",
                                   certificate_name=f"Member {code}")
        answer(person, write_plan(person, exercise, [f"Action of {code}", "Second action"]))
    db.session.commit()
    db.session.expire_all()
    many = selects(lambda: client.get(url))
    page = client.get(url).get_data(as_text=True)
    assert page.count('<details class="follow-up-answers">') == 2 * 10  # two rounds, ten teams
    assert "Member TL" in page and "Note r2" in page
    assert many == few


def status_options(page: str, index: int) -> list[str]:
    select = re.search(rf'<select[^>]*name="actions-{index}-status".*?</select>', page,
                       re.S).group(0)
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def test_a_status_once_given_cannot_be_taken_back(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    url = f"/p/{course.people['ha'].token}/follow-up/1"
    page = client.get(url).get_data(as_text=True)
    assert status_options(page, 0)[0] == ""  # no status yet: the empty choice
    data = form_data(page)
    data.update({"actions-0-status": "done", "actions-0-note": "Adopted"})
    assert client.post(url, data=data).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert status_options(page, 0) == ["not_started", "in_progress", "done", "dropped"]
    assert status_options(page, 1)[0] == ""  # still unanswered
    data = form_data(page)
    data.update({"actions-0-status": ""})  # sent anyway
    refused = client.post(url + "?lang=en", data=data)
    assert refused.status_code == 400
    assert "Choose a status for this action." in refused.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.scalars(sa.select(ActionUpdate))
    assert [(u.row_id, u.status) for u in stored] == [("r1", "done")]
    assert count(ActionUpdate) == 1
