"""Staff accounts: admins create and change them; everyone changes their own."""
import sqlalchemy as sa
from helpers import PASSWORD, count

from app.auth.models import User


def test_admin_creates_a_trainer_who_can_then_sign_in(client, make_user, login, app, db):
    login(make_user(role="admin"))
    response = client.post("/manage/users/new", data={
        "email": "Ha.Nguyen@example.org", "name": "Nguyễn Thị Hà", "role": "trainer",
        "language": "vi", "active": "y", "password": "long enough password"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ha.nguyen@example.org"))
    assert (user.name, user.role, user.language, user.active) == ("Nguyễn Thị Hà", "trainer", "vi", True)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": "ha.nguyen@example.org",
                                      "password": "long enough password"}).status_code == 302
    assert '<html lang="vi">' in fresh.get("/manage/courses/").get_data(as_text=True)


def test_bad_account_input_is_refused_and_changes_nothing(client, make_user, login):
    admin = make_user(role="admin")
    login(admin)
    before = count(User)
    for data, message in [
        ({"email": admin.email, "name": "Copy", "role": "trainer", "password": "long enough password"},
         "Another account already uses this email."),
        ({"email": "new@example.org", "name": "New", "role": "trainer", "password": "short"},
         "Use at least 10 characters."),
        ({"email": "new@example.org", "name": "New", "role": "trainer"},
         "Give the new account a password."),
        ({"email": "new@example.org", "name": "New", "role": "superuser", "password": "long enough pw"},
         "Not a valid choice."),
    ]:
        response = client.post("/manage/users/new", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert count(User) == before


def test_admins_cannot_demote_themselves(client, make_user, login, db):
    admin = make_user(role="admin")
    login(admin)
    response = client.post(f"/manage/users/{admin.id}/edit", data={
        "email": admin.email, "name": admin.name, "role": "trainer", "active": "y"})
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_a_new_password_set_by_an_admin_works_at_once(client, make_user, login, db, app):
    trainer = make_user()
    login(make_user(role="admin"))
    client.post(f"/manage/users/{trainer.id}/edit", data={
        "email": trainer.email, "name": trainer.name, "role": "trainer", "active": "y",
        "password": "a brand new password"})
    db.session.refresh(trainer)
    assert trainer.check_password("a brand new password")
    assert app.test_client().post("/login", data={
        "email": trainer.email, "password": "a brand new password"}).status_code == 302


def test_own_password_change_needs_the_current_password(client, make_user, login, db):
    user = make_user()
    login(user)
    response = client.post("/manage/account", data={
        "name": user.name, "current_password": "wrong", "password": "another long password",
        "confirm": "another long password"})
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = client.post("/manage/account", data={
        "name": user.name, "current_password": PASSWORD, "password": "another long password",
        "confirm": "different long password"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_language_preference_applies_after_saving(client, make_user, login):
    user = make_user()
    login(user)
    client.post("/manage/account", data={"name": user.name, "language": "id"})
    assert '<html lang="id">' in client.get("/manage/courses/").get_data(as_text=True)
