"""Staff sign-in hardening (issue 15): throttles instead of a lock-out anyone could trigger, one
answer and one hash check whatever went wrong, the password reset by email, and two-step
sign-in with an authenticator app (TOTP)."""
import logging
import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from helpers import PASSWORD, count
from log_support import json_log  # noqa: F401,F811 - a fixture
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

import app.auth.passwords as passwords
from app.api.operations import create_token
from app.api.operations import state as token_state
from app.audit.models import AuditEvent
from app.auth import second_factor
from app.auth.operations import create_user
from app.mail.models import OutboxMessage

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.20"}
GENERIC = "The email or password is not correct."
GENERIC_VI = "Email hoặc mật khẩu không đúng."
NEW_PASSWORD = "a fresh long password"


def form_errors(response) -> str:
    """The form's error block (the rest of the page repeats what was typed)."""
    found = re.search(r'<div class="form-errors".*?</div>', response.get_data(as_text=True), re.S)
    return found.group(0) if found else ""


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


@pytest.fixture
def hash_checks(monkeypatch):
    """Count the scrypt checks (werkzeug's check_password_hash, still doing the real work)."""
    calls = []
    real = passwords.check_password_hash

    def counted(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "check_password_hash", counted)
    return calls


# Throttling ------------------------------------------------------------------------------------

def test_too_many_sign_ins_from_one_address_get_the_translated_429_page(client, make_user, app):
    user = make_user()
    limit = 10  # LOGIN_RATE_LIMIT: "10 per minute;100 per hour"
    assert app.config["LOGIN_RATE_LIMIT"].startswith(f"{limit} per minute")
    for _ in range(limit):
        assert sign_in(client, user.email, "wrong", environ_base=ATTACKER).status_code == 400
    response = client.post("/login?lang=vi", data={"email": "other@example.org", "password": "x"},
                           environ_base=ATTACKER)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page and "Quá nhiều yêu cầu" in page
    # Another address is not slowed by it, and reading the form stays free.
    assert client.get("/login", environ_base=ATTACKER).status_code == 200
    assert sign_in(client, user.email, environ_base=OWNER).status_code == 302


def test_failures_throttle_the_account_from_that_address_while_the_owner_elsewhere_gets_in(
        app, client, make_user):
    user = make_user()
    for _ in range(5):  # LOGIN_ACCOUNT_ADDRESS_LIMIT: "5 per 15 minutes"
        assert sign_in(client, user.email, "wrong", environ_base=ATTACKER).status_code == 400
    # From the attacker's address even the right password is now refused, with the usual message.
    response = sign_in(client, user.email, environ_base=ATTACKER)
    assert response.status_code == 400 and GENERIC in form_errors(response)
    # The same address with another normalised spelling is the same account.
    assert sign_in(client, f"  {user.email.upper()} ", environ_base=ATTACKER).status_code == 400
    owner = app.test_client()
    response = sign_in(owner, user.email, environ_base=OWNER)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/courses/"
    assert owner.get("/manage/courses/", environ_base=OWNER).status_code == 200


def test_a_successful_sign_in_forgives_earlier_slips_from_that_address(client, make_user):
    user = make_user()
    for _ in range(4):
        sign_in(client, user.email, "typo", environ_base=OWNER)
    assert sign_in(client, user.email, environ_base=OWNER).status_code == 302
    client.post("/logout")
    for _ in range(4):
        sign_in(client, user.email, "typo", environ_base=OWNER)
    assert sign_in(client, user.email, environ_base=OWNER).status_code == 302


