"""Guards that speak: issuing certificates before the course's last day (at its venue) asks the
trainer to confirm, and the certificates and bulk jobs issued so record it.

The report: "certificates issued nine days before the event, without a word".
"""
import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.certificates import operations
from app.certificates.models import Certificate, IssueJob
from app.courses.dates import course_today
from helpers import count

EARLY = "The course has not ended yet"
MARK = "issued before the course ended"


@pytest.fixture
def trainer(make_user):
    return make_user(email="early@example.org")


def upcoming(make_course, trainer, slug="early-course", zone="Asia/Jakarta", days_ahead=9, **values):
    """A course whose last day is ``days_ahead`` days from today at its venue; attendance 0%
    suffices, so that everyone approved is eligible without marking any session."""
    today = course_today(type("Venue", (), {"timezone": zone}))
    end = today + timedelta(days=days_ahead)
    return make_course(trainer=trainer, slug=slug, timezone=zone, end_date=end,
                       start_date=min(today, end) - timedelta(days=2), attendance_threshold=0,
                       **values)


def valid(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(Certificate).where(Certificate.status == "valid")).all()


def test_issuing_one_before_the_last_day_asks_first_and_issues_nothing(
        client, db, make_course, make_registration, login, trainer):
    course = upcoming(make_course, trainer)
    person = make_registration(course)
    login(trainer)
    url = f"/manage/courses/{course.slug}/certificates/issue/{person.id}"
    response = client.post(url + "?lang=en", data={"reason": "Leaves early"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    last_day = course.end_date
    assert EARLY in page and f"{last_day:%B} {last_day.day}, {last_day.year}" in page
    assert 'name="confirm_early" value="1"' in page
    assert 'value="Leaves early"' in page  # nothing typed is lost
    assert f'action="{url}"' in page
    assert count(Certificate) == 0

    confirmed = client.post(url, data={"reason": "Leaves early", "confirm_early": "1"})
    assert confirmed.status_code == 302
    [certificate] = valid(db)
    assert certificate.issued_early and certificate.override_reason == "Leaves early"
    listing = client.get(f"/manage/courses/{course.slug}/certificates/?lang=en").get_data(as_text=True)
    assert listing.count(MARK) == 1
    # Said to the trainers only: not on the participant's certificate nor on its public page.
    text = subprocess.run(["pdftotext", "-", "-"], capture_output=True, check=True,
                          input=client.get(f"/p/{person.token}/certificate.pdf").data).stdout.decode()
    assert "Nguyễn Thị Hà" in text and "before the course" not in text
    verification = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "before the course" not in verification


def test_issuing_all_eligible_early_records_the_confirmation_on_the_job(
        client, db, make_course, make_registration, login, trainer):
    course = upcoming(make_course, trainer, days_ahead=1)
    for index in range(2):
        make_registration(course, email=f"p{index}@example.vn")
    login(trainer)
    url = f"/manage/courses/{course.slug}/certificates/"
    refused = client.post(url + "?lang=en")
    assert refused.status_code == 409 and EARLY in refused.get_data(as_text=True)
    assert (count(IssueJob), count(Certificate)) == (0, 0)

    assert client.post(url, data={"confirm_early": "1"}).status_code == 302
    deadline = time.monotonic() + 60
    while True:  # runs in the app without Redis
        db.session.commit()
        job = db.session.scalar(sa.select(IssueJob))
        if job.state in ("finished", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (job.state, job.early_confirmed, job.total) == ("finished", True, 2), job.error
    assert [c.issued_early for c in valid(db)] == [True, True]
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert page.count(MARK) == 3  # the job and each certificate


def test_reissuing_early_asks_too_and_leaves_the_old_certificate_until_confirmed(
        client, db, make_course, make_registration, login, trainer):
    course = upcoming(make_course, trainer)
    first = operations.issue(make_registration(course), confirmed_early=True)
    db.session.commit()
    login(trainer)
    url = f"/manage/courses/{course.slug}/certificates/{first.id}/reissue"
    refused = client.post(url + "?lang=en")
    assert refused.status_code == 409 and EARLY in refused.get_data(as_text=True)
    assert [c.id for c in valid(db)] == [first.id]
    assert client.post(url, data={"confirm_early": "1"}).status_code == 302
    [replacement] = valid(db)
    assert replacement.id != first.id and replacement.issued_early
    assert db.session.get(Certificate, first.id).status == "superseded"


def test_retrying_a_confirmed_bulk_issue_does_not_ask_again(db, make_course, make_registration, trainer):
    course = upcoming(make_course, trainer)
    make_registration(course)
    with pytest.raises(operations.EarlyIssue):
        operations.start_job(course, trainer, confirmed_early=False)
    unconfirmed = IssueJob(course_id=course.id, state="failed")  # e.g. started on the last day
    failed = IssueJob(course_id=course.id, state="failed", early_confirmed=True)
    db.session.add_all([unconfirmed, failed])
    db.session.commit()
    with pytest.raises(operations.EarlyIssue):
        operations.retry_job(unconfirmed, trainer, confirmed_early=False)
    retried = operations.retry_job(failed, trainer, confirmed_early=False)
    assert retried.id != failed.id and retried.early_confirmed


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_on_the_last_day_at_the_venue_certificates_are_issued_without_a_question(
        client, db, make_course, make_registration, login, trainer, zone):
    """The venue's date decides: for one of these two, UTC is on another day right now."""
    course = upcoming(make_course, trainer, slug="last-day", zone=zone, days_ahead=0)
    person = make_registration(course)
    login(trainer)
    response = client.post(f"/manage/courses/last-day/certificates/issue/{person.id}",
                           data={"reason": ""})
    assert response.status_code == 302
    [certificate] = valid(db)
    assert not certificate.issued_early
    listing = client.get("/manage/courses/last-day/certificates/?lang=en").get_data(as_text=True)
    assert MARK not in listing


def test_operations_refuse_an_unconfirmed_early_issue_and_record_a_confirmed_one(
        db, make_course, make_registration, trainer):
    course = upcoming(make_course, trainer)
    person = make_registration(course)
    for attempt in (lambda: operations.issue(person, confirmed_early=False),
                    lambda: operations.issue_all_eligible(course, confirmed_early=False)):
        with pytest.raises(operations.EarlyIssue, match=EARLY):
            attempt()
    assert count(Certificate) == 0
    [made] = operations.issue_all_eligible(course, trainer, confirmed_early=True)
    assert made.issued_early
    past = make_course(trainer=trainer, slug="past-course", attendance_threshold=0)  # April 2025
    certificate = operations.issue(make_registration(past, email="b@example.vn"), confirmed_early=False)
    assert not certificate.issued_early
