"""The agenda on a participant's page is laid out once and kept (app/agenda/pages.py): later
visits reuse it, and anything it shows (a session, a speaker, an exercise, the reader's language,
the participant's access) gives a new one; no participant ever sees another's links."""
from datetime import date, time

import pytest

from app.agenda import pages
from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, save_session
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import change_status
from helpers import sql_sent


@pytest.fixture
def course(make_course, db):
    course = make_course(slug="agenda-kept-2025")
    speaker = Speaker(course_id=course.id, name="Dr. Ana Reyes", organisation="UN Women")
    db.session.add(speaker)
    db.session.flush()
    save_session(course, None, SessionDetails(
        day=date(2025, 4, 9), start=time(9), end=time(10, 30), title=MultilingualText(en="Mapping actors"),
        online_url="https://meet.example.org/wps", leads=[(speaker.id, "speaker")]))
    db.session.commit()
    return course


@pytest.fixture
def laid_out(monkeypatch):
    """How many times the agenda part is made (not taken from the kept ones)."""
    made = []
    real = pages.days

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pages, "days", counted)
    return made


def page(client, person, lang: str = "en") -> str:
    response = client.get(f"/p/{person.token}/?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_visit_reuses_the_agenda(client, db, course, make_registration, laid_out):
    ha = make_registration(course)
    shown = []
    first = sql_sent(lambda: shown.append(page(client, ha)))
    assert "Mapping actors" in shown[0] and "Dr. Ana Reyes" in shown[0] and laid_out == [1]
    again = sql_sent(lambda: shown.append(page(client, ha)))
    assert laid_out == [1] and shown[1] == shown[0]
    assert len(again) < len(first)  # the sessions and their leads are not read again


@pytest.mark.parametrize("change", ["session", "speaker", "exercise", "language", "zone"])
def test_what_the_agenda_shows_gives_a_new_one(client, db, course, make_registration,
                                                 make_exercise, laid_out, change):
    ha = make_registration(course)
    page(client, ha)
    lang = "en"
    if change == "session":
        session = course.sessions[0]
        save_session(course, session, SessionDetails(
            day=date(2025, 4, 9), start=time(9), end=time(11), title=MultilingualText(en="Mapping allies"),
            online_url=session.online_url, leads=[(lead.speaker_id, lead.role) for lead in session.leads]))
        expected = ["Mapping allies", "09:00–11:00"]
    elif change == "speaker":
        course.speakers[0].name = "Dr. Ana María Reyes"
        expected = ["Dr. Ana María Reyes"]
    elif change == "exercise":
        make_exercise(course, "M2", mode="individual", session=course.sessions[0])
        expected = [f'href="/p/{ha.token}/worksheets/M2"']
    elif change == "zone":
        course.timezone = "Asia/Manila"  # an hour ahead of Jakarta: the same moments read later
        expected = ["10:00–11:30"]
    else:
        lang, expected = "vi", ["Thứ Tư, 9 tháng 4, 2025"]
    db.session.commit()
    shown = page(client, ha, lang)
    assert laid_out == [1, 1]
    for text in expected:
        assert text in shown


def test_each_participant_sees_their_own_links(client, db, course, make_registration,
                                               make_exercise, laid_out):
    make_exercise(course, "M1", mode="individual", session=course.sessions[0])
    ha = make_registration(course)
    budi = make_registration(course, certificate_name="Budi Santoso", email="budi@example.id",
                             country="ID")
    hers, his = page(client, ha), page(client, budi)
    assert f"/p/{ha.token}/join/" in hers and f"/p/{ha.token}/worksheets/M1" in hers
    assert f"/p/{budi.token}/join/" in his and ha.token not in his
    assert laid_out == [1, 1]


def test_links_follow_the_participants_status(client, db, course, make_registration,
                                              make_exercise, laid_out):
    make_exercise(course, "M1", mode="individual", session=course.sessions[0])
    ha = make_registration(course, status="pending")
    waiting = page(client, ha)
    assert "/join/" not in waiting and "/worksheets/M1" not in waiting and "Online" in waiting
    change_status(ha, "approved")
    db.session.commit()
    approved = page(client, ha)
    assert f"/p/{ha.token}/join/" in approved and f"/p/{ha.token}/worksheets/M1" in approved
    assert laid_out == [1, 1]
