"""Trainers' toolkit pages: a course's exercises, progress, review, and the XLSX export."""
import io
from datetime import date, time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from app.agenda import operations as agenda
from app.extensions import db
from app.i18n.multilingual import MultilingualText
from app.toolkit import filling, operations
from app.toolkit.models import Exercise, Worksheet, WorksheetComment
from app.toolkit.labels import progress_label
from helpers import count

SLUG = "tk-2025"


@pytest.fixture
def trainer(make_user):
    return make_user(email="lead@example.org", name="Lead Trainer")


@pytest.fixture
def course(make_course, trainer):
    return make_course(trainer=trainer, slug=SLUG)


@pytest.fixture
def session(course):
    created = agenda.save_session(course, None, agenda.SessionDetails(
        day=date(2025, 4, 10), start=time(9, 0), end=time(10, 30),
        title=MultilingualText(en="Mapping actors"), room="Room A", kind="group_work"))
    db.session.commit()
    return created


@pytest.fixture
def people(course, make_registration):
    """Two approved Vietnamese participants, one Indonesian, and a pending Thai one."""
    return {
        "ha": make_registration(course, certificate_name="Nguyễn Thị Hà", email="ha@example.vn"),
        "minh": make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn"),
        "sari": make_registration(course, certificate_name="Sari Dewi", email="sari@example.id",
                                  country="ID"),
        "somchai": make_registration(course, certificate_name="Somchai", email="s@example.th",
                                     country="TH", status="pending"),
    }


def fill(app, exercise, registration, data: dict) -> Worksheet:
    """Save ``data`` (input name → value or list) as ``registration`` does, on their sheet."""
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, registration)
        filling.save_form(sheet, MultiDict(data), base_version=sheet.version, registration=registration)
        db.session.commit()
    return sheet


def badges(app, **counts) -> list[str]:
    """The progress badges' text, "Draft: 1", in the labels the pages use."""
    with app.test_request_context(method="POST"):
        return [f"{progress_label(stage)}: {number}" for stage, number in counts.items()]


def action_row(number: int, **cells) -> dict:
    return {f"actions-{number}-{name}": value for name, value in cells.items()}


def post(client, data: dict, follow: bool = False):
    return client.post(f"/courses/{SLUG}/exercises", data=data, follow_redirects=follow)


def exercise_of(course, key: str) -> Exercise | None:
    return db.session.scalar(sa.select(Exercise).where(Exercise.course_id == course.id,
                                                      Exercise.module_key == key))


# --- choosing exercises ----------------------------------------------------------------------

def test_trainers_add_order_link_and_remove_exercises(client, login, trainer, course, session, make_course):
    login(trainer)
    page = client.get(f"/courses/{SLUG}/exercises").get_data(as_text=True)
    assert "Stakeholder map" in page and "Find who shapes" in page and "Action plan" in page
    assert f"/courses/{SLUG}/exercises" in client.get(f"/manage/courses/{SLUG}/").get_data(as_text=True)

    for key in ("M1", "M2", "M11"):
        assert post(client, {"action": "add", "key": key}).status_code == 302
    assert [e.module_key for e in sorted(course.exercises, key=lambda e: e.position)] == ["M1", "M2", "M11"]

    page = post(client, {"action": "add", "key": "M1"}, follow=True).get_data(as_text=True)
    assert "M1 is already an exercise of this course." in page
    page = post(client, {"action": "add", "key": "M99"}, follow=True).get_data(as_text=True)
    assert "There is no toolkit module M99." in page
    assert count(Exercise) == 3

    post(client, {"action": "down", "key": "M1"})
    post(client, {"action": "up", "key": "M11"})
    db.session.expire_all()
    assert [e.module_key for e in sorted(course.exercises, key=lambda e: e.position)] == ["M2", "M11", "M1"]

    response = post(client, {"action": "save", "key": "M1", "M1-mode": "individual",
                             "M1-session": str(session.id), "M1-instructions-en": "Start with your ministry."})
    assert response.status_code == 302
    m1 = exercise_of(course, "M1")
    assert (m1.mode, m1.session_id, m1.instructions["en"]) == ("individual", session.id,
                                                                "Start with your ministry.")
    page = client.get(f"/courses/{SLUG}/agenda").get_data(as_text=True)
    assert "M1 Stakeholder map" in page  # listed under its session

    other = make_course(slug="other-2025")
    elsewhere = agenda.save_session(other, None, agenda.SessionDetails(
        day=date(2025, 4, 10), start=time(9, 0), end=time(10, 0), title=MultilingualText(en="Theirs")))
    db.session.commit()
    response = post(client, {"action": "save", "key": "M1", "M1-mode": "individual",
                             "M1-session": str(elsewhere.id)})
    assert response.status_code == 400
    assert exercise_of(course, "M1").session_id == session.id

    assert post(client, {"action": "remove", "key": "M2"}).status_code == 302
    assert exercise_of(course, "M2") is None
    assert [e.position for e in sorted(course.exercises, key=lambda e: e.position)] == [0, 1]
    assert post(client, {"action": "up", "key": "M5"}).status_code == 404
    assert post(client, {"action": "dance", "key": "M1"}).status_code == 400


