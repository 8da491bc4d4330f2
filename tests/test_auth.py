"""Staff sign-in: hashing, no lock-out, sign-out, safe redirects."""
from helpers import PASSWORD


def test_password_is_stored_as_a_scrypt_hash(make_user):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_sign_in_and_out(client, make_user, login):
    user = make_user()
    response = login(user)
    assert response.headers["Location"] == "/manage/courses/"
    assert client.get("/manage/courses/").status_code == 200
    assert client.get("/logout").status_code == 200  # asks for confirmation
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/manage/courses/").status_code == 302


def test_wrong_password_is_refused_with_a_translated_message(client, make_user):
    user = make_user()
    response = client.post("/login?lang=vi", data={"email": user.email, "password": "nope"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "mật khẩu" in page.lower()
    assert f'value="{user.email}"' in page  # what was typed is kept


def test_failures_never_lock_the_account_for_its_owner_elsewhere(client, app, make_user, db):
    """No account-wide lock-out any more (anyone knowing the address could trigger it): the
    failing address is throttled (tests/test_signin_security.py), the owner elsewhere gets in."""
    user = make_user()
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(8):
        client.post("/login", data={"email": user.email, "password": "wrong"},
                    environ_base=attacker)
    owner = app.test_client()
    response = owner.post("/login", data={"email": user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0  # the old columns stay unused


def test_inactive_accounts_cannot_sign_in(client, make_user, db):
    user = make_user()
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_next_parameter_only_redirects_within_the_site(client, make_user):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login?next=/manage/organisations/", data=data)
    assert response.headers["Location"] == "/manage/organisations/"
    client.post("/logout")
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/manage/courses/"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/", data=data)
    assert response.headers["Location"] == "/manage/courses/"
    for sneaky in ("/\\evil.example/", "/%5Cevil.example/"):  # browsers read /\ as //
        client.post("/logout")
        response = client.post(f"/login?next={sneaky}", data=data)
        assert response.headers["Location"] == "/manage/courses/", sneaky


def test_changing_the_password_signs_out_other_sessions(app, make_user, login, client, db):
    user = make_user()
    login(user)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/manage/account").status_code == 200
    response = client.post("/manage/account", data={
        "name": user.name, "language": "", "current_password": PASSWORD,
        "password": "a new long password", "confirm": "a new long password"})
    assert response.status_code == 302
    assert client.get("/manage/account").status_code == 200  # this session continues
    assert other.get("/manage/account").status_code == 302  # the other one is signed out


def test_bad_login_form_input_is_answered_next_to_the_field(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page
    assert 'aria-describedby="email-error"' in page
