"""Who a follow-up asks and counts, beyond country teams: working groups, an action plan filled
by each person (never someone cancelled since), and a page sent back with forged values."""
import sqlalchemy as sa

from app.followup import operations, results
from app.followup.models import ActionUpdate
from app.mail.models import OutboxMessage
from app.registrations.models import WorkingGroup
from test_follow_up import course, form_data, write_plan  # noqa: F401 (fixture)


def recipients(db) -> set[str]:
    return set(db.session.scalars(sa.select(OutboxMessage.recipient)))


def test_a_working_group_is_asked_and_counted_as_one_team(client, course, db):
    group = WorkingGroup(course_id=course.id, name="Mekong group")
    db.session.add(group)
    db.session.flush()
    for name in ("ha", "dara"):
        course.people[name].group_id = group.id
    course.grouping = "groups"
    db.session.commit()
    write_plan(course.people["dara"], course.exercises[0], ["Group action"])
    db.session.commit()
    assert operations.send_round(course, 1) == 2
    db.session.commit()
    assert recipients(db) == {"ha@example.vn", "dara@example.kh"}  # the group, not the country teams
    ha = course.people["ha"]
    drawn = form_data(client.get(f"/p/{ha.token}/follow-up/1").get_data(as_text=True))
    assert client.post(f"/p/{ha.token}/follow-up/1",
                       data={**drawn, "actions-0-status": "done"}).status_code == 302
    teams = results.follow_up_summary([course.id])["rounds"][0]["teams"]
    assert [(team["team_name"], team["counts"]["done"]) for team in teams] == [("Mekong group", 1)]
    assert client.get(f"/p/{course.people['som'].token}/follow-up/1").status_code == 404  # no group


def test_a_cancelled_persons_own_plan_is_neither_asked_nor_counted(course, db, make_registration):
    exercise = course.exercises[0]
    exercise.mode = "individual"
    db.session.commit()
    stays = make_registration(course, country="KH", email="stays@example.kh", certificate_name="Stays")
    gone = make_registration(course, country="KH", email="gone@example.kh", certificate_name="Gone")
    write_plan(stays, exercise, ["Brief the minister"])
    write_plan(gone, exercise, ["Train the province"])
    gone.status = "cancelled"
    db.session.commit()
    assert operations.send_round(course, 1) == 1
    assert recipients(db) == {"stays@example.kh"}
    teams = results.follow_up_summary([course.id])["rounds"][0]["teams"]
    assert [team["team_name"] for team in teams] == ["Stays"]
    assert [team["team_name"] for team in results.action_headlines(course.id)] == ["Stays"]


def test_a_page_sent_back_with_forged_earlier_values_saves_nothing_of_that_row(client, course, db):
    operations.send_round(course, 1)
    db.session.commit()
    ha = course.people["ha"]
    drawn = form_data(client.get(f"/p/{ha.token}/follow-up/1").get_data(as_text=True))
    response = client.post(f"/p/{ha.token}/follow-up/1", data={
        **drawn, "actions-0-status": "done", "actions-0-was_status": "in_progress",
        "actions-1-status": "not_started"})
    assert response.status_code == 409  # shown again, the other row saved
    assert {u.row_id: u.status for u in db.session.scalars(sa.select(ActionUpdate))} == {"r2": "not_started"}
