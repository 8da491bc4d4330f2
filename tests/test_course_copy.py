"""Copying a course to new dates: only what is ticked is copied; agenda, exercises, certificate
settings and working-group rules come along on request; registrations and what hangs on them
never do; bad input changes nothing."""
import re
import subprocess
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from certificate_support import SIGNATURE, pdf_text, png_bytes, signature_png
from helpers import count, stored

from app.agenda.models import AgendaSession, Attendance, Speaker
from app.agenda.operations import SessionDetails, mark, save_session
from app.certificates import settings as certificate_settings
from app.certificates.models import Certificate, CertificateSettings
from app.courses.copying import PARTS
from app.courses.models import Course
from app.i18n.multilingual import MultilingualText as T
from app.organisations import logos
from app.organisations.models import Organisation
from app.registrations.models import Registration
from app.toolkit.models import Exercise, Worksheet

ALL = list(PARTS)


def organisation(db, acronym: str) -> Organisation:
    org = Organisation(name=T(en=f"{acronym} name"), acronym=acronym, logo=logos.store(png_bytes()))
    db.session.add(org)
    db.session.commit()
    return org


@pytest.fixture
def jakarta(db, make_course, make_user, make_exercise, make_registration):
    """A two-day Jakarta course with an organiser, a donor, objectives, an agenda with speakers
    and a meeting link, two exercises (one linked to a session), certificate settings with a
    signature image, working-group rules, and a participant who attended and filled a sheet."""
    trainer = make_user(email="copy@example.org")
    organiser, donor = organisation(db, "IPR"), organisation(db, "KOICA")
    course = make_course(trainer=trainer, slug="jakarta-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 10), organiser_ids=[organiser.id], donor_ids=[donor.id],
                         objectives=[T(en="Draft a national action plan")], mode="hybrid")
    expert = Speaker(course_id=course.id, name="Dr Helena Marques", title="Expert",
                     organisation="Independent", bio=T(en="Twenty years of WPS work."),
                     photo=logos.store(png_bytes()))
    db.session.add(expert)
    db.session.flush()
    save_session(course, None, SessionDetails(
        day=date(2030, 4, 9), start=time(8, 30), end=time(10), title=T(en="Opening"), kind="ceremony",
        room="Main hall", online_url="https://zoom.example/j/111?pwd=old",
        leads=[(expert.id, "speaker")]))
    save_session(course, None, SessionDetails(
        day=date(2030, 4, 10), start=time(14, 45), end=time(16, 15), title=T(en="Problem tree"),
        kind="group_work", room="Room A", leads=[(expert.id, "facilitator")]))
    course.grouping, course.group_rule = "groups", {"kind": "random", "size": 6}
    certificate_settings.save_settings(course, {
        **{name: getattr(certificate_settings.current_settings(course), name)
           for name in certificate_settings.FIELDS},
        "signatory1_name": "Rahmat Hidayat", "signatory1_title": T(en="Executive Director"),
        "wording": T(en="has completed the course"), "language_mode": "participant_only"}, {})
    course.certificate_settings.signatory1_image = logos.store(SIGNATURE)
    db.session.commit()
    problem_tree = make_exercise(course, "M2", mode="individual", session=course.sessions[1],
                                 instructions=T(en="Draw the tree for your ministry."))
    make_exercise(course, "M11")
    person = make_registration(course)
    mark(course.sessions[0], person, method="trainer")
    db.session.add(Worksheet(exercise=problem_tree, registration=person, answers={"x": 1}, version=1))
    db.session.add(Certificate(registration_id=person.id, number="J-1",
                               hours=course.contact_hours, attendance_rate=100, second_language="vi"))
    db.session.commit()
    return course


def copy(client, login, course, slug="upr-2031", start="2031-03-04", parts=(), status=302):
    login(course.trainers[0])
    response = client.post(f"/manage/courses/{course.slug}/clone",
                           data={"slug": slug, "start_date": start, "parts": list(parts)})
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def course_named(db, slug: str) -> Course:
    db.session.expire_all()
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


CHECKBOX = re.compile(r'<input[^>]*name="parts"[^>]*>')


def offered(page: str) -> list[str]:
    return [re.search(r'value="(\w+)"', box).group(1) for box in CHECKBOX.findall(page)]


def ticked(page: str) -> set[str]:
    return {re.search(r'value="(\w+)"', box).group(1) for box in CHECKBOX.findall(page)
            if re.search(r"\schecked[\s>]", box)}


def local(course: Course, moment: datetime) -> tuple[date, time]:
    shown = moment.astimezone(ZoneInfo(course.timezone))
    return shown.date(), shown.time()


def test_nothing_ticked_copies_only_the_settings_and_the_team(client, db, login, jakarta):
    copy(client, login, jakarta)
    new = course_named(db, "upr-2031")
    assert (new.start_date, new.end_date, new.timezone) == (date(2031, 3, 4), date(2031, 3, 5),
                                                            "Asia/Jakarta")
    assert new.title == jakarta.title and new.mode == "hybrid" and new.trainers == jakarta.trainers
    assert new.objectives == [] and new.organisation_links == []
    assert new.sessions == [] and new.speakers == [] and new.exercises == []
    assert new.certificate_settings is None
    assert (new.grouping, new.group_rule) == ("country", {})


