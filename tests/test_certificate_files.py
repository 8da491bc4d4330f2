"""Documents rendered once, certificates: a certificate's PDF is stored when issued (one at a
time, in bulk, at a reissue; older ones on first download) and sent as a file with an ETag."""

import sqlalchemy as sa
from helpers import wait_until
from document_cache_support import SLUG, Renders, cache_folder, course, person, text, whole  # noqa: F401 (fixtures)

from app.certificates import operations as certificates, storage
from app.certificates.models import Certificate, IssueJob


# --- certificates ---------------------------------------------------------------------------

def test_a_certificate_is_rendered_when_issued_then_sent_as_a_file_with_an_etag(
        client, course, db, login):
    holder = person(course, db, "full@example.org")
    login(course.trainers[0])
    renders = Renders("certificate")
    client.post(f"/manage/courses/{SLUG}/certificates/issue/{holder.id}",
                data={"reason": "", "confirm_early": "1"})
    certificate = db.session.scalar(sa.select(Certificate))
    assert renders.since() == 1  # when it was issued
    stored = storage.get(storage.name_of(certificate))
    assert stored is not None and whole(stored.read_bytes())

    url = f"/p/{holder.token}/certificate.pdf"
    first, second = client.get(url), client.get(url)
    assert renders.since() == 0  # downloads send the stored file
    assert first.status_code == second.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == stored.read_bytes()
    assert "Full" in text(first.data) and certificate.number in text(first.data)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag == second.headers["ETag"]  # strong, and stable
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    staff = client.get(f"/manage/courses/{SLUG}/certificates/{certificate.id}.pdf")
    assert staff.status_code == 200 and staff.data == first.data and staff.headers["ETag"] == etag
    assert renders.since() == 0


def test_a_reissue_gives_a_new_pdf_and_the_old_one_stays_as_printed(client, course, db, login):
    holder = person(course, db, "nam@example.org")
    old = certificates.issue(holder)
    db.session.commit()
    url = f"/p/{holder.token}/certificate.pdf"
    before = client.get(url)
    holder.certificate_name = "Trần Văn Nam"  # a name corrected: the issued PDF does not change
    db.session.commit()
    assert client.get(url).data == before.data
    login(course.trainers[0])
    renders = Renders("certificate")
    client.post(f"/manage/courses/{SLUG}/certificates/{old.id}/reissue",
                data={"confirm_early": "1"})
    assert renders.since() == 1
    after = client.get(url)
    assert renders.since() == 0
    assert after.headers["ETag"] != before.headers["ETag"]
    words = text(after.data)
    assert "Trần Văn Nam" in words and "DOCS-2030-0002" in words and "DOCS-2030-0001" not in words
    old_file = client.get(f"/manage/courses/{SLUG}/certificates/{old.id}.pdf")
    assert old_file.data == before.data  # the superseded one, as it was printed


def test_a_certificate_issued_before_pdfs_were_stored_is_rendered_once_then_stored(
        client, course, db):
    holder = person(course, db, "early@example.org")
    certificate = certificates.issue(holder)  # as before: issued, nothing stored
    db.session.commit()
    name = storage.name_of(certificate)
    assert storage.get(name) is None
    renders = Renders("certificate")
    url = f"/p/{holder.token}/certificate.pdf"
    first = client.get(url)
    assert first.status_code == 200 and whole(first.data) and renders.since() == 1
    assert storage.get(name).read_bytes() == first.data
    assert client.get(url).data == first.data and renders.since() == 0
    storage.remove(name)  # its file lost: rendered again
    assert client.get(url).data == first.data and renders.since() == 1


def test_a_cut_stored_certificate_is_never_sent(client, course, db):
    holder = person(course, db, "cut@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    url = f"/p/{holder.token}/certificate.pdf"
    good = client.get(url).data
    stored = storage.get(storage.name_of(certificate))
    stored.write_bytes(good[: len(good) // 2])  # a disk that filled up while writing
    renders = Renders("certificate")
    served = client.get(url)
    assert renders.since() == 1 and served.data == good and whole(served.data)


def test_a_revoked_certificate_is_not_downloadable_by_its_holder_as_before(
        client, course, db, login):
    holder = person(course, db, "revoked@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    stored = client.get(f"/p/{holder.token}/certificate.pdf").data
    certificates.revoke(certificate, "Issued by mistake")
    db.session.commit()
    response = client.get(f"/p/{holder.token}/certificate.pdf")
    assert response.status_code == 404 and "revoked" in response.get_data(as_text=True)
    login(course.trainers[0])  # the trainers still have it
    assert client.get(f"/manage/courses/{SLUG}/certificates/{certificate.id}.pdf").data == stored


def test_a_bulk_issue_stores_every_pdf_it_renders(client, course, db, login):
    people = [person(course, db, f"p{index}@example.org") for index in range(3)]
    login(course.trainers[0])
    client.post(f"/manage/courses/{SLUG}/certificates/", data={"confirm_early": "1"})

    def done() -> bool:
        db.session.commit()  # see what the job's thread wrote
        return db.session.scalar(sa.select(IssueJob.state)) in ("finished", "failed")

    wait_until(done, 60)
    job = db.session.scalar(sa.select(IssueJob))
    assert job.state == "finished", job.error
    renders = Renders("certificate")
    for registration in people:
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.registration_id == registration.id))
        assert storage.get(storage.name_of(certificate)) is not None
        response = client.get(f"/p/{registration.token}/certificate.pdf")
        assert response.status_code == 200 and certificate.number in text(response.data)
    assert renders.since() == 0  # instant: nothing rendered after the bulk issue


def test_anonymising_a_person_removes_their_stored_certificate(client, course, db):
    from app.registrations.privacy import anonymise

    holder = person(course, db, "gone@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    client.get(f"/p/{holder.token}/certificate.pdf")
    assert storage.get(storage.name_of(certificate)) is not None
    anonymise(holder)
    db.session.commit()
    assert storage.get(storage.name_of(certificate)) is None
