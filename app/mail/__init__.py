"""Email in the recipient's language, through SMTP or the in-app outbox."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import models, operations  # noqa: F401 - operations hooks delivery onto commits

mail_cli = AppGroup("mail", help="The outbox of emails.")


def configure_cli(app: Flask) -> None:
    app.cli.add_command(mail_cli)


@mail_cli.command("retry")
def retry_command() -> None:
    """Send every message still waiting in the outbox."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: messages stay in the outbox.")
    sent = operations.deliver_unsent()
    left = operations.unsent_count()
    click.echo(f"Sent {sent} message(s); {left} still unsent.")
    if left:
        raise SystemExit(1)
