"""Fixtures: one app per run on the chosen database, a clean database per test, factories."""
import contextvars
import os
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event

from app import create_app, jobs
from app.auth.models import User
from app.auth.operations import create_user
from app.courses.models import Course
from app.courses.operations import CourseDetails, create_course
from app.extensions import db as _db
from app.extensions import limiter
from app.i18n.multilingual import MultilingualText
from app.paths import ROOT
from app.registrations.models import Registration
from app.toolkit.models import Exercise
from helpers import PASSWORD
from mail_support import Inbox, free_port



def database_url(tmp_dir: Path) -> str:
    """TEST_DATABASE_URL (``sqlite`` or unset: a fresh SQLite file)."""
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    return f"sqlite:///{tmp_dir / 'test.db'}" if url == "sqlite" else url


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    return f"database: {'SQLite (temporary file)' if url == 'sqlite' else url}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lokakarya")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "PDF_CACHE_FOLDER": str(tmp / "pdf-cache"),
        "PDF_WAIT_SECONDS": 60,  # a pack comes in the answer however slow the machine; tests of
        # the "being prepared" page set 0
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        stamp_head(_db.engine)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        with _db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        _db.engine.dispose()


def stamp_head(engine) -> None:
    """Mark the schema ``create_all`` made as the migrations' head, as `flask db upgrade` leaves
    a database (/readyz compares the two)."""
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        MigrationContext.configure(connection).stamp(ScriptDirectory(str(ROOT / "migrations")),
                                                     "heads")


@pytest.fixture(autouse=True)
def db(app):
    """An app context and, after the test, empty tables and fresh rate-limit counters."""
    limiter.reset()
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    The tests hold an app context for their own database work; without this, requests
    would share its ``g`` (cached user, language) and database session.
    """

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        # The test's own transaction ends around each request, as a user's would between
        # clicks: its writes become visible to the request, and it then reads what the request did.
        _db.session.commit()
        try:
            return contextvars.copy_context().run(run)
        finally:
            _db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1, configured as the app's mail server; its inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield inbox
    assert jobs.wait_local(30)  # no delivery outlives the test
    controller.stop()


@pytest.fixture
def make_user(db):
    """Create a staff account: ``make_user(role="admin", email=...)``."""
    counter = iter(range(1, 10_000))

    def make(role: str = "trainer", email: str | None = None, name: str | None = None,
             password: str = PASSWORD, language: str | None = None) -> User:
        number = next(counter)
        user = create_user(email or f"{role}{number}@example.org", name or f"{role.title()} {number}",
                           password, role=role, language=language)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_course(db, make_user):
    """Create a course on a trainer's team: ``make_course(trainer=..., title={...})``."""

    def make(trainer: User | None = None, slug: str | None = None, **overrides) -> Course:
        trainer = trainer or make_user()
        values = dict(
            title=MultilingualText(en="Localizing the RPA WPS", vi="Địa phương hóa RPA WPS"),
            start_date=date(2025, 4, 9), end_date=date(2025, 4, 11),
            city=MultilingualText(en="Jakarta"), country="ID", timezone="Asia/Jakarta",
            contact_hours=Decimal("20"), second_languages=["vi", "id"])
        values.update(overrides)
        for key in ("title", "city", "venue", "description"):
            if isinstance(values.get(key), dict):
                values[key] = MultilingualText(values[key])
        course = create_course(trainer, CourseDetails(**values), slug=slug)
        db.session.commit()
        return course

    return make


@pytest.fixture
def login(client):
    """Sign ``user`` in through the form."""

    def sign_in(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data
        return response

    return sign_in


@pytest.fixture
def make_registration(db):
    """Register someone (approved unless told otherwise): ``make_registration(course, country="ID")``.

    They read English unless ``language`` says otherwise: their own pages speak it."""
    def make(course, **overrides) -> Registration:
        values = dict(course_id=course.id, full_name="Nguyễn Thị Hà", family_name="Nguyễn",
                      given_names="Thị Hà", name_order="family_first",
                      certificate_name="Nguyễn Thị Hà", address_as="Chị Hà", sex="female",
                      age_group="35-44", country="VN", organisation_type="government",
                      email="ha@example.vn", language="en", status="approved")
        values.update(overrides)
        registration = Registration(**values)
        db.session.add(registration)
        db.session.commit()
        return registration

    return make


@pytest.fixture
def make_exercise(db):
    """Add a toolkit module to a course: ``make_exercise(course, "M11", mode="team")``."""

    def make(course, key: str, mode: str = "team", **values) -> Exercise:
        exercise = Exercise(course=course, module_key=key, mode=mode,
                            position=len(course.exercises), **values)
        db.session.add(exercise)
        db.session.commit()
        return exercise

    return make


@pytest.fixture
def writes(db):
    """The INSERT/UPDATE/DELETE statements sent while the test runs."""
    sent = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def demo_course(runner, db, monkeypatch):
    """The reference course as ``seed-demo`` makes it (the trainer's password: PASSWORD)."""
    monkeypatch.setenv("DEMO_TRAINER_PASSWORD", PASSWORD)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    return db.session.scalar(sa.select(Course).where(Course.slug == "jakarta-2025-wps"))


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the kind this run uses."""
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"lokakarya_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
