"""Rules moved out of the views into operations, and reading pages that used to write."""
from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.agenda import operations as agenda
from app.agenda.operations import SessionDetails, save_session
from app.certificates.models import Certificate, CertificateSettings
from app.courses import operations as courses
from app.i18n.multilingual import MultilingualText
from app.registrations import listing
from app.registrations.operations import Person, register


@pytest.fixture
def course(make_course, make_user, db):
    course = make_course(trainer=make_user(email="thin@example.org"), slug="thin-2030",
                         start_date=date(2030, 4, 9), end_date=date(2030, 4, 10),
                         requires_approval=False, contact_hours=Decimal("8"))
    save_session(course, None, SessionDetails(day=date(2030, 4, 9), start=time(9), end=time(13),
                                              title=MultilingualText(en="Day one")))
    db.session.commit()
    return course


def person(course, db, email, name=None):
    registration = register(course, Person(
        full_name=name or email.split("@")[0].title(), sex="female", age_group="35-44", country="TH",
        organisation_type="cso", organisation="Example", email=email), notify=False)
    db.session.commit()
    return registration


def test_certificate_settings_page_of_a_new_course_stores_nothing(client, course, db, login, writes):
    """The settings page used to INSERT the course's settings on GET."""
    login(course.trainers[0])
    writes.clear()  # signing in writes; the page itself must not
    response = client.get(f"/manage/courses/{course.slug}/certificates/settings")
    assert response.status_code == 200
    assert writes == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateSettings)) == 0


def test_certificate_preview_builds_no_certificate(client, course, db, login, writes):
    """The preview used to add a Certificate (and settings) to the session and roll back."""
    person(course, db, "preview@example.org")
    login(course.trainers[0])
    writes.clear()
    response = client.get(f"/manage/courses/{course.slug}/certificates/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert writes == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_certificate_settings_are_saved_by_the_operation(course, db):
    from app.certificates import settings

    values = {name: getattr(settings.current_settings(course), name) for name in settings.FIELDS}
    values["signatory1_name"] = "Dr. Sample"
    settings.save_settings(course, values, {})
    db.session.commit()
    assert course.certificate_settings.signatory1_name == "Dr. Sample"
    assert course.certificate_settings.layout == "default"


def test_a_trainer_cannot_remove_themselves_but_an_admin_can(course, db, make_user):
    trainer = course.trainers[0]
    with pytest.raises(courses.TeamRefused):
        courses.remove_trainer(course, trainer, by=trainer)
    assert trainer in course.trainers
    courses.remove_trainer(course, trainer, by=make_user(role="admin"))
    assert trainer not in course.trainers


def test_sign_in_sheet_ids_are_read_by_the_operation(course, db):
    first, second = person(course, db, "a@example.org"), person(course, db, "b@example.org")
    assert agenda.sheet_ids(f"P-{first.id:04d}, p{second.id} 0{first.id}") == {first.id, second.id}
    session = course.sessions[0]
    with pytest.raises(agenda.AgendaRejected, match="P-9999"):
        agenda.mark_sheet(course, session, f"P-{first.id:04d} P-9999", by=None)
    assert agenda.mark_sheet(course, session, f"P-{first.id:04d} {second.id}", by=None) == 2


def test_registration_list_counts_and_duplicates(course, db):
    one = person(course, db, "same@example.org", "Ana Lima")
    two = person(course, db, "other@example.org", "ANA LIMA")
    three = person(course, db, "third@example.org", "Somebody Else")
    assert listing.duplicate_ids(course) == {one.id, two.id}
    assert listing.status_counts(course) == {"approved": 3}
    assert {r.id for r in listing.matching(course, {"q": "ana"})} == {one.id, two.id}
    assert [r.id for r in listing.matching(course, {"q": "else"})] == [three.id]


def test_a_worksheet_save_takes_plain_data_and_builds_no_form(app, db, course, make_exercise,
                                                              make_registration, monkeypatch):
    """The page reads the form (filling.read_form); the operation merges plain answers."""
    from app.toolkit import forms, operations

    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course)

    def no_forms(*args, **kwargs):
        raise AssertionError("an operation built a form")

    monkeypatch.setattr(forms, "build", no_forms)
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(plan, ha)
        typed = operations.Typed({"top_priorities": "Issue the plan", "sign_off": "", "actions": []})
        result = operations.save(sheet, typed, base_version=0, registration=ha)
        db.session.commit()
    assert result.version == 1 and sheet.answers["top_priorities"] == "Issue the plan"
