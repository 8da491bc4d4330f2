"""Command: ``flask --app app report <slug> --format xlsx|pdf|json [--output FILE] [--language CODE]``."""
from pathlib import Path

import click
from flask import Flask, current_app

from ..i18n import use_language
from ..i18n.languages import LANGUAGES
from ..registrations.cli import course_or_fail


def configure_cli(app: Flask) -> None:
    """Add the ``report`` command to ``flask``."""
    app.cli.add_command(report_command)


@click.command("report")
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(["xlsx", "pdf", "json"]), default="json",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the labels (and of the PDF).")
def report_command(slug: str, file_format: str, output: Path | None, language: str) -> None:
    """Write a course's donor report: its figures (participants are the approved registrations),
    objectives, agenda, action plans and follow-up."""
    from . import documents
    from .report import course_report

    # A request context: the PDF's templates and Babel's formats read the current language.
    with current_app.test_request_context("/"), use_language(language):
        course = course_or_fail(slug)
        report = course_report(course, donor=True)
        if file_format == "json":
            data = documents.json_text(report).encode("utf-8")
        else:
            data = documents.xlsx(report) if file_format == "xlsx" else documents.pdf(report)
    with click.open_file(str(output or "-"), "wb") as stream:  # "-": standard output
        stream.write(data)
