"""Rendered PDFs kept on disk, so a document is laid out once per content, not once per request.

A document's key is a digest of everything that can change what it shows:

- :func:`app_version`: the app's code, templates, translations, toolkit modules, certificate
  layouts and the versions of the libraries that lay out and localise, read once per process (a
  deployment restarts the processes);
- :func:`content`: the database rows the document is made from, every column, read in ONE
  query (rows of several tables as one ``UNION ALL`` of :func:`rows`);
- whatever else the caller passes: the reader's language, a participant's own links…

So a change to any input gives another key, hence another file: nothing is invalidated, nothing
can be served stale. :func:`get_or_render` serves the key's file, or renders it once: requests
for the same key wait on a lock file (``fcntl.flock``: every thread and process of ONE machine;
servers sharing a cache folder over the network would each render their own copy) while the
first renders. Files are written aside and moved into place (``os.replace``), so a reader sees a
whole file or none; a file that is not a whole PDF is never served. Old entries are removed once
the folder grows past ``PDF_CACHE_MAX_BYTES`` (least recently served first) or were not served
for ``PDF_CACHE_MAX_AGE_DAYS``.

A heavy document (a country pack) is not rendered by the request that asks for it: with
:func:`get_or_start` a job renders it on a thread of this process (one document at a time) while
the request waits up to ``PDF_WAIT_SECONDS``; past that the view answers "being prepared" and the
browser asks again (``since``: when it first asked).
"""
from __future__ import annotations

import copy
import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager
from functools import cache, reduce
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from .. import jobs
from ..extensions import db
from ..paths import ROOT

# What is laid out in this process, by kind ("agenda", "worksheet", "certificate"…): tests read it.
renders: Counter = Counter()

# The app's own files that shape a document, and the libraries that do (their versions).
SOURCES = ("app", "templates", "translations", "certificate_layouts", "toolkit_modules")
SKIPPED = {".pyc", ".po", ".pot", ".md"}
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "fonttools", "babel", "flask-babel", "pyicu",
             "jinja2", "segno", "pikepdf")
LOCK_STRIPES = 64  # lock files, shared by the keys whose digest falls on them
TRIM_EVERY = 60  # seconds between two looks at the folder's size


@cache
def app_version() -> str:
    """A digest of the app's files and libraries that shape documents (computed once a process)."""
    digest = hashlib.sha256()
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix not in SKIPPED and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-".encode())
    return digest.hexdigest()


def key(*parts) -> str:
    """A document's cache key: the app's version and ``parts`` (values with a stable ``repr``:
    strings, numbers, None, and tuples or lists of them, e.g. :func:`content`)."""
    digest = hashlib.sha256(app_version().encode())
    for part in parts:
        digest.update(b"\0" + repr(part).encode())
    return digest.hexdigest()[:48]


def rows(name: str, table, *criteria, skip: tuple[str, ...] = ()):
    """A part of :func:`content`: every column of ``table``'s rows matching ``criteria`` (a
    column added later is in too), each row as one text under ``name``: each value as its
    length, a colon and itself, ``-`` for NULL, so two different rows never read alike. ``skip``
    leaves out columns another one stands for (a worksheet's answers: its version)."""
    columns = [column for column in sa.inspect(table).columns if column.name not in skip]

    colon, null = sa.literal_column("':'", sa.Text), sa.literal_column("'-'", sa.Text)

    def text(column):
        value = sa.cast(column, sa.Text)
        return sa.func.coalesce(
            sa.cast(sa.func.length(value), sa.Text).op("||")(colon).op("||")(value), null)

    joined = reduce(lambda left, right: left.op("||")(right), [text(c) for c in columns])
    return sa.select(sa.literal_column(f"'{name}'", sa.Text).label("part"),
                     joined.label("row")).select_from(table).where(*criteria)


def content(statement, **values) -> tuple:
    """The rows of ``statement`` (``sa.union_all`` of :func:`rows`, its bound parameters given
    by ``values``): one query, in a stable order. Build the statement once and keep it (e.g. with
    ``functools.cache``, the course as a ``sa.bindparam``): making it costs more than running it."""
    return tuple(sorted(tuple(row) for row in db.session.execute(statement, values)))


