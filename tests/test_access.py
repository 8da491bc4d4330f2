"""Trainers see only their own courses; admins every course and the staff accounts.

Who may open which route at all (anonymous visitors, participants, trainers of another course,
admins), route by route, is tests/test_role_matrix.py.
"""


def test_trainers_see_only_courses_of_their_team(client, make_user, make_course, login):
    mine, theirs = make_user(), make_user()
    make_course(trainer=mine, slug="mine-2025")
    make_course(trainer=theirs, slug="theirs-2025")
    login(mine)
    listing = client.get("/manage/courses/").get_data(as_text=True)
    assert "/manage/courses/mine-2025/" in listing and "theirs-2025" not in listing
    assert client.get("/manage/courses/mine-2025/edit").status_code == 200
    for path in ("/", "/edit", "/team", "/clone", "/speakers/", "/speakers/paste", "/speakers/import"):
        assert client.get(f"/manage/courses/theirs-2025{path}").status_code == 403
    assert client.post("/manage/courses/theirs-2025/archive").status_code == 403


def test_admins_see_every_course(client, make_user, make_course, login):
    make_course(slug="someone-elses-2025")
    login(make_user(role="admin"))
    assert "someone-elses-2025" in client.get("/manage/courses/").get_data(as_text=True)
    assert client.get("/manage/courses/someone-elses-2025/edit").status_code == 200


def test_only_admins_manage_staff_accounts(client, make_user, login):
    login(make_user())
    assert client.get("/manage/users/").status_code == 403
    assert client.post("/manage/users/new", data={}).status_code == 403


def test_unknown_course_is_404_not_500(client, make_user, login):
    assert client.get("/courses/no-such-course/").status_code == 404
    login(make_user())
    assert client.get("/manage/courses/no-such-course/edit").status_code == 404