def test_everything_ticked_copies_every_part_and_leaves_the_original_alone(client, db, login, jakarta):
    copy(client, login, jakarta, parts=ALL)
    new, old = course_named(db, "upr-2031"), course_named(db, "jakarta-2030")
    assert [o.text["en"] for o in new.objectives] == ["Draft a national action plan"]
    assert [(link.role, link.organisation.acronym) for link in new.organisation_links] == \
        [("organiser", "IPR"), ("donor", "KOICA")]
    assert [(s.name, s.title, s.organisation, s.bio["en"], s.photo) for s in new.speakers] == \
        [(s.name, s.title, s.organisation, s.bio["en"], s.photo) for s in old.speakers]
    assert new.speakers[0].id != old.speakers[0].id
    assert [[(lead.speaker.course_id, lead.role) for lead in s.leads] for s in new.sessions] == \
        [[(new.id, "speaker")], [(new.id, "facilitator")]]
    assert new.sessions[0].online_url == "https://zoom.example/j/111?pwd=old"  # ticked
    assert {s.uid for s in new.sessions}.isdisjoint({s.uid for s in old.sessions})
    assert (new.grouping, new.group_rule) == ("groups", {"kind": "random", "size": 6})
    # The old course keeps everything; the new one has no one and nothing that hangs on people.
    assert len(old.sessions) == 2 and len(old.exercises) == 2 and len(old.speakers) == 1
    assert new.registrations.count() == 0 and new.working_groups == []
    for model, column in ((Attendance, Attendance.session_id), (Worksheet, Worksheet.exercise_id)):
        owners = [s.id for s in new.sessions] if model is Attendance else [e.id for e in new.exercises]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            column.in_(owners))) == 0
    assert count(Registration) == 1 and count(Certificate) == 1  # the old participant's only


@pytest.mark.parametrize("ticked", [False, True])
def test_the_objectives_come_only_when_ticked(client, db, login, jakarta, ticked):
    copy(client, login, jakarta, parts=["objectives"] if ticked else ["agenda"])
    assert len(course_named(db, "upr-2031").objectives) == (1 if ticked else 0)


