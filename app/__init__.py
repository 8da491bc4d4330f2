"""Lokakarya: policy training workshops for national action planning."""
import gc

from flask import Flask

from .paths import ROOT


class Lokakarya(Flask):
    """Flask, naming the URL rule of a request that failed rather than its path (a personal
    link's path holds its token, a log must not)."""

    def log_exception(self, exc_info) -> None:
        from flask import request

        rule = request.url_rule.rule if request.url_rule is not None else "-"
        self.logger.error("Exception on %s [%s]", rule, request.method, exc_info=exc_info)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, features, commands, errors."""
    app = Lokakarya(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )

    from . import (compression, config, core, database, extensions, i18n, logs, metrics,
                   reference, security, static_files)
    from .pdf import compat as weasyprint_compat

    config.configure(app, test_config)
    database.configure(app)
    extensions.configure(app)
    compression.configure(app)  # first after_request registered: it runs last, on the final body
    i18n.configure(app)
    logs.configure(app)  # request ids and access lines
    metrics.configure(app)
    security.configure(app)
    static_files.configure(app)
    reference.validate()
    weasyprint_compat.install()  # stops here, naming the patch, if WeasyPrint changed under us
    register_features(app)
    core.configure_errors(app)
    return app


def register_features(app: Flask) -> None:
    """Mount each feature's blueprint, its template helpers (one registry: a name registered
    twice fails here, at start-up) and its commands."""
    from . import cli
    from .agenda import views as agenda
    from .api import views as api
    from .audit import views as audit
    from .auth import views as auth
    from .certificates import views as certificates
    from .core import views as core
    from .courses import views as courses
    from .evaluation import views as evaluation
    from .followup import views as followup
    from .groups import views as groups
    from .mail import views as mail
    from .organisations import views as organisations
    from .registrations import notifications  # noqa: F401 - connects the emails to the operations
    from .registrations import views as registrations
    from .reports import views as reports
    from .toolkit import views as toolkit
    from .users import views as users
    from .web.templates import registry

    for feature in (core, auth, users, organisations, courses, registrations, mail, agenda, certificates,
                    toolkit, groups, evaluation, followup, reports, audit, api):
        app.register_blueprint(feature.bp)
    registry.install(app)
    cli.configure(app)


def freeze_startup_objects() -> None:
    """Move what the process has made so far (modules, the app, its configuration: objects that
    live as long as the process) out of the garbage collector's sight (``gc.freeze``): full
    collections no longer walk them again and again, which cost a country pack's layout about
    10 % (bench/worksheets.py), and memory stays as it was. Called by each app server process
    (:mod:`app.wsgi`) once its app is made; not by RQ's work horses, which live for one job.
    (Collecting the youngest generation less often saved 4 % more, but a process kept about
    150 MB more of WeasyPrint's cycles alive: not done.)"""
    gc.collect()
    gc.freeze()
