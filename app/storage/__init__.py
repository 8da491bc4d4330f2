"""Every file the app keeps (uploaded images, issued certificates' PDFs, bulk-issue PDFs and
ZIPs) goes through one interface, :class:`Storage`, chosen by ``STORAGE_URL``:

- unset (the embedded default): the local folder ``UPLOAD_FOLDER`` (:class:`LocalStorage`);
- ``s3://bucket/prefix``: an S3-compatible object store (``app/storage/s3.py``).

Keys are relative POSIX paths ("logos/<name>.png", "certificates/<course>/<id>-<code>.pdf",
"issue-jobs/<course>/<job>/certificates.zip"). A file is written whole or not at all. What is
only a cache (rendered agendas and worksheets, ``PDF_CACHE_FOLDER``) stays on each server's disk.

A backend that cannot be reached raises :class:`StorageUnavailable` (the pages answer 503);
a missing file is a ``FileNotFoundError``. Downloads go through ``app.web.files.stored_file_response``.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from .base import BadKey, LocalStorage, Stat, Storage, StorageUnavailable, check_key

__all__ = ["BadKey", "LocalStorage", "Stat", "Storage", "StorageUnavailable", "check_key",
           "from_url", "storage"]


def from_url(url: str | None, upload_folder: str | Path, *,
             endpoint_url: str | None = None, public_endpoint_url: str | None = None) -> Storage:
    """The backend a ``STORAGE_URL`` names (None or empty: the local folder); ``endpoint_url``:
    an S3-compatible service's address (else boto3's own: AWS, or ``AWS_ENDPOINT_URL``)."""
    if not url or url.startswith("file://"):
        return LocalStorage(url[len("file://"):] if url else upload_folder)
    if url.startswith("s3://"):
        from .s3 import S3Storage

        return S3Storage.from_url(url, endpoint_url=endpoint_url,
                                  public_endpoint_url=public_endpoint_url)
    raise ValueError(f"STORAGE_URL must be empty, file:///folder or s3://bucket/prefix: {url!r}")


def storage() -> Storage:
    """The current app's storage (made once per app)."""
    app = current_app._get_current_object()
    found = app.extensions.get("lokakarya.storage")
    if found is None:
        found = app.extensions["lokakarya.storage"] = from_url(
            app.config.get("STORAGE_URL"), app.config["UPLOAD_FOLDER"],
            endpoint_url=app.config.get("S3_ENDPOINT_URL"),
            public_endpoint_url=app.config.get("S3_PUBLIC_ENDPOINT_URL"))
    return found
