"""The agenda's iCalendar feed: /courses/<slug>/agenda.ics (a stable address)."""
import re
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.agenda.calendar import course_calendar
from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, save_session
from app.i18n.multilingual import MultilingualText

UTC = ZoneInfo("UTC")
LONG_VI = ("Thảo luận nhóm về vai trò của phụ nữ trong hòa bình và an ninh, kế hoạch hành động "
           "quốc gia, giám sát và đánh giá; chia sẻ kinh nghiệm từ các nước ASEAN. ") * 3


def add_session(course, day, start, end, en, vi=None, **extra):
    title = MultilingualText(en=en, vi=vi) if vi else MultilingualText(en=en)
    return save_session(course, None, SessionDetails(day=day, start=start, end=end, title=title, **extra))


@pytest.fixture
def agenda(db, make_course):
    course = make_course(slug="jakarta-2025", timezone="Asia/Jakarta")
    expert = Speaker(course_id=course.id, name="Dr Siti Rahma", title="WPS and NAP expert",
                     organisation="UN Women Asia-Pacific")
    db.session.add(expert)
    db.session.flush()
    opening = add_session(course, date(2025, 4, 9), time(9, 0), time(10, 30), "Opening and introductions",
                          "Khai mạc và giới thiệu", kind="ceremony", room="Ballroom A",
                          leads=[(expert.id, "facilitator")],
                          description=MultilingualText(en="Welcome by the organisers.", vi=LONG_VI))
    panel = add_session(course, date(2025, 4, 10), time(9, 0), time(10, 30), "Panel: NAPs in ASEAN",
                        "Tọa đàm: Kế hoạch hành động quốc gia", kind="panel", room="Ballroom A",
                        online_url="https://meet.example.org/wps-panel")
    db.session.commit()
    return course, opening, panel


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feed_is_a_valid_calendar_in_the_venue_zone(client, agenda):
    course, opening, panel = agenda
    response = client.get("/courses/jakarta-2025/agenda.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == "inline; filename=jakarta-2025.ics"

    calendar = parse(response.data)
    assert str(calendar["PRODID"]) == "-//Lokakarya//Agenda//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Localizing the RPA WPS"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Jakarta"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    assert calendar.get_missing_tzids() == set()

    found = events(calendar)
    assert set(found) == {f"{opening.uid}@lokakarya", f"{panel.uid}@lokakarya"}
    for event in found.values():
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
        assert event["DTEND"].params["TZID"] == "Asia/Jakarta"
        assert (start.hour, start.minute, end.hour, end.minute) == (9, 0, 10, 30)
        assert start.astimezone(UTC).time() == time(2, 0)  # WIB is UTC+7
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert re.search(rb"^DTSTAMP:\d{8}T\d{6}Z\r$", event.to_ical(), re.M)  # in UTC
        assert int(event["SEQUENCE"]) == 0

    first = found[f"{opening.uid}@lokakarya"]
    assert first.decoded("DTSTART") == datetime(2025, 4, 9, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert str(first["SUMMARY"]) == "Opening and introductions"
    assert str(first["LOCATION"]) == "Ballroom A, Jakarta"
    assert first["CATEGORIES"].cats == ["ceremony"]
    assert str(first["DESCRIPTION"]) == ("Welcome by the organisers.\n\nFacilitator: Dr Siti Rahma, "
                                         "WPS and NAP expert, UN Women Asia-Pacific")
    assert "URL" not in first
    second = found[f"{panel.uid}@lokakarya"]
    assert "URL" not in second and b"meet.example.org" not in response.data  # the public feed: no links
    assert second.decoded("DTSTART").date() == date(2025, 4, 10)


def test_lines_are_folded_to_75_octets_with_crlf(client, agenda):
    data = client.get("/courses/jakarta-2025/agenda.ics?lang=vi").data
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character
    description = str(events(parse(data))[f"{agenda[1].uid}@lokakarya"]["DESCRIPTION"])
    assert description.startswith(LONG_VI.strip())


def test_uids_stay_while_sequence_counts_edits(client, db, agenda):
    course, opening, panel = agenda
    before = events(parse(client.get("/courses/jakarta-2025/agenda.ics").data))
    stamp = before[f"{opening.uid}@lokakarya"].decoded("DTSTAMP")

    save_session(course, opening, SessionDetails(
        day=date(2025, 4, 9), start=time(9, 30), end=time(11, 0), kind="ceremony",
        title=MultilingualText(en="Opening, introductions and expectations", vi="Khai mạc")))
    db.session.commit()

    after = events(parse(client.get("/courses/jakarta-2025/agenda.ics").data))
    assert set(after) == set(before)
    edited = after[f"{opening.uid}@lokakarya"]
    assert int(edited["SEQUENCE"]) == 1
    assert edited.decoded("DTSTART") == datetime(2025, 4, 9, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert str(edited["SUMMARY"]) == "Opening, introductions and expectations"
    assert edited.decoded("DTSTAMP") >= stamp
    assert int(after[f"{panel.uid}@lokakarya"]["SEQUENCE"]) == 0


def test_language_follows_lang_with_fallback(client, agenda):
    course, opening, panel = agenda
    calendar = parse(client.get("/courses/jakarta-2025/agenda.ics?lang=vi").data)
    assert str(calendar["X-WR-CALNAME"]) == "Địa phương hóa RPA WPS"
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert summaries == {"Khai mạc và giới thiệu", "Tọa đàm: Kế hoạch hành động quốc gia"}

    calendar = parse(client.get("/courses/jakarta-2025/agenda.ics?lang=th").data)
    assert str(calendar["X-WR-CALNAME"]) == "Localizing the RPA WPS"  # the working language
    assert {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")} == {
        "Opening and introductions", "Panel: NAPs in ASEAN"}


def test_fallback_is_the_working_language(db, make_course):
    course = make_course(slug="hanoi-2025", working_language="vi", timezone="Asia/Ho_Chi_Minh",
                         title={"vi": "Tập huấn WPS", "id": "Pelatihan WPS"}, city={"vi": "Hà Nội"},
                         country="VN")
    add_session(course, date(2025, 4, 9), time(14, 0), time(15, 0), "Group work", "Làm việc nhóm")
    db.session.commit()
    calendar = parse(course_calendar(course, "th"))
    assert str(calendar["X-WR-CALNAME"]) == "Tập huấn WPS"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Làm việc nhóm"
    assert str(event["LOCATION"]) == "Hà Nội"


def test_ho_chi_minh_course(client, db, make_course):
    course = make_course(slug="hcmc-2025", timezone="Asia/Ho_Chi_Minh", city={"en": "Ho Chi Minh City"},
                         country="VN")
    session = add_session(course, date(2025, 4, 11), time(13, 30), time(15, 0), "Case study: Mindanao",
                          "Nghiên cứu điển hình: Mindanao", kind="case_study")
    db.session.commit()
    calendar = parse(client.get("/courses/hcmc-2025/agenda.ics?lang=vi").data)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{session.uid}@lokakarya"
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (13, 30)
    assert start.astimezone(UTC) == datetime(2025, 4, 11, 6, 30, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Nghiên cứu điển hình: Mindanao"
    assert event["CATEGORIES"].cats == ["case_study"]


def test_course_without_sessions_is_an_empty_valid_calendar(client, make_course):
    make_course(slug="empty-2025")
    calendar = parse(client.get("/courses/empty-2025/agenda.ics").data)
    assert calendar.walk("VEVENT") == []
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]


def test_unknown_course_is_404(client):
    assert client.get("/courses/no-such-course/agenda.ics").status_code == 404


def test_app_factory_serves_the_feed(tmp_path):
    """A fresh process (as ``flask run`` starts one) mounts the route without this module's help."""
    code = ("import sys; from app import create_app; app = create_app({'TESTING': True, 'SECRET_KEY': 'x', "
            "'SQLALCHEMY_DATABASE_URI': sys.argv[1], 'UPLOAD_FOLDER': sys.argv[2]}); "
            "print(*sorted(rule.rule for rule in app.url_map.iter_rules()))")
    result = subprocess.run([sys.executable, "-c", code, f"sqlite:///{tmp_path / 'app.db'}", str(tmp_path)],
                            cwd=Path(__file__).parent.parent, capture_output=True, text=True, check=True)
    assert "/courses/<slug>/agenda.ics" in result.stdout.split()


def test_a_participants_own_feed_has_the_meeting_links_in_their_language(client, db, agenda,
                                                                       make_registration):
    """/p/<token>/agenda.ics (a stable address): their course, their language, never cached."""
    course, _opening, _panel = agenda
    person = make_registration(course, language="vi")
    response = client.get(f"/p/{person.token}/agenda.ics", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.data)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert "Khai mạc và giới thiệu" in summaries  # the language she registered in
    links = {str(event.get("URL", "")) for event in calendar.walk("VEVENT")}
    assert f"http://127.0.0.1:5000/p/{person.token}/join/{_panel.uid}" in links  # her own join link
    english = client.get(f"/p/{person.token}/agenda.ics?lang=en").data.decode()
    assert "Opening and introductions" in english
    assert client.get("/p/not-a-token/agenda.ics").status_code == 404
    person.status = "cancelled"
    db.session.commit()
    assert client.get(f"/p/{person.token}/agenda.ics").status_code == 404


def test_the_personal_page_offers_the_personal_feed(client, agenda, make_registration):
    course, _opening, _panel = agenda
    person = make_registration(course)
    page = client.get(f"/p/{person.token}/").get_data(as_text=True)
    assert f'href="/p/{person.token}/agenda.ics"' in page
