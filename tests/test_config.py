"""Configuration: environment variables, the instance secret, the database URL."""
import os
import stat

from app import create_app
from app.config import _instance_secret, database_url


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = _instance_secret(tmp_path)
    second = _instance_secret(tmp_path)
    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_secret_key_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == "from-env"


def test_database_url_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'lokakarya.db'}"
    assert database_url("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/elsewhere")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("LOKAKARYA_HTTPS", "1")
    config = create_app({"TESTING": True}).config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/elsewhere"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert config["MAIL_SERVER"] == "smtp.example.org"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_debug_mode_is_refused_unless_asked_for_explicitly(monkeypatch):
    import pytest

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="Debug mode"):
        create_app({"DEBUG": True})
