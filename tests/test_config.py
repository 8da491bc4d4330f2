"""Configuration: environment variables, the instance secret, the database URL, BASE_URL."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import config as settings, create_app
from app.config import _instance_secret, database_url

PRODUCTION_DATABASE = "postgresql://postgres@127.0.0.1:5432/elsewhere"


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
    monkeypatch.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    monkeypatch.setenv("BASE_URL", "https://training.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("LOKAKARYA_HTTPS", "1")
    config = create_app({"TESTING": True}).config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/elsewhere"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert config["MAIL_SERVER"] == "smtp.example.org"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_debug_mode_is_refused_unless_asked_for_explicitly(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="Debug mode"):
        create_app({"DEBUG": True})


def test_production_refuses_to_start_without_base_url(monkeypatch):
    """Production is recognised by DATABASE_URL: links must not point at a loopback address."""
    monkeypatch.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(SystemExit, match="BASE_URL is not set"):
        create_app({"TESTING": True})


def test_the_production_server_stops_with_one_clear_line_without_base_url():
    env = {key: value for key, value in os.environ.items() if key != "BASE_URL"}
    env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nowhere"  # never reached
    result = subprocess.run([sys.executable, "-c", "import app.wsgi"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("BASE_URL is not set"), result.stderr


@pytest.mark.parametrize("url", ["training.example.org", "ftp://training.example.org", "https://",
                                 "https://training.example.org/?next=x"])
def test_a_base_url_that_is_not_a_site_address_is_refused(monkeypatch, url):
    monkeypatch.setenv("BASE_URL", url)
    with pytest.raises(SystemExit, match="BASE_URL is not an http"):
        create_app({"TESTING": True})


def test_the_embedded_default_keeps_a_loopback_base_url_and_says_so(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000" and not app.config["PRODUCTION"]
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert "BASE_URL is http://127.0.0.1:5000: links in emails" in settings.loopback_notice(app)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_the_server_says_so_on_its_terminal(tmp_path):
    """`make run` serves app.wsgi: it prints the notice once, where the person who ran it sees."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BASE_URL")}
    code = "import gc, app.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("BASE_URL is http://127.0.0.1:5000") == 1
    # What it made at start-up is frozen out of the garbage collector's full collections.
    assert int(result.stdout.split()[-1]) > 50_000


def test_a_production_server_says_when_its_secret_key_is_its_own(monkeypatch):
    """Several app servers and workers must share one SECRET_KEY (docs/deployment.md): the
    instance file each machine makes by itself signs for that machine only."""
    monkeypatch.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    monkeypatch.setenv("BASE_URL", "https://training.example.org")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    notice = settings.secret_key_notice(create_app({"TESTING": True}))
    assert notice.startswith("SECRET_KEY is not set") and "every app server and worker" in notice
    monkeypatch.setenv("SECRET_KEY", "shared-by-all")
    assert settings.secret_key_notice(create_app({"TESTING": True})) is None
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("DATABASE_URL")  # the embedded default runs on one machine
    assert settings.secret_key_notice(create_app({"TESTING": True})) is None


def test_trusted_hosts_come_from_base_url_unless_set(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    monkeypatch.setenv("BASE_URL", "https://Training.Example.org:8443/lokakarya/")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    config = create_app({"SECRET_KEY": "x"}).config
    assert config["PRODUCTION"] and config["BASE_URL"] == "https://Training.Example.org:8443/lokakarya"
    assert config["TRUSTED_HOSTS"] == ["training.example.org"]  # no loopback in production
    monkeypatch.setenv("TRUSTED_HOSTS", "training.example.org, .example.net")
    assert create_app({"SECRET_KEY": "x"}).config["TRUSTED_HOSTS"] == ["training.example.org", ".example.net"]
    # Tests keep the test client's default host.
    assert "localhost" in create_app({"TESTING": True}).config["TRUSTED_HOSTS"]


def test_health_probes_are_answered_whatever_their_host(monkeypatch):
    """A container's HEALTHCHECK, a load balancer or Prometheus asks by IP or localhost, not the
    public name. (The in-memory database has no schema: /readyz answers, not ready.)"""
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://training.example.org")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    client = app.test_client()
    for host in ("127.0.0.1:8000", "localhost", "10.1.2.3:8000"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
        ready = client.get("/readyz", headers={"Host": host})
        assert ready.status_code == 503 and ready.json["database"]["status"] == "ok", host
        assert ready.json["migrations"]["detail"].startswith("database at no revision"), host
        assert client.get("/metrics", headers={"Host": host}).status_code == 200, host
        assert client.get("/", headers={"Host": host}).status_code == 400, host
    assert client.get("/", headers={"Host": "training.example.org"}).status_code != 400  # (no tables here)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
