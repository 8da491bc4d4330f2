"""Backup and restore (app/backup): ``flask backup FILE`` and ``flask restore FILE [--force]``
through the real command line, on real databases and real stored files.

Each side (the app backed up, the app restored into) is an app of its own on a freshly migrated
database and its own upload folder: a SQLite file, or, when TEST_DATABASE_URL is PostgreSQL, a
schema of its own in that database. The SQLite run restores SQLite into SQLite; the PostgreSQL
run PostgreSQL into PostgreSQL, and across engines both ways."""
from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import os
import shutil
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.backup import archive as archive_module
from app.storage import storage
from helpers import PASSWORD
from s3_support import aws_environ, create_bucket, moto_server, s3_settings

TEST_URL = os.environ.get("TEST_DATABASE_URL", "sqlite")
ENGINE = "sqlite" if TEST_URL == "sqlite" else "postgresql"
HEAD = ScriptDirectory(str(Path(__file__).parent.parent / "migrations")).get_current_head()
# (archive made on, restored into)
PAIRS = [("sqlite", "sqlite")] if ENGINE == "sqlite" else \
    [("postgresql", "postgresql"), ("sqlite", "postgresql"), ("postgresql", "sqlite")]


@dataclass
class Side:
    """One app, its database and its stored files."""

    app: Flask
    folder: Path

    def cli(self, *args: str):
        """Run ``flask <args>`` on this app (in its own app context: the test holds another)."""
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=list(args))

    def contents(self) -> tuple[dict, dict]:
        """Every table's rows (in key order) and every stored file's SHA-256."""
        with self.app.app_context():
            with db.engine.connect() as connection:
                rows = {table.name: [tuple(row) for row in connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                    for table in db.metadata.sorted_tables}
            files = {}
            for key in storage().keys(""):
                with storage().open(key) as stream:
                    files[key] = hashlib.sha256(stream.read()).hexdigest()
        return rows, files


@contextmanager
def side(engine: str, folder: Path, migrated: bool = True,
         files: dict | None = None) -> Iterator[Side]:
    """A new app on an empty database of ``engine`` (migrated to the head unless told not);
    ``files``: settings of another storage than its upload folder (STORAGE_URL…)."""
    folder.mkdir(parents=True)
    schema = None
    if engine == "sqlite":
        url = f"sqlite:///{folder / 'lokakarya.db'}"
    else:
        schema = f"backup_{uuid.uuid4().hex[:10]}"
        with sa.create_engine(TEST_URL).begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = sa.engine.make_url(TEST_URL).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(folder / "uploads"),
                      "PDF_CACHE_FOLDER": str(folder / "pdf-cache"), "SERVER_NAME": None,
                      **(files or {})})
    try:
        if migrated:
            with app.app_context():
                upgrade()
        yield Side(app, folder)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            engine_ = sa.create_engine(TEST_URL)
            with engine_.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine_.dispose()


@pytest.fixture
def make_side(tmp_path) -> Iterator[Callable[..., Side]]:
    with ExitStack() as stack:
        names = iter(range(100))
        yield lambda engine=ENGINE, migrated=True, files=None: stack.enter_context(
            side(engine, tmp_path / f"side{next(names)}", migrated, files))


@dataclass
class Source:
    side: Side
    archive: Path

    @functools.cached_property
    def contents(self) -> tuple[dict, dict]:
        return self.side.contents()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Callable[[str], Source]]:
    """The demo data (``seed-demo``) on an app of the given engine, and its archive (``backup``),
    made once for the module."""
    made: dict[str, Source] = {}
    with ExitStack() as stack, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEMO_TRAINER_PASSWORD", PASSWORD)

        def get(engine: str) -> Source:
            if engine not in made:
                folder = tmp_path_factory.mktemp(f"demo-{engine}")
                source = stack.enter_context(side(engine, folder / "app"))
                assert source.cli("seed-demo").exit_code == 0
                archive = folder / "demo.zip"
                result = source.cli("backup", str(archive))
                assert result.exit_code == 0, result.output
                assert f"to {archive}." in result.output
                made[engine] = Source(source, archive)
            return made[engine]

        yield get


def manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def rewritten(path: Path, out: Path, changes: dict[str, Callable[[bytes], bytes | None]]) -> Path:
    """A copy of the archive at ``path`` with some entries changed (None: left out)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in source.namelist():
            data = source.read(name)
            if name in changes:
                data = changes[name](data)
            if data is not None:
                copy.writestr(name, data)
    return out


def with_manifest(**values) -> dict[str, Callable[[bytes], bytes]]:
    return {"manifest.json": lambda data: json.dumps({**json.loads(data), **values}).encode()}


@pytest.mark.parametrize("made_on,restored_into", PAIRS)
def test_a_backup_restores_every_row_and_file(demo, make_side, made_on, restored_into):
    source = demo(made_on)
    target = make_side(restored_into)
    result = target.cli("restore", str(source.archive))
    assert result.exit_code == 0, result.output
    assert "Restored 2182 rows into 32 tables and 2 files" in result.output  # the demo's
    rows, files = target.contents()
    assert (rows, files) == source.contents
    assert len(files) == 2 and len(rows["registration"]) == 40

    # A backup of the restored copy holds the same bytes, whatever the engine.
    again = target.folder / "again.zip"
    assert target.cli("backup", str(again)).exit_code == 0
    first, second = manifest(source.archive), manifest(again)
    assert second["engine"] == restored_into and first["engine"] == made_on
    assert second["tables"] == first["tables"] and second["files"] == first["files"]

    # New rows take the next ids (PostgreSQL's sequences were moved past the restored ones).
    with target.app.app_context():
        from app.organisations.models import Organisation

        organisation = Organisation(name={"en": "New donor"})
        db.session.add(organisation)
        db.session.commit()
        assert organisation.id == 1 + max(row[0] for row in rows["organisation"])


@pytest.fixture(scope="module")
def s3_files():
    """Settings of a fresh prefix of a bucket on a moto S3 server (a real subprocess), each call."""
    with moto_server() as endpoint, pytest.MonkeyPatch.context() as env:
        for name, value in aws_environ(s3_settings(endpoint, "backups")).items():
            env.setenv(name, value)  # boto3 reads the credentials there, as in production
        create_bucket(endpoint, "backups")
        yield lambda: {key: value for key, value in s3_settings(
            endpoint, "backups", f"app-{uuid.uuid4().hex[:8]}").items() if not key.startswith("AWS_")}


def test_files_kept_on_s3_are_backed_up_and_restored_there_or_to_a_folder(demo, make_side,
                                                                          s3_files):
    source = demo(ENGINE)
    on_s3 = make_side(files=s3_files())
    assert on_s3.cli("restore", str(source.archive)).exit_code == 0
    assert on_s3.contents() == source.contents  # the demo's logos, now in the object store
    assert not [path for path in on_s3.folder.rglob("*") if "uploads" in path.parts and path.is_file()]
    archive = on_s3.folder / "from-s3.zip"
    result = on_s3.cli("backup", str(archive))
    assert result.exit_code == 0, result.output
    assert manifest(archive)["files"] == manifest(source.archive)["files"]
    in_folder = make_side()
    assert in_folder.cli("restore", str(archive)).exit_code == 0
    assert in_folder.contents() == source.contents


def test_the_archive_lists_what_it_holds(demo):
    source = demo(ENGINE)
    found = manifest(source.archive)
    with source.side.app.app_context():
        assert [table["name"] for table in found["tables"]] == \
            [table.name for table in db.metadata.sorted_tables]
    assert found["format"] == "lokakarya-backup" and found["version"] == 1
    assert found["revision"] == HEAD and found["engine"] == ENGINE
    with zipfile.ZipFile(source.archive) as archive:
        assert archive.namelist()[-1] == "manifest.json"
        for table in found["tables"]:
            data = archive.read(f"tables/{table['name']}.jsonl")
            assert hashlib.sha256(data).hexdigest() == table["sha256"]
            assert data.count(b"\n") == table["rows"]
        course = json.loads(archive.read("tables/course.jsonl").splitlines()[0])
        for item in found["files"]:
            data = archive.read(f"files/{item['key']}")
            assert (len(data), hashlib.sha256(data).hexdigest()) == (item["size"], item["sha256"])
    assert course["start_date"] == "2025-04-09" and course["contact_hours"] == "20.0"
    assert course["created_at"].endswith("+00:00") and course["title"]["en"].startswith("Strength")
    assert not source.archive.with_name("demo.zip.part").exists()


def truncated(path: Path, out: Path) -> Path:
    out.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return out


def altered_user(data: bytes) -> bytes:
    return data.replace(b"trainer@example.org", b"someone@example.org")


REFUSED = {  # case: (the archive made from the demo's, the message)
    "truncated": (truncated, "is not a backup archive: not a ZIP file, or a truncated one"),
    "not a zip": (lambda path, out: out.write_bytes(b"PK\x03\x04 not really") and out,
                  "is not a backup archive"),
    "no manifest": (lambda path, out: rewritten(path, out, {"manifest.json": lambda data: None}),
                    "has no manifest.json: it is not a whole backup"),
    "altered row": (lambda path, out: rewritten(path, out, {"tables/user.jsonl": altered_user}),
                    "tables/user.jsonl does not match its checksum in the manifest"),
    "row count": (lambda path, out: rewritten(path, out, {"manifest.json": lambda data: data.replace(
        b'"rows": 40,', b'"rows": 39,', 1)}), "holds 40 rows, its manifest says 39"),
    "altered file": (lambda path, out: rewritten(path, out, {
        name: (lambda data: data[:-1] + bytes([data[-1] ^ 1])) for name in zipfile.ZipFile(path).namelist()
        if name.startswith("files/")}), "does not match its checksum in the manifest"),
    "longer file": (lambda path, out: rewritten(path, out, {
        name: (lambda data: data + b"\0") for name in zipfile.ZipFile(path).namelist()
        if name.startswith("files/")}), "is not the size its manifest says"),
    # a row past the cap (a hostile archive's one endless line), refused before it is read whole
    "endless row": (lambda path, out: rewritten(path, out, {
        "tables/user.jsonl": lambda data: b"x" * (archive_module.MAX_ROW_BYTES + 10)}),
        "tables/user.jsonl holds a row larger than any backup's"),
    "newer schema": (lambda path, out: rewritten(path, out, with_manifest(revision="f00dfeed1234")),
                     "revision f00dfeed1234, which this version of the app does not know"),
    "older schema": (lambda path, out: rewritten(path, out, with_manifest(revision="b1641c0b13a8")),
                     f"older than this version's {HEAD}: restore it with the version of the "
                     "app at that revision"),
    "newer format": (lambda path, out: rewritten(path, out, with_manifest(version=2)),
                     "is in version 2 of the backup format"),
}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[tuple[Side, tuple]]:
    """An app holding an account and a file (the same one for every case: none may change it),
    and what it holds."""
    with side(ENGINE, tmp_path_factory.mktemp("guarded") / "app") as target:
        add_admin(target)
        with target.app.app_context():
            storage().put("logos/kept.png", b"a logo")
        yield target, target.contents()


def add_admin(target: Side) -> None:
    assert target.cli("users", "create", "--email", "admin@example.org", "--name", "Admin",
                      "--role", "admin").exit_code == 0


@pytest.mark.parametrize("case", REFUSED)
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(demo, guarded, tmp_path,
                                                                      case):
    damage, message = REFUSED[case]
    target, before = guarded
    archive = damage(demo(ENGINE).archive, tmp_path / "damaged.zip")
    result = target.cli("restore", "--force", str(archive))
    assert result.exit_code == 1
    assert message in result.output and "Nothing was changed." in result.output
    assert target.contents() == before


def test_a_database_not_migrated_is_refused(demo, make_side):
    target = make_side(migrated=False)
    result = target.cli("restore", str(demo(ENGINE).archive))
    assert result.exit_code == 1
    assert "The database is at schema revision none (never migrated), and this version of the " \
           f"app at {HEAD}: run `flask db upgrade` first. Nothing was changed." in result.output
    with target.app.app_context(), db.engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == []


def test_data_there_is_refused_without_force_and_replaced_with_it(demo, make_side):
    source = demo(ENGINE)
    target = make_side()
    add_admin(target)
    before = target.contents()
    result = target.cli("restore", str(source.archive))
    assert result.exit_code == 1
    assert "The database already holds data (in 2 tables: user, audit_event): restore only " \
           "into an empty database and storage, or add --force" in result.output
    assert target.contents() == before

    with target.app.app_context():
        storage().put("logos/left-behind.png", b"not in the archive")
    before = target.contents()
    result = target.cli("restore", str(source.archive))
    assert result.exit_code == 1 and "The storage already holds files (1)" in result.output
    assert target.contents() == before

    result = target.cli("restore", "--force", str(source.archive))
    assert result.exit_code == 0, result.output
    assert "removed stored files not in the archive (1)" in result.output
    assert target.contents() == source.contents


def test_files_that_cannot_be_stored_say_what_to_do(demo, make_side):
    """The rows are committed before the files are stored: when storing fails, the command
    says so, and the same restore once the storage works again finishes it."""
    source = demo(ENGINE)
    target = make_side()
    key = manifest(source.archive)["files"][0]["key"]
    with target.app.app_context():
        storage().put(f"{key}/in-the-way", b"a folder where a file goes")
    result = target.cli("restore", "--force", str(source.archive))
    assert result.exit_code == 1
    assert "The rows were restored, but storing the files failed (IsADirectoryError" in \
        result.output and "run the same restore with --force once the storage" in result.output
    assert target.contents()[0] == source.contents[0]
    shutil.rmtree(target.folder / "uploads" / key)
    assert target.cli("restore", "--force", str(source.archive)).exit_code == 0
    assert target.contents() == source.contents


def test_a_backup_taken_while_others_write_is_one_moment(make_side):
    """Every write adds an organisation and its audit event in one transaction. One commits
    between the backup's reading of the two tables (and others all along): the archive has
    each pair whole, or not at all."""
    source = make_side()
    with source.app.app_context():
        organisations, events = (db.metadata.tables[name] for name in ("organisation", "audit_event"))
        engine = db.engine
    written, numbers = [], itertools.count()

    def write_pair():
        marker = f"pair-{next(numbers)}"
        with engine.begin() as connection:
            connection.execute(organisations.insert().values(name={"en": marker}, acronym=marker))
            connection.execute(events.insert().values(action="test.pair", channel="cli",
                                                      details={"pair": marker}))
        written.append(marker)

    stop = threading.Event()

    def keep_writing():
        while not stop.wait(0.01):
            write_pair()

    def between_tables(connection, cursor, statement, *args):
        if threading.current_thread() is threading.main_thread() and \
                "FROM audit_event" in statement and not between_tables.done:
            between_tables.done = True
            one = threading.Thread(target=write_pair)
            one.start()
            one.join()

    between_tables.done = False
    for _ in range(3):
        write_pair()
    writer = threading.Thread(target=keep_writing)
    event.listen(engine, "before_cursor_execute", between_tables)
    writer.start()
    try:
        archive = source.folder / "busy.zip"
        result = source.cli("backup", str(archive))
    finally:
        stop.set()
        writer.join()
        event.remove(engine, "before_cursor_execute", between_tables)
    assert result.exit_code == 0, result.output
    assert between_tables.done

    with zipfile.ZipFile(archive) as opened:
        def lines(table):
            return [json.loads(line) for line in opened.read(f"tables/{table}.jsonl").splitlines()]

        archived = sorted(row["acronym"] for row in lines("organisation"))
        assert sorted(row["details"]["pair"] for row in lines("audit_event")) == archived
        counts = {table["name"]: table["rows"] for table in manifest(archive)["tables"]}
    assert counts["organisation"] == counts["audit_event"] == len(archived) >= 3
    assert len(written) > len(archived)  # writes went on during the backup
    assert set(archived) < set(written)

    target = make_side()
    assert target.cli("restore", str(archive)).exit_code == 0
    assert len(target.contents()[0]["organisation"]) == len(archived)


def test_a_failed_backup_leaves_no_file(make_side):
    source = make_side(migrated=False)
    archive = source.folder / "never.zip"
    result = source.cli("backup", str(archive))
    assert result.exit_code == 1
    assert "run `flask db upgrade` first. No archive was written." in result.output
    assert not archive.exists() and not archive.with_name("never.zip.part").exists()


def test_values_keep_their_type_through_the_archive():
    """Each kind of column value, as the archive writes it and reads it back."""
    from datetime import date, datetime, time, timezone
    from decimal import Decimal

    from app.backup.values import Codec

    table = sa.Table("sample", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("at", sa.DateTime(timezone=True)), sa.Column("day", sa.Date),
                     sa.Column("hour", sa.Time), sa.Column("amount", sa.Numeric(10, 3)),
                     sa.Column("ratio", sa.Float), sa.Column("flag", sa.Boolean),
                     sa.Column("data", sa.LargeBinary), sa.Column("doc", sa.JSON),
                     sa.Column("note", sa.Text), sa.Column("state", sa.Enum("a", "b")))
    row = {"id": 7, "at": datetime(2025, 4, 9, 1, 2, 3, 456, tzinfo=timezone.utc),
           "day": date(2025, 4, 9), "hour": time(13, 30), "amount": Decimal("12.345"),
           "ratio": 0.25, "flag": False, "data": bytes(range(256)),
           "doc": {"nested": [1, None, "ສະບາຍດີ"]}, "note": "x" * 100_000, "state": "b"}
    codec = Codec(table)
    line = codec.encode(row)
    assert json.loads(line)["at"] == "2025-04-09T01:02:03.000456+00:00"
    assert codec.decode(line) == row
    assert codec.decode(codec.encode(dict.fromkeys(row))) == dict.fromkeys(row)
    with pytest.raises(ValueError, match="column flag"):
        codec.decode(line.replace(b'"flag":false', b'"flag":0'))
    with pytest.raises(ValueError, match="column id"):
        codec.decode(line.replace(b'"id":7', b'"id":"7"'))
    with pytest.raises(ValueError):
        codec.decode(io.BytesIO(line).read()[:-5])


def test_a_file_removed_while_the_backup_runs_refuses_it(make_side):
    """An organiser replaces a logo while the backup reads the tables: the rows it read may name
    the old file, now removed. The backup says so and writes nothing; run again, it is whole."""
    source = make_side()
    with source.app.app_context():
        storage().put("logos/old.png", b"the logo the rows name")
        engine = db.engine

    def replace_logo(connection, cursor, statement, *args):
        if "FROM audit_event" in statement and not replace_logo.done:
            replace_logo.done = True
            with source.app.app_context():
                storage().delete("logos/old.png")

    replace_logo.done = False
    archive = source.folder / "racing.zip"
    event.listen(engine, "before_cursor_execute", replace_logo)
    try:
        result = source.cli("backup", str(archive))
    finally:
        event.remove(engine, "before_cursor_execute", replace_logo)
    assert result.exit_code == 1 and replace_logo.done
    assert "The stored file logos/old.png was removed while the backup ran" in result.output
    assert not archive.exists() and not list(source.folder.glob("*.part"))
    assert source.cli("backup", str(archive)).exit_code == 0 and archive.exists()


def test_a_backup_inside_the_folder_of_stored_files_is_refused(make_side):
    source = make_side()
    inside = source.folder / "uploads" / "backup.zip"
    result = source.cli("backup", str(inside))
    assert result.exit_code == 1 and "Write the backup outside the folder of stored files" in result.output
    assert not inside.exists()