def test_failures_from_many_addresses_throttle_the_account_everywhere(app, make_user, monkeypatch):
    """The looser limit over all addresses together, against guessing spread over a botnet."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "6 per hour")
    user = make_user()
    for number in range(6):
        bot = app.test_client()
        assert sign_in(bot, user.email, "wrong",
                       environ_base={"REMOTE_ADDR": f"192.0.2.{number}"}).status_code == 400
    response = sign_in(app.test_client(), user.email, environ_base=OWNER)
    assert response.status_code == 400 and GENERIC in form_errors(response)
    other = make_user()  # other accounts are not affected
    assert sign_in(app.test_client(), other.email, environ_base=OWNER).status_code == 302


def test_a_browser_that_signed_in_before_still_gets_in_when_the_account_is_throttled_everywhere(
        app, make_user, monkeypatch):
    """Guesses from many addresses must not lock the owner out, as the old lock-out did: their
    browser carries a signed mark for the account, and the limit over all addresses spares it."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "6 per hour")
    user, other = make_user(), make_user()
    owner = app.test_client()
    response = sign_in(owner, user.email, environ_base=OWNER)
    assert response.status_code == 302
    cookie = owner.get_cookie("lokakarya_known_browser", path="/login")
    assert cookie is not None and cookie.http_only and user.email not in cookie.value
    owner.post("/logout", environ_base=OWNER)
    for number in range(6):  # one IPv6 network: as many addresses as an attacker likes
        assert sign_in(app.test_client(), user.email, "wrong",
                       environ_base={"REMOTE_ADDR": f"2001:db8:{number}::1"}).status_code == 400
    assert sign_in(app.test_client(), user.email, environ_base=OWNER).status_code == 400
    # The owner's browser, even from a new address, gets in; a wrong password there still fails.
    assert sign_in(owner, user.email, "wrong", environ_base=ATTACKER).status_code == 400
    assert sign_in(owner, user.email, environ_base=ATTACKER).status_code == 302
    # The mark is for that account only, and cannot be copied onto another or made up.
    stranger = app.test_client()
    sign_in(stranger, other.email, environ_base=OWNER)
    stranger.post("/logout", environ_base=OWNER)
    assert sign_in(stranger, user.email, environ_base=OWNER).status_code == 400
    forger = app.test_client()
    forger.set_cookie("lokakarya_known_browser", cookie.value[:-2] + "xx", path="/login")
    assert sign_in(forger, user.email, environ_base=OWNER).status_code == 400


def test_the_account_page_is_no_way_round_the_limit_on_password_guesses(client, make_user, login, db):
    """Someone holding a signed-in session (a stolen cookie, an unlocked screen) must not guess
    the current password without limit on the account page, to change it and keep the account."""
    user = make_user()
    login(user)
    change = {"name": user.name, "current_password": "guess", "password": NEW_PASSWORD,
              "confirm": NEW_PASSWORD}
    for number in range(10):  # LOGIN_RATE_LIMIT: "10 per minute;100 per hour"
        assert client.post("/manage/account", data={**change, "current_password": f"guess {number}"},
                           environ_base=ATTACKER).status_code == 400
    assert client.post("/manage/account", data={**change, "current_password": PASSWORD},
                       environ_base=ATTACKER).status_code == 429
    assert client.get("/manage/account", environ_base=ATTACKER).status_code == 200
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_an_ipv6_network_counts_as_one_address(client, make_user):
    """Addresses of one /64 (one subscriber's or one server's) share their limits."""
    user = make_user()
    for number in range(5):  # LOGIN_ACCOUNT_ADDRESS_LIMIT: "5 per 15 minutes"
        assert sign_in(client, user.email, "wrong",
                       environ_base={"REMOTE_ADDR": f"2001:db8:7:7::{number + 1:x}"}).status_code == 400
    assert sign_in(client, user.email, environ_base={"REMOTE_ADDR": "2001:db8:7:7::99"}).status_code == 400
    assert sign_in(client, user.email, environ_base={"REMOTE_ADDR": "2001:db8:7:8::1"}).status_code == 302


# One answer, one hash check ---------------------------------------------------------------------

@pytest.fixture
def accounts(app, make_user, db):
    """A working account, an inactive one and one throttled from ATTACKER's address."""
    user = make_user()
    inactive = make_user()
    inactive.active = False
    db.session.commit()
    throttled = make_user()
    for _ in range(5):
        sign_in(app.test_client(), throttled.email, "wrong", environ_base=ATTACKER)
    return user, inactive, throttled