# --- the files ------------------------------------------------------------------------------

def folder() -> Path:
    return Path(current_app.config["PDF_CACHE_FOLDER"])


def path_of(name: str) -> Path:
    return folder() / name[:2] / f"{name}.pdf"


def get_or_render(name: str, render: Callable[[], bytes], kind: str = "pdf") -> Path:
    """The file of key ``name``: from the cache, or ``render()`` once and kept."""
    path = path_of(name)
    if complete(path):
        _touch(path)
        return path
    with locked(name):
        if not complete(path):  # another request may have made it while this one waited
            data = render()
            renders[kind] += 1
            atomic_write(path, data)
    trim()
    return path


class RenderFailed(Exception):
    """A document job's failure, with the time the job started (its ``__cause__`` says why)."""

    def __init__(self, started: float):
        super().__init__(started)
        self.started = started


def run_render(function: str, *args) -> tuple[float, str]:
    """The job :func:`get_or_start` runs: ``function(*args)`` (a dotted path; it renders a
    document into the cache and returns the file's path), with the time it started reading what
    the document shows."""
    started = time.time()
    try:
        return started, jobs.call(function, *args)
    except Exception as exc:
        raise RenderFailed(started) from exc


SINCE_WINDOW = 300  # seconds a reader's "since" is honoured (a page polling for its PDF)

_running: dict[str, Future] = {}  # document → its job under way in this process
_finished: dict[str, Future] = {}  # document → its last job done in this process (newest last)
_running_lock = threading.RLock()


def get_or_start(name: str, document: str, job: str, *args, since: float) -> Path | None:
    """The file of key ``name`` from the cache, else a job's: ``document`` names what is asked
    for whatever its content (a participant's pack, in a language), ``job`` renders it (see
    :func:`run_render`) on this process's document thread, one document at a time.

    The file of a job that started at ``since`` or later (when the reader first asked) is good
    enough: while teammates keep saving, the key moves on, and a reader still gets a PDF at least
    as new as their question (and a job for the newest content starts for the next question).
    One job per document is under way at a time (a job started earlier is waited for, then
    another starts); the request waits up to ``PDF_WAIT_SECONDS`` when the job is running or
    next in line, else not at all. None: not ready yet, ask again with the same ``since``. What
    a job started since then raised is raised here, once: the next question starts again."""
    path = path_of(name)
    for _round in range(2):  # a job that could not serve this reader: once more, for the next
        if complete(path):
            _touch(path)
            return path
        with _running_lock:
            made = _take(document, _finished.get(document), since)
            future = _running.get(document)
            if future is None and made != path:
                future = _running[document] = jobs.in_this_process(
                    "app.pdf.cache.run_render", job, *args, lane="documents")
                future.add_done_callback(lambda done: _done(document, done))
            if made is not None:
                return made
            next_in_line = all(other.done() or other is future for other in _running.values())
        wait = current_app.config["PDF_WAIT_SECONDS"] if future.running() or next_in_line else 0
        try:
            future.exception(timeout=wait)
        except TimeoutError:
            return None
        with _running_lock:
            made = _take(document, future, since)
        if made is not None:
            return made
    return None


def _take(document: str, future: Future | None, since: float) -> Path | None:
    """What a finished job gives a reader who asked at ``since`` (call under the lock): its file,
    or its error, raised once (then forgotten); None when it started earlier, is not finished,
    or its file is gone."""
    if future is None or not future.done():
        return None
    failed = future.exception()
    if failed is not None:
        if isinstance(failed, RenderFailed) and failed.started < since:
            return None
        future.delivered = True
        if _finished.get(document) is future:
            del _finished[document]
        _raise_anew(failed.__cause__ if isinstance(failed, RenderFailed) else failed)
    started, made = future.result()
    return Path(made) if started >= since and complete(Path(made)) else None


