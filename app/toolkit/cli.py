"""``flask --app app toolkit check``: validate every module in ``toolkit_modules/``."""
import sys

import click
from flask.cli import AppGroup

toolkit_cli = AppGroup("toolkit", help="Toolkit modules (exercise definitions).")


@toolkit_cli.command("check")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
def check(folder: str | None) -> None:
    """Check every module file; name the file, the field and the problem; exit 1 if any."""
    from pathlib import Path

    from .modules import FOLDER, load_all

    modules, problems = load_all(Path(folder) if folder else FOLDER)
    for module in modules.values():
        fields = sum(1 + len(spec.columns) for spec in module.fields)
        click.echo(f"ok      {module.key:<4} {module.folder} ({fields} fields)")
    for problem in problems:
        click.echo(f"PROBLEM {problem}", err=True)
    click.echo(f"{len(modules)} modules valid, {len(problems)} problems.")
    if problems:
        sys.exit(1)
