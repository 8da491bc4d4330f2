"""The storage interface (:class:`Storage`) and the local folder backend (:class:`LocalStorage`);
``app.storage`` chooses the backend (``STORAGE_URL``) and re-exports these."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class BadKey(ValueError):
    """A key that is not a plain relative path (no "..", no absolute path, no empty part)."""


class StorageUnavailable(RuntimeError):
    """The storage does not answer (or refuses us): nothing was read or written."""


@dataclass(frozen=True)
class Stat:
    """What a download needs to know of a stored file before sending it."""

    size: int
    etag: str  # changes whenever the content does (no quotes)


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise BadKey(key)
    return key


class Storage:
    """The operations every backend offers."""

    kind = ""  # "local", "s3": what /readyz reports (never a path, bucket or address)

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
        return self.stat(key).size

    def stat(self, key: str) -> Stat:
        """Its size and ETag (raises FileNotFoundError)."""
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
                   attachment: bool = True, seconds: int = 300) -> str | None:
        """A short-lived address the browser can download from directly, answered with that
        file name and type (saved, or shown if not ``attachment``), where the backend can make
        one (else None: the app streams the file)."""
        return None

    def check(self) -> None:
        """Raise if the storage cannot be used now (for /readyz)."""
        raise NotImplementedError


class LocalStorage(Storage):
    """Files in one folder of this machine (``UPLOAD_FOLDER``)."""

    kind = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key, data):
        from ..pdf.cache import atomic_write

        atomic_write(self._path(key), data)

    def open(self, key):
        return open(self._path(key), "rb")

    def exists(self, key):
        return self._path(key).is_file()

    def size(self, key):
        return self._path(key).stat().st_size

    def stat(self, key):
        from ..pdf.cache import etag_of

        path = self._path(key)
        return Stat(path.stat().st_size, etag_of(path))

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

    def __str__(self):
        return f"local folder {self.root}"

    def check(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"{self.root} is not writable")
