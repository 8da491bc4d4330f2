"""The backup: every table read in one read transaction (a consistent snapshot while the app
keeps serving), then every stored file, into one archive (app/backup/archive.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..database import utcnow, write_lock_at_begin
from ..extensions import db
from ..storage import storage
from . import BackupRefused
from .archive import FORMAT, VERSION, ArchiveWriter, file_entry, table_entry
from .revisions import require_database_at_head
from .values import Codec

BATCH = 1000


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int
    file_bytes: int


@contextmanager
def read_snapshot() -> Iterator[sa.Connection]:
    """A connection in one read-only transaction that sees the database as it was when its
    first statement ran, whatever others commit meanwhile: REPEATABLE READ, READ ONLY on
    PostgreSQL; on SQLite a plain BEGIN (no write lock) in WAL mode, whose readers keep their
    snapshot until they end and never stop the writers."""
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True} \
        if db.engine.dialect.name == "postgresql" else {}
    with write_lock_at_begin(False), db.engine.connect() as connection:
        connection = connection.execution_options(**options)
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()  # it only read


def write_backup(path: Path) -> Summary:
    """Write the archive of the database and the stored files to ``path`` (through
    ``path.part``, renamed when whole). Refuses (BackupRefused) a database that is not at this
    version's schema revision."""
    root = getattr(storage(), "root", None)  # the local folder's (S3 has none)
    if root is not None and Path(path).resolve().is_relative_to(Path(root).resolve()):
        raise BackupRefused(f"Write the backup outside the folder of stored files ({root}): "
                            "it would be copied into itself.")
    with ArchiveWriter(path) as archive:
        # The files are listed before the snapshot and again after it: a file is stored before
        # the row that names it commits, and removed only after the row that stopped naming it
        # did; so every file a snapshot row names is in one of the two lists, unless it was
        # removed meanwhile (then the backup is refused: run it again).
        before = set(storage().keys(""))
        with read_snapshot() as connection:
            revision = require_database_at_head(connection)
            created = utcnow()
            tables = [_write_table(archive, connection, table) for table in db.metadata.sorted_tables]
        files = [_write_file(archive, key) for key in sorted(before | set(storage().keys("")))]
        archive.finish({
            "format": FORMAT, "version": VERSION, "revision": revision,
            "engine": db.engine.dialect.name, "created": created.isoformat(),
            "tables": tables, "files": files,
        })
    return Summary(tables=len(tables), rows=sum(table["rows"] for table in tables),
                   files=len(files), file_bytes=sum(item["size"] for item in files))


def _write_table(archive: ArchiveWriter, connection: sa.Connection, table: sa.Table) -> dict:
    codec = Codec(table)
    query = sa.select(table).order_by(*table.primary_key.columns)
    with archive.entry(table_entry(table.name)) as entry:
        count = 0
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for row in result.mappings():
            entry.write(codec.encode(row))
            count += 1
    return {"name": table.name, "rows": count, "sha256": entry.sha256, "columns": codec.kinds}


def _write_file(archive: ArchiveWriter, key: str) -> dict:
    """The stored file copied into the archive (refused when it was removed since it was
    listed: the snapshot's rows may name it)."""
    try:
        source = storage().open(key)
    except FileNotFoundError:
        raise BackupRefused(f"The stored file {key} was removed while the backup ran (an image "
                            "replaced, a person anonymised). Nothing was written: run the backup "
                            "again.") from None
    with source, archive.entry(file_entry(key)) as entry:
        entry.copy_from(source)
    return {"key": key, "size": entry.size, "sha256": entry.sha256}
