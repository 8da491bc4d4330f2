"""The course dashboard and the donor report: figures of a made-up course counted right (by
country × sex, attendance with a break and parallel sessions, the small-cell rule), filters,
an empty course, one participant, "prefer not to say"; the same numbers in the page, the XLSX,
the PDF, the JSON and the command's output; other trainers refused."""
import io
import json
import re
import subprocess
from datetime import date, time
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from app.agenda.operations import SessionDetails, mark, save_session
from app.evaluation.models import EvaluationResponse, KnowledgeAttempt
from app.i18n.multilingual import MultilingualText
from app.reports.figures import Filters, compute
from app.reports.report import as_json, course_report

SLUG = "report-2025"
PEOPLE = [("VN", "female")] * 3 + [("VN", "male")] * 2 + [("TH", "female")] * 2 + [("TH", "undisclosed")]


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="reporter@example.org"), slug=SLUG,
                       start_date=date(2025, 3, 3), end_date=date(2025, 3, 4))


def session(course, day: int, start: int, end: int, title: str, kind="presentation", room=""):
    return save_session(course, None, SessionDetails(
        day=date(2025, 3, day), start=time(*divmod(start, 100)), end=time(*divmod(end, 100)),
        title=MultilingualText(en=title), kind=kind, room=room))


@pytest.fixture
def made_up(course, db, make_registration):
    """8 participants (VN: 3 women, 2 men; TH: 2 women, 1 "prefer not to say"), a pending and
    a declined registration; sessions: opening, a break, group work, then two parallel tracks;
    attendance: everyone at the opening, VN women at the group work, VN at track A, a TH woman
    at track B (and a VN woman at both tracks: one slot, counted once)."""
    people = [make_registration(course, country=country, sex=sex, email=f"p{n}@example.org",
                                full_name=f"Person {n}", certificate_name=f"Person {n}")
              for n, (country, sex) in enumerate(PEOPLE)]
    pending = make_registration(course, country="VN", sex="female", status="pending", email="x@example.org")
    make_registration(course, country="TH", sex="male", status="declined", email="y@example.org")
    opening = session(course, 3, 900, 1000, "Opening")
    pause = session(course, 3, 1000, 1030, "Coffee", kind="break")
    group = session(course, 3, 1030, 1200, "Group work", kind="group_work")
    track_a = session(course, 4, 900, 1200, "Track A", room="Room A")
    track_b = session(course, 4, 900, 1200, "Track B", room="Room B")
    for person in [*people, pending]:
        mark(opening, person, method="trainer")
        mark(pause, person, method="trainer")  # a break never counts
    for person in people[:3]:
        mark(group, person, method="trainer")
    mark(group, people[7], method="trainer", present=False)  # marked absent
    for person in people[:5]:
        mark(track_a, person, method="trainer")
    mark(track_b, people[5], method="trainer")
    mark(track_b, people[0], method="trainer")  # both tracks: one slot
    for person, pre, post in zip(people[:5], (2, 4, 4, 6, 4), (6, 8, 8, 8, 10)):
        db.session.add_all([KnowledgeAttempt(course_id=course.id, registration_id=person.id, phase="pre",
                                             score=pre, out_of=10),
                            KnowledgeAttempt(course_id=course.id, registration_id=person.id, phase="post",
                                             score=post, out_of=10)])
    for value in (5, 4, 4, 2):
        db.session.add(EvaluationResponse(course_id=course.id, survey="day-1",
                                          answers={"relevant": str(value), "most_useful": "Tools"}))
    db.session.commit()
    return {"people": people, "sessions": (opening, pause, group, track_a, track_b)}


def table(report, key):
    return {str(row[0]): row for row in report.table(key).rows}


def test_figures_of_a_made_up_course(course, made_up):
    found = compute([course])
    people = found["participants"]
    assert people["total"] == 8
    assert people["by_sex"] == {"female": 5, "male": 2, "undisclosed": 1}
    assert people["by_country"] == {"TH": {"female": 2, "male": 0, "undisclosed": 1},
                                    "VN": {"female": 3, "male": 2, "undisclosed": 0}}
    assert found["registrations"]["by_status"]["pending"]["female"] == 1
    assert found["registrations"]["by_status"]["declined"]["male"] == 1
    attendance = found["attendance"]
    # 3 slots (opening, group work, the two tracks) × 8 people; 8 + 3 + 6 attended
    assert (attendance["attended"], attendance["possible"]) == (17, 24)
    assert attendance["rate"] == pytest.approx(100 * 17 / 24)
    assert attendance["by_sex"]["female"] == {"attended": 12, "possible": 15, "people": 5,
                                              "rate": pytest.approx(80.0)}
    present = {s["title"]["en"]: s["present"] for s in attendance["sessions"]}
    assert present["Opening"] == {"female": 5, "male": 2, "undisclosed": 1}  # not the pending one
    assert present["Track B"] == {"female": 2, "male": 0, "undisclosed": 0}
    assert present["Group work"]["undisclosed"] == 0  # marked absent
    knowledge = found["knowledge"]
    assert (knowledge["pre_mean"], knowledge["post_mean"]) == (pytest.approx(40.0), pytest.approx(80.0))


