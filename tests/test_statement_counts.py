"""No N+1 where a participant or a trainer looks: each page sends the same number of SQL
statements for a course of 5 participants, 2 sessions and 3 exercises as for one of 50, 8 and 8
(with the sessions' speakers, everyone's attendance, worksheets and certificates), and the
personal page at most ten."""
import re
from datetime import date, time

import pytest

from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, mark, save_session
from app.certificates.operations import issue_all_eligible
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import Person, register
from app.toolkit.models import Exercise
from app.toolkit.operations import record
from app.toolkit.teams import sheet_for
from helpers import sql_sent

COUNTRIES = ("VN", "TH", "KH", "ID")
SLUG = "counts-2025"
PAGES = {
    "personal": "/p/{token}/",
    "worksheets": "/p/{token}/worksheets/",
    "registrations": f"/manage/courses/{SLUG}/registrations/",
    "attendance": f"/manage/courses/{SLUG}/attendance",
    "certificates": f"/manage/courses/{SLUG}/certificates/",
    "exercises": f"/courses/{SLUG}/exercises",
    "exercise": f"/courses/{SLUG}/exercises/M11/",
}


MODULES = [("M1", "individual"), ("M11", "team"), ("M2", "individual"), ("M3", "team"),
           ("M4", "individual"), ("M5", "team"), ("M6", "individual"), ("M7", "team")]


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="counts@example.org"), slug=SLUG,
                       start_date=date(2025, 4, 9), end_date=date(2025, 4, 11))


def grow(db, course, people: int, sessions: int, exercises: int) -> None:
    """Bring the course to ``sessions`` sessions, each led by a speaker, ``exercises`` exercises
    tied to them, and ``people`` approved participants, each attending every session, with their
    worksheets saved and a certificate."""
    trainer = course.trainers[0]
    for index in range(len(course.sessions), sessions):
        speaker = Speaker(course_id=course.id, name=f"Speaker {index}", organisation="Example")
        db.session.add(speaker)
        db.session.flush()
        save_session(course, None, SessionDetails(
            day=date(2025, 4, 9 + index // 4), start=time(8 + 2 * (index % 4)),
            end=time(9 + 2 * (index % 4)), title=MultilingualText(en=f"Session {index}"),
            leads=[(speaker.id, "speaker")]))
    db.session.flush()
    for key, mode in MODULES[len(course.exercises):exercises]:
        db.session.add(Exercise(course=course, module_key=key, mode=mode,
                                position=len(course.exercises),
                                session=course.sessions[len(course.exercises) % sessions]))
    db.session.flush()
    for index in range(course.registrations.count(), people):
        register(course, Person(
            full_name=f"Person {index:03d}", sex="female", age_group="35-44",
            country=COUNTRIES[index % len(COUNTRIES)], organisation_type="cso",
            organisation="Example", email=f"p{index:03d}@example.org"),
            notify=False, status="approved")
    db.session.flush()
    for person in course.registrations:
        for session in course.sessions:
            mark(session, person, method="trainer", by=trainer)  # again: changes nothing
        for exercise in course.exercises:
            sheet = sheet_for(exercise, person)
            if not sheet.version:
                record(sheet, {}, base_version=0, registration=person)
    db.session.flush()
    issue_all_eligible(course, trainer)
    db.session.commit()


def statements(db, client, path: str) -> list[str]:
    def visit():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return sql_sent(visit)


def counts(db, client, participant, course) -> dict[str, int]:
    first = min(course.registrations, key=lambda person: person.id)
    return {name: len(statements(db, participant if path.startswith("/p/") else client,
                                 path.format(token=first.token)))
            for name, path in PAGES.items()}


def test_every_page_costs_the_same_statements_for_5_or_50_participants(app, client, db, course,
                                                                         login):
    login(course.trainers[0])
    participant = app.test_client()
    grow(db, course, people=5, sessions=2, exercises=3)
    few = counts(db, client, participant, course)
    grow(db, course, people=50, sessions=8, exercises=8)
    many = counts(db, client, participant, course)
    assert many == few
    assert few["personal"] <= 10, few
    first = min(course.registrations, key=lambda person: person.id)
    page = participant.get(f"/p/{first.token}/").get_data(as_text=True)
    assert "Session 7" in page and "Speaker 7" in page and "Download my certificate" in page
    assert page.count('class="card"') == 8  # every worksheet, with its progress


def test_an_autosave_reads_its_sheet_once_taking_its_row(client, db, demo_course):
    """The save finds the sheet and takes its row (FOR UPDATE on PostgreSQL) in one statement:
    the lock before merging does not read it again."""
    from helpers import team_sheet

    from app.toolkit import operations, posted

    person, sheet = team_sheet(demo_course)
    state = posted.state(sheet.exercise.module, operations.context(sheet), sheet.answers)
    data = {name: values[0] for name, values in state["fields"].items() if values}
    data.update({f"actions-0-{name}": values[0] for name, values in state["rows"]["actions"][0]["cells"].items()
                 if values})
    version = sheet.version
    data.update({"actions-0-action": "A new first action", "version": str(version), "save_key": "k" * 16,
                 "delta": "1"})
    answers = []
    sent = sql_sent(lambda: answers.append(client.post(f"/p/{person.token}/worksheets/M11/save", data=data)))
    assert answers[0].status_code == 200 and answers[0].get_json()["version"] == version + 1
    reads = [statement for statement in sent if re.search(r"\bFROM worksheet\b", statement)]
    assert len(reads) == 1, reads
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in reads[0]


def test_a_row_taken_before_a_rollback_is_taken_again(app, db, demo_course):
    """What a transaction took is forgotten with it: after a rollback (the autosave's retry),
    the save's lock reads the row again (FOR UPDATE on PostgreSQL)."""
    from helpers import team_sheet

    from app.toolkit import operations

    person, sheet = team_sheet(demo_course)
    with app.test_request_context(method="POST"):
        found = operations.sheet_for(sheet.exercise, person, for_update=True)
        assert found.id in operations.held_sheets()
        assert not sql_sent(lambda: operations.lock(found))  # taken already: no statement
        db.session.rollback()
        assert found.version  # read again in the new transaction, before the lock is watched
        sent = sql_sent(lambda: operations.lock(found))
        assert len(sent) == 1 and re.search(r"\bFROM worksheet\b", sent[0])
        if db.engine.dialect.name == "postgresql":
            assert "FOR UPDATE" in sent[0]
        assert found.id in operations.held_sheets()
