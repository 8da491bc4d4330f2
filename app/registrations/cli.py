"""Commands: ``flask --app app participants export|import``."""
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from flask_babel import ngettext

from ..courses.models import Course
from ..extensions import db
from ..i18n import _, use_language
from ..i18n.languages import LANGUAGES

participants_cli = AppGroup("participants", help="Export and import a course's registrations.")
language_option = click.option("--language", type=click.Choice(LANGUAGES), default="en",
                               show_default=True, help="Language of the header row and messages.")


def configure_cli(app: Flask) -> None:
    """Add the ``participants`` commands to ``flask``."""
    app.cli.add_command(participants_cli)


def course_or_fail(slug: str) -> Course:
    """The course with ``slug``, or a clear error and a non-zero exit."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(_("No course has the slug “%(slug)s”.", slug=slug))
    return course


@participants_cli.command("export")
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@language_option
def export_command(slug: str, file_format: str, output: Path | None, language: str) -> None:
    """Write the course's registrations as CSV or XLSX."""
    from .exchange import export

    with use_language(language):
        course = course_or_fail(slug)
        with click.open_file(str(output or "-"), "wb") as stream:  # "-": standard output
            export(course, stream, file_format)
        db.session.commit()  # the audit log's note of the export


@participants_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@language_option
def import_command(slug: str, file: Path, language: str) -> None:
    """Register everyone in a CSV or XLSX file, or no one if any row has a problem."""
    from .exchange import import_rows
    from .tables import ImportFileError, read_table

    with use_language(language):
        course = course_or_fail(slug)
        try:
            with file.open("rb") as stream:  # read as it goes: a file past the cap stops early
                rows = read_table(file.name, stream)
        except ImportFileError as exc:
            raise click.ClickException(str(exc))
        report = import_rows(course, rows)  # commits, or writes nothing
        if not report.ok:
            click.echo(_("Nothing was imported. Problems found:"), err=True)
            for problem in report.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(1)
        click.echo(ngettext("Imported %(num)d registration (%(waitlisted)d on the waitlist).",
                            "Imported %(num)d registrations (%(waitlisted)d on the waitlist).",
                            report.imported, waitlisted=report.waitlisted))
        for note in report.notes:
            click.echo(f"  {note}")


@participants_cli.command("anonymise")
def anonymise_command() -> None:
    """Erase the people of courses that ended longer ago than RETENTION_DAYS; keep the figures."""
    from flask import current_app

    from .privacy import anonymise_expired

    days = current_app.config["RETENTION_DAYS"]
    count = anonymise_expired(days)
    db.session.commit()
    click.echo(f"Anonymised {count} registrations of courses that ended more than {days} days ago.")