def test_wrong_password_unknown_address_inactive_and_throttled_account_get_one_answer(app, accounts):
    user, inactive, throttled = accounts

    answers = {}
    for case, email, password in [("wrong password", user.email, "wrong"),
                                  ("unknown address", "nobody@example.org", PASSWORD),
                                  ("inactive account", inactive.email, PASSWORD),
                                  ("throttled account", throttled.email, PASSWORD)]:
        response = app.test_client().post("/login?lang=vi", environ_base=ATTACKER,
                                          data={"email": email, "password": password})
        answers[case] = (response.status_code, form_errors(response))
    assert len(set(answers.values())) == 1, answers
    status, errors = answers["wrong password"]
    assert status == 400 and GENERIC_VI in errors


def test_every_sign_in_attempt_runs_exactly_one_scrypt_check(app, accounts, hash_checks):
    user, inactive, throttled = accounts
    hash_checks.clear()

    for email, password in [(user.email, PASSWORD), (user.email, "wrong"),
                            ("nobody@example.org", PASSWORD), (inactive.email, PASSWORD),
                            (throttled.email, PASSWORD)]:
        before = len(hash_checks)
        sign_in(app.test_client(), email, password, environ_base=ATTACKER)
        assert len(hash_checks) - before == 1, email
    # The stand-in hash for missing accounts costs what a real one does: same method and work.
    dummy = passwords.dummy_hash()
    assert dummy in hash_checks
    assert dummy.split("$")[0] == user.password_hash.split("$")[0]


# Password reset ----------------------------------------------------------------------------------

def reset_link(message: OutboxMessage, app) -> str:
    found = re.search(re.escape(app.config["BASE_URL"]) + r"(/login/reset/[\w.-]+)", message.body)
    assert found, message.body
    return found.group(1)


def request_reset(client, email, **kwargs):
    return client.post("/login/forgot", data={"email": email}, **kwargs)


def test_a_forgotten_password_is_reset_once_through_the_emailed_link(app, client, make_user, db):
    user = make_user(language="vi")
    token, _secret = create_token(user, "Ministry system", "write", None)
    db.session.commit()
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in login_page
    assert client.get("/login/forgot").status_code == 200

    response = request_reset(client, user.email.upper())
    assert response.status_code == 200
    assert "If an account exists for this address" in response.get_data(as_text=True)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.recipient, message.language, message.course_id) == (user.email, "vi", None)
    path = reset_link(message, app)

    page = client.get(path)
    assert page.status_code == 200
    # The link's page passes it on to nobody (not in a Referer, not in a cache).
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    for data in ({"password": NEW_PASSWORD, "confirm": "something else entirely"},
                 {"password": "short", "confirm": "short"}):
        assert client.post(path, data=data).status_code == 400
    db.session.refresh(user)
    assert user.check_password(PASSWORD)

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Your new password is set" in client.get("/login").get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    event = db.session.scalar(sa.select(AuditEvent)
                              .where(AuditEvent.action == "user.password_reset"))
    assert (event.target_id, event.actor_id) == (user.id, user.id)
    db.session.refresh(token)  # whoever knew the old password may have made it
    assert token_state(token) == "revoked"

    # The link worked once: the password's hash changed, so it is refused now.
    for response in (client.get(path), client.post(path, data={"password": "yet another password",
                                                               "confirm": "yet another password"})):
        assert response.status_code == 400
        assert "This link does not work any more" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert sign_in(client, user.email, PASSWORD).status_code == 400
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_an_expired_reset_link_is_refused_and_changes_nothing(app, client, make_user, db,
                                                              monkeypatch):
    user = make_user()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    assert max_age == 3600
    with monkeypatch.context() as past:  # the link was written 61 minutes ago
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - max_age - 60)
        request_reset(client, user.email)
    path = reset_link(db.session.scalar(sa.select(OutboxMessage)), app)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "This link does not work any more" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert count(AuditEvent) == 0