def test_small_groups_show_counts_and_no_percentage(course, made_up):
    report = course_report(course)
    assert report.threshold == 5
    countries = table(report, "participants_country")
    assert countries["Viet Nam"][1:] == [3, 2, 0, 5, pytest.approx(0.6)]
    assert countries["Thailand"][1:] == [2, 0, 1, 3, None]  # 3 people: no share
    by_sex = table(report, "attendance_sex")
    assert by_sex["Female"][4] == pytest.approx(0.8)
    assert by_sex["Male"][1:] == [2, 4, 6, None]
    assert by_sex["Prefer not to say"][1:] == [1, 1, 3, None]
    course.report_threshold = 2
    assert table(course_report(course), "attendance_sex")["Male"][4] == pytest.approx(4 / 6)
    evaluation = table(course_report(course), "evaluation_day-1")
    assert evaluation[next(iter(evaluation))][1:7] == [0, 1, 0, 2, 1, 4]


def test_filters_restrict_the_people(course, made_up):
    viet_nam = compute([course], Filters(country="VN"))
    assert viet_nam["participants"]["by_country"].keys() == {"VN"}
    assert (viet_nam["attendance"]["attended"], viet_nam["attendance"]["possible"]) == (13, 15)
    women = compute([course], Filters(sex="female"))
    assert women["participants"]["total"] == 5
    assert women["attendance"]["by_sex"]["male"]["possible"] == 0
    thailand = compute([course], Filters(country="TH"))
    assert thailand["knowledge"]["pre_count"] == 0 and thailand["knowledge"]["pre_mean"] is None
    assert thailand["evaluation"]["day-1"]["responses"] == 4  # evaluations are not filtered


def test_the_knowledge_test_counts_participants_only_filtered_or_not(client, course, made_up, db, login):
    """Someone who took both tests and then cancelled is no longer a participant: left out of the
    knowledge figures as of the others, so the countries' figures add up to everyone's."""
    made_up["people"][0].status = "cancelled"  # a Vietnamese woman: pre 2, post 6
    db.session.commit()
    everyone = compute([course])["knowledge"]
    assert (everyone["pre_count"], everyone["paired_count"]) == (4, 4)
    assert everyone["pre_mean"] == pytest.approx((4 + 4 + 6 + 4) * 10 / 4)
    assert compute([course], Filters(country="VN"))["knowledge"]["pre_count"] == 4
    assert everyone["by_sex"]["female"] == {"pre_mean": 40.0, "post_mean": 80.0, "paired_count": 2}
    login(course.trainers[0])
    found = client.get(f"/manage/courses/{SLUG}/report.json").get_json()
    assert (found["participants"]["total"], found["knowledge"]["pre_count"]) == (7, 4)


