"""Database engine set-up, shared column types and the start-up check."""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# The writes a reading request may send: the audit log's note that a member of staff
# downloaded personal data (app/audit/operations.py, record_export), an INSERT, and the time an
# API token was last used (app/api/operations.py, note_use), an UPDATE; each on its own short
# transaction marked with this execution option. They change nothing anyone reads but the
# admins' log and the token's owner.
RECORDS_A_READ = "lokakarya_records_a_read"
READ_RECORDS = frozenset({"INSERT INTO AUDIT_EVENT", "UPDATE API_TOKEN SET"})


class SafeMethodWrite(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to change the database."""


def reading_request() -> bool:
    """Whether the current request (if any) came with a method that must not write."""
    return has_request_context() and request.method in SAFE_METHODS


def is_write(statement: str) -> bool:
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_STATEMENTS


def records_a_read(statement: str, context) -> bool:
    """Whether ``statement`` is the audit log's note of a download, or a token's last use
    (see RECORDS_A_READ)."""
    return context is not None and bool(context.execution_options.get(RECORDS_A_READ)) and \
        " ".join(statement.split()[:3]).upper() in READ_RECORDS


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
    Reading pages keep beginning plain (concurrent) transactions; :func:`write_lock_at_begin`
    decides otherwise for the transactions begun inside it.
    """
    if connection.dialect.name != "sqlite":
        return
    take = _write_lock_at_begin.get()
    if take is None:
        take = has_request_context() and not reading_request()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if take else "BEGIN")


_write_lock_at_begin: ContextVar[bool | None] = ContextVar("write_lock_at_begin", default=None)


@contextmanager
def write_lock_at_begin(take: bool) -> Iterator[None]:
    """SQLite transactions begun inside take the write lock when they begin (``take``), or do
    not, whatever the request. An import checks thousands of rows for seconds without it, even
    in a POST, then writes them in one short transaction that takes it first, from a command
    too, so that no other writer commits between its last reads and its writes. PostgreSQL,
    with row locks, is not affected."""
    token = _write_lock_at_begin.set(take)
    try:
        yield
    finally:
        _write_lock_at_begin.reset(token)


def insert_many(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert thousands of ``rows`` (dicts with the same keys) into ``table`` on ``connection``
    (a session's: within its transaction), in a fraction of the time of an ordinary INSERT of
    each, so that an import holds its lock for less: PostgreSQL takes them through COPY,
    SQLite through one prepared INSERT run for each row; either way each value is converted
    for the driver once (a timestamp shared by every row, once). Only for a POST's or a
    command's writes: the COPY is not seen by the listeners that watch statements."""
    if not rows:
        return
    keys, values = _driver_values(connection.dialect, table, rows)
    preparer = connection.dialect.identifier_preparer
    if connection.dialect.name == "postgresql":
        columns = ", ".join(preparer.quote(key) for key in keys)
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        return
    insert = table.insert().values({key: sa.bindparam(key) for key in keys}) \
        .compile(dialect=connection.dialect)
    order = [keys.index(name) for name in insert.positiontup]
    connection.exec_driver_sql(str(insert),
                               [tuple(row[index] for index in order) for row in values])


def _driver_values(dialect, table: sa.Table, rows: list[dict]) -> tuple[list[str], list[list]]:
    """The columns, and each row's values for the driver: the missing columns' Python-side
    defaults filled in, as an INSERT would, and the column types' conversions applied."""
    given = list(rows[0])
    defaults = [column.default for column in table.columns
                if column.key not in rows[0] and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)]
    keys = [*given, *(default.column.key for default in defaults)]
    processors = {index: process for index, key in enumerate(keys)
                  if (process := table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
                  is not None}
    converted: dict[int, dict] = {index: {} for index in processors}
    values = []
    for row in rows:
        row_values = [*(row[key] for key in given),
                      *(default.arg(None) if default.is_callable else default.arg
                        for default in defaults)]
        for index, process in processors.items():
            value = row_values[index]
            if value is None:
                continue
            try:
                if value not in converted[index]:
                    converted[index][value] = process(value)
                row_values[index] = converted[index][value]
            except TypeError:  # not hashable (a JSON value): converted each time
                row_values[index] = process(value)
        values.append(row_values)
    return keys, values


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_on_safe_methods(connection, cursor, statement, parameters, context,
                                   executemany) -> None:
    """Stop any INSERT, UPDATE or DELETE that a GET, HEAD or OPTIONS request would send."""
    if is_write(statement) and reading_request() and not records_a_read(statement, context):
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
