"""A real S3 for the tests: moto's standalone server as a subprocess on 127.0.0.1.

    with moto_server() as endpoint:
        settings = s3_settings(endpoint, bucket="lokakarya", prefix="files")
        create_bucket(endpoint, "lokakarya")
        ...  # settings: STORAGE_URL, S3_ENDPOINT_URL and the AWS_* variables, as strings,
             # for a subprocess's environment or (with os.environ for the AWS ones) an app's config

:class:`MotoServer` is the same server with ``stop()`` and ``start()`` (same port, empty again),
for tests of a dead S3.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mail_support import free_port

ACCESS_KEY = "lokakarya-test"
SECRET_KEY = "lokakarya-test-secret"
REGION = "us-east-1"


def moto_executable() -> str:
    """moto's ``moto_server`` script of this interpreter's environment."""
    return str(Path(sys.executable).parent / "moto_server")


class MotoServer:
    """One ``moto_server`` process on 127.0.0.1:``port`` (a free one unless given)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> str:
        """Start it and wait until it answers; its endpoint URL."""
        self.process = subprocess.Popen(
            [moto_executable(), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):
                    return self.endpoint
            except urllib.error.HTTPError:
                return self.endpoint  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint} in {timeout} s")

    def stop(self) -> None:
        """Stop it (what it kept is gone)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """A running moto server for the ``with`` block; yields its endpoint URL."""
    server = MotoServer(port)
    server.start()
    try:
        yield server.endpoint
    finally:
        server.stop()


def s3_settings(endpoint: str, bucket: str = "lokakarya", prefix: str = "files") -> dict[str, str]:
    """The variables that point the app at ``bucket``/``prefix`` on ``endpoint``."""
    return {
        "STORAGE_URL": f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}",
        "S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }


def s3_client(endpoint: str):
    """A boto3 S3 client of the moto server (the test's own view of the bucket)."""
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def create_bucket(endpoint: str, bucket: str = "lokakarya") -> None:
    """Create ``bucket`` on the moto server (no error if it is there)."""
    client = s3_client(endpoint)
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass


def aws_environ(settings: dict[str, str]) -> dict[str, str]:
    """The AWS_* part of ``settings`` (what boto3 reads from the environment)."""
    return {name: value for name, value in settings.items() if name.startswith("AWS_")}


def subprocess_environ(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``settings`` on top, for a subprocess."""
    return {**os.environ, **settings}
