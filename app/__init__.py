"""Lokakarya: policy training workshops for national action planning."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, features, commands, errors."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )

    from . import config, core, database, extensions, i18n, reference, security

    config.configure(app, test_config)
    database.configure(app)
    extensions.configure(app)
    i18n.configure(app)
    security.configure(app)
    reference.validate()
    register_features(app)
    core.configure_errors(app)
    return app


def register_features(app: Flask) -> None:
    """Mount each feature's blueprint and its commands."""
    from . import agenda, auth, certificates, cli, core, courses, mail, organisations, registrations, \
        toolkit, users  # noqa: F401

    for feature in (core, auth, users, organisations, courses, registrations, mail, agenda, certificates,
                    toolkit):
        app.register_blueprint(feature.bp)
    cli.configure(app)