def test_forged_reset_links_are_refused(app, client, make_user, db):
    user = make_user()
    other = make_user()
    request_reset(client, user.email)
    path = reset_link(db.session.scalar(sa.select(OutboxMessage)), app)
    token = path.rsplit("/", 1)[1]
    payload = [other.id, other.password_stamp()]
    forged = [
        "/login/reset/" + token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        "/login/reset/" + URLSafeTimedSerializer("another-key", salt="lokakarya.password-reset")
        .dumps(payload),  # the right payload, signed with another key
        "/login/reset/" + URLSafeTimedSerializer(app.secret_key, salt="another-purpose")
        .dumps(payload),  # the app's key, for another purpose
        "/login/reset/" + URLSafeTimedSerializer(app.secret_key, salt="lokakarya.password-reset")
        .dumps([other.id, "0" * 16]),  # a stamp that is not the password's
        "/login/reset/not-a-token",
    ]
    for path in forged:
        response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 400, path
        assert "This link does not work any more" in response.get_data(as_text=True)
    db.session.refresh(user)
    db.session.refresh(other)
    assert user.check_password(PASSWORD) and other.check_password(PASSWORD)


def test_a_reset_request_answers_the_same_for_any_address_and_mails_only_real_accounts(
        app, make_user, db):
    user = make_user()
    inactive = make_user()
    inactive.active = False
    db.session.commit()
    pages = {}
    for email in (user.email, "nobody@example.org", inactive.email):
        response = request_reset(app.test_client(), email)
        pages[email] = (response.status_code, response.get_data(as_text=True))
    assert len(set(pages.values())) == 1
    assert db.session.scalars(sa.select(OutboxMessage.recipient)).all() == [user.email]


def test_reset_requests_are_limited_per_address_asked_for_and_per_client(app, make_user, db):
    user = make_user()
    for number in range(5):  # PASSWORD_RESET_ACCOUNT_LIMIT: "3 per hour", whoever asks
        response = request_reset(app.test_client(), user.email,
                                 environ_base={"REMOTE_ADDR": f"192.0.2.{number}"})
        assert response.status_code == 200
    assert count(OutboxMessage) == 3
    client = app.test_client()
    for number in range(5):  # PASSWORD_RESET_RATE_LIMIT: "5 per minute;20 per hour"
        assert request_reset(client, f"someone{number}@example.org",
                             environ_base=ATTACKER).status_code == 200
    response = request_reset(client, "someone@example.org", environ_base=ATTACKER)
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_no_outbox_page_shows_a_reset_link(app, client, make_user, make_course, login, db):
    """The outbox pages list one course's messages; a reset email has no course."""
    trainer = make_user()
    course = make_course(trainer=trainer, slug="outbox-2030")
    admin = make_user(role="admin")
    request_reset(app.test_client(), trainer.email)
    message = db.session.scalar(sa.select(OutboxMessage))
    token = reset_link(message, app).rsplit("/", 1)[1]
    for reader in (trainer, admin):
        login(reader)
        page = client.get(f"/manage/courses/{course.slug}/outbox").get_data(as_text=True)
        assert token not in page and message.subject not in page
        client.post("/logout")


# Two-step sign-in (TOTP) -------------------------------------------------------------------------

def fresh_code(user, db) -> str:
    """A code the app would show that is newer than the last one used (each is accepted once)."""
    db.session.refresh(user)
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(time.time())
    step = current - 1 if user.totp_last_step is None else user.totp_last_step + 1
    assert step <= current + 1, "no unused code within the window: the test ran too slowly"
    return totp.generate_otp(step)


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes accepted now."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time())
    good = {totp.generate_otp(step) for step in range(current - 2, current + 3)}
    return next(code for code in ("000000", "123456", "999999", "424242") if code not in good)