def test_removing_or_changing_an_exercise_with_answers_asks_first(app, client, login, trainer, course,
                                                                  people, make_exercise):
    exercise = make_exercise(course, "M11", mode="team")
    empty = make_exercise(course, "M1", mode="team")
    with app.test_request_context(method="POST"):
        operations.sheet_for(empty, people["ha"])  # opened, never saved
        db.session.commit()
    fill(app, exercise, people["ha"], action_row(0, action="Draft the plan"))
    login(trainer)

    response = post(client, {"action": "save", "key": "M11", "M11-mode": "individual", "M11-session": ""})
    assert response.status_code == 400
    assert "1 worksheet of this exercise already holds answers" in response.get_data(as_text=True)
    assert exercise_of(course, "M11").mode == "team"

    assert post(client, {"action": "save", "key": "M1", "M1-mode": "individual"}).status_code == 302
    assert exercise_of(course, "M1").mode == "individual" and count(Worksheet) == 1  # the empty one went

    page = client.get(f"/courses/{SLUG}/exercises").get_data(as_text=True)
    assert "Also delete its 1 worksheet with answers." in page
    page = post(client, {"action": "remove", "key": "M11"}, follow=True).get_data(as_text=True)
    assert "Tick the box to confirm" in page and exercise_of(course, "M11") is not None
    post(client, {"action": "remove", "key": "M11", "confirm": "1"})
    assert exercise_of(course, "M11") is None and count(Worksheet) == 0


def test_the_agenda_lists_each_sessions_exercises(app, client, course, session, people, make_exercise):
    make_exercise(course, "M1", session=session)
    public = client.get(f"/courses/{SLUG}/agenda").get_data(as_text=True)
    assert "M1 Stakeholder map" in public
    if "toolkit.module_page" in app.view_functions:
        assert 'href="/toolkit/M1"' in public
    token = people["ha"].token
    personal = client.get(f"/p/{token}/").get_data(as_text=True)
    assert "M1 Stakeholder map" in personal
    if "toolkit.fill" in app.view_functions:
        assert f'href="/p/{token}/worksheets/M1"' in personal


# --- progress --------------------------------------------------------------------------------

def test_progress_lists_every_team_without_creating_sheets(app, client, login, trainer, course, people,
                                                           make_exercise):
    exercise = make_exercise(course, "M11", mode="team")
    fill(app, exercise, people["ha"], {**action_row(0, action="Draft the plan"),
                                       **action_row(1, action="Train provinces"), **action_row(2)})
    login(trainer)
    before = count(Worksheet)
    page = client.get(f"/courses/{SLUG}/exercises/M11/").get_data(as_text=True)
    assert count(Worksheet) == before == 1
    assert all(badge in page for badge in badges(app, empty=1, draft=1, submitted=0))
    assert "Viet Nam" in page and "Indonesia" in page and "Thailand" not in page  # pending: no line
    assert "<bdi>Nguyễn Thị Hà</bdi>, <bdi>Trần Văn Minh</bdi>" in page and "Sari Dewi" in page
    assert "<td>2</td>" in page  # rows with something in them; the blank third row does not count
    assert "export.xlsx" in page

    only = client.get(f"/courses/{SLUG}/exercises/M11/?country=ID").get_data(as_text=True)
    assert "Sari Dewi" in only and "Nguyễn Thị Hà" not in only
    drafts = client.get(f"/courses/{SLUG}/exercises/M11/?progress=draft").get_data(as_text=True)
    assert "Nguyễn Thị Hà" in drafts and "Sari Dewi" not in drafts


