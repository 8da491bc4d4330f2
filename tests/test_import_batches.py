"""Imports of thousands of rows: one cap for CSV and XLSX, counted as the file is read; checked
without holding the write lock, then written in one short transaction (all rows or none), so that
someone registering meanwhile is never refused; names and titles cleaned as the forms do."""
import io
import threading

import pytest
import sqlalchemy as sa
from helpers import count
from sqlalchemy import event
from openpyxl import Workbook

from app import jobs
from app.agenda.models import Speaker
from app.courses.models import Course
from app.mail.models import OutboxMessage
from app.registrations import exchange
from app.registrations.exchange import import_rows, read_table
from app.registrations.models import Registration, RegistrationEvent, WorkingGroup
from app.registrations.operations import Person, register
from app.registrations.tables import ImportFileError

HEADER = "Full name,Sex,Age group,Country,Type of organisation,Position,Email"
COUNTRIES = ("VN", "ID", "TH", "PH", "KH", "LA", "MM", "MY", "TL", "SG", "BN")


def letters(number: int) -> str:
    """A name-like word for ``number``: Latin names on a passport hold no digits."""
    word = ""
    for _ in range(4):
        number, digit = divmod(number, 26)
        word += chr(ord("a") + digit)
    return word.capitalize()


def people_csv(rows: int, last: str | None = None) -> bytes:
    """A valid CSV of ``rows`` people (``last``: the line that replaces the last one)."""
    lines = [HEADER] + [f"Ana {letters(n)},female,35-44,{COUNTRIES[n % 11]},cso,Officer,"
                        f"p{n}@example.org" for n in range(rows)]
    if last is not None:
        lines[-1] = last
    return ("\n".join(lines) + "\n").encode()


