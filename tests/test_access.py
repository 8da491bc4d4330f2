"""Staff pages refuse anonymous visitors; trainers see only their own courses."""
import re

import pytest

from app import create_app

PUBLIC = {"core.index", "core.health", "courses.public", "auth.login", "organisations.logo", "static",
          # Participants: the course's registration, a focal point's link, a personal link.
          "registrations.register", "registrations.nominate", "registrations.personal",
          "registrations.my_data", "registrations.cancel",
          # The agenda and its calendar, and a participant's QR check-in.
          "agenda.public", "agenda.agenda_ics", "agenda.my_agenda_ics", "agenda.pdf",
          "agenda.self_checkin",
          # A participant's own agenda PDF and join link (with their personal link's token).
          "agenda.my_agenda_pdf", "agenda.join",
          # A participant's certificate and the public verification page.
          "certificates.mine", "certificates.verify",
          # The toolkit's public module library and blank handouts; a participant's worksheet PDFs.
          "toolkit.library", "toolkit.module_page", "toolkit.blank_pdf", "toolkit.my_sheet_pdf",
          "toolkit.my_pack_pdf",
          # A participant's worksheets, filled through the personal link.
          "toolkit.my_worksheets", "toolkit.fill", "toolkit.autosave", "toolkit.state",
          "toolkit.sheet_history",
          # A participant's knowledge test and evaluations, through their personal link.
          "evaluation.knowledge", "evaluation.survey",
          # A team's action-plan follow-up, through a member's personal link.
          "followup.participant"}


def sample(argument: str) -> str:
    """A plausible value for a URL argument such as <int:id>, <slug> or <any(csv, xlsx):format>."""
    if argument.startswith("<int:"):
        return "1"
    if argument.startswith("<any("):
        return argument[5:].split(",")[0].strip(" )")
    return "some-slug"


def staff_routes():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<[^>]+>", lambda m: sample(m.group(0)), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(method, url, id=f"{method} {url}")


@pytest.mark.parametrize("method,url", list(staff_routes()))
def test_staff_pages_send_anonymous_visitors_to_sign_in(client, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_every_route_is_either_public_or_tested_above(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC <= endpoints


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