def test_individual_progress_has_one_line_per_approved_participant(app, client, login, trainer, course,
                                                                   people, make_exercise):
    exercise = make_exercise(course, "M1", mode="individual")
    fill(app, exercise, people["minh"], {"actors-0-actor": "MOLISA", "actors-0-influence": "4"})
    sheet = fill(app, exercise, people["sari"], {"actors-0-actor": "Komnas Perempuan"})
    with app.test_request_context(method="POST"):
        assert operations.submit(sheet, people["sari"]) == []
        db.session.commit()
    login(trainer)
    page = client.get(f"/courses/{SLUG}/exercises/M1/").get_data(as_text=True)
    assert all(badge in page for badge in badges(app, empty=1, draft=1, submitted=1, final=0))
    assert "Somchai" not in page


# --- review ----------------------------------------------------------------------------------

def test_comment_return_final_and_reopen_reach_the_participant(app, client, login, trainer, course,
                                                               people, make_exercise):
    exercise = make_exercise(course, "M11", mode="team")
    sheet = fill(app, exercise, people["ha"], {**action_row(0, action="<b>Draft</b> the plan"),
                                               "top_priorities": "1. Issue the plan"})
    url = f"/courses/{SLUG}/exercises/M11/sheets/{sheet.id}"
    login(trainer)
    page = client.get(url).get_data(as_text=True)
    assert "&lt;b&gt;Draft&lt;/b&gt; the plan" in page and "1. Issue the plan" in page
    assert 'class="table-scroll"' in page and "Responsible ministry" in page

    assert client.post(url, data={"action": "comment", "field": "actions",
                                  "text": "Name the provinces."}).status_code == 302
    assert client.post(url, data={"action": "comment", "field": "", "text": "Good start."}).status_code == 302
    assert client.post(url, data={"action": "comment", "field": "actions", "text": ""}).status_code == 400
    comments = {c.field: c.text for c in db.session.scalars(sa.select(WorksheetComment))}
    assert comments == {"actions": "Name the provinces.", "": "Good start."}

    assert client.post(url, data={"action": "return", "text": ""}).status_code == 400
    assert client.post(url, data={"action": "return", "text": "   "}).status_code == 400
    assert sheet.status == "draft"
    assert client.post(url, data={"action": "return", "text": "Add dates."}).status_code == 302
    with app.test_request_context(method="POST"):
        mine = operations.sheet_for(exercise, people["minh"])  # the teammate sees the same sheet
    assert mine.id == sheet.id and mine.status == "returned"
    page = client.get(url).get_data(as_text=True)
    assert "Name the provinces." in page and "Add dates." in page and "Returned for revision" in page

    client.post(url, data={"action": "final"})
    db.session.refresh(sheet)
    assert sheet.status == "final"
    with app.test_request_context(method="POST"), pytest.raises(operations.SaveRefused):
        filling.save_form(sheet, MultiDict(action_row(0, action="Late edit")), base_version=sheet.version,
                        registration=people["minh"])
    db.session.rollback()
    assert client.post(url, data={"action": "return", "text": "x"}).status_code == 400  # reopen first

    client.post(url, data={"action": "reopen"})
    db.session.refresh(sheet)
    assert sheet.status == "draft"
    fill(app, exercise, people["minh"], action_row(0, action="Draft the MOHA plan"))
    page = client.get(url).get_data(as_text=True)
    assert "Draft the MOHA plan" in page and "Trần Văn Minh" in page  # the history names who saved


def test_a_sheet_of_another_exercise_or_an_unused_module_is_404(app, client, login, trainer, course,
                                                                people, make_exercise):
    m1 = make_exercise(course, "M1", mode="team")
    make_exercise(course, "M11", mode="team")
    sheet = fill(app, m1, people["ha"], {"actors-0-actor": "VWU"})
    login(trainer)
    assert client.get(f"/courses/{SLUG}/exercises/M11/sheets/{sheet.id}").status_code == 404
    assert client.get(f"/courses/{SLUG}/exercises/M4/").status_code == 404
    assert client.get(f"/courses/{SLUG}/exercises/nonsense/export.xlsx").status_code == 404


# --- export ----------------------------------------------------------------------------------

