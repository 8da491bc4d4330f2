"""Speakers in bulk: a pasted list (checked, previewed, then added), a CSV or XLSX file (every row
or none, with a report by row), and speakers who are also registered participants."""
import io
from datetime import date, time

import pytest
import sqlalchemy as sa
from helpers import count
from openpyxl import Workbook

from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, save_session
from app.i18n.multilingual import MultilingualText as T

PASTED = ("Dr Helena Marques; International expert on WPS; Independent consultant\n"
          "\n"
          "Rahmat Hidayat\tExecutive Director\tASEAN-IPR\n"
          "Ruby Kholifah;;AMAN Indonesia\n"
          "Võ Thị Lan\n")


@pytest.fixture
def course(make_course, make_user, login):
    course = make_course(trainer=make_user(email="speakers@example.org"), slug="hanoi-2030",
                         start_date=date(2030, 12, 7), end_date=date(2030, 12, 8), country="VN",
                         timezone="Asia/Ho_Chi_Minh", working_language="vi")
    login(course.trainers[0])
    return course


def speakers(db, course) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(s.name, s.title, s.organisation) for s in db.session.scalars(
        sa.select(Speaker).where(Speaker.course_id == course.id).order_by(Speaker.id))]


def paste(client, course, text: str, add: bool = False):
    return client.post(f"/manage/courses/{course.slug}/speakers/paste",
                       data={"lines": text, **({"add": "y"} if add else {})})


