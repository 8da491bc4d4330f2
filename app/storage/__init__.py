"""Every file the app keeps (uploaded images, issued certificates' PDFs, bulk-issue PDFs and
ZIPs) goes through one interface, :class:`Storage`, chosen by ``STORAGE_URL``:

- unset (the embedded default): the local folder ``UPLOAD_FOLDER`` (:class:`LocalStorage`);
- ``s3://bucket/prefix``: an S3-compatible object store (``app/storage/s3.py``).

Keys are relative POSIX paths ("logos/<name>.png", "certificates/<course>/<id>-<code>.pdf",
"issue-jobs/<course>/<job>/certificates.zip"). A file is written whole or not at all. What is
only a cache (rendered agendas and worksheets, ``PDF_CACHE_FOLDER``) stays on each server's disk.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app


class BadKey(ValueError):
    """A key that is not a plain relative path (no "..", no absolute path, no empty part)."""


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise BadKey(key)
    return key


class Storage:
    """The operations every backend offers."""

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store ``data`` (bytes or a binary file read to its end) under ``key``, replacing
        what was there: readers see the old file or the whole new one."""
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        """The stored file, to read (raises FileNotFoundError)."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def size(self, key: str) -> int:
        """Its size in bytes (raises FileNotFoundError)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove it; a missing file is not an error."""
        raise NotImplementedError

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key that starts with ``prefix``, sorted."""
        raise NotImplementedError

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, when the backend keeps it there (else None)."""
        return None

    def signed_url(self, key: str, *, filename: str, content_type: str,
                   seconds: int = 300) -> str | None:
        """A short-lived address the browser can download from directly, where the backend
        can make one (else None: the app streams the file)."""
        return None

    def check(self) -> None:
        """Raise if the storage cannot be used now (for /readyz)."""
        raise NotImplementedError


class LocalStorage(Storage):
    """Files in one folder of this machine (``UPLOAD_FOLDER``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key, data):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key):
        return open(self._path(key), "rb")

    def exists(self, key):
        return self._path(key).is_file()

    def size(self, key):
        return self._path(key).stat().st_size

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix=""):
        found = []
        if self.root.is_dir():
            for path in self.root.rglob("*"):
                if path.is_file() and not path.name.startswith(".part-"):
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        found.append(key)
        return iter(sorted(found))

    def local_path(self, key):
        return self._path(key)

    def check(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"{self.root} is not writable")


def from_url(url: str | None, upload_folder: str | Path) -> Storage:
    """The backend a ``STORAGE_URL`` names (None or empty: the local folder)."""
    if not url or url.startswith("file://"):
        return LocalStorage(url[len("file://"):] if url else upload_folder)
    if url.startswith("s3://"):
        from .s3 import S3Storage

        return S3Storage.from_url(url)
    raise ValueError(f"STORAGE_URL must be empty, file:///folder or s3://bucket/prefix: {url!r}")


def storage() -> Storage:
    """The current app's storage (made once per app)."""
    app = current_app._get_current_object()
    found = app.extensions.get("lokakarya.storage")
    if found is None:
        found = app.extensions["lokakarya.storage"] = from_url(
            app.config.get("STORAGE_URL"), app.config["UPLOAD_FOLDER"])
    return found
