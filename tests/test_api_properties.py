"""Registering through the API with arbitrary Unicode, huge and malformed values (hypothesis):
never a server error, and either one whole registration (with its history and its email) or
nothing at all."""
import json
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.models import AuditEvent
from app.mail.models import OutboxMessage
from app.registrations.models import Delegation, Registration, RegistrationEvent
from helpers import count
from test_api import secret_for, valid_person

EXAMPLES = 60
TABLES = (Registration, RegistrationEvent, OutboxMessage, Delegation, AuditEvent)

# Text from every plane, with controls, format characters, line breaks and lone surrogates.
ANY_CHARACTER = st.characters(codec=None, categories=None) | st.sampled_from(
    ["\x00", "\x1f", "\u200b", "\u202e", "\u2028", "\r", "\n", "\ud800", "\udfff", "ᄀ",
     "\u0958", "İ"])
TEXT = st.text(ANY_CHARACTER, max_size=40)
HUGE = st.builds(lambda char, size: char * size, ANY_CHARACTER, st.integers(250, 20_000))
MALFORMED = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=False), st.lists(st.text(max_size=3), max_size=3),
                      st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))
VALUE = st.one_of(TEXT, HUGE, MALFORMED, st.sampled_from(["", " ", "VN", "other", "government",
                                                          "female", "35-44", "vi", "a@b.c"]))
FIELDS = list(valid_person())


@st.composite
def bodies(draw):
    """A valid person with some fields changed, removed or added; or not an object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(MALFORMED, TEXT))
    person = valid_person(email=f"p{draw(st.integers(0, 10**6))}@example.vn")
    for name in draw(st.lists(st.sampled_from(FIELDS + ["dietary", "honorific", "phone",
                                                        "attendance_mode", "certificate_language"]),
                              max_size=4, unique=True)):
        person[name] = draw(VALUE)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        person.pop(name, None)
    if draw(st.booleans()):
        person[draw(TEXT)] = draw(VALUE)
    return person


def test_any_registration_sent_is_registered_whole_or_refused_with_nothing_written(
        app, client, db, make_course, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "API_ADDRESS_RATE_LIMIT", "100000 per minute")
    trainer = make_user()
    start = date.today() + timedelta(days=30)
    course = make_course(trainer=trainer, slug="api-props", start_date=start, end_date=start + timedelta(days=1))
    headers = {"Authorization": f"Bearer {secret_for(trainer, 'write')}"}
    url = f"/api/v1/courses/{course.slug}/registrations"
    outcomes = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies())
    def send(body):
        before = {model: count(model) for model in TABLES}
        raw = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes
        response = client.post(url, data=raw, content_type="application/json", headers=headers)
        outcomes.append(response.status_code)
        after = {model: count(model) for model in TABLES}
        if response.status_code == 201:
            registration = db.session.get(Registration, response.get_json()["id"])
            assert after[Registration] == before[Registration] + 1
            assert after[RegistrationEvent] == before[RegistrationEvent] + 1
            assert after[OutboxMessage] == before[OutboxMessage] + 1
            assert registration.full_name and registration.email == body["email"].strip().lower()
            assert db.session.scalar(sa.select(OutboxMessage.recipient).order_by(
                OutboxMessage.id.desc()).limit(1)) == registration.email
        else:
            assert response.status_code in (400, 415, 422), response.get_data(as_text=True)
            assert response.mimetype == "application/problem+json"
            assert after == before

    send()
    print(f"\nregistration bodies: {len(outcomes)} sent, " + ", ".join(
        f"{code}×{outcomes.count(code)}" for code in sorted(set(outcomes))))
    assert len(outcomes) == EXAMPLES and 201 in outcomes and 422 in outcomes