@pytest.mark.parametrize("ticked", [False, True])
def test_donors_reach_the_new_agenda_pdf_only_when_ticked(client, db, login, jakarta, tmp_path, ticked):
    """The report: the Jakarta donors' logos appeared on the UPR workshop's agenda PDF."""
    copy(client, login, jakarta, parts=["agenda", "organisations"] if ticked else ["agenda"])
    new = course_named(db, "upr-2031")
    assert [o.acronym for o in new.organisations("donor")] == (["KOICA"] if ticked else [])
    response = client.get("/courses/upr-2031/agenda.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "Problem tree" in text  # the copied agenda is printed
    assert ("With the support of" in text) is ticked and ("Organised by" in text) is ticked
    source = tmp_path / "agenda.pdf"
    source.write_bytes(response.data)
    images = subprocess.run(["pdfimages", "-list", str(source)], capture_output=True, check=True,
                            text=True).stdout.splitlines()[2:]
    assert len(images) == (2 if ticked else 0)  # the organiser's and the donor's logos


def test_the_agenda_moves_to_the_new_dates_at_the_same_local_times(client, db, login, jakarta):
    copy(client, login, jakarta, parts=["agenda"])
    new = course_named(db, "upr-2031")
    assert [(local(new, s.starts_at), local(new, s.ends_at)) for s in new.sessions] == [
        ((date(2031, 3, 4), time(8, 30)), (date(2031, 3, 4), time(10))),
        ((date(2031, 3, 5), time(14, 45)), (date(2031, 3, 5), time(16, 15)))]
    assert new.sessions[0].starts_at == datetime(2031, 3, 4, 1, 30, tzinfo=timezone.utc)
    assert [s.title["en"] for s in new.sessions] == ["Opening", "Problem tree"]
    assert [(s.room, s.kind) for s in new.sessions] == [("Main hall", "ceremony"), ("Room A", "group_work")]
    assert new.sessions[0].online_url == ""  # meeting links of the old event are not ticked
    assert new.exercises == []
    public = client.get("/courses/upr-2031/agenda").get_data(as_text=True)
    assert "Dr Helena Marques" in public and "08:30" in public


def test_across_a_daylight_saving_change_the_wall_clock_time_is_kept(client, db, login, make_course):
    """Sydney leaves daylight saving on 6 April 2031: 09:00 is 22:00 UTC before, 23:00 after."""
    course = make_course(slug="sydney-2031", start_date=date(2031, 3, 25), end_date=date(2031, 3, 25),
                         country="AU", timezone="Australia/Sydney")
    save_session(course, None, SessionDetails(day=date(2031, 3, 25), start=time(9), end=time(17),
                                              title=T(en="Workshop")))
    db.session.commit()
    copy(client, login, course, slug="sydney-winter-2031", start="2031-06-10", parts=["agenda"])
    new = course_named(db, "sydney-winter-2031")
    session = new.sessions[0]
    assert (local(new, session.starts_at), local(new, session.ends_at)) == \
        ((date(2031, 6, 10), time(9)), (date(2031, 6, 10), time(17)))
    assert session.starts_at == datetime(2031, 6, 9, 23, 0, tzinfo=timezone.utc)
    assert course.sessions[0].starts_at == datetime(2031, 3, 24, 22, 0, tzinfo=timezone.utc)


def test_exercises_link_to_the_copied_sessions(client, db, login, jakarta):
    copy(client, login, jakarta, parts=["agenda", "exercises"])
    new = course_named(db, "upr-2031")
    assert [(e.module_key, e.mode, e.position) for e in new.exercises] == \
        [("M2", "individual", 0), ("M11", "team", 1)]
    tree = new.exercises[0]
    assert tree.session.course_id == new.id and tree.session.title["en"] == "Problem tree"
    assert tree.instructions["en"] == "Draw the tree for your ministry."
    assert new.exercises[1].session is None
    assert count(Worksheet) == 1  # the old participant's sheet only


def test_exercises_without_the_agenda_keep_no_session(client, db, login, jakarta):
    copy(client, login, jakarta, parts=["exercises"])
    new = course_named(db, "upr-2031")
    assert [e.module_key for e in new.exercises] == ["M2", "M11"]
    assert all(e.session is None for e in new.exercises) and new.sessions == []
    assert course_named(db, "jakarta-2030").exercises[0].session is not None


def test_certificate_settings_and_signatures_come_only_when_ticked(client, db, login, jakarta, app):
    copy(client, login, jakarta, slug="unticked-2031", parts=["agenda"])
    assert course_named(db, "unticked-2031").certificate_settings is None
    copy(client, login, jakarta, parts=["certificate"])
    new, old = course_named(db, "upr-2031").certificate_settings, jakarta.certificate_settings
    columns = [c.key for c in CertificateSettings.__table__.columns if c.key != "course_id"]
    assert {c: getattr(new, c) for c in columns} == {c: getattr(old, c) for c in columns}
    assert new.signatory1_name == "Rahmat Hidayat" and new.language_mode == "participant_only"
    # The signature's file is shared: a new signature on the old course leaves the copy's alone.
    image = new.signatory1_image
    kept = stored(logos.key_of(image))
    old.signatory1_image = logos.store(signature_png((122, 29, 29)))
    db.session.commit()
    assert old.signatory1_image != image
    assert stored(logos.key_of(image)) == kept
    assert client.get(f"/logos/{image}").status_code == 200


def test_the_working_group_rules_come_only_when_ticked(client, db, login, jakarta):
    copy(client, login, jakarta, slug="by-country-2031", parts=["agenda"])
    assert course_named(db, "by-country-2031").grouping == "country"
    copy(client, login, jakarta, parts=["grouping"])
    new = course_named(db, "upr-2031")
    assert (new.grouping, new.group_rule) == ("groups", {"kind": "random", "size": 6})
    new.group_rule["size"] = 4  # a copy, not the same document
    assert course_named(db, "jakarta-2030").group_rule == {"kind": "random", "size": 6}


def test_meeting_links_without_the_agenda_copy_nothing(client, db, login, jakarta):
    copy(client, login, jakarta, parts=["meeting_links"])
    assert course_named(db, "upr-2031").sessions == []


def test_the_form_offers_each_part_with_the_defaults_ticked(client, login, jakarta):
    login(jakarta.trainers[0])
    page = client.get("/manage/courses/jakarta-2030/clone").get_data(as_text=True)
    assert offered(page) == list(PARTS)
    assert ticked(page) == {"agenda", "exercises", "grouping"}


@pytest.mark.parametrize("data, field", [
    ({"slug": "jakarta-2030", "start_date": "2031-03-04"}, "Another course already uses this web address."),
    ({"slug": "upr-2031", "start_date": ""}, "This field is required."),
    ({"slug": "Not a slug", "start_date": "2031-03-04"}, "Use lowercase letters"),
])
def test_bad_input_changes_nothing_and_keeps_what_was_ticked(client, db, login, jakarta, data, field):
    before = (count(Course), count(AgendaSession), count(Speaker), count(Exercise),
              count(CertificateSettings))
    login(jakarta.trainers[0])
    response = client.post("/manage/courses/jakarta-2030/clone",
                           data={**data, "parts": ["objectives", "certificate"]})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field in page
    assert (count(Course), count(AgendaSession), count(Speaker), count(Exercise),
            count(CertificateSettings)) == before
    assert offered(page) == list(PARTS) and ticked(page) == {"objectives", "certificate"}


def test_another_teams_course_cannot_be_copied(client, db, login, jakarta, make_user):
    login(make_user())
    response = client.post("/manage/courses/jakarta-2030/clone",
                           data={"slug": "stolen-2031", "start_date": "2031-03-04", "parts": ALL})
    assert response.status_code == 403
    assert count(Course) == 1
