"""Certificates: eligibility from attendance, issuing with overrides, revoking, verification."""
from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from job_support import redis_queue, work_off  # noqa: F401,F811 - a fixture

from app.agenda.operations import SessionDetails, mark, save_session
from app.certificates import operations
from app.certificates.models import Certificate
from app.i18n.multilingual import MultilingualText
from app.registrations.operations import Person, register


@pytest.fixture
def course(make_course, make_user, db):
    course = make_course(trainer=make_user(email="cert@example.org"), slug="cert-2030",
                         start_date=date(2030, 4, 9), end_date=date(2030, 4, 10), requires_approval=False,
                         contact_hours=Decimal("8"))
    for day, title in ((9, "Day one"), (10, "Day two")):
        save_session(course, None, SessionDetails(day=date(2030, 4, day), start=time(9), end=time(13),
                                                  title=MultilingualText(en=title)))
    db.session.commit()
    return course


def person(course, db, email, sessions):
    registration = register(course, Person(
        full_name=email.split("@")[0].title(), sex="female", age_group="35-44", country="TH",
        organisation_type="cso", organisation="Example", email=email, native_name="สมศรี"), notify=False)
    for session in course.sessions[:sessions]:
        mark(session, registration, method="trainer")
    db.session.commit()
    return registration


def test_eligibility_follows_the_attendance_threshold(course, db):
    full, half = person(course, db, "full@example.org", 2), person(course, db, "half@example.org", 1)
    standing = {s.registration.id: s for s in operations.standings(course)}
    assert standing[full.id].eligible and standing[full.id].rate == 100.0
    assert not standing[half.id].eligible and standing[half.id].rate == 50.0
    issued = operations.issue_all_eligible(course)
    db.session.commit()
    assert [c.registration_id for c in issued] == [full.id]
    assert issued[0].number == "CERT-2030-0001" and issued[0].second_language == "th"
    assert operations.issue_all_eligible(course) == []  # nothing twice


def test_issuing_to_n_participants_reads_the_attendance_once(course, db):
    """Measured: each issue() reloaded every participant's attendance (800 certificates in a
    20,000-registration course had not finished after 4 minutes)."""
    from sqlalchemy import event

    def statements_to_issue(people: int) -> tuple[int, int]:
        for index in range(people):
            register(course, Person(full_name=f"P{people}-{index}", sex="female", age_group="35-44",
                                    country="TH", organisation_type="cso",
                                    email=f"n{people}-{index}@example.org"), notify=False)
        db.session.flush()
        for registration in course.registrations:
            for session in course.sessions:
                mark(session, registration, method="trainer")
        db.session.commit()
        seen = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            issued = operations.issue_all_eligible(course)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert len(issued) == people
        reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
        return len(reads), sum("from attendance" in " ".join(s.lower().split()) for s in reads)

    few, few_attendance = statements_to_issue(5)
    many, many_attendance = statements_to_issue(50)
    assert many_attendance == few_attendance == 1  # once per issue, not once per participant
    assert many == few, (few, many)  # reads do not grow with the participants (inserts do)
    numbers = db.session.scalars(sa.select(Certificate.number).order_by(Certificate.id)).all()
    assert numbers == [f"CERT-2030-{n:04d}" for n in range(1, 56)]


def test_below_the_threshold_needs_a_reason_and_gets_the_hours_attended(course, db, make_user):
    half = person(course, db, "half@example.org", 1)
    with pytest.raises(operations.IssueRefused):
        operations.issue(half)
    certificate = operations.issue(half, make_user(), override_reason="Medical leave, day two")
    db.session.commit()
    assert certificate.full_hours is False and certificate.hours == Decimal("4.0")
    assert certificate.override_reason == "Medical leave, day two"


