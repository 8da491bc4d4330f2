"""Reading Zoom's and Microsoft Teams' participant reports (tests/data/, as the platforms write
them): one row per person, whatever the encoding, separator or layout; a clear refusal for
anything else."""
import codecs
import io
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.agenda.meeting_reports import ReportUnreadable, clock_seconds, duration_minutes, parse

DATA = Path(__file__).parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def people(report) -> dict[str, tuple]:
    return {person.name: (person.email, person.minutes) for person in report.attendees}


def test_zoom_participants_report_one_row_per_person():
    report = parse(read("zoom_participants.csv"))
    assert (report.platform, report.layout) == ("zoom", "zoom")
    assert people(report) == {
        "UN Women Host": ("host@unwomen.org", 103),
        "Nguyễn Thị Hà": ("ha.nguyen@mofa.gov.vn", 88),  # two visits: 49 + 39 minutes
        "Somchai Prasert (Somchai P.)": ("somchai.p@mfa.go.th", 88),  # the address as typed, lowered
        "Aung Kyaw": ("aung.kyaw.1987@gmail.com", 85),
        "Galaxy A52": ("", 29),  # joined by phone without an address
    }
    ha = next(person for person in report.attendees if person.email == "ha.nguyen@mofa.gov.vn")
    assert (ha.joined, ha.left) == ("04/10/2025 08:58:41 AM", "04/10/2025 10:30:05 AM")


def test_zoom_report_with_the_meeting_summary_above_it():
    report = parse(read("zoom_with_meeting_data.csv"))  # UTF-8 with a byte order mark, a blank row
    assert (report.title, report.started) == ("Panel: NAPs in ASEAN", "04/10/2025 08:52:10 AM")
    assert people(report) == {
        "UN Women Host": ("host@unwomen.org", 103),
        "Siti Rahmawati": ("siti.rahmawati@kemlu.go.id", 90),
        "Santos, Maria (Maria Santos)": ("maria.santos@dfa.gov.ph", 86),  # a quoted comma
        "Lao PDR delegation": ("vilayvanh.s@mofa.gov.la", 87),
    }
    # Older exports separate the two parts with a row of empty cells rather than a blank line.
    commas = read("zoom_with_meeting_data.csv").replace(b"\r\n\r\n", b"\r\n,,,,,,\r\n")
    assert people(parse(commas)) == people(report)


def test_teams_attendance_report_reads_the_participants_section_only():
    report = parse(read("teams_attendance.csv"))  # UTF-16 with its byte order mark, tabs
    assert (report.platform, report.layout) == ("teams", "teams")
    assert report.title == "Panel: NAPs in ASEAN" and report.started == "4/10/25, 8:52:10 AM"
    assert people(report) == {
        "UN Women Host": ("host@unwomen.org", 103),
        "Nguyễn Thị Hà": ("ha.nguyen@mofa.gov.vn", 88),  # once: "3. In-Meeting Activities" is not read
        "Siti Rahmawati": ("siti.rahmawati@kemlu.go.id", 90),
        "Maria Santos (External)": ("maria.santos@dfa.gov.ph", 85),  # no Email: the UPN
        "Aung Kyaw": ("aung.kyaw.1987@gmail.com", 85),
    }
    assert [person.role for person in report.attendees][:3] == ["Organizer", "Attendee", "Presenter"]


def test_teams_report_with_commas_and_without_a_byte_order_mark():
    comma = parse(read("teams_attendance_comma.csv"))  # UTF-16 LE, quoted "4/10/25, 8:58:41 AM"
    assert people(comma) == people(parse(read("teams_attendance.csv")))
    big_endian = read("teams_attendance.csv").decode("utf-16").encode("utf-16-be")
    assert people(parse(big_endian)) == people(comma)


def test_the_older_teams_list_of_joins_and_leaves():
    report = parse(read("teams_legacy.csv"))
    assert (report.platform, report.layout) == ("teams", "teams-legacy")
    assert people(report) == {"UN Women Host": ("", 103), "Nguyễn Thị Hà": ("", 87),
                              "Somchai Prasert": ("", 88), "Guest 4471": ("", 5)}
    ha = next(person for person in report.attendees if person.name == "Nguyễn Thị Hà")
    assert (ha.joined, ha.left) == ("4/10/2025, 8:58:41 AM", "4/10/2025, 10:30:05 AM")