def test_an_empty_course_renders_everywhere(client, course, login):
    login(course.trainers[0])
    found = as_json(course_report(course, donor=True))
    assert found["participants"]["total"] == 0
    assert found["attendance"]["rate"] is None and found["knowledge"]["pre_mean"] is None
    page = client.get(f"/manage/courses/{SLUG}/dashboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nothing to count yet." in text and 'class="chart"' not in text
    for name in ("report.xlsx", "report.pdf", "report.json"):
        assert client.get(f"/manage/courses/{SLUG}/{name}").status_code == 200


def test_one_participant_who_prefers_not_to_say(client, course, login, make_registration):
    person = make_registration(course, sex="undisclosed", country="TL")
    session(course, 3, 900, 1000, "Opening")
    mark(course.sessions[0], person, method="trainer")
    report = course_report(course)
    assert table(report, "participants_sex")["Prefer not to say"][1:] == [1, None]
    assert report.figures["attendance"]["rate"] == 100.0
    assert table(report, "attendance_sex")["Total"][4] is None  # one person: no rate shown
    login(course.trainers[0])
    text = client.get(f"/manage/courses/{SLUG}/dashboard").get_data(as_text=True)
    assert "Prefer not to say" in text and "Timor-Leste" in text and "100%" not in text


def test_the_dashboard_has_no_script_and_every_chart_has_its_table(client, course, made_up, login):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{SLUG}/dashboard?country=VN")
    text = response.get_data(as_text=True)
    assert "<script" not in text.lower()
    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;charset=utf-8,([^"]+)" alt="([^"]+)"', text)
    assert len(images) >= 4
    for data, alt in images:
        svg = unquote(data)
        assert svg.startswith("<svg") and "<script" not in svg and "<!--" not in svg
        assert "Noto Sans Khmer" in svg and alt.startswith("Chart: ")
    assert text.count('<th scope="col"') > 20 and 'id="table-participants_country"' in text
    assert "Thailand" not in text.split('id="h-participants_country"')[1].split("</section>")[0]
    assert "Evaluations and the follow-up are not filtered" in text


def test_bad_filters_are_refused_with_a_message(client, course, made_up, login):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{SLUG}/dashboard?country=FR&sex=other")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "No participant comes from the country asked for" in text and "Unknown sex" in text
    assert client.get(f"/manage/courses/{SLUG}/report.xlsx?country=FR").status_code == 400


def test_the_workbook_holds_numbers_one_sheet_per_table(client, course, made_up, login):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{SLUG}/report.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    report = course_report(course, donor=True)
    assert len(book.worksheets) == 1 + len(report.tables)
    sheet = book["Participants by country and sex"]
    assert [cell.value for cell in sheet[1]][:5] == ["Country", "Female", "Male", "Prefer not to say", "Total"]
    assert sheet[1][0].font.bold and sheet.freeze_panes == "A2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert [cell.value for cell in rows["Viet Nam"][1:5]] == [3, 2, 0, 5]
    assert rows["Viet Nam"][5].value == pytest.approx(0.6) and rows["Viet Nam"][5].number_format == "0.0%"
    assert rows["Thailand"][5].value is None
    for found in book.worksheets:
        for row in found.iter_rows(min_row=2):
            for cell in row:
                assert not (isinstance(cell.value, str) and re.fullmatch(r"[\d.,]+ ?%?", cell.value)), \
                    (found.title, cell.coordinate, cell.value)
    attendance = {row[0].value: row for row in book["Attendance by sex"].iter_rows(min_row=2)}
    assert attendance["Total"][4].value == pytest.approx(17 / 24)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_the_pdf_holds_the_same_numbers_and_draws_the_charts(client, course, made_up, login):
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{SLUG}/report.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Donor report".upper() in text and "Participants by country and sex" in text
    assert re.search(r"Viet Nam\s+3\s+2\s+0\s+5\s+60%", text)
    assert re.search(r"Thailand\s+2\s+0\s+1\s+3\s+–", text)
    assert re.search(r"Total\s+8\s+17\s+24\s+70\.8%", text)
    assert "Track B" in text and "Opening" in text  # the agenda
    assert text.count("Prefer not to say") >= 4  # tables and chart legends (SVG text)


def test_the_json_holds_the_documented_keys(client, course, made_up, login):
    login(course.trainers[0])
    found = client.get(f"/manage/courses/{SLUG}/report.json?sex=female").get_json()
    assert found["participants"]["total"] == 5
    assert found["filters"] == {"sex": "female"}
    found = client.get(f"/manage/courses/{SLUG}/report.json").get_json()
    assert found["participants"]["by_sex"] == {"female": 5, "male": 2, "undisclosed": 1}
    assert found["participants"]["by_country"]["VN"] == {"female": 3, "male": 2, "undisclosed": 0}
    assert found["attendance"]["rate"] == pytest.approx(100 * 17 / 24)
    assert found["attendance"]["by_sex"]["male"]["rate"] is None  # 2 men: under the threshold
    assert (found["knowledge"]["pre_mean"], found["knowledge"]["post_mean"]) == (40.0, 80.0)
    assert found["course"]["slug"] == SLUG and found["threshold"] == 5


def test_the_report_command(runner, course, made_up, tmp_path):
    result = runner.invoke(args=["report", SLUG, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["participants"]["total"] == 8
    target = tmp_path / "report.xlsx"
    result = runner.invoke(args=["report", SLUG, "--format", "xlsx", "--output", str(target),
                                 "--language", "vi"])
    assert result.exit_code == 0, result.output
    values = {cell.value for sheet in load_workbook(target).worksheets
              for row in sheet.iter_rows() for cell in row}
    assert "Việt Nam" in values and "Viet Nam" not in values  # in Vietnamese
    target = tmp_path / "report.pdf"
    assert runner.invoke(args=["report", SLUG, "--format", "pdf", "--output", str(target)]).exit_code == 0
    assert re.search(r"Total\s+8\s+17\s+24\s+70\.8%", pdf_text(target.read_bytes()))
    missing = runner.invoke(args=["report", "no-such-course"])
    assert missing.exit_code != 0 and "no-such-course" in missing.output


def test_other_trainers_are_refused(client, course, made_up, login, make_user):
    login(make_user(email="other@example.org"))
    for path in ("dashboard", "report.xlsx", "report.pdf", "report.json"):
        assert client.get(f"/manage/courses/{SLUG}/{path}").status_code == 403, path
    programme = client.get("/manage/reports/").get_data(as_text=True)
    assert "Localizing the RPA WPS" not in programme and "0 courses" in programme
