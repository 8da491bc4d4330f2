"""No N+1 in the reports: the dashboard, the donor report (XLSX, PDF, JSON) and the programme
report send the same number of SQL statements for 5 participants as for 50, and for a
programme of 1 course as for 5 (each with attendance, worksheets, tests and evaluations); and
the programme report covers only the courses its reader may see."""
from datetime import date, time
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.agenda.operations import SessionDetails, mark, save_session
from app.evaluation.models import EvaluationResponse, KnowledgeAttempt
from app.i18n.multilingual import MultilingualText
from app.organisations.models import Organisation
from app.toolkit.models import Exercise
from app.toolkit.operations import record
from app.toolkit.teams import sheet_for
from helpers import sql_sent

COUNTRIES = ("VN", "TH", "KH", "ID", "PH")
SEXES = ("female", "male", "undisclosed", "female")
COURSE_PAGES = ("dashboard", "report.xlsx", "report.pdf", "report.json")


def grow(db, course, make_registration, people: int) -> None:
    """Bring ``course`` to ``people`` approved participants with two sessions (attended), two
    exercises (saved), a pre- and post-test and a day's evaluation each."""
    if not course.sessions:
        for index, kind in enumerate(("presentation", "group_work")):
            save_session(course, None, SessionDetails(
                day=course.start_date, start=time(9 + 2 * index), end=time(10 + 2 * index),
                title=MultilingualText(en=f"Session {index}"), kind=kind))
        for key, mode in (("M1", "individual"), ("M11", "team")):
            db.session.add(Exercise(course=course, module_key=key, mode=mode, position=len(course.exercises)))
        db.session.commit()
    for index in range(course.registrations.count(), people):
        person = make_registration(course, country=COUNTRIES[index % 5], sex=SEXES[index % 4],
                                   email=f"p{course.id}-{index}@example.org", organisation_type="cso")
        for session in course.sessions:
            mark(session, person, method="trainer")
        for exercise in course.exercises:
            sheet = sheet_for(exercise, person)
            if not sheet.version:
                record(sheet, {}, base_version=0, registration=person)
        db.session.add_all([
            KnowledgeAttempt(course_id=course.id, registration_id=person.id, phase="pre", score=3, out_of=8),
            KnowledgeAttempt(course_id=course.id, registration_id=person.id, phase="post", score=6, out_of=8),
            EvaluationResponse(course_id=course.id, survey="day-1", answers={"relevant": "4"})])
    db.session.commit()


def statements(db, client, path: str) -> int:
    """SQL statements of one page, which must answer 200."""
    def visit():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return len(sql_sent(visit))


@pytest.fixture
def trainer(make_user):
    return make_user(email="counting@example.org")


def new_course(make_course, trainer, number: int):
    return make_course(trainer=trainer, slug=f"programme-{number}", start_date=date(2025, 3, 3 + number),
                       end_date=date(2025, 3, 3 + number))


def test_course_reports_cost_the_same_for_5_or_50_participants(client, db, login, make_course,
                                                               make_registration, trainer):
    course = new_course(make_course, trainer, 1)
    login(trainer)
    grow(db, course, make_registration, 5)
    few = {page: statements(db, client, f"/manage/courses/{course.slug}/{page}") for page in COURSE_PAGES}
    grow(db, course, make_registration, 50)
    many = {page: statements(db, client, f"/manage/courses/{course.slug}/{page}") for page in COURSE_PAGES}
    assert many == few
    assert many["dashboard"] < 40, many


def test_the_programme_report_costs_the_same_for_1_or_5_courses(client, db, login, make_course,
                                                                make_registration, trainer):
    login(trainer)
    courses = [new_course(make_course, trainer, 1)]
    grow(db, courses[0], make_registration, 6)
    pages = ("/manage/reports/", "/manage/reports/programme.xlsx", "/manage/reports/programme.pdf")
    few = [statements(db, client, page) for page in pages]
    for number in range(2, 6):
        courses.append(new_course(make_course, trainer, number))
        grow(db, courses[-1], make_registration, 6 + number)
    many = [statements(db, client, page) for page in pages]
    assert many == few
    page = client.get("/manage/reports/").get_data(as_text=True)
    assert "5 courses" in page


def test_the_programme_covers_a_year_an_organiser_a_donor_and_only_my_courses(
        app, client, db, login, make_course, make_registration, make_user, trainer):
    canada = Organisation(name=MultilingualText(en="Government of Canada"))
    korea = Organisation(name=MultilingualText(en="Government of the Republic of Korea"))
    women = Organisation(name=MultilingualText(en="UN Women"))
    db.session.add_all([canada, korea, women])
    db.session.flush()
    first = make_course(trainer=trainer, slug="first-2025", start_date=date(2025, 3, 3),
                        end_date=date(2025, 3, 4), donor_ids=[canada.id], organiser_ids=[women.id])
    second = make_course(trainer=trainer, slug="second-2025", start_date=date(2025, 6, 3),
                         end_date=date(2025, 6, 4), donor_ids=[korea.id], organiser_ids=[women.id])
    later = make_course(trainer=trainer, slug="later-2026", start_date=date(2026, 5, 4),
                        end_date=date(2026, 5, 5), donor_ids=[canada.id], organiser_ids=[women.id])
    theirs = make_course(trainer=make_user(email="theirs@example.org"), slug="theirs-2025",
                         donor_ids=[canada.id], organiser_ids=[women.id])
    later.report_threshold = 8
    db.session.commit()
    for course, people in ((first, 3), (second, 4), (later, 5), (theirs, 7)):
        for index in range(people):
            make_registration(course, sex=SEXES[index % 4], email=f"{course.slug}-{index}@example.org")
    login(trainer)
    page = client.get(f"/manage/reports/?donor={canada.id}").get_data(as_text=True)
    assert "2 courses" in page and "fewer than 8 people" in page  # the strictest threshold
    found = client.get(f"/manage/reports/programme.xlsx?donor={canada.id}&year=2025")
    book = load_workbook(BytesIO(found.data))
    rows = {row[0].value: [cell.value for cell in row] for row in book["Participants by sex"].iter_rows(min_row=2)}
    assert rows["Total"][1] == 3  # the first course alone: 2025, Canada, mine
    assert rows["Female"][1] == 1 and rows["Prefer not to say"][1] == 1
    everything = client.get(f"/manage/reports/?organiser={women.id}").get_data(as_text=True)
    assert "3 courses" in everything  # not the other trainer's
    refused = client.get("/manage/reports/?donor=999999&year=1990")
    assert refused.status_code == 400 and "Unknown donor" in refused.get_data(as_text=True)
    assert client.get("/manage/reports/programme.pdf?year=abc").status_code == 400
    admin, password = app.test_client(), "admin-password-1"
    make_user(role="admin", email="admin@example.org", password=password)
    admin.post("/login", data={"email": "admin@example.org", "password": password})
    assert "4 courses" in admin.get("/manage/reports/").get_data(as_text=True)