@pytest.mark.parametrize("text,minutes", [("1h 27m 51s", 88), ("27m 5s", 27), ("45s", 1), ("2h", 120),
                                          ("01:27:51", 88), ("", None), ("about an hour", None)])
def test_teams_durations(text, minutes):
    assert duration_minutes(text) == minutes


@pytest.mark.parametrize("text,seconds", [("4/10/2025, 9:01:03 AM", 9 * 3600 + 63),
                                          ("4/10/2025, 12:05:00 PM", 12 * 3600 + 300),
                                          ("4/10/2025, 12:05:00 AM", 300),
                                          ("10.04.2025 14:30", 14 * 3600 + 1800), ("no time", None)])
def test_the_time_of_day_of_a_timestamp(text, seconds):
    assert clock_seconds(text) == seconds


@pytest.mark.parametrize("name,message", [
    ("zoom_french.csv", "with English column headers"),  # headers in another language
    ("zoom_no_email.csv", "no email column"),
    ("zoom_windows_1252.csv", "characters cannot be read"),  # re-saved by a spreadsheet
])
def test_files_we_cannot_use_are_refused_with_the_reason(name, message):
    with pytest.raises(ReportUnreadable, match=message):
        parse(read(name))


def test_a_spreadsheet_an_image_or_an_empty_file_is_not_a_report():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name (Original Name)", "User Email", "Join Time", "Leave Time"])
    xlsx = io.BytesIO()
    book.save(xlsx)
    for data in (xlsx.getvalue(), b"\x89PNG\r\n\x1a\n" + bytes(40)):
        with pytest.raises(ReportUnreadable, match="not a CSV file"):
            parse(data)
    with pytest.raises(ReportUnreadable, match="not a Zoom or Microsoft Teams"):
        parse(b"")
    header_only = read("zoom_participants.csv").split(b"\r\n")[0] + b"\r\n"
    with pytest.raises(ReportUnreadable, match="lists nobody"):
        parse(header_only)
    with pytest.raises(ReportUnreadable, match="not a Zoom or Microsoft Teams"):
        parse(codecs.BOM_UTF8 + "Nom;Courriel\nHà;ha@example.vn\n".encode())


# Importing a report into a session: upload, review, apply all rows or none

@pytest.fixture
def panel(make_course, make_user, make_registration, db):
    """A hybrid course that took place, its online panel and its approved participants (and a
    pending one, whom no report may mark)."""
    from app.agenda.operations import SessionDetails, save_session
    from app.i18n.multilingual import MultilingualText

    course = make_course(trainer=make_user(email="reports@example.org"), slug="reports-2025", mode="hybrid")
    session = save_session(course, None, SessionDetails(
        day=course.start_date + timedelta(days=1), start=time(9), end=time(10, 30), kind="panel",
        title=MultilingualText(en="Panel: NAPs in ASEAN"), online_url="https://zoom.example/j/8123"))
    people = {}
    for key, name, email in (("ha", "Nguyễn Thị Hà", "ha.nguyen@mofa.gov.vn"),
                             ("somchai", "Somchai Prasert", "somchai.p@mfa.go.th"),
                             ("siti", "Siti Rahmawati", "siti.rahmawati@kemlu.go.id"),
                             ("maria", "Maria Santos", "maria.santos@dfa.gov.ph"),
                             ("aung", "Aung Kyaw", "aung.kyaw@mofa.gov.mm")):
        people[key] = make_registration(course, full_name=name, certificate_name=name, address_as="",
                                        email=email)
    people["pending"] = make_registration(course, full_name="Vilayvanh S.", certificate_name="Vilayvanh S.",
                                          email="vilayvanh.s@mofa.gov.la", status="pending")
    db.session.commit()
    return course, session, people


def upload(client, session, name, data=None):
    url = f"/manage/courses/reports-2025/sessions/{session.id}/report"
    return client.post(url, data={"file": (io.BytesIO(data if data is not None else read(name)), name)},
                       content_type="multipart/form-data")


def latest_import(db):
    from app.agenda.models import AttendanceImport

    return db.session.scalars(sa.select(AttendanceImport).order_by(AttendanceImport.id.desc())).first()


def index_of(record, name):
    return next(i for i, row in enumerate(record.rows) if row["name"] == name)