def upload(client, course, data: bytes, filename: str = "speakers.csv"):
    return client.post(f"/manage/courses/{course.slug}/speakers/import",
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_pasted_list_is_previewed_then_added(client, db, course):
    checked = paste(client, course, PASTED)
    assert checked.status_code == 200
    page = checked.get_data(as_text=True)
    assert count(Speaker) == 0  # shown, not added
    assert "Add 4 people" in page and "<td>ASEAN-IPR</td>" in page and "Võ Thị Lan" in page
    assert "Rahmat Hidayat\tExecutive Director" in page  # the text area keeps what was pasted
    added = paste(client, course, PASTED, add=True)
    assert added.status_code == 302 and added.headers["Location"].endswith("/speakers/")
    assert speakers(db, course) == [
        ("Dr Helena Marques", "International expert on WPS", "Independent consultant"),
        ("Rahmat Hidayat", "Executive Director", "ASEAN-IPR"),
        ("Ruby Kholifah", "", "AMAN Indonesia"),
        ("Võ Thị Lan", "", "")]
    assert "4 people added." in client.get(f"/manage/courses/{course.slug}/speakers/").get_data(as_text=True)


def test_a_spreadsheets_header_line_is_skipped(client, db, course):
    paste(client, course, "Name\tTitle\tOrganisation\nAnjali Mehra\tProgramme Specialist\tUN Women\n",
          add=True)
    assert speakers(db, course) == [("Anjali Mehra", "Programme Specialist", "UN Women")]


def test_a_bad_pasted_list_adds_no_one_and_names_each_line(client, db, course):
    db.session.add(Speaker(course_id=course.id, name="Carmela Reyes"))
    db.session.commit()
    text = ("Anjali Mehra; Specialist; UN Women\n"
            "; Director; Nobody\n"
            "ANJALI  MEHRA; Twice\n"
            "carmela reyes\n"
            f"{'L' * 201}\n"
            "Ruby Kholifah; Representative; AMAN; Jakarta\n")
    response = paste(client, course, text, add=True)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    for problem in ("Row 2, Name: This is required.",
                    "Row 3, Name: This name is also in row 1.",
                    "Row 4, Name: Carmela Reyes is already a speaker of this course.",
                    "Row 5, Name: Too long: at most 200 characters.",
                    "Row 6: Too many parts: write name; title; organisation."):
        assert problem in page, problem
    assert "Row 1" not in page
    assert speakers(db, course) == [("Carmela Reyes", "", "")]
    assert "ANJALI  MEHRA; Twice" in page  # what was typed stays in the text area


def test_a_csv_file_adds_everyone_with_headers_in_any_case(client, db, course, make_registration):
    make_registration(course, email="lan@example.vn", full_name="Vo Thi Lan", certificate_name="Vo Thi Lan")
    data = csv_bytes("NAME,Title,organization,Email,BIO",
                     "Dr Helena Marques,International expert,Independent,,Twenty years of WPS work.",
                     '"Võ Thị Lan","Deputy Director, Gender Equality Department",MOLISA,LAN@example.vn,',
                     ",,,,")
    response = upload(client, course, data)
    assert response.status_code == 302
    assert speakers(db, course) == [
        ("Dr Helena Marques", "International expert", "Independent"),
        ("Võ Thị Lan", "Deputy Director, Gender Equality Department", "MOLISA")]
    expert, lan = db.session.scalars(sa.select(Speaker).order_by(Speaker.id)).all()
    assert expert.bio == T(vi="Twenty years of WPS work.") and expert.registration is None
    assert lan.registration.email == "lan@example.vn"
    page = client.get(f"/manage/courses/{course.slug}/speakers/").get_data(as_text=True)
    assert "2 people added." in page and "1 of them is a registered participant." in page


def test_an_xlsx_file_made_in_a_spreadsheet_is_imported(client, db, course):
    data = xlsx_bytes([["Name", "Title", "Organisation"],
                       ["Anjali Mehra", "Programme Specialist", "UN Women"],
                       [None, None, None],
                       ["Rahmat Hidayat", "Executive Director", 2030]])
    response = upload(client, course, data, "diễn giả.xlsx")
    assert response.status_code == 302
    assert speakers(db, course) == [("Anjali Mehra", "Programme Specialist", "UN Women"),
                                    ("Rahmat Hidayat", "Executive Director", "2030")]


def test_a_bad_file_adds_no_one_and_reports_every_row(client, db, course, make_registration):
    make_registration(course, email="ha@example.vn")
    db.session.add(Speaker(course_id=course.id, name="Dr. Nguyễn Văn An",
                           registration_id=make_registration(course, email="an@example.vn").id))
    db.session.commit()
    data = xlsx_bytes([["Name", "Title", "Email", "Phone"],
                       ["Anjali Mehra", "Specialist", "ha@example.vn", ""],
                       ["", "Director", "", ""],
                       ["anjali mehra", "", "", ""],
                       ["Rahmat Hidayat", "T" * 201, "not-an-email", ""],
                       ["Ruby Kholifah", "", "HA@example.vn", ""],
                       ["Somebody Else", "", "an@example.vn", ""],
                       ["DR. NGUYEN VAN AN", "", "", ""]])
    response = upload(client, course, data, "speakers.xlsx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for problem in ("Row 1, Phone: Unknown column.",
                    "Row 3, Name: This is required.",
                    "Row 4, Name: This name is also in row 2.",
                    "Row 5, Title or position: Too long: at most 200 characters.",
                    "Row 5, Email: “not-an-email” is not a valid email address.",
                    "Row 6, Email: This email is also in row 2.",
                    "Row 7, Email: This participant is already linked to Dr. Nguyễn Văn An.",
                    "Row 8, Name: Dr. Nguyễn Văn An is already a speaker of this course."):
        assert problem in page, problem
    assert "Row 2" not in page
    assert speakers(db, course) == [("Dr. Nguyễn Văn An", "", "")]


@pytest.mark.parametrize("filename, data, message", [
    ("speakers.pdf", b"%PDF-1.7", "speakers.pdf is neither a CSV nor an XLSX file."),
    ("speakers.csv", "Name\nHà\n".encode("cp1258"), "The file is not in UTF-8"),
    ("speakers.xlsx", b"not a zip", "The XLSX file cannot be read"),
    ("speakers.csv", csv_bytes("Title,Organisation", "Director,MOLISA"), "Row 1, Name: This column is missing."),
    ("speakers.csv", csv_bytes("Name,Title"), "Nobody to add: the list is empty."),
])
def test_an_unreadable_file_is_explained(client, db, course, filename, data, message):
    response = upload(client, course, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Speaker) == 0


def test_the_row_cap_of_imports_applies(app, client, db, course, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)  # the cap of every import (5,000)
    data = csv_bytes("name", *(f"Person {n}" for n in range(21)))
    response = upload(client, course, data)
    assert response.status_code == 400
    assert "The file has more than 20 rows below its header: import at most 20 at a time." in \
        response.get_data(as_text=True)
    response = paste(client, course, "\n".join(f"Person {n}" for n in range(21)))
    assert response.status_code == 400
    assert "At most 20 people can be added at once." in response.get_data(as_text=True)
    assert count(Speaker) == 0


def test_a_speaker_is_linked_to_a_participant_on_the_form(client, db, course, make_registration):
    ha = make_registration(course, email="ha@example.vn")
    declined = make_registration(course, email="gone@example.vn", certificate_name="Gone Person",
                                 status="declined")
    form = client.get(f"/manage/courses/{course.slug}/speakers/").get_data(as_text=True)
    assert f'value="{ha.id}"' in form and f'value="{declined.id}"' not in form
    response = client.post(f"/manage/courses/{course.slug}/speakers/",
                           data={"name": "Chị Hà", "title": "Deputy Director", "registration_id": ha.id})
    assert response.status_code == 302
    speaker = db.session.scalar(sa.select(Speaker))
    assert speaker.registration_id == ha.id
    listing = client.get(f"/manage/courses/{course.slug}/speakers/").get_data(as_text=True)
    assert f"/registrations/{ha.id}\">Nguyễn Thị Hà</a>" in listing
    # Another speaker cannot take the same participant; unlinking works.
    assert client.post(f"/manage/courses/{course.slug}/speakers/",
                       data={"name": "Someone", "registration_id": ha.id}).status_code == 400
    assert client.post(f"/manage/courses/{course.slug}/speakers/{speaker.id}",
                       data={"name": "Chị Hà", "registration_id": "0"}).status_code == 302
    db.session.expire_all()
    assert speaker.registration_id is None and count(Speaker) == 1


def test_public_pages_show_a_linked_speaker_without_their_registration(client, db, course,
                                                                       make_registration):
    ha = make_registration(course, email="ha.private@example.vn", phone="+84 912 345 678")
    speaker = Speaker(course_id=course.id, name="Dr Hà", title="Deputy Director",
                      organisation="MOLISA", registration_id=ha.id)
    db.session.add(speaker)
    db.session.flush()
    save_session(course, None, SessionDetails(day=date(2030, 12, 7), start=time(9), end=time(10),
                                              title=T(en="Opening"), leads=[(speaker.id, "speaker")]))
    db.session.commit()
    client.post("/logout")
    for path in ("agenda", "agenda.ics", ""):
        page = client.get(f"/courses/{course.slug}/{path}").get_data(as_text=True)
        if path != "":
            assert "Dr Hà" in page and "MOLISA" in page
        for private in ("ha.private@example.vn", "Nguyễn Thị Hà", "912 345", ha.token):
            assert private not in page, (path, private)


def test_another_teams_trainer_cannot_add_speakers(client, db, course, make_user, login):
    client.post("/logout")
    login(make_user())
    assert paste(client, course, "Anjali Mehra", add=True).status_code == 403
    assert upload(client, course, csv_bytes("name", "Anjali Mehra")).status_code == 403
    assert count(Speaker) == 0
