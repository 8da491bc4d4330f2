"""Registrations to and from CSV and XLSX: round trips, any-language headers, all or nothing."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from app.i18n import use_language
from app.registrations.cli import configure_cli
from app.registrations.exchange import COLUMNS, import_rows, read_table, write_csv, write_xlsx
from app.registrations.models import Registration
from app.registrations.operations import Person, register
from app.registrations.privacy import anonymise
from helpers import count

PEOPLE = [
    Person(full_name="NGUYEN THI HA", family_name="Nguyễn", given_names="Thị Hà",
           name_order="family_first", honorific="Bà", native_name="Nguyễn Thị Hà",
           address_as="Chị Hà", sex="female", age_group="35-44", country="VN",
           organisation_type="government", ministry="moha", position="Chuyên viên", province="Hà Nội",
           email="ha.nguyen@example.org", phone="+84 24 3824 0000", language="vi",
           dietary="Ăn chay", accessibility=""),
    Person(full_name="SOMCHAI JAIDEE", family_name="Jaidee", given_names="Somchai",
           honorific="Khun", native_name="สมชาย ใจดี", sex="male", age_group="45-54",
           country="TH", organisation_type="cso", organisation="มูลนิธิผู้หญิง",
           email="somchai@example.org", language="th", certificate_language="th"),
    Person(full_name="SUKARNI", name_order="single", sex="undisclosed", age_group="25-34",
           country="ID", organisation_type="academia", email="sukarni@example.org",
           dietary="=HYPERLINK(\"http://evil.example\")"),
]
COMPARED = ("full_name", "family_name", "given_names", "name_order", "honorific", "native_name",
            "address_as", "certificate_name", "sex", "age_group", "country", "organisation_type",
            "ministry", "organisation", "position", "province", "email", "phone", "language",
            "certificate_language", "dietary", "accessibility")
HEADER = ("Full name,Sex,Age group,Country,Type of organisation,Email\n")


@pytest.fixture
def course(db, make_course):
    course = make_course(slug="jakarta-2025-wps", requires_approval=False)
    for person in PEOPLE:
        register(course, person, notify=False)
    db.session.commit()
    return course


@pytest.fixture
def runner(app):
    if "participants" not in app.cli.commands:  # until app/cli.py wires it in
        configure_cli(app)
    return app.test_cli_runner()


def people(course) -> list[tuple]:
    registrations = course.registrations.order_by(Registration.email)
    return [tuple(getattr(r, name) for name in COMPARED) for r in registrations]


@pytest.mark.parametrize("write, filename",
                         [(write_csv, "export.csv"), (write_xlsx, "export.xlsx")])
def test_export_then_import_gives_the_same_people(course, make_course, write, filename):
    stream = io.BytesIO()
    write(course, stream)
    other = make_course(slug="bangkok-2025-wps")

    report = import_rows(other, read_table(filename, stream.getvalue()))

    assert report.problems == [] and (report.imported, report.waitlisted) == (3, 0)
    assert people(other) == people(course)


def test_csv_is_utf8_with_a_bom_ordered_by_country_without_secrets(course):
    stream = io.BytesIO()
    write_csv(course, stream)
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [str(label) for _field, label in COLUMNS]
    assert [row[10] for row in rows[1:]] == ["ID", "TH", "VN"]
    assert "สมชาย ใจดี" in rows[2] and "Bà Nguyễn Thị Hà" in rows[3]
    at = [name for name, _label in COLUMNS].index
    assert rows[1][at("dietary")].startswith("'=")  # a formula typed by a participant is not run
    assert rows[3][at("phone")] == "+84 24 3824 0000"  # phone numbers stay as they are
    assert rows[3][at("province")] == "Hà Nội"
    assert rows[1][-1].endswith("Z") and rows[1][-2] == "approved"
    tokens = [r.token for r in course.registrations]
    assert not any(token in data.decode("utf-8-sig") for token in tokens)


def test_xlsx_has_a_bold_frozen_header_and_no_formulas(course):
    stream = io.BytesIO()
    write_xlsx(course, stream)
    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Full name" and sheet["A1"].font.bold
    dietary = [name for name, _label in COLUMNS].index("dietary") + 1
    assert sheet.cell(row=2, column=dietary).data_type == "s"
    assert sheet.column_dimensions["A"].width > 8


def test_export_leaves_out_anonymised_registrations(course):
    anonymise(course.registrations.filter_by(country="TH").one())
    stream = io.BytesIO()
    write_csv(course, stream)
    assert stream.getvalue().decode("utf-8-sig").count("\n") == 3


def test_export_runs_the_same_number_of_queries_for_more_registrations(db, course):
    def queries():
        assert course.id  # loaded before counting: the export itself is measured
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            write_csv(course, io.BytesIO())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = queries()
    for number in range(10):
        register(course, Person(full_name=f"Person {number}", sex="female", age_group="25-34",
                                country="PH", organisation_type="cso",
                                email=f"p{number}@example.org"), notify=False)
    db.session.commit()
    assert queries() == before == 1


def test_headers_in_vietnamese_import(app, course, make_course):
    other = make_course(slug="hanoi-2025-wps")
    with app.test_request_context(method="POST"), use_language("vi"):
        stream = io.BytesIO()
        write_xlsx(course, stream)
        header = [cell.value for cell in load_workbook(io.BytesIO(stream.getvalue())).active[1]]
        assert "Quốc gia" in header
    report = import_rows(other, read_table("danh-sach.xlsx", stream.getvalue()))
    assert report.ok and report.imported == 3
    assert people(other) == people(course)


def test_one_bad_row_imports_nothing_and_names_rows_and_columns(make_course):
    course = make_course()
    data = (HEADER + "Ha,female,35-44,VN,government,ha@example.org\n"
            "Xu,male,25-34,XX,cso,xu@example.org\n"
            "Ana,female,25-34,TL,cso,not-an-email\n").encode()

    report = import_rows(course, read_table("list.csv", data))

    assert report.imported == 0 and count(Registration) == 0
    assert [(p.row, p.column) for p in report.problems] == [(3, "Country"), (4, "Email")]
    assert "XX" in report.problems[0].message and "not-an-email" in report.problems[1].message


def test_the_report_is_in_the_users_language(app, make_course):
    course = make_course()
    data = (HEADER + "Xu,male,25-34,XX,cso,xu@example.org\n").encode()
    with app.test_request_context(method="POST"), use_language("vi"):
        report = import_rows(course, read_table("list.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(2, "Quốc gia")]


@pytest.mark.parametrize("line, column, words", [
    ("Ha,woman,35-44,VN,cso,a@example.org", "Sex", "female"),
    ("Ha,female,35-44,VN,bank,a@example.org", "Type of organisation", "academia"),
    ("Ha,female,35-44,TH,mass-organisation,a@example.org", "Type of organisation", "Thailand"),
    (f"{'H' * 301},female,35-44,VN,cso,a@example.org", "Full name", "300"),
    (",female,35-44,VN,cso,a@example.org", "Full name", "required"),
])
def test_each_kind_of_bad_value_is_reported(make_course, line, column, words):
    report = import_rows(make_course(), read_table("list.csv", (HEADER + line).encode()))
    assert [(p.row, p.column) for p in report.problems] == [(2, column)]
    assert words in report.problems[0].message


def test_ministry_must_be_listed_for_the_country(make_course):
    rows = [{"full_name": "Ha", "sex": "female", "age_group": "35-44", "country": "VN",
             "organisation_type": "government", "email": f"{n}@example.org", "ministry": ministry}
            for n, ministry in enumerate(["moha", "mfa", "other", ""])]
    report = import_rows(make_course(), rows)
    assert [(p.row, p.column) for p in report.problems] == [(3, "Ministry or agency")]


def test_duplicate_emails_in_the_file_or_the_course_are_refused(course):
    data = (HEADER + "Ha,female,35-44,VN,cso,new@example.org\n"
            "Hà,female,35-44,VN,cso,NEW@example.org\n"
            "Somchai,male,45-54,TH,cso,somchai@example.org\n").encode()
    report = import_rows(course, read_table("list.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(3, "Email"), (4, "Email")]
    assert "2" in report.problems[0].message
    assert count(Registration) == 3


def test_semicolons_a_bom_names_for_countries_and_the_waitlist(make_course):
    course = make_course(capacity=1, requires_approval=False)
    data = ("\ufeffFULL NAME;sex;Age group;Country;Type of organisation;e-mail;Email\n"
            "Sok Dara;male;35-44;Cambodia;government;;dara@example.org\n"
            "Siti;female;25-34;indonesia;CSO;;siti@example.org\n").encode()
    report = import_rows(course, read_table("list.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(1, "e-mail")]

    data = data.replace(b";e-mail", b"").replace(b";;", b";")
    report = import_rows(course, read_table("list.csv", data))
    assert report.ok and (report.imported, report.waitlisted) == (2, 1)
    assert sorted(course.registrations.with_entities(Registration.country)) == [("ID",), ("KH",)]


def test_missing_columns_and_unreadable_files_are_reported(make_course):
    data = b"Full name,Email\nHa,a@example.org\n"
    report = import_rows(make_course(), read_table("list.csv", data))
    assert {p.column for p in report.problems} == {"Sex", "Age group", "Country",
                                                   "Type of organisation"}
    with pytest.raises(ValueError, match="Email"):
        read_table("list.csv", b"Full name,Email,Email\nHa,a@example.org,b@example.org\n")
    with pytest.raises(ValueError, match="UTF-8"):
        read_table("list.csv", "Full name\nHà\n".encode("cp1258"))
    with pytest.raises(ValueError, match="XLSX"):
        read_table("list.xlsx", b"not a zip")
    with pytest.raises(ValueError, match="CSV"):
        read_table("list.pdf", b"")


def test_cli_export_then_import(runner, course, make_course, tmp_path):
    make_course(slug="manila-2025-wps")
    result = runner.invoke(args=["participants", "export", course.slug, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "Nguyễn Thị Hà" in result.output
    path = tmp_path / "people.csv"
    path.write_bytes(result.stdout_bytes)

    result = runner.invoke(args=["participants", "import", "manila-2025-wps", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 registrations (0 on the waitlist)." in result.output

    result = runner.invoke(args=["participants", "import", "manila-2025-wps", str(path)])
    assert result.exit_code == 1
    assert "Row 2, Email:" in result.output and "already registered" in result.output
    assert count(Registration) == 6


def test_cli_exports_xlsx_to_stdout_and_to_a_file(runner, course, tmp_path):
    result = runner.invoke(args=["participants", "export", course.slug, "--format", "xlsx"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"PK")
    target = tmp_path / "people.xlsx"
    result = runner.invoke(args=["participants", "export", course.slug, "--format", "xlsx",
                                 "--output", str(target), "--language", "vi"])
    assert result.exit_code == 0
    assert load_workbook(target).active["K1"].value == "Quốc gia"


def test_cli_unknown_slug_fails_clearly(runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(HEADER)
    for args in (["export", "no-such-course"], ["import", "no-such-course", str(path)]):
        result = runner.invoke(args=["participants", *args])
        assert result.exit_code != 0
        assert "no-such-course" in result.output


def test_blank_rows_keep_the_numbering_and_an_empty_file_says_so(make_course):
    course = make_course()
    data = (HEADER + "Ha,female,35-44,VN,cso,ha@example.org\n,,,,,\n"
            "Xu,male,25-34,VN,cso,xu@\n").encode()
    report = import_rows(course, read_table("list.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [(4, "Email")]

    report = import_rows(course, read_table("list.csv", HEADER.encode()))
    assert [str(p) for p in report.problems] == ["Row 2: The file has no rows to import."]


def test_names_follow_the_forms_rules_row_by_row(app, make_course):
    header = ("Full name,Family name,Name in native script,Sex,Age group,Country,"
              "Type of organisation,Email\n")
    data = (header + "Hun Sokha,,ហ៊ុន សុខា,female,35-44,KH,cso,a@example.org\n"
            "ហ៊ុន សុខា,,,female,35-44,KH,cso,b@example.org\n"
            "Somchai Jaidee,ใจดี,\u200b\u200c,male,35-44,TH,cso,c@example.org\n"
            "Nguyễn Thị Hà,Nguyễn,Nguyễn Thị Hà,female,35-44,VN,cso,d@example.org\n").encode()
    report = import_rows(make_course(), read_table("list.csv", data))
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "Full name"), (4, "Family name"), (4, "Name in native script")]
    assert "Khmer" in report.problems[0].message
    assert "Name in native script" in report.problems[0].message
    assert "Thai" in report.problems[1].message and "visible" in report.problems[2].message
    assert str(report.problems[0]).startswith("Row 3, Full name: Write this name in Latin letters")
    assert count(Registration) == 0
