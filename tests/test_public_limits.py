"""Public forms against abuse: rate limits per client address (registration, nomination, QR
check-in, certificate verification), the registration form's honeypot and the daily cap of
registrations per email address."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from helpers import count

from app.mail.models import OutboxMessage
from app.registrations import operations
from app.registrations.models import Registration

ONE, OTHER = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.9"}


def form_data(number: int, **overrides) -> dict:
    data = {"full_name": f"Person {chr(ord('A') + number)}", "name_order": "given_first", "sex": "female",
            "age_group": "35-44", "country": "TH", "organisation_type": "cso",
            "organisation": "Foundation for Women", "email": f"person{number}@example.org",
            "language": "en", "certificate_language": "", "confirm_name": "y", "consent": "y",
            "submission_key": f"key-{number}"}
    data.update(overrides)
    return data


@pytest.fixture
def course(make_course):
    return make_course(slug="limits-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))


def register(client, number: int, address=ONE, slug="limits-2030", query="", **overrides):
    return client.post(f"/courses/{slug}/register{query}", data=form_data(number, **overrides),
                       environ_base=address)


# --- Rate limits -----------------------------------------------------------------------------

def test_registrations_from_one_address_get_429_while_another_address_still_registers(
        app, client, course, db):
    limit = 10  # the default: "10 per minute;30 per hour;100 per day"
    assert app.config["REGISTRATION_RATE_LIMIT"].startswith(f"{limit} per minute")
    for number in range(limit):
        assert register(client, number).status_code == 302
    refused = register(client, limit, query="?lang=vi")
    assert refused.status_code == 429
    assert "Quá nhiều yêu cầu" in refused.get_data(as_text=True)  # the translated page
    assert count(Registration) == limit and count(OutboxMessage) == limit
    # Opening the form stays free; someone on another network still registers.
    assert client.get("/courses/limits-2030/register", environ_base=ONE).status_code == 200
    assert register(client, limit + 1, address=OTHER).status_code == 302
    assert count(Registration) == limit + 1


def test_invalid_registrations_count_too(app, client, course, db, monkeypatch):
    """A robot probing the form with bad data is slowed down as much as one that succeeds."""
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "2 per minute")
    assert register(client, 1, email="not an address").status_code == 400
    assert register(client, 2, email="not an address").status_code == 400
    assert register(client, 3).status_code == 429
    assert count(Registration) == 0


def test_nominations_are_limited_per_address(app, client, course, db, monkeypatch):
    monkeypatch.setitem(app.config, "NOMINATION_RATE_LIMIT", "2 per minute")
    delegation = operations.invite_focal_point(course, "VN", "Focal Point", "focal@example.org")
    db.session.commit()
    url = f"/courses/limits-2030/nominate/{delegation.nomination_token}"
    for _attempt in range(2):
        response = client.post(url, data={"submission_key": "n-1"}, environ_base=ONE)
        assert response.status_code == 400 and "Enter at least one person." in response.get_data(as_text=True)
    assert client.post(url, data={"submission_key": "n-1"}, environ_base=ONE).status_code == 429
    assert client.get(url, environ_base=ONE).status_code == 200  # the form still opens
    assert client.post(url, data={"submission_key": "n-1"}, environ_base=OTHER).status_code == 400


def test_qr_check_in_is_limited_per_address_and_reading_it_is_not(app, client, course, db, monkeypatch):
    from datetime import time

    from app.agenda.operations import SessionDetails, save_session
    from app.i18n.multilingual import MultilingualText

    monkeypatch.setitem(app.config, "CHECKIN_RATE_LIMIT", "3 per minute")
    session = save_session(course, None, SessionDetails(
        day=date(2030, 4, 9), start=time(9), end=time(10), title=MultilingualText(en="Opening")))
    db.session.commit()
    url = f"/checkin/{session.id}/0123456789abcdef"  # a guessed code: each guess counts
    assert [client.post(url, environ_base=ONE).status_code for _ in range(3)] == [410] * 3
    assert client.post(url, environ_base=ONE).status_code == 429
    assert [client.get(url, environ_base=ONE).status_code for _ in range(5)] == [410] * 5
    assert client.post(url, environ_base=OTHER).status_code == 410


def test_certificate_verification_is_limited_generously_against_guessing(app, client, db):
    limit = 30  # the default: "30 per minute;300 per hour"
    assert app.config["VERIFY_RATE_LIMIT"].startswith(f"{limit} per minute")
    statuses = [client.get(f"/verify/guess{n:04d}", environ_base=ONE).status_code
                for n in range(limit + 1)]
    assert statuses == [404] * limit + [429]
    assert client.get("/verify/guess9999", environ_base=OTHER).status_code == 404


# --- The honeypot ----------------------------------------------------------------------------

def test_the_honeypot_is_hidden_from_people_and_out_of_reach(client, course):
    page = client.get("/courses/limits-2030/register").get_data(as_text=True)
    wrapper = page.split('<div class="visually-hidden" aria-hidden="true">', 1)[1].split("</div>\n", 2)
    hidden = "".join(wrapper[:2])
    assert 'name="homepage"' in hidden and "Leave this field empty" in hidden
    field = hidden.split("<input", 1)[1].split(">", 1)[0]
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field and 'value=""' in field


def test_a_filled_honeypot_stores_and_sends_nothing_and_looks_like_any_invalid_form(client, course, db):
    caught = register(client, 1, homepage="https://cheap-pills.example")
    invalid = register(client, 2, consent="")  # a person's mistake, for comparison
    assert caught.status_code == invalid.status_code == 400
    # Both come back as a form with mistakes (an error notice read out), nothing more: the caught
    # one's only error is on the field no one sees, so it has no summary link to follow.
    assert "Please correct the marked fields." in caught.get_data(as_text=True)
    assert 'id="error-summary" role="alert"' in invalid.get_data(as_text=True)
    assert '<div class="form-errors" role="alert">' in caught.get_data(as_text=True)
    assert "cheap-pills" not in caught.get_data(as_text=True)  # comes back empty
    hidden = caught.get_data(as_text=True).split('<div class="visually-hidden" aria-hidden="true">')[1]
    assert hidden.index('id="homepage-error"') < hidden.index("</fieldset>")  # marked out of sight
    assert count(Registration) == 0 and count(OutboxMessage) == 0
    # A person whose browser filled it anyway sends the form again, as it came back: registered.
    assert register(client, 1, homepage="").status_code == 302
    assert count(Registration) == 1 and count(OutboxMessage) == 1


# --- The daily cap per email address ---------------------------------------------------------

def test_a_fourth_registration_from_one_address_in_a_day_is_refused(client, course, make_course, db):
    make_course(slug="second-2030", start_date=date(2030, 5, 9), end_date=date(2030, 5, 11))
    make_course(slug="third-2030", start_date=date(2030, 6, 9), end_date=date(2030, 6, 11))
    for number, slug in enumerate(["limits-2030", "second-2030", "third-2030"]):
        # The address as the registration stores it: the same person however it is typed.
        email = ["ana@example.org", "Ana@Example.org", "ANA@EXAMPLE.ORG"][number]
        assert register(client, number, slug=slug, email=email).status_code == 302
    assert count(Registration) == 3 and count(OutboxMessage) == 3
    refused = register(client, 4, slug="limits-2030", email="ana@example.org")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    error = page.split('id="email-error"', 1)[1].split("</ul>", 1)[0]
    assert "already been used for 3 registrations in the last 24 hours" in error
    assert count(Registration) == 3 and count(OutboxMessage) == 3
    # Other addresses are not affected.
    assert register(client, 5, slug="limits-2030", email="ben@example.org").status_code == 302


def test_the_cap_counts_the_last_24_hours_and_a_form_sent_twice_is_not_refused(
        app, client, course, db, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_DAILY_CAP", 1)
    assert register(client, 1, email="ana@example.org").status_code == 302
    first = db.session.scalar(sa.select(Registration))
    again = register(client, 1, email="ana@example.org")  # the same form, sent twice
    assert again.status_code == 302 and again.headers["Location"].startswith(f"/p/{first.token}/")
    refused = register(client, 2, email="ana@example.org")
    assert refused.status_code == 400
    assert "already been used for 1 registration in the last 24 hours" in refused.get_data(as_text=True)
    first.submitted_at -= timedelta(hours=24, minutes=1)
    db.session.commit()
    assert register(client, 3, email="ana@example.org").status_code == 302
    assert count(Registration) == 2


def test_erasing_a_registration_does_not_give_its_address_a_fresh_cap(app, client, course, db,
                                                                       monkeypatch):
    """Registering someone else's address, erasing it and registering it again must not send
    that mailbox a confirmation each time: the erased registration still counts for the day."""
    monkeypatch.setitem(app.config, "REGISTRATION_DAILY_CAP", 2)
    for number in range(2):
        response = register(client, number, email="victim@example.org",
                            address={"REMOTE_ADDR": f"2001:db8:{number}::1"})
        assert response.status_code == 302
        token = response.headers["Location"].split("/p/", 1)[1].split("/", 1)[0]
        assert client.post(f"/p/{token}/cancel", data={"erase": "1", "confirm": "1"}).status_code == 302
    assert count(Registration) == 2 and not db.session.scalar(
        sa.select(Registration).where(Registration.email == "victim@example.org"))
    refused = register(client, 3, email="Victim@Example.org", address={"REMOTE_ADDR": "2001:db8:9::1"})
    assert refused.status_code == 400
    assert "already been used for 2 registrations in the last 24 hours" in refused.get_data(as_text=True)
    assert count(Registration) == 2 and count(OutboxMessage) == 0
    assert register(client, 4, email="someone@example.org").status_code == 302  # others unaffected


def test_trainers_imports_and_nominations_are_not_capped(course, db):
    person = operations.Person(full_name="Ana Example", sex="female", age_group="35-44", country="VN",
                               organisation_type="cso", organisation="VWU", email="ana@example.org")
    for _number in range(4):
        operations.register(course, person, notify=False)
    db.session.commit()
    assert count(Registration) == 4
    with pytest.raises(operations.DailyCapReached):
        operations.register(course, person, daily_cap=4)
