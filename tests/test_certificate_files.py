"""Documents rendered once, certificates: a certificate's PDF is stored when issued (one at a
time, in bulk, at a reissue; older ones on first download) and sent as a file with an ETag."""

import sqlalchemy as sa
from document_cache_support import (SLUG, Renders, bulk_issue, cache_folder,  # noqa: F401 (fixtures)
                                    course, person, text, whole)

from app.certificates import operations as certificates, storage
from app.certificates.models import Certificate
from app.storage import storage as kept_files


def stored_bytes(key: str) -> bytes | None:
    """The stored certificate file's content, if one is stored whole."""
    if not storage.stored(key):
        return None
    with kept_files().open(key) as stream:
        return stream.read()


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
    stored = stored_bytes(storage.key_of(certificate))
    assert stored is not None and whole(stored)

    url = f"/p/{holder.token}/certificate.pdf"
    first, second = client.get(url), client.get(url)
    assert renders.since() == 0  # downloads send the stored file
    assert first.status_code == second.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == stored
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
    name = storage.key_of(certificate)
    assert stored_bytes(name) is None
    renders = Renders("certificate")
    url = f"/p/{holder.token}/certificate.pdf"
    first = client.get(url)
    assert first.status_code == 200 and whole(first.data) and renders.since() == 1
    assert stored_bytes(name) == first.data
    assert client.get(url).data == first.data and renders.since() == 0
    kept_files().delete(name)  # its file lost: rendered again
    assert client.get(url).data == first.data and renders.since() == 1


def test_a_cut_stored_certificate_is_never_sent(client, course, db):
    holder = person(course, db, "cut@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    url = f"/p/{holder.token}/certificate.pdf"
    good = client.get(url).data
    stored = kept_files().local_path(storage.key_of(certificate))
    stored.write_bytes(good[: len(good) // 2])  # a disk that filled up while writing (older versions)
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
    _job, people = bulk_issue(client, course, db, login)
    renders = Renders("certificate")
    for registration in people:
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.registration_id == registration.id))
        assert stored_bytes(storage.key_of(certificate)) is not None
        response = client.get(f"/p/{registration.token}/certificate.pdf")
        assert response.status_code == 200 and certificate.number in text(response.data)
    assert renders.since() == 0  # instant: nothing rendered after the bulk issue


def test_anonymising_a_person_removes_their_stored_certificate(client, course, db):
    from app.registrations.privacy import anonymise

    holder = person(course, db, "gone@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    client.get(f"/p/{holder.token}/certificate.pdf")
    assert stored_bytes(storage.key_of(certificate)) is not None
    anonymise(holder)
    db.session.commit()
    assert not kept_files().exists(storage.key_of(certificate))
