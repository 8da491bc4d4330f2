"""The process's log as production configures it (app.logs.configure_process), in JSON, read
back line by line."""
import json
import logging

import pytest
from flask.logging import default_handler

from app import logs


@pytest.fixture
def json_log(monkeypatch, capsys):
    """LOG_FORMAT=json, the app's lines from DEBUG; yields a function returning every line
    written so far, each parsed (a line that is not one JSON object fails the test)."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    root, app_log = logging.getLogger(), logging.getLogger("app")
    levels, flask_handler = (root.level, app_log.level), default_handler in app_log.handlers
    logs.configure_process()
    written: list[str] = []

    def lines() -> list[dict]:
        written.extend(capsys.readouterr().err.splitlines())
        return [json.loads(line) for line in written if line.strip()]

    yield lines
    for handler in [h for h in root.handlers if getattr(h, "lokakarya", False)]:
        root.removeHandler(handler)
    root.setLevel(levels[0])
    app_log.setLevel(levels[1])
    if flask_handler:
        app_log.addHandler(default_handler)
