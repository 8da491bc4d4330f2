"""Commands: ``flask --app app backup FILE`` and ``flask --app app restore FILE [--force]``.

Like ``check-db`` and ``users``, commands for whoever runs the server: they speak English."""
from pathlib import Path

import click
from flask import Flask

from . import BackupRefused, FilesNotRestored


def configure_cli(app: Flask) -> None:
    """Add the ``backup`` and ``restore`` commands to ``flask``."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent snapshot of the database and every stored file to FILE (a ZIP)."""
    from .snapshot import write_backup

    try:
        summary = write_backup(file)
    except BackupRefused as exc:
        raise click.ClickException(f"{exc} No archive was written.")
    click.echo(f"Backed up {summary.rows} rows of {summary.tables} tables and {summary.files} "
               f"files ({summary.file_bytes} bytes) to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace whatever the database and the storage hold by the archive's content.")
def restore_command(file: Path, force: bool) -> None:
    """Restore the database and the stored files from FILE, made by `backup` at this version's
    schema revision, into a database migrated by `flask db upgrade` (and empty, unless --force)."""
    from .restore import restore

    try:
        restored = restore(file, force=force)
    except BackupRefused as exc:
        raise click.ClickException(f"{exc} Nothing was changed.")
    except FilesNotRestored as exc:
        raise click.ClickException(str(exc))
    message = (f"Restored {restored.rows} rows into {restored.tables} tables and {restored.files} "
               f"files ({restored.file_bytes} bytes) from {file}, made on {restored.engine} at "
               f"{restored.created}")
    if restored.removed_files:
        message += f"; removed stored files not in the archive ({restored.removed_files})"
    click.echo(message + ".")
