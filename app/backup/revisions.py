"""Schema revisions: the one this code's migrations end at, and the one a database is at."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from . import BackupRefused


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def code_head() -> str:
    """The revision the migrations of this version of the app end at."""
    return _scripts().get_current_head()


def is_known(revision: str) -> bool:
    """Whether ``revision`` is in this version's migration history."""
    return revision in {script.revision for script in _scripts().walk_revisions()}


def database_revision(connection: sa.Connection) -> str | None:
    """The revision the database was migrated to (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def require_database_at_head(connection: sa.Connection) -> str:
    """The code's head revision, when the database is at it; else refused: migrate first."""
    head, found = code_head(), database_revision(connection)
    if found != head:
        raise BackupRefused(
            f"The database is at schema revision {found or 'none (never migrated)'}, and this "
            f"version of the app at {head}: run `flask db upgrade` first.")
    return head


def require_archive_at_head(revision: str) -> None:
    """Refuse an archive of another schema than this code's (see the README)."""
    head = code_head()
    if revision == head:
        return
    if not is_known(revision):
        raise BackupRefused(
            f"The archive was made at schema revision {revision}, which this version of the app "
            f"does not know (a newer version made it, or another branch): restore it with the "
            f"version of the app that made it.")
    raise BackupRefused(
        f"The archive was made at schema revision {revision}, older than this version's "
        f"{head}: restore it with the version of the app at that revision (into a database "
        f"migrated to it), then install this version and run `flask db upgrade`.")