def test_export_has_translated_headers_table_rows_plain_text_and_numbers(app, client, login, trainer,
                                                                        course, people, make_exercise):
    exercise = make_exercise(course, "M11", mode="team")
    fill(app, exercise, people["ha"], {
        **action_row(0, action="=cmd|' /C calc'!A0", responsible="moha",
                     partners=["womens_union", "un_women"], start="2025-05-01",
                     **{"resources_amount-amount": "150000000", "resources_amount-currency": "VND"}),
        **action_row(1, action="Provincial training"),
        "top_priorities": "1. Issue the plan", "sign_off": "MOFA and MOHA"})
    fill(app, exercise, people["sari"], action_row(0, action="Rencana aksi"))
    login(trainer)
    response = client.get(f"/courses/{SLUG}/exercises/M11/export.xlsx")
    assert response.status_code == 200
    assert f"filename={SLUG}-M11-answers.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Answers", "Actions"]

    answers = list(book["Answers"].values)
    assert answers[0] == ("Country", "Team or person", "Status", "Version", "Last saved",
                          "Top 3 priorities, next 6 months", "Signed off by")
    assert [row[0] for row in answers[1:]] == ["Indonesia", "Viet Nam"]
    assert answers[2][1] == "Nguyễn Thị Hà; Trần Văn Minh"
    assert f"{answers[2][2]}: 1" in badges(app, draft=1)
    assert answers[2][3] == 1 and answers[2][5] == "1. Issue the plan"

    table = book["Actions"]
    headers = [cell.value for cell in table[1]]
    assert headers[:4] == ["Country", "Team or person", "Action", "Responsible ministry"]
    assert "Resources needed" in headers and "Resources needed: currency" in headers
    viet_nam = [row for row in table.iter_rows(min_row=2) if row[0].value == "Viet Nam"]
    assert [row[2].value for row in viet_nam] == ["=cmd|' /C calc'!A0", "Provincial training"]
    assert viet_nam[0][2].data_type == "s"  # text, never a formula
    amount = viet_nam[0][headers.index("Resources needed")]
    assert amount.value == 150000000 and amount.data_type == "n"
    assert viet_nam[0][headers.index("Resources needed: currency")].value == "VND"
    assert "Women's union" in viet_nam[0][headers.index("Partners")].value


def test_export_writes_scores_as_numbers(app, client, login, trainer, course, people, make_exercise):
    exercise = make_exercise(course, "M1", mode="individual")
    fill(app, exercise, people["ha"], {"actors-0-actor": "+Women's Union", "actors-0-influence": "4",
                                       "actors-0-category": "womens_union"})
    login(trainer)
    book = load_workbook(io.BytesIO(client.get(f"/courses/{SLUG}/exercises/M1/export.xlsx").data))
    sheet = book["Stakeholders"]
    headers = [cell.value for cell in sheet[1]]
    row = [cell for cell in sheet[2]]
    assert row[1].value == "Nguyễn Thị Hà"
    assert row[headers.index("Influence")].value == 4
    assert row[headers.index("Actor")].value == "+Women's Union" and row[headers.index("Actor")].data_type == "s"
    assert row[headers.index("Category")].value == "Women's union"


# --- access ----------------------------------------------------------------------------------

def pages(sheet_id: int) -> list[str]:
    return [f"/courses/{SLUG}/exercises", f"/courses/{SLUG}/exercises/M11/",
            f"/courses/{SLUG}/exercises/M11/sheets/{sheet_id}", f"/courses/{SLUG}/exercises/M11/export.xlsx"]


def test_only_the_course_team_and_admins_reach_trainer_pages(app, client, login, make_user, course,
                                                             people, make_exercise):
    exercise = make_exercise(course, "M11", mode="team")
    sheet = fill(app, exercise, people["ha"], action_row(0, action="Draft"))
    client.get(f"/p/{people['ha'].token}/")  # a participant's personal link is no staff sign-in
    for url in pages(sheet.id):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert post(client, {"action": "add", "key": "M1"}).status_code == 302 and count(Exercise) == 1

    login(make_user(email="someone@example.org"))
    for url in pages(sheet.id):
        assert client.get(url).status_code == 403, url
    assert post(client, {"action": "add", "key": "M1"}).status_code == 403
    assert client.post(pages(sheet.id)[2], data={"action": "final"}).status_code == 403
    assert count(Exercise) == 1 and sheet.status == "draft"

    client.post("/logout")
    login(make_user(role="admin"))
    for url in pages(sheet.id):
        assert client.get(url).status_code == 200, url
