"""Kept files in an S3-compatible object store (``STORAGE_URL=s3://bucket/prefix``), with boto3.

The endpoint is ``S3_ENDPOINT_URL`` (MinIO, Ceph, another cloud's S3), else boto3's own choice
(AWS itself, or ``AWS_ENDPOINT_URL``); credentials and region come the usual AWS way
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``~/.aws``, an
instance role). With an endpoint given, addresses are path-style (``host/bucket/key``), as
every S3-compatible service understands.

Timeouts are short (connect 2 s, read 10 s, two attempts): a storage that does not answer is
reported within seconds as :class:`~app.storage.StorageUnavailable`, never as a hung request.
An object is uploaded whole or not at all (a multipart upload that fails is aborted); a
download streams the object's body as it arrives.
"""
from __future__ import annotations

import io
import mimetypes
import os
import threading
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import Stat, Storage, StorageUnavailable, check_key

TIMEOUTS = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"},
                  signature_version="s3v4")
MISSING = {"404", "NoSuchKey", "NotFound"}
# Multipart past 16 MB (bulk-issue ZIPs of large courses), in this thread: a web or job process
# starts no transfer threads of its own.
TRANSFER = TransferConfig(multipart_threshold=16 * 1024 * 1024, use_threads=False)


class S3Storage(Storage):
    """Objects under ``prefix`` in ``bucket``."""

    kind = "s3"
    list_page = 1000  # keys per listing request (S3's most)

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 public_endpoint_url: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        # Where browsers reach the store, for signed addresses (S3_PUBLIC_ENDPOINT_URL), when
        # the app servers use an address of their own network (http://minio.internal:9000).
        self.public_endpoint_url = public_endpoint_url or endpoint_url
        self._clients: dict[tuple, object] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None,
                 public_endpoint_url: str | None = None) -> "S3Storage":
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"STORAGE_URL must read s3://bucket/prefix: {url!r}")
        return cls(parts.netloc, parts.path, endpoint_url=endpoint_url,
                   public_endpoint_url=public_endpoint_url)

    def __str__(self):
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    @property
    def client(self):
        """This process's client (thread-safe; a forked worker makes its own: a client's
        connections must not be shared across a fork)."""
        return self._client(self.endpoint_url)

    def _client(self, endpoint_url: str | None):
        key = (os.getpid(), endpoint_url)
        with self._lock:
            if key not in self._clients:
                config = TIMEOUTS.merge(Config(s3={"addressing_style": "path"})) \
                    if endpoint_url else TIMEOUTS
                self._clients = {held: client for held, client in self._clients.items()
                                 if held[0] == key[0]}
                self._clients[key] = boto3.session.Session().client(
                    "s3", endpoint_url=endpoint_url, config=config)
            return self._clients[key]

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _calling(self, key: str = ""):
        """Missing objects as FileNotFoundError; everything else that fails as
        StorageUnavailable, with boto3's reason."""
        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in MISSING:
                raise FileNotFoundError(key) from None
            raise StorageUnavailable(f"{self}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"{self}: {exc}") from exc

    def put(self, key, data):
        name = self._key(key)
        stream = io.BytesIO(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) \
            else data
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with self._calling(key):
            self.client.upload_fileobj(stream, self.bucket, name, Config=TRANSFER,
                                       ExtraArgs={"ContentType": content_type})

    def open(self, key):
        with self._calling(key):
            return _Body(self, key, self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"])

    def exists(self, key):
        try:
            self.stat(key)
        except FileNotFoundError:
            return False
        return True

    def stat(self, key):
        with self._calling(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        return Stat(head["ContentLength"], head["ETag"].strip('"'))

    def delete(self, key):
        with self._calling(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix=""):
        found = []
        with self._calling(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix,
                PaginationConfig={"PageSize": self.list_page})
            for page in pages:
                found.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", ()))
        return iter(sorted(found))

    def signed_url(self, key, *, filename, content_type, attachment=True, seconds=300):
        kind = "attachment" if attachment else "inline"
        disposition = f"{kind}; filename*=UTF-8''{quote(filename)}"
        with self._calling(key):
            # signing is computed here, without a request: any endpoint's client can sign
            return self._client(self.public_endpoint_url).generate_presigned_url(
                "get_object", ExpiresIn=seconds, Params={
                "Bucket": self.bucket, "Key": self._key(key),
                "ResponseContentDisposition": disposition, "ResponseContentType": content_type})

    def check(self):
        try:
            with self._calling():
                self.client.head_bucket(Bucket=self.bucket)
        except FileNotFoundError:
            raise StorageUnavailable(f"{self}: the bucket does not exist") from None


class _Body(io.RawIOBase):
    """An object's body as it arrives: a read that fails half-way (a timeout, a cut connection)
    is :class:`StorageUnavailable` too, never a short file taken for a whole one."""

    def __init__(self, storage: S3Storage, key: str, body):
        super().__init__()
        self.storage, self.key, self.body = storage, key, body

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            with self.storage._calling(self.key):
                return self.body.read(None if size is None or size < 0 else size)
        except (FileNotFoundError, StorageUnavailable):
            raise
        except Exception as exc:  # urllib3's own errors, below boto3's
            raise StorageUnavailable(f"{self.storage}: {exc}") from exc

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.body.close()
        super().close()