def enrolled(user, db):
    """Give ``user`` a second factor through the operation (as the enrol page does), with the
    code of the previous time step: the current and next ones stay unused for the test."""
    secret = second_factor.new_secret()
    second_factor.enrol(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
    db.session.commit()
    return secret


def test_enrolling_needs_a_code_from_the_new_secret(client, make_user, login, db):
    user = make_user()
    login(user)
    nav = client.get("/manage/courses/").get_data(as_text=True)
    assert 'href="/manage/account/security"' in nav
    page = client.get("/manage/account/security").get_data(as_text=True)
    secret = re.search(r'name="secret" type="hidden" value="([A-Z2-7]{32})"', page).group(1)
    qr = re.search(r'<img src="(data:image/svg\+xml;[^"]+)" alt="[^"]+">', page).group(1)
    assert qr == str(Markup.escape(second_factor.qr_data_uri(user, secret)))  # this secret's QR
    assert second_factor.provisioning_uri(user, secret).startswith("otpauth://totp/Lokakarya:")
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page  # for typing by hand
    assert client.get("/manage/account/security").get_data(as_text=True).count(secret) == 0  # fresh

    totp = pyotp.TOTP(secret)
    response = client.post("/manage/account/security/enrol",
                           data={"secret": secret, "code": wrong_code(secret)})
    assert response.status_code == 400
    assert "The code does not match" in response.get_data(as_text=True)
    assert secret in response.get_data(as_text=True)  # the same secret, to try again
    db.session.refresh(user)
    assert user.totp_secret is None

    response = client.post("/manage/account/security/enrol",
                           data={"secret": secret, "code": totp.now()})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret == secret
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.target_id == user.id)) \
        == "user.totp_enrol"
    assert "Two-step sign-in is on" in client.get("/manage/account/security").get_data(as_text=True)


