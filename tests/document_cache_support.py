"""Shared fixtures and helpers of the tests of stored and cached documents
(test_document_cache.py, test_pack_jobs.py, test_certificate_files.py)."""
import subprocess
import unicodedata
from datetime import date, time
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from helpers import wait_until
from PIL import Image

from app.agenda.models import Speaker
from app.agenda.operations import SessionDetails, mark, save_session
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import cache
from app.registrations.operations import Person, register
from app.toolkit import operations as toolkit
from app.toolkit.modules import get

SLUG = "docs-2030"


@pytest.fixture(autouse=True)
def cache_folder(app, tmp_path, monkeypatch):
    """A cache of this test's own."""
    folder = tmp_path / "pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_FOLDER", str(folder))
    return folder


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (120, 60), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def course(make_course, make_user, db):
    course = make_course(trainer=make_user(email="docs@example.org"), slug=SLUG,
                         start_date=date(2030, 4, 9), end_date=date(2030, 4, 10),
                         requires_approval=False, contact_hours=Decimal("8"))
    course.organisation_links = [CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en="ASEAN Institute for Peace and Reconciliation"),
        acronym="ASEAN-IPR", logo=logos.store(png((31, 78, 121)))), role="organiser")]
    speaker = Speaker(course_id=course.id, name="Dr. Maria Santos")
    db.session.add(speaker)
    db.session.flush()
    for day, title, url in ((9, "Mapping actors", "https://meet.example.org/day-one"),
                            (10, "Action plans", "")):
        save_session(course, None, SessionDetails(
            day=date(2030, 4, day), start=time(9), end=time(13), title=MultilingualText(en=title),
            online_url=url, leads=[(speaker.id, "facilitator")]))
    db.session.commit()
    return course


def person(course, db, email: str, **values):
    registration = register(course, Person(
        full_name=email.split("@")[0].title(), sex="female", age_group="35-44", country="VN",
        organisation_type="cso", organisation="Example", email=email, **values), notify=False)
    for session in course.sessions:
        mark(session, registration, method="trainer")
    db.session.commit()
    return registration


def bulk_issue(client, course, db, login, people: int = 3):
    """Issue to ``people`` new participants through the bulk issue (in the app's own thread);
    the finished job and their registrations."""
    from app.certificates.models import IssueJob

    registrations = [person(course, db, f"p{index}@example.org") for index in range(people)]
    login(course.trainers[0])
    client.post(f"/manage/courses/{SLUG}/certificates/", data={"confirm_early": "1"})

    def done() -> bool:
        db.session.commit()  # see what the job's thread wrote
        return db.session.scalar(sa.select(IssueJob.state)) in ("finished", "failed")

    wait_until(done, 90)
    job = db.session.scalar(sa.select(IssueJob))
    assert job.state == "finished", job.error
    return job, registrations


def text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(unicodedata.normalize("NFC", out.stdout.decode()).split())


class Renders:
    """How many documents of a kind were laid out since the last look."""

    def __init__(self, kind: str):
        self.kind, self.seen = kind, cache.renders[kind]

    def since(self) -> int:
        now = cache.renders[self.kind]
        made, self.seen = now - self.seen, now
        return made


def whole(pdf: bytes) -> bool:
    return pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


@pytest.fixture
def sheet(course, db, make_exercise):
    holder = person(course, db, "ha@example.org")
    exercise = make_exercise(course, "M1", mode="individual", session_id=course.sessions[0].id)
    found = toolkit.sheet_for(exercise, holder)
    toolkit.record(found, answers("Women's Union"), base_version=0, registration=holder)
    db.session.commit()
    return found


def answers(actor: str) -> dict:
    example = dict(get("M1").example["answers"])
    example["actors"] = [{**example["actors"][0], "row_id": "r1", "actor": actor}]
    return example
