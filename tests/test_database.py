"""The database: SQLite settings, migrations matching the models, the start-up check."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db


def test_engine_is_tuned_for_its_backend(app):
    """SQLite: WAL and foreign keys on every connection; PostgreSQL: stale connections re-tried."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    else:
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.pool._pre_ping is True


def test_migrations_build_the_schema_of_the_models_and_undo_it(empty_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert sa.inspect(connection).get_table_names() == ["alembic_version"]
        db.engine.dispose()


@pytest.mark.parametrize("command", [
    ["-m", "flask", "--app", "app", "check-db"],
    ["-c", "import app.wsgi"],  # what gunicorn loads
])
def test_unreachable_database_at_start_up_gives_one_clear_line(command):
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres:secret@127.0.0.1:1/nowhere",
           "BASE_URL": "https://lokakarya.example.org"}
    result = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).parent.parent)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Database unreachable at postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere: ")


@pytest.mark.parametrize("url,expected", [
    ("nonsense", "DATABASE_URL is not a database URL: 'nonsense'"),
    ("mysql://root@127.0.0.1/x", "Database unreachable at mysql://root@127.0.0.1/x: "),
])
def test_a_malformed_database_url_gives_one_clear_line(url, expected):
    env = {**os.environ, "DATABASE_URL": url, "BASE_URL": "https://lokakarya.example.org"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "check-db"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr


def test_check_db_says_so_when_the_database_answers(runner):
    result = runner.invoke(args=["check-db"])
    assert result.exit_code == 0 and "Database answers." in result.output


def test_a_database_outage_during_a_request_gives_a_translated_503(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "execute", broken)
    monkeypatch.setattr(db.session, "scalars", broken)
    response = client.get("/?lang=vi")
    assert response.status_code == 503
    assert "cơ sở dữ liệu" in response.get_data(as_text=True).lower()