def _raise_anew(cause: BaseException):
    """Raise what a job raised as a new exception of its kind (the app's error pages tell them
    apart): the job's own, shared by every reader of it, keeps its traceback as the cause."""
    try:
        fresh = copy.copy(cause)
    except Exception:  # noqa: BLE001 - an exception that cannot be copied
        fresh = RuntimeError(str(cause))
    raise fresh.with_traceback(None) from cause


def _done(document: str, future: Future) -> None:
    """A job finished: kept for readers who come back for it (not an error already shown, nor
    one that is not the render's: those reach only the requests waiting on the job)."""
    with _running_lock:
        if _running.get(document) is future:
            del _running[document]
        failed = future.exception()
        if getattr(future, "delivered", False) or (
                failed is not None and not isinstance(failed, RenderFailed)):
            return
        _finished.pop(document, None)
        _finished[document] = future
        oldest = time.time() - SINCE_WINDOW  # no reader's since can be older
        while _finished:
            first = next(iter(_finished))
            if len(_finished) <= 1000 and _started(_finished[first]) >= oldest:
                break
            del _finished[first]


def _started(future: Future) -> float:
    failed = future.exception()
    return failed.started if isinstance(failed, RenderFailed) else future.result()[0]


def complete(path: Path) -> bool:
    """Whether ``path`` holds a whole PDF (a cut or damaged file is rendered again, never sent)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                return False
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 1024))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


def atomic_write(path: Path, data: bytes | BinaryIO) -> None:
    """Write ``data`` (bytes, or a binary file read to its end) to ``path`` so that readers see
    the old file or the whole new one."""
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


@contextmanager
def locked(name: str):
    """Hold the lock of ``name`` (one of :data:`LOCK_STRIPES` lock files) for every thread and
    process of this machine; not re-entrant."""
    locks = folder() / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    stripe = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % LOCK_STRIPES
    with open(locks / f"{stripe:02d}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _touch(path: Path) -> None:
    """Mark the file as just served (the trimming keeps what is served most recently)."""
    try:
        if time.time() - path.stat().st_mtime > 60:
            os.utime(path)
    except OSError:
        pass


_last_trim = [0.0]


def trim(force: bool = False) -> None:
    """Remove entries not served for ``PDF_CACHE_MAX_AGE_DAYS``, then the least recently served
    ones while the folder holds more than ``PDF_CACHE_MAX_BYTES`` (down to 80 % of it)."""
    now = time.time()
    if not force and now - _last_trim[0] < TRIM_EVERY:
        return
    _last_trim[0] = now
    limit = current_app.config["PDF_CACHE_MAX_BYTES"]
    oldest = now - current_app.config["PDF_CACHE_MAX_AGE_DAYS"] * 86400
    entries = []
    for path in folder().glob("??/*"):  # the two-letter folders of path_of, not locks/
        try:
            found = path.stat()
        except OSError:
            continue
        if path.name.startswith(".part-"):  # left by a process that stopped while writing
            if found.st_mtime < now - 3600:
                path.unlink(missing_ok=True)
        elif found.st_mtime < oldest:
            path.unlink(missing_ok=True)
        else:
            entries.append((found.st_mtime, found.st_size, path))
    total = sum(size for _mtime, size, _path in entries)
    if total <= limit:
        return
    for mtime, size, path in sorted(entries):
        if total <= limit * 0.8 or mtime > now - 2 * TRIM_EVERY:  # never what is being served
            break
        path.unlink(missing_ok=True)
        total -= size


# --- strong ETags -----------------------------------------------------------------------------

_etags: OrderedDict = OrderedDict()
_etags_lock = threading.Lock()


def etag_of(path: Path) -> str:
    """A strong ETag of a file: the digest of its bytes, worked out once per version of it."""
    found = path.stat()
    stamp = (str(path), found.st_ino, found.st_mtime_ns, found.st_size)
    with _etags_lock:
        if stamp in _etags:
            _etags.move_to_end(stamp)
            return _etags[stamp]
    value = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    with _etags_lock:
        _etags[stamp] = value
        while len(_etags) > 4096:
            _etags.popitem(last=False)
    return value
