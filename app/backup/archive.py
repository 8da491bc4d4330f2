"""The archive: one ZIP file.

- ``tables/<table>.jsonl``: one JSON object per row (app/backup/values.py), tables in the order
  of their dependencies, rows in the order of their primary key;
- ``files/<key>``: every stored file, under its storage key;
- ``manifest.json``, written last: the format and its version, the schema revision, the engine
  and the time of the snapshot; per table its columns, row count and SHA-256 of its entry; per
  file its size and SHA-256.

It is written to ``FILE.part`` and renamed to ``FILE`` once whole, and read entry by entry
(never a whole table or file in memory).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..storage import BadKey, check_key
from . import BackupRefused
from .values import Codec

FORMAT = "lokakarya-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# A hostile or broken archive is refused before it can fill the memory: the manifest and any one
# row (a worksheet's answers are the largest, well under this) are read whole, so they are capped.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_ROW_BYTES = 64 * 1024 * 1024


def table_entry(name: str) -> str:
    return f"tables/{name}.jsonl"


def file_entry(key: str) -> str:
    return f"files/{key}"


class Entry:
    """An entry being written: counts its bytes and hashes them as they go."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._hash.update(data)
        self.size += len(data)

    def copy_from(self, source: BinaryIO) -> None:
        while chunk := source.read(CHUNK):
            self.write(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class ArchiveWriter:
    """``with ArchiveWriter(path) as archive:`` entries, then :meth:`finish` with the manifest;
    leaving the block without finishing (an error) removes the partial file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + ".part")
        self._zip = zipfile.ZipFile(self.part, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._finished = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._finished:
            self._zip.close()
            self.part.unlink(missing_ok=True)

    @contextmanager
    def entry(self, name: str) -> Iterator[Entry]:
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w", force_zip64=True) as stream:
            yield Entry(stream)

    def finish(self, manifest: dict) -> None:
        with self.entry(MANIFEST) as entry:
            entry.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        self._zip.close()
        with open(self.part, "rb") as written:
            os.fsync(written.fileno())
        os.replace(self.part, self.path)
        self._finished = True


class ArchiveReader:
    """An archive opened for restoring: its manifest read and its form checked (refuses a
    file that is not a ZIP, is truncated, or has no readable manifest); :meth:`verify` then
    reads every entry against the manifest."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BackupRefused(f"{self.path} is not a backup archive: not a ZIP file, or a "
                                f"truncated one ({exc}).") from None
        try:
            self.manifest = self._read_manifest()
            self._check_manifest()
        except BackupRefused:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _read_manifest(self) -> dict:
        try:
            if self._zip.getinfo(MANIFEST).file_size > MAX_MANIFEST_BYTES:
                raise BackupRefused(f"{self.path}: its {MANIFEST} is larger than any backup's "
                                    f"(damaged or altered).")
            return json.loads(self._zip.read(MANIFEST))
        except KeyError:
            raise BackupRefused(f"{self.path} has no {MANIFEST}: it is not a whole backup.") from None
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise BackupRefused(f"{self.path}: its {MANIFEST} cannot be read ({exc}).") from None

    def _check_manifest(self) -> None:
        manifest = self.manifest
        try:
            if manifest["format"] != FORMAT:
                raise BackupRefused(f"{self.path} is not a Lokakarya backup.")
            if manifest["version"] != VERSION:
                raise BackupRefused(
                    f"{self.path} is in version {manifest['version']} of the backup format; this "
                    f"version of the app reads version {VERSION}: restore it with the app that made it.")
            tables = {table["name"]: (table["rows"], table["sha256"], dict(table["columns"]))
                      for table in manifest["tables"]}
            files = {check_key(item["key"]): (item["size"], item["sha256"])
                     for item in manifest["files"]}
            for name in ("revision", "engine", "created"):
                if not isinstance(manifest[name], str):
                    raise TypeError(name)
        except (KeyError, TypeError, ValueError, BadKey) as exc:
            raise BackupRefused(f"{self.path}: its {MANIFEST} is malformed ({exc!r}).") from None
        expected = {MANIFEST, *map(table_entry, tables), *map(file_entry, files)}
        found = set(self._zip.namelist())
        if found != expected:
            odd = sorted(found ^ expected)[:3]
            raise BackupRefused(f"{self.path} does not hold what its manifest lists: "
                                f"{', '.join(odd)} (damaged or altered).")
        self.tables, self.files = tables, files

    @property
    def revision(self) -> str:
        return self.manifest["revision"]

    def lines(self, table: str) -> Iterator[bytes]:
        """The table's rows, one JSON line each, read as they go."""
        with self._zip.open(table_entry(table)) as stream:
            while line := stream.readline(MAX_ROW_BYTES + 1):
                if len(line) > MAX_ROW_BYTES:
                    raise BackupRefused(f"{self.path}: {table_entry(table)} holds a row larger "
                                        f"than any backup's (damaged or altered).")
                yield line

    def open_file(self, key: str) -> BinaryIO:
        return self._zip.open(file_entry(key))

    def verify(self, codecs: dict[str, Codec]) -> None:
        """Read every entry: each table's checksum, row count and every row's values, each
        file's size and checksum, as the manifest lists them. Raises BackupRefused."""
        try:
            for name, (rows, sha256, _) in self.tables.items():
                digest, count = hashlib.sha256(), 0
                for line in self.lines(name):
                    digest.update(line)
                    count += 1
                    try:
                        codecs[name].decode(line)
                    except ValueError as exc:
                        raise BackupRefused(f"{self.path}: row {count} of {table_entry(name)} "
                                            f"cannot be restored: {exc}.") from None
                self._compare(table_entry(name), digest.hexdigest(), sha256)
                if count != rows:
                    raise BackupRefused(f"{self.path} is damaged or was altered: "
                                        f"{table_entry(name)} holds {count} rows, its manifest "
                                        f"says {rows}.")
            for key, (size, sha256) in self.files.items():
                if self._zip.getinfo(file_entry(key)).file_size != size:
                    raise BackupRefused(f"{self.path} is damaged or was altered: {file_entry(key)} "
                                        f"is not the size its manifest says.")
                digest, length = hashlib.sha256(), 0
                with self.open_file(key) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        length += len(chunk)
                self._compare(file_entry(key), digest.hexdigest(), sha256)
                if length != size:
                    raise BackupRefused(f"{self.path} is damaged or was altered: {file_entry(key)} "
                                        f"holds {length} bytes, its manifest says {size}.")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise BackupRefused(f"{self.path} is damaged: {exc}.") from None

    def _compare(self, entry: str, found: str, expected: str) -> None:
        if found != expected:
            raise BackupRefused(f"{self.path} is damaged or was altered: {entry} does not match "
                                f"its checksum in the manifest.")