def marks(db) -> dict[int, tuple[bool, str]]:
    from app.agenda.models import Attendance

    return {a.registration_id: (a.present, a.method) for a in db.session.scalars(sa.select(Attendance))}


def test_a_zoom_report_is_reviewed_then_applied_without_touching_a_trainers_mark(client, db, login, panel):
    from app.agenda import operations

    course, session, people = panel
    operations.mark(session, people["somchai"], present=False, method="trainer", by=course.trainers[0],
                    reason="Camera off, did not answer")
    db.session.commit()
    login(course.trainers[0])
    response = upload(client, session, "zoom_participants.csv")
    record = latest_import(db)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/{record.id}")
    assert record.platform == "zoom" and record.filename == "zoom_participants.csv" and record.applied_at is None
    review = client.get(f"/manage/courses/reports-2025/reports/{record.id}").get_data(as_text=True)
    matched, others = review.split('id="matched-rows"')[1].split('id="other-rows"')
    assert "Nguyễn Thị Hà" in matched and "Somchai Prasert" in matched  # by email, any case
    for name in ("UN Women Host", "Aung Kyaw", "Galaxy A52"):
        assert name in others and name not in matched
    aung = index_of(record, "Aung Kyaw")  # a personal address: suggested by name, for the trainer to confirm
    select = others.split(f'name="pick-{aung}"')[1].split("</select>")[0]
    assert f'<option value="{people["aung"].id}" selected>' in select
    assert "Vilayvanh" not in review  # pending: not offered

    keep = [index_of(record, "Nguyễn Thị Hà"), index_of(record, "Somchai Prasert (Somchai P.)")]
    response = client.post(f"/manage/courses/reports-2025/reports/{record.id}",
                           data={"keep": keep, f"pick-{aung}": str(people["aung"].id),
                                 f"pick-{index_of(record, 'Galaxy A52')}": ""}, follow_redirects=True)
    assert "2 people marked present from the report; 1 were already marked." in response.get_data(as_text=True)
    assert marks(db) == {people["ha"].id: (True, "report"), people["aung"].id: (True, "report"),
                         people["somchai"].id: (False, "trainer")}  # the trainer's correction stands
    db.session.refresh(record)
    assert record.applied_at is not None and record.rows[aung]["applied_id"] == people["aung"].id
    again = client.post(f"/manage/courses/reports-2025/reports/{record.id}", data={"keep": keep})
    assert again.status_code == 400 and "already been applied" in again.get_data(as_text=True)
    grid = client.get("/manage/courses/reports-2025/attendance").get_data(as_text=True)
    assert grid.count('data-method="report"') == 2


@pytest.mark.parametrize("name,matched,suggested", [
    ("zoom_with_meeting_data.csv", {"siti", "maria"}, set()),
    ("teams_attendance.csv", {"ha", "siti", "maria"}, {"aung"}),
    ("teams_attendance_comma.csv", {"ha", "siti", "maria"}, {"aung"}),
    ("teams_legacy.csv", set(), {"ha", "somchai"}),  # no addresses: names only, all for review
])
def test_every_layout_is_matched_and_applied(client, db, login, panel, name, matched, suggested):
    course, session, people = panel
    login(course.trainers[0])
    assert upload(client, session, name).status_code == 302
    record = latest_import(db)
    ids = {person.id: key for key, person in people.items()}
    assert {ids[row["registration_id"]] for row in record.rows if row["registration_id"]} == matched
    assert {ids[row["suggested_id"]] for row in record.rows if row["suggested_id"]} == suggested
    data = {"keep": [i for i, row in enumerate(record.rows) if row["registration_id"]]}
    data.update({f"pick-{i}": row["suggested_id"] for i, row in enumerate(record.rows) if row["suggested_id"]})
    assert client.post(f"/manage/courses/reports-2025/reports/{record.id}", data=data).status_code == 302
    assert marks(db) == {people[key].id: (True, "report") for key in matched | suggested}