def people_xlsx(rows: int) -> bytes:
    book = Workbook()
    book.active.append(HEADER.split(","))
    for n in range(rows):
        book.active.append([f"Ana {letters(n)}", "female", "35-44", "VN", "cso", "",
                            f"p{n}@example.org"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def small_cap(app, monkeypatch):
    """IMPORT_MAX_ROWS (5,000) down to 20, so that files past it are quick to make."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)
    return 20


@pytest.fixture
def course(make_course):
    return make_course(slug="bangkok-2031", requires_approval=False)


def import_cli(app, course, tmp_path, data: bytes, suffix: str = "csv"):
    path = tmp_path / f"people.{suffix}"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["participants", "import", course.slug, str(path)])


# --- One cap, CSV and XLSX alike, counted as the file is read ----------------------------------

@pytest.mark.parametrize("suffix, make", [("csv", people_csv), ("xlsx", people_xlsx)])
def test_the_cap_is_the_same_for_csv_and_xlsx_and_refuses_the_whole_file(
        app, course, tmp_path, small_cap, suffix, make):
    result = import_cli(app, course, tmp_path, make(small_cap + 1), suffix)
    assert result.exit_code != 0
    assert "The file has more than 20 rows below its header: import at most 20 at a time." in \
        result.output
    assert count(Registration) == count(OutboxMessage) == 0

    result = import_cli(app, course, tmp_path, make(small_cap), suffix)
    assert result.exit_code == 0, result.output
    assert "Imported 20 registrations" in result.output and count(Registration) == 20


def test_the_import_page_names_the_cap(client, login, course, small_cap):
    login(course.trainers[0])
    response = client.post(f"/manage/courses/{course.slug}/registrations/import",
                           data={"file": (io.BytesIO(people_xlsx(21)), "people.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The file has more than 20 rows below its header: import at most 20 at a time." in \
        response.get_data(as_text=True)
    assert count(Registration) == count(OutboxMessage) == 0


def test_blank_rows_count_between_people_but_not_at_the_end(course, small_cap):
    lines = people_csv(small_cap).decode().splitlines()
    with_blanks = "\n".join(lines + [",,,,,,"] * 50) + "\n"  # Excel's trailing empty rows
    assert len(read_table("people.csv", with_blanks.encode())) == small_cap
    gap = "\n".join(lines[:2] + [",,,,,,"] + lines[2:]) + "\n"  # one more row below the header
    with pytest.raises(ImportFileError, match="more than 20 rows"):
        read_table("people.csv", gap.encode())


class EndlessCsv(io.RawIOBase):
    """A CSV file of a million people that is made as it is read, counting the bytes asked for."""

    def __init__(self):
        self.rows = (f"Ana {letters(n)},female,35-44,VN,cso,,p{n}@example.org\n".encode()
                     for n in range(1_000_000))
        self.pending = (HEADER + "\n").encode()
        self.served = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self.pending) < len(buffer):
            row = next(self.rows, b"")
            if not row:
                break
            self.pending += row
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        self.served += size
        return size


def test_a_file_past_the_cap_is_refused_without_being_read_whole(app, small_cap):
    endless = EndlessCsv()
    with pytest.raises(ImportFileError, match="more than 20 rows"):
        read_table("people.csv", io.BufferedReader(endless))
    assert endless.served < 100_000  # of some 50 MB


def test_a_line_without_end_is_refused_before_filling_memory(app):
    data = (HEADER + "\n" + "x" * 1_200_000).encode()
    with pytest.raises(ImportFileError, match="longer than 1,000,000 characters"):
        read_table("people.csv", data)


# --- All rows or none, at the cap ---------------------------------------------------------------

def test_an_error_in_the_last_row_of_a_cap_sized_file_writes_nothing(app, course, tmp_path):
    cap = app.config["IMPORT_MAX_ROWS"]
    data = people_csv(cap, last="Ana Last,female,35-44,VN,cso,Officer,not-an-email")
    result = import_cli(app, course, tmp_path, data)
    assert result.exit_code == 1
    assert f"Row {cap + 1}, Email:" in result.output and "not-an-email" in result.output
    assert "Row 2" not in result.output
    assert count(Registration) == count(RegistrationEvent) == count(OutboxMessage) == 0


class Registering(threading.Thread):
    """Someone registering through the registration operation, in their own app context and
    session, as the public form does (a POST: on SQLite its transaction begins with the write
    lock), again and again until told to stop. They wait at most 5 seconds for the lock, not the
    app's 15, which would hide a long wait."""

    def __init__(self, app, course_id: int):
        super().__init__(daemon=True)
        self.app, self.course_id = app, course_id
        self.stop = threading.Event()
        self.done, self.failures = 0, []

    def run(self):
        from app.extensions import db

        while not self.stop.is_set() or self.done == 0:
            with self.app.test_request_context("/courses/bangkok-2031/register", method="POST"):
                try:
                    person = Person(full_name=f"Walk In {letters(self.done)}", sex="male",
                                    age_group="25-34", country="VN", organisation_type="cso",
                                    email=f"walk{self.done}@example.org")
                    register(db.session.get(Course, self.course_id), person,
                             submission_key=f"walk-in-{self.done}", consent_version="1")
                    db.session.commit()
                    self.done += 1
                except Exception as exc:  # noqa: BLE001 - what the person would see as a 503
                    db.session.rollback()
                    self.failures.append(repr(exc))
                finally:
                    db.session.remove()
            self.stop.wait(0.05)

    def __enter__(self):
        from app.extensions import db

        event.listen(db.engine, "checkout", self._checkout)
        event.listen(db.engine, "checkin", self._checkin)
        self.start()
        return self

    def __exit__(self, *exc):
        from app.extensions import db

        self.stop.set()
        self.join()
        event.remove(db.engine, "checkout", self._checkout)
        event.remove(db.engine, "checkin", self._checkin)

    def _checkout(self, dbapi_connection, record, proxy):
        if threading.current_thread() is self:
            dbapi_connection.execute("PRAGMA busy_timeout=5000")  # before its BEGIN IMMEDIATE

    def _checkin(self, dbapi_connection, record):
        if threading.current_thread() is self:
            dbapi_connection.execute("PRAGMA busy_timeout=15000")  # as database.py sets it


@pytest.mark.sqlite_only
def test_someone_registering_during_a_cap_sized_import_is_never_refused(
        app, client, login, course, db):
    """Measured: a 10,000-row import held the write lock for 45 s and registrations made
    meanwhile got 503; a 5,000-row one from the command failed itself at once ("database is
    locked") when someone registered while it was checking its rows."""
    cap = app.config["IMPORT_MAX_ROWS"]
    login(course.trainers[0])
    with Registering(app, course.id) as walk_in:
        response = client.post(f"/manage/courses/{course.slug}/registrations/import",
                               data={"file": (io.BytesIO(people_csv(cap)), "people.csv")},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert walk_in.failures == [] and walk_in.done > 0
    imported = Registration.email.like("p%@example.org")
    assert db.session.scalar(sa.select(sa.func.count()).where(imported)) == cap
    assert count(Registration) == cap + walk_in.done
    assert count(OutboxMessage) == cap + walk_in.done  # one email each
    assert count(RegistrationEvent) == cap + walk_in.done


def test_the_import_sends_as_many_statements_for_fifty_rows_as_for_five(db, make_course):
    """Measured: one import of 5,000 rows sent some 40,000 statements (a place count, a
    delegation look-up, a flush and an email for each row) and held the lock throughout."""
    def statements(slug: str, rows: int) -> int:
        course = make_course(slug=slug, requires_approval=False, capacity=100, country_quota=30)
        data = people_csv(rows).replace(b"@example.org", f"@{slug}.example.org".encode())
        sent = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            report = import_rows(course, read_table("people.csv", data))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert report.ok and report.imported == rows
        return len(sent)

    assert statements("five-2031", 5) == statements("fifty-2031", 50)


# --- Emails: only once committed, one each ------------------------------------------------------

def test_each_person_gets_one_email_once_the_import_is_committed(db, course, smtp):
    data = (HEADER + ",Status\n"
            "Ana Lima,female,35-44,TL,cso,,ana@example.org,\n"
            "Sok Dara,male,45-54,KH,government,,dara@example.org,waitlisted\n"
            "Siti Rahma,female,25-34,ID,cso,,siti@example.org,declined\n").encode()
    report = import_rows(course, read_table("people.csv", data))
    assert report.ok and report.imported == 3
    assert jobs.wait_local(30)
    db.session.commit()
    assert sorted(rcpt for (rcpt,), _message in smtp.messages) == ["ana@example.org",
                                                                   "dara@example.org"]
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    people = {r.email: r for r in db.session.scalars(sa.select(Registration))}
    assert [(m.recipient, m.registration_id) for m in messages] == [
        ("ana@example.org", people["ana@example.org"].id),
        ("dara@example.org", people["dara@example.org"].id)]
    assert all(m.sent_at is not None for m in messages)
    assert people["ana@example.org"].token in messages[0].body
    assert "waitlist" in messages[1].body and people["dara@example.org"].delegation.country == "KH"


def test_nothing_is_sent_when_the_import_writes_nothing(db, course, smtp):
    data = (HEADER + "\nAna Lima,female,35-44,TL,cso,,ana@example.org\n"
            "Xu,male,25-34,XX,cso,,xu@example.org\n").encode()
    report = import_rows(course, read_table("people.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(3, "Country")]
    assert jobs.wait_local(30)
    assert smtp.messages == [] and count(OutboxMessage) == count(Registration) == 0


# --- What others change while the rows are checked ----------------------------------------------

def checked(course, data: bytes) -> tuple:
    """The import's first steps: every row checked and its email written, nothing stored."""
    report, newcomers = exchange._check_rows(course, read_table("people.csv", data))
    exchange._prepare(course, newcomers)
    return report, newcomers


def test_the_last_place_taken_while_checking_sends_the_row_to_the_waitlist(db, make_course):
    course = make_course(slug="full-2031", requires_approval=False, capacity=2)
    data = (HEADER + "\nAna Lima,female,35-44,TL,cso,,ana@example.org\n"
            "Sok Dara,male,45-54,KH,cso,,dara@example.org\n").encode()
    report, newcomers = checked(course, data)
    assert [n.registration.status for n in newcomers] == ["approved", "approved"]
    register(course, Person(full_name="Walk In", sex="male", age_group="25-34", country="VN",
                            organisation_type="cso", email="walk@example.org"), notify=False)
    db.session.commit()

    exchange._store(course, newcomers, report)

    assert report.ok and (report.imported, report.waitlisted) == (2, 1)
    assert [(p.row, p.column) for p in report.notes] == [(3, "Status")]
    dara = db.session.scalar(sa.select(Registration).where(
        Registration.email == "dara@example.org"))
    assert dara.status == "waitlisted" and [e.new_status for e in dara.events] == ["waitlisted"]
    [email] = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.registration_id == dara.id)).all()
    assert "waitlist" in email.body and "Your place on the course is confirmed" not in email.body


def test_an_email_registered_while_checking_refuses_the_row_and_writes_nothing(db, course):
    data = (HEADER + "\nAna Lima,female,35-44,TL,cso,,ana@example.org\n"
            "Sok Dara,male,45-54,KH,cso,,Dara@Example.org\n").encode()
    report, newcomers = checked(course, data)
    register(course, Person(full_name="Sok Dara", sex="male", age_group="45-54", country="KH",
                            organisation_type="cso", email="dara@example.org"), notify=False)
    db.session.commit()

    exchange._store(course, newcomers, report)

    assert [str(p) for p in report.problems] == [
        "Row 3, Email: dara@example.org is already registered for this course."]
    assert count(Registration) == 1 and count(OutboxMessage) == 0


# --- Names and titles as the forms keep them ----------------------------------------------------

def test_names_of_invisible_characters_are_refused_row_by_row(client, login, db, course):
    data = (HEADER + "\n\u200b\u200c\u2060,female,35-44,TL,cso,,zw@example.org\n"
            "Ana Lima,female,35-44,TL,cso,,ana@example.org\n").encode()
    report = import_rows(course, read_table("people.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(2, "Full name")]
    assert "no visible letters" in report.problems[0].message

    login(course.trainers[0])
    speakers = "Name,Title\n\u200b\u2063,Adviser\nDr Helena Marques,\u200b\n".encode()
    response = client.post(f"/manage/courses/{course.slug}/speakers/import",
                           data={"file": (io.BytesIO(speakers), "speakers.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Row 2, Name: This is required." in response.get_data(as_text=True)

    course.grouping = "groups"
    db.session.commit()
    register(course, Person(full_name="Ana Lima", sex="female", age_group="35-44", country="TL",
                            organisation_type="cso", email="ana@example.org"), notify=False)
    db.session.commit()
    groups = "Email,Group\nana@example.org,\u200b\u200d\n".encode()
    response = client.post(f"/manage/courses/{course.slug}/groups/import",
                           data={"file": (io.BytesIO(groups), "groups.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Row 2, Group: This is required." in response.get_data(as_text=True)
    assert count(Speaker) == count(WorkingGroup) == 0 and count(Registration) == 1


def test_line_breaks_in_names_and_titles_become_one_space(client, login, db, course):
    data = ("Full name,Sex,Age group,Country,Type of organisation,Organisation,Position,Email,"
            "Dietary needs\n"
            '"Ana\r\nLima",female,35-44,TL,cso,"Ministry of\nSocial Solidarity","Deputy\r\n\r\n'
            'Director",ana@example.org,"No pork\nNo nuts"\n'
            "Sok Dara,male,45-54,KH,cso,\u200b,\u2060,dara@example.org,\n").encode()
    report = import_rows(course, read_table("people.csv", data))
    assert report.ok, report.problems
    ana, dara = db.session.scalars(sa.select(Registration).order_by(Registration.id))
    assert (ana.full_name, ana.organisation, ana.position) == (
        "Ana Lima", "Ministry of Social Solidarity", "Deputy Director")
    assert ana.dietary == "No pork\nNo nuts"  # a text area keeps its lines, as on the form
    assert (dara.organisation, dara.position) == ("", "")  # nothing visible: empty, as on the form

    login(course.trainers[0])
    speakers = 'Name,Title,Organisation\n"Dr Helena\nMarques","Senior\r\nAdviser",UN\n'.encode()
    response = client.post(f"/manage/courses/{course.slug}/speakers/import",
                           data={"file": (io.BytesIO(speakers), "speakers.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    speaker = db.session.scalar(sa.select(Speaker))
    assert (speaker.name, speaker.title) == ("Dr Helena Marques", "Senior Adviser")

    course.grouping = "groups"
    db.session.commit()
    groups = 'Email,Group\nana@example.org,"Team\nMekong"\n'.encode()
    response = client.post(f"/manage/courses/{course.slug}/groups/import",
                           data={"file": (io.BytesIO(groups), "groups.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(WorkingGroup.name)) == "Team Mekong"