def test_a_tampered_enrolment_secret_is_not_stored(client, make_user, login, db):
    user = make_user()
    login(user)
    response = client.post("/manage/account/security/enrol",
                           data={"secret": "AAAA", "code": "123456"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.totp_secret is None


def test_signing_in_with_two_step_needs_a_fresh_right_code(app, client, make_user, db):
    user = make_user()
    enrolled(user, db)
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/manage/courses/").status_code == 302  # not signed in yet
    assert client.get("/login/code").status_code == 200

    response = client.post("/login/code", data={"code": wrong_code(user.totp_secret)})
    assert response.status_code == 400
    assert "The code is not correct" in response.get_data(as_text=True)
    assert client.get("/manage/courses/").status_code == 302

    code = fresh_code(user, db)
    response = client.post("/login/code", data={"code": code[:3] + " " + code[3:]})
    assert response.status_code == 302 and response.headers["Location"] == "/manage/courses/"
    assert client.get("/manage/courses/").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None

    # The same code again (someone who saw it) is refused, as is any older one.
    other = app.test_client()
    assert sign_in(other, user.email).status_code == 302
    for used in (code, pyotp.TOTP(user.totp_secret).generate_otp(user.totp_last_step - 1)):
        response = other.post("/login/code", data={"code": used})
        assert response.status_code == 400
    assert other.get("/manage/courses/").status_code == 302


def test_a_second_step_left_too_long_starts_over(client, make_user, db):
    user = make_user()
    enrolled(user, db)
    sign_in(client, user.email)
    with client.session_transaction() as session:
        pending = session["signin_pending"]
        # Six minutes later (SIGNIN_CODE_SECONDS: 300).
        session["signin_pending"] = {**pending, "at": pending["at"] - 360}
    response = client.post("/login/code", data={"code": fresh_code(user, db)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/manage/courses/").status_code == 302
    assert client.get("/login/code").status_code == 302  # nothing pending any more


def test_code_attempts_are_throttled_like_passwords(app, client, make_user, db):
    user = make_user()
    enrolled(user, db)
    sign_in(client, user.email, environ_base=ATTACKER)
    for _ in range(5):
        assert client.post("/login/code", data={"code": wrong_code(user.totp_secret)},
                           environ_base=ATTACKER).status_code == 400
    response = client.post("/login/code", data={"code": fresh_code(user, db)},
                           environ_base=ATTACKER)
    assert response.status_code == 400
    assert "The code is not correct" in response.get_data(as_text=True)
    owner = app.test_client()
    sign_in(owner, user.email, environ_base=OWNER)
    response = owner.post("/login/code", data={"code": fresh_code(user, db)}, environ_base=OWNER)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/courses/"


def test_wrong_codes_from_many_addresses_hit_the_accounts_daily_cap(app, make_user, db, monkeypatch):
    """Someone with the password guessing codes from many addresses: past the account's cap
    (SIGNIN_CODE_ACCOUNT_LIMIT) even a right code waits, from anywhere."""
    monkeypatch.setitem(app.config, "SIGNIN_CODE_ACCOUNT_LIMIT", "100 per hour;6 per day")
    user = make_user()
    enrolled(user, db)
    for index in range(6):
        guesser = app.test_client()
        address = {"REMOTE_ADDR": f"203.0.113.{index + 10}"}
        sign_in(guesser, user.email, environ_base=address)
        assert guesser.post("/login/code", data={"code": wrong_code(user.totp_secret)},
                            environ_base=address).status_code == 400
    owner = app.test_client()
    sign_in(owner, user.email, environ_base=OWNER)
    response = owner.post("/login/code", data={"code": fresh_code(user, db)}, environ_base=OWNER)
    assert response.status_code == 400 and owner.get("/manage/courses/").status_code == 302


def test_switching_two_step_off_needs_the_password_and_a_code(client, make_user, db):
    user = make_user()
    enrolled(user, db)
    sign_in(client, user.email)
    client.post("/login/code", data={"code": fresh_code(user, db)})
    page = client.get("/manage/account/security").get_data(as_text=True)
    assert "Switch two-step sign-in off" in page

    response = client.post("/manage/account/security/disable",
                           data={"password": "wrong", "code": fresh_code(user, db)})
    assert response.status_code == 400
    assert "The password or the code is not correct." in response.get_data(as_text=True)
    response = client.post("/manage/account/security/disable",
                           data={"password": PASSWORD, "code": wrong_code(user.totp_secret)})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.has_second_factor

    response = client.post("/manage/account/security/disable",
                           data={"password": PASSWORD, "code": fresh_code(user, db)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None and user.totp_last_step is None
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.totp_enrol", "user.totp_disable"]


def test_an_admin_removes_the_second_factor_of_someone_who_lost_their_phone(
        app, client, make_user, login, db):
    trainer = make_user()
    enrolled(trainer, db)
    admin = make_user(role="admin")
    url = f"/manage/users/{trainer.id}/second-factor/remove"

    login(make_user())  # another trainer may not
    assert client.post(url).status_code == 403
    client.post("/logout")

    login(admin)
    assert "Switch two-step sign-in off" in client.get(f"/manage/users/{trainer.id}/edit").get_data(
        as_text=True)
    response = client.post(url)
    assert response.status_code == 302
    db.session.refresh(trainer)
    assert trainer.totp_secret is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.totp_reset"))
    assert (event.target_id, event.actor_id) == (trainer.id, admin.id)
    assert sign_in(app.test_client(), trainer.email).headers["Location"] == "/manage/courses/"


# Logs ---------------------------------------------------------------------------------------------

def test_creating_an_account_logs_its_id_not_its_address(app, db, caplog, json_log):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        user = create_user("Private.Person@example.org", "Private Person", PASSWORD)
    assert f"account {user.id}" in caplog.text
    assert "private.person" not in caplog.text.lower()
    line, = (line for line in json_log() if line["message"].startswith("Created"))
    assert line["message"] == f"Created trainer account {user.id}" and line["logger"] == "app"
    assert "private" not in str(line).lower()
