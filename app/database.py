"""Database engine set-up, shared column types and the start-up check."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.types import TypeDecorator


# Methods that only read (RFC 9110 §9.2.1). Link checkers, chat previews and mail scanners send
# them to links found in messages: a request with one of them must never change anything.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WRITE_STATEMENTS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "UPSERT"})


class SafeMethodWrite(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to change the database."""


def reading_request() -> bool:
    """Whether the current request (if any) came with a method that must not write."""
    return has_request_context() and request.method in SAFE_METHODS


def is_write(statement: str) -> bool:
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_STATEMENTS


def configure(app: Flask) -> None:
    """Tune engine options for the configured backend."""
    try:
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    except ArgumentError:
        raise SystemExit(f"DATABASE_URL is not a database URL: {app.config['SQLALCHEMY_DATABASE_URI']!r}")
    try:
        url.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError) as exc:
        raise SystemExit(f"Database unreachable at {describe_url(url)}: no driver installed ({exc})")
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("hide_parameters", True)  # no personal data or tokens in error logs
    if url.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {"timeout": 15})
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"connect_timeout": 5})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on WAL and foreign keys for every SQLite connection; let SQLAlchemy emit BEGIN."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    dbapi_connection.isolation_level = None  # transactions begin in _sqlite_begin below


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """On SQLite, a request that may write takes the write lock when its transaction begins.

    Otherwise two requests could both count a free place (read) and then both take it (write):
    SQLite has no row locks, and a read snapshot cannot be upgraded once another writer commits.
    Reading pages keep beginning plain (concurrent) transactions.
    """
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN" if reading_request() or not has_request_context()
                               else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_on_safe_methods(connection, cursor, statement, parameters, context,
                                   executemany) -> None:
    """Stop any INSERT, UPDATE or DELETE that a GET, HEAD or OPTIONS request would send."""
    if is_write(statement) and reading_request():
        raise SafeMethodWrite(f"{request.method} {request.path} tried to change the database: "
                              f"{' '.join(statement.split()[:3])}")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware datetime."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def describe_url(url) -> str:
    """Return ``url`` without its password, fit for messages."""
    return make_url(url).render_as_string(hide_password=True)


def check_connection(app: Flask) -> str | None:
    """Return a one-line description of why the database is unreachable, or None."""
    from .extensions import db

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any driver error means "unreachable"
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            return f"Database unreachable at {describe_url(app.config['SQLALCHEMY_DATABASE_URI'])}: {reason}"
    return None
