"""``flask --app app toolkit check``: validate every module in ``toolkit_modules/`` and the
questionnaires in ``toolkit_modules/questionnaires/``."""
import sys

import click
from flask.cli import AppGroup

toolkit_cli = AppGroup("toolkit", help="Toolkit modules (exercise definitions).")


@toolkit_cli.command("check")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
def check(folder: str | None) -> None:
    """Check every module file and questionnaire; name the file, the field and the problem;
    exit 1 if any."""
    from pathlib import Path

    from ..evaluation import questionnaires
    from .modules import FOLDER, load_all

    root = Path(folder) if folder else FOLDER
    modules, problems = load_all(root)
    for module in modules.values():
        fields = sum(1 + len(spec.columns) for spec in module.fields)
        click.echo(f"ok      {module.key:<4} {module.folder} ({fields} fields)")
    if (root / "questionnaires").is_dir():
        found, wrong = questionnaires.load_all(root / "questionnaires")
        for questionnaire in found.values():
            click.echo(f"ok      {questionnaire.path.name} ({len(questionnaire.fields)} questions)")
        problems.extend(wrong)
    for problem in problems:
        click.echo(f"PROBLEM {problem}", err=True)
    click.echo(f"{len(modules)} modules valid, {len(problems)} problems.")
    if problems:
        sys.exit(1)
