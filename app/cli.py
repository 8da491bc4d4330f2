"""Command-line interface: ``flask --app app <command>``."""
import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from .database import check_connection
from .extensions import db

users_cli = AppGroup("users", help="Manage staff accounts.")


def configure(app: Flask) -> None:
    from .backup.cli import configure_cli as configure_backup_cli
    from .i18n.catalogs import translate_cli
    from .registrations.cli import configure_cli as configure_participants_cli
    from .reports.cli import configure_cli as configure_report_cli

    from .mail import configure_cli as configure_mail_cli
    from .toolkit.cli import toolkit_cli

    configure_participants_cli(app)
    configure_report_cli(app)
    configure_mail_cli(app)
    configure_backup_cli(app)

    app.cli.add_command(check_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(users_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(toolkit_cli)
    app.cli.add_command(serve_metrics)


@click.command("check-db")
def check_db() -> None:
    """Exit with one clear line when the database does not answer."""
    from flask import current_app

    problem = check_connection(current_app)
    if problem:
        click.echo(problem, err=True)
        sys.exit(1)
    click.echo("Database answers.")


@click.command("serve-metrics")
@click.option("--bind", default="127.0.0.1:9101", show_default=True, help="Address and port.")
def serve_metrics(bind: str) -> None:
    """Serve the metrics the RQ workers of this machine write in PROMETHEUS_MULTIPROC_DIR, on a
    machine without an app server, until stopped."""
    from .metrics import serve

    host, _colon, port = bind.rpartition(":")
    serve(host.strip("[]") or "127.0.0.1", int(port))


@click.command("seed-demo")
def seed_demo() -> None:
    """Create (idempotently) the reference course and the demo trainer account."""
    from .demo import seed
    from .demo_seminar import SLUG as SEMINAR

    password = seed()
    db.session.commit()
    click.echo("Demo course: /courses/jakarta-2025-wps/")
    click.echo(f"Upcoming demo course, registration open: /courses/{SEMINAR}/")
    if password:
        click.echo(f"Demo staff account: trainer@example.org, password: {password}")
    else:
        click.echo("Demo staff account: trainer@example.org (password unchanged; "
                   "set DEMO_TRAINER_PASSWORD to reset it)")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["admin", "trainer"]), default="trainer", show_default=True)
@click.option("--password", help="Omit to have one generated and printed.")
def create_user_command(email: str, name: str, role: str, password: str | None) -> None:
    """Add a staff account."""
    from .auth.operations import create_user, find_user

    if find_user(email):
        raise click.ClickException(f"An account with the email {email} exists already.")
    from .audit.operations import record

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user = create_user(email, name, password, role=role)
    record("user.create", target=user, details={"role": role, "active": True})
    db.session.commit()
    click.echo(f"Created {role} {email}" + (f" with password: {password}" if generated else ""))
