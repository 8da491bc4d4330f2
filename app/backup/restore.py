"""The restore: every check first (the archive whole and unaltered, its schema revision this
version's, the database migrated to it, the database and the storage empty unless forced), then
every row in one transaction, then the files once the rows are committed."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import sqlalchemy as sa

from ..database import insert_many, write_lock_at_begin
from ..extensions import db
from ..storage import Storage, storage
from . import BackupRefused, FilesNotRestored
from .archive import ArchiveReader
from .revisions import require_archive_at_head, require_database_at_head
from .snapshot import BATCH, Summary
from .values import Codec


@dataclass(frozen=True)
class Restored(Summary):
    removed_files: int
    engine: str
    created: str


def restore(path: Path, force: bool = False) -> Restored:
    """Replace the database's rows and the stored files by the archive's. Without ``force``,
    refuses a database or a storage that holds anything. Raises BackupRefused, having changed
    nothing, when any check fails."""
    with ArchiveReader(path) as archive:
        require_archive_at_head(archive.revision)
        codecs = _codecs(archive)
        archive.verify(codecs)
        store = storage()
        try:
            store.check()
        except Exception as exc:  # noqa: BLE001 - any backend's error
            raise BackupRefused(f"The storage cannot be used ({exc!r}).") from exc
        if not force and (stored := sum(1 for _ in store.keys(""))):
            raise BackupRefused(
                f"The storage already holds files ({stored}): restore only into an empty database "
                f"and storage, or add --force to replace everything in them with the archive.")
        with write_lock_at_begin(True), db.engine.begin() as connection:
            require_database_at_head(connection)
            if force:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            else:
                _require_empty(connection)
            rows = sum(_insert(connection, archive, table, codecs[table.name])
                       for table in db.metadata.sorted_tables)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
        try:
            removed = _store_files(archive, store, force)
        except Exception as exc:  # noqa: BLE001 - any backend's error: say what to do next
            raise FilesNotRestored(
                f"The rows were restored, but storing the files failed ({exc!r}): run the same "
                f"restore with --force once the storage works again.") from exc
        return Restored(tables=len(codecs), rows=rows, files=len(archive.files),
                        file_bytes=sum(size for size, _ in archive.files.values()),
                        removed_files=len(removed), engine=archive.manifest["engine"],
                        created=archive.manifest["created"])


def _store_files(archive: ArchiveReader, store: Storage, force: bool) -> list[str]:
    """Store every archived file; with ``force``, delete the stored files the archive has not
    (their keys, returned)."""
    for key in archive.files:
        with archive.open_file(key) as source:
            store.put(key, source)
    removed = [key for key in store.keys("") if key not in archive.files] if force else []
    for key in removed:
        store.delete(key)
    return removed


def _codecs(archive: ArchiveReader) -> dict[str, Codec]:
    """Each table's codec, when the archive has the same tables and columns as this code."""
    codecs = {table.name: Codec(table) for table in db.metadata.sorted_tables}
    archived = {name: columns for name, (_, _, columns) in archive.tables.items()}
    if archived != {name: codec.kinds for name, codec in codecs.items()}:
        raise BackupRefused(f"{archive.path}: its tables or columns are not those of its schema "
                            f"revision {archive.revision} (damaged or altered).")
    return codecs


def _require_empty(connection: sa.Connection) -> None:
    filled = [table.name for table in db.metadata.sorted_tables
              if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()]
    if filled:
        raise BackupRefused(
            f"The database already holds data (in {len(filled)} tables: "
            f"{', '.join(filled[:5])}{', ...' if len(filled) > 5 else ''}): restore only into an "
            f"empty database and storage, or add --force to replace everything in them with the "
            f"archive.")


def _batches(lines: Iterator[bytes], codec: Codec) -> Iterator[list[dict]]:
    while batch := [codec.decode(line) for line in islice(lines, BATCH)]:
        yield batch


def _insert(connection: sa.Connection, archive: ArchiveReader, table: sa.Table,
            codec: Codec) -> int:
    """Insert the table's archived rows; a column that refers to the same table (a course
    cloned from another) is filled in afterwards, once every row it may point to is there."""
    later = [fk.parent.key for fk in table.foreign_keys if fk.column.table is table]
    key_columns = [column.key for column in table.primary_key.columns]
    links: list[dict] = []
    count = 0
    for batch in _batches(archive.lines(table.name), codec):
        for row in batch:
            if any(row[key] is not None for key in later):
                links.append({**{f"key_{key}": row[key] for key in key_columns},
                              **{f"link_{key}": row[key] for key in later}})
                row.update(dict.fromkeys(later))
        insert_many(connection, table, batch)
        count += len(batch)
    if links:
        connection.execute(
            table.update()
            .where(*(table.c[key] == sa.bindparam(f"key_{key}") for key in key_columns))
            .values({key: sa.bindparam(f"link_{key}") for key in later}),
            links)
    return count


def _reset_sequences(connection: sa.Connection) -> None:
    """Each PostgreSQL sequence of an integer key restarts after the largest restored id."""
    preparer = connection.dialect.identifier_preparer
    for table in db.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        name = preparer.format_table(table)
        sequence = connection.execute(sa.select(sa.func.pg_get_serial_sequence(
            name, column.name))).scalar()
        if sequence:
            connection.execute(sa.text(
                f"SELECT setval(:sequence, COALESCE(MAX({preparer.quote(column.name)}), 0) + 1, "
                f"false) FROM {name}"), {"sequence": sequence})