def test_applying_is_all_rows_or_none(client, db, login, panel):
    """The database refuses the second of three marks: the first is not kept either."""
    course, session, people = panel
    login(course.trainers[0])
    upload(client, session, "teams_attendance.csv")
    record = latest_import(db)
    data = {"keep": [i for i, row in enumerate(record.rows) if row["registration_id"]]}
    failing = people["siti"].id  # matched after Hà, before Maria
    postgres = db.engine.dialect.name == "postgresql"
    statements = ([
        "CREATE FUNCTION refuse_attendance() RETURNS trigger AS $$ BEGIN IF NEW.registration_id = "
        f"{failing} THEN RAISE EXCEPTION 'forced failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_attendance AFTER INSERT ON attendance FOR EACH ROW "
        "EXECUTE FUNCTION refuse_attendance()"] if postgres else [
        f"CREATE TRIGGER refuse_attendance AFTER INSERT ON attendance WHEN NEW.registration_id = {failing} "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"])
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    try:
        response = client.post(f"/manage/courses/reports-2025/reports/{record.id}", data=data)
    finally:
        db.session.execute(sa.text("DROP TRIGGER refuse_attendance" + (" ON attendance" if postgres else "")))
        if postgres:
            db.session.execute(sa.text("DROP FUNCTION refuse_attendance()"))
        db.session.commit()
    assert response.status_code == 400 and "nothing was recorded" in response.get_data(as_text=True)
    assert marks(db) == {}
    db.session.refresh(record)
    assert record.applied_at is None
    assert client.post(f"/manage/courses/reports-2025/reports/{record.id}", data=data).status_code == 302
    assert set(marks(db)) == {people[key].id for key in ("ha", "siti", "maria")}


def test_a_choice_that_is_not_an_approved_participant_changes_nothing(client, db, login, panel):
    course, session, people = panel
    login(course.trainers[0])
    upload(client, session, "zoom_participants.csv")
    record = latest_import(db)
    host = index_of(record, "UN Women Host")
    data = {"keep": [index_of(record, "Nguyễn Thị Hà")], f"pick-{host}": str(people["pending"].id)}
    response = client.post(f"/manage/courses/reports-2025/reports/{record.id}", data=data)
    assert response.status_code == 400 and f"Rows {host + 1}" in response.get_data(as_text=True)
    assert marks(db) == {}


@pytest.mark.parametrize("name,message", [
    ("zoom_french.csv", "with English column headers"),
    ("zoom_no_email.csv", "no email column"),
    ("zoom_windows_1252.csv", "characters cannot be read"),
    ("photo.png", "not a CSV file"),
])
def test_bad_reports_are_refused_and_nothing_is_kept(client, db, login, panel, name, message):
    from app.agenda.models import AttendanceImport
    from helpers import count

    course, session, _people = panel
    login(course.trainers[0])
    data = b"\x89PNG\r\n\x1a\n" + bytes(64) if name.endswith(".png") else None
    response = upload(client, session, name, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(AttendanceImport) == 0


def test_a_report_that_names_none_of_the_participants_is_refused(client, db, login, make_course, make_user):
    from app.agenda.models import AttendanceImport
    from app.agenda.operations import SessionDetails, save_session
    from app.i18n.multilingual import MultilingualText
    from helpers import count

    course = make_course(trainer=make_user(), slug="reports-2025", mode="hybrid")
    session = save_session(course, None, SessionDetails(
        day=course.start_date, start=time(9), end=time(10), title=MultilingualText(en="Opening"),
        online_url="https://zoom.example/j/1"))
    db.session.commit()
    login(course.trainers[0])
    response = upload(client, session, "zoom_participants.csv")
    assert response.status_code == 400 and "Nobody in this report" in response.get_data(as_text=True)
    assert count(AttendanceImport) == 0


def test_applying_a_report_before_the_session_starts_asks_first(client, db, login, panel):
    from app.agenda.models import AttendanceChange
    from app.database import utcnow

    course, session, people = panel
    session.starts_at, session.ends_at = utcnow() + timedelta(hours=2), utcnow() + timedelta(hours=3)
    db.session.commit()
    login(course.trainers[0])
    upload(client, session, "zoom_with_meeting_data.csv")
    record = latest_import(db)
    keep = [i for i, row in enumerate(record.rows) if row["registration_id"]]
    page = client.post(f"/manage/courses/reports-2025/reports/{record.id}", data={"keep": keep})
    assert page.status_code == 400 and "has not started yet" in page.get_data(as_text=True)
    assert marks(db) == {}
    client.post(f"/manage/courses/reports-2025/reports/{record.id}", data={"keep": keep, "confirm_early": "y"})
    assert [c.before_start for c in db.session.scalars(sa.select(AttendanceChange))] == [True, True]
