"""The one language rule: an explicit choice (remembered), then on a participant's own pages the
language they registered in, then signed-in staff's preference, then a course's working language,
then the browser's languages, then English — as a function and on real pages."""
import re

import pytest

from app.i18n import language_rule

NOTHING = dict(asked=None, remembered=None, participant=None, staff=None, course=None, browser=())


@pytest.mark.parametrize("given, expected", [
    ({}, "en"),
    ({"browser": ["km-KH", "en"]}, "km"),
    ({"browser": ["zh-CN", "de", "lo"]}, "lo"),  # unsupported languages are passed over
    ({"course": "vi", "browser": ["en-US"]}, "vi"),  # a Vietnamese-only event
    ({"staff": "th", "course": "vi", "browser": ["en"]}, "th"),
    ({"participant": "vi", "browser": ["en-US"]}, "vi"),  # their own page, an English browser
    ({"participant": "my", "staff": "en", "course": "en"}, "my"),
    ({"remembered": "id", "participant": "vi"}, "id"),  # the reader chose another language
    ({"asked": "km", "remembered": "id", "participant": "vi"}, "km"),
    ({"asked": "xx", "participant": "tet"}, "tet"),  # an unknown ?lang= falls back quietly
    ({"asked": "TH_th"}, "th"), ({"asked": "tl", "browser": ["vi"]}, "fil"),
    ({"participant": "", "course": None, "browser": ["my-MM"]}, "my"),
])
def test_the_rule(given, expected):
    assert language_rule(**{**NOTHING, **given}) == expected


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def vietnamese_event(make_course):
    return make_course(slug="hanoi-2025", working_language="vi")


@pytest.mark.parametrize("page, browser, expected", [
    ("personal", "en-US,en;q=0.9", "my"),  # the participant registered in Myanmar
    ("worksheets", "en-US", "my"),
    ("course", "en-US", "vi"),  # the event's working language beats an English browser
    ("course?lang=km", "en-US", "km"),
    ("personal?lang=xx", "th", "my"),  # an unknown choice changes nothing
    ("home", "lo,en;q=0.5", "lo"),
    ("home", "de-DE", "en"),
])
def test_pages_follow_the_rule(client, vietnamese_event, make_registration, page, browser, expected):
    person = make_registration(vietnamese_event, country="MM", language="my", email="khin@example.mm")
    path, _sep, query = page.partition("?")
    url = {"personal": f"/p/{person.token}/", "worksheets": f"/p/{person.token}/worksheets/",
           "course": "/courses/hanoi-2025/", "home": "/"}[path] + (f"?{query}" if query else "")
    response = client.get(url, headers={"Accept-Language": browser})
    assert response.status_code == 200
    assert html_lang(response) == expected


def test_an_explicit_choice_is_remembered_over_the_participants_language(client, vietnamese_event,
                                                                         make_registration):
    person = make_registration(vietnamese_event, language="vi")
    assert html_lang(client.get(f"/p/{person.token}/?lang=en")) == "en"
    assert html_lang(client.get(f"/p/{person.token}/")) == "en"
    assert html_lang(client.get("/courses/hanoi-2025/")) == "en"


def test_staff_pages_follow_the_staff_members_preference(client, make_user, make_course, login):
    trainer = make_user(language="km")
    make_course(trainer=trainer, slug="bangkok-2025", working_language="th")
    login(trainer)
    headers = {"Accept-Language": "en"}
    assert html_lang(client.get("/manage/courses/bangkok-2025/", headers=headers)) == "km"
    assert html_lang(client.get("/courses/bangkok-2025/", headers=headers)) == "km"


def test_staff_without_a_preference_read_their_browsers_language_on_course_pages(
        client, make_user, make_course, login):
    trainer = make_user(language=None)
    make_course(trainer=trainer, slug="phnom-penh-2025", working_language="km")
    login(trainer)
    page = client.get("/manage/courses/phnom-penh-2025/", headers={"Accept-Language": "en"})
    assert html_lang(page) == "en"


def test_what_is_sent_to_a_participant_is_in_their_language_whoever_triggers_it(
        client, make_user, make_course, make_registration, login):
    from app.mail.models import OutboxMessage
    from app.extensions import db
    import sqlalchemy as sa

    trainer = make_user(language="en")
    course = make_course(trainer=trainer, slug="vientiane-2025")
    person = make_registration(course, country="LA", language="lo", status="pending",
                               email="bounmy@example.la")
    login(trainer)
    response = client.post(f"/manage/courses/vientiane-2025/registrations/{person.id}?lang=en",
                           data={"status": "approved", "reason": "Welcome"})
    assert response.status_code == 302
    message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.language == "lo" and message.recipient == "bounmy@example.la"
    assert re.search(r"[\u0e80-\u0eff]", message.body)  # Lao script in the body