def test_revoked_certificates_say_so_on_verification_and_are_not_downloadable(client, course, db):
    holder = person(course, db, "full@example.org", 2)
    certificate = operations.issue(holder)
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}?lang=vi").get_data(as_text=True)
    assert "Giấy chứng nhận hợp lệ" in page and "Full" in page
    operations.revoke(certificate, "Issued by mistake")
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "Revoked certificate" in page and "Issued by mistake" in page
    response = client.get(f"/p/{holder.token}/certificate.pdf")
    assert response.status_code == 404 and "revoked" in response.get_data(as_text=True)
    assert client.get("/verify/forged-code").status_code == 404


def test_reissue_supersedes_and_keeps_the_history(course, db):
    holder = person(course, db, "full@example.org", 2)
    first = operations.issue(holder)
    second = operations.reissue(first)
    db.session.commit()
    assert (first.status, first.superseded_by_id, second.status) == ("superseded", second.id, "valid")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2


def test_trainers_issue_with_a_reason_from_the_page(client, course, db, login):
    half = person(course, db, "half@example.org", 1)
    login(course.trainers[0])
    page = client.get("/manage/courses/cert-2030/certificates/").get_data(as_text=True)
    assert "Half" in page and "below" in page
    client.post(f"/manage/courses/cert-2030/certificates/issue/{half.id}", data={"reason": "", "confirm_early": "1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    client.post(f"/manage/courses/cert-2030/certificates/issue/{half.id}", data={"reason": "Travel delay", "confirm_early": "1"})
    assert db.session.scalar(sa.select(Certificate.override_reason)) == "Travel delay"


def test_names_no_font_can_print_are_flagged_before_issuing(client, course, db, login):
    registration = person(course, db, "emoji@example.org", 2)
    registration.certificate_name = "Emoji 🧑 Person"
    db.session.commit()
    login(course.trainers[0])
    page = client.get("/manage/courses/cert-2030/certificates/").get_data(as_text=True)
    assert "Unprintable characters" in page and "🧑" in page


def test_the_participant_downloads_a_bilingual_pdf(client, course, db):
    import subprocess

    holder = person(course, db, "full@example.org", 2)
    operations.settings_for(course)
    operations.issue(holder)
    db.session.commit()
    response = client.get(f"/p/{holder.token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True).stdout.decode()
    assert "Full" in text and "CERT-2030-0001" in text


def test_bulk_issue_runs_in_the_app_without_redis_and_gives_merged_and_zip_files(app, client, course, db,
                                                                                login):
    import io
    import time
    import zipfile

    from app.certificates.models import IssueJob

    for index in range(3):
        person(course, db, f"p{index}@example.org", 2)
    login(course.trainers[0])
    response = client.post("/manage/courses/cert-2030/certificates/", data={"confirm_early": "1"})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while True:
        db.session.commit()
        job = db.session.scalar(sa.select(IssueJob))
        if job.state in ("finished", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (job.state, job.done, job.total) == ("finished", 3, 3), job.error
    page = client.get("/manage/courses/cert-2030/certificates/").get_data(as_text=True)
    assert "one PDF for printing" in page  # the progress survives a reload: it lives in the database
    merged = client.get(f"/manage/courses/cert-2030/certificates/jobs/{job.id}/merged")
    assert merged.mimetype == "application/pdf"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/manage/courses/cert-2030/certificates/jobs/{job.id}/zip").data))
    assert sorted(archive.namelist()) == ["CERT-2030-0001.pdf", "CERT-2030-0002.pdf", "CERT-2030-0003.pdf"]


@pytest.mark.redis
def test_bulk_issue_on_a_real_rq_worker(app, course, db, redis_queue, monkeypatch):
    person(course, db, "one@example.org", 2)
    with app.test_request_context(method="POST"):
        job = operations.start_job(course, None)
        db.session.commit()  # queued once committed: the worker must find the row
    work_off(redis_queue, app, monkeypatch)
    db.session.commit()
    db.session.refresh(job)
    assert (job.state, job.total, job.done) == ("finished", 1, 1), job.error
