"""Every kept file goes through app.storage: the same behaviour on the local folder and on S3
(moto's server, a real subprocess speaking the S3 protocol), directly and through the app:
logos served and printed, certificates and bulk-issue files downloaded (streamed, or a redirect
to a signed address past the threshold), files removed on anonymisation, and a dead S3 answered
with a clear 503 that leaves nothing half-written."""
import io
import socket
import subprocess
import urllib.request
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from document_cache_support import (SLUG, bulk_issue, cache_folder, course,  # noqa: F401 (fixtures)
                                     person, png, text)
from helpers import count, stored
from PIL import Image
from s3_support import MotoServer, aws_environ, create_bucket, moto_server, s3_client, s3_settings

from app.audit.models import AuditEvent
from app.certificates import operations as certificates, storage as certificate_files
from app.certificates.jobs import job_key
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText
from app.organisations import logos
from app.organisations.models import Organisation
from app.registrations.privacy import anonymise
from app.storage import BadKey, LocalStorage, StorageUnavailable, from_url, storage
from app.storage.s3 import S3Storage

BUCKET = "lokakarya-tests"


@pytest.fixture(scope="session")
def s3_endpoint():
    """One moto server for the session, its bucket made, its credentials in the environment
    (where boto3 finds them, as in production)."""
    with moto_server() as endpoint, pytest.MonkeyPatch.context() as env:
        for name, value in aws_environ(s3_settings(endpoint, BUCKET)).items():
            env.setenv(name, value)
        create_bucket(endpoint, BUCKET)
        yield endpoint


def fresh_s3(endpoint: str) -> S3Storage:
    """A prefix of the bucket no other test uses."""
    return S3Storage(BUCKET, f"test-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    return fresh_s3(request.getfixturevalue("s3_endpoint"))


@pytest.fixture(params=["local", "s3"])
def files(request, app, monkeypatch, tmp_path):
    """The app's storage for this test: a fresh folder (other tests leave files in the app's
    upload folder, under course ids used again), or a fresh prefix of the S3 bucket."""
    if request.param == "local":
        chosen = from_url(None, tmp_path / "uploads")
    else:
        chosen = fresh_s3(request.getfixturevalue("s3_endpoint"))
    monkeypatch.setitem(app.extensions, "lokakarya.storage", chosen)
    return chosen


def read(backend, key: str) -> bytes:
    with backend.open(key) as stream:
        return stream.read()


class FailingStream(io.RawIOBase):
    """``size`` bytes that fail to read past ``fail_at`` (a client that went away mid-upload)."""

    def __init__(self, size: int, fail_at: int):
        self.size, self.fail_at, self.position = size, fail_at, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.position >= self.fail_at:
            raise OSError("the upload was cut")
        count_ = min(len(buffer), self.size - self.position, self.fail_at - self.position)
        buffer[:count_] = b"x" * count_
        self.position += count_
        return count_


# --- The interface, on both backends ------------------------------------------------------------

def test_put_open_size_exists_and_delete(backend):
    backend.put("logos/a.png", b"first")
    backend.put("certificates/7/1-abc.pdf", io.BytesIO(b"%PDF-1.7 whole"))
    assert read(backend, "logos/a.png") == b"first"
    assert read(backend, "certificates/7/1-abc.pdf") == b"%PDF-1.7 whole"
    assert backend.size("logos/a.png") == 5 and backend.stat("logos/a.png").size == 5
    assert backend.exists("logos/a.png") and not backend.exists("logos/b.png")
    backend.delete("logos/a.png")
    backend.delete("logos/a.png")  # a missing file is no error
    assert not backend.exists("logos/a.png")
    with pytest.raises(FileNotFoundError):
        backend.open("logos/a.png")
    with pytest.raises(FileNotFoundError):
        backend.size("logos/a.png")


def test_keys_are_sorted_filtered_by_prefix_and_relative(backend):
    for key in ("issue-jobs/2/9/certificates.zip", "logos/b.png", "certificates/10/3-x.pdf",
                "logos/a.png", "certificates/1/2-y.pdf"):
        backend.put(key, key.encode())
    assert list(backend.keys()) == ["certificates/1/2-y.pdf", "certificates/10/3-x.pdf",
                                    "issue-jobs/2/9/certificates.zip", "logos/a.png", "logos/b.png"]
    assert list(backend.keys("logos/")) == ["logos/a.png", "logos/b.png"]
    assert list(backend.keys("certificates/1/")) == ["certificates/1/2-y.pdf"]
    assert list(backend.keys("nothing/")) == []


def test_s3_keys_come_over_many_pages(s3_endpoint):
    backend = fresh_s3(s3_endpoint)
    backend.list_page = 2
    names = [f"logos/{index:02d}.png" for index in range(7)]
    for name in reversed(names):
        backend.put(name, b"x")
    assert list(backend.keys("logos/")) == names


def test_a_replaced_file_reads_whole_old_or_new_and_leaves_nothing_beside(backend):
    backend.put("certificates/1/1-a.pdf", b"old content")
    backend.put("certificates/1/1-a.pdf", b"the new, longer content")
    assert read(backend, "certificates/1/1-a.pdf") == b"the new, longer content"
    assert list(backend.keys()) == ["certificates/1/1-a.pdf"]


def test_an_upload_cut_midway_keeps_the_old_file_and_writes_nothing(backend):
    backend.put("issue-jobs/1/1/certificates.zip", b"old archive")
    with pytest.raises(OSError, match="cut"):
        backend.put("issue-jobs/1/1/certificates.zip", FailingStream(300_000, 200_000))
    with pytest.raises(OSError, match="cut"):
        backend.put("issue-jobs/1/2/certificates.zip", FailingStream(300_000, 200_000))
    assert read(backend, "issue-jobs/1/1/certificates.zip") == b"old archive"
    assert list(backend.keys()) == ["issue-jobs/1/1/certificates.zip"]
    if isinstance(backend, LocalStorage):  # no part left beside it
        assert [path.name for path in backend.root.rglob("*") if path.is_file()] == \
            ["certificates.zip"]


def test_a_large_file_goes_up_in_parts_and_streams_down(s3_endpoint):
    backend = fresh_s3(s3_endpoint)
    data = bytes(range(256)) * (17 * 4096)  # 17 MB: past the multipart threshold
    backend.put("issue-jobs/1/1/certificates.zip", io.BytesIO(data))
    assert backend.size("issue-jobs/1/1/certificates.zip") == len(data)
    with backend.open("issue-jobs/1/1/certificates.zip") as stream:
        first = stream.read(1024)
        rest = stream.read()
    assert first + rest == data
    with pytest.raises(OSError, match="cut"):  # a multipart upload cut midway is aborted
        backend.put("issue-jobs/1/2/certificates.zip", FailingStream(len(data), 16 * 1024 * 1024 + 1))
    assert list(backend.keys()) == ["issue-jobs/1/1/certificates.zip"]
    assert not s3_client(s3_endpoint).list_multipart_uploads(Bucket=BUCKET).get("Uploads")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../secret", "logos/../../x", "logos//a.png",
                                 "logos/./a.png", "logos/"])
def test_bad_keys_are_refused(backend, key):
    for operation in (lambda: backend.put(key, b"x"), lambda: backend.open(key),
                      lambda: backend.exists(key), lambda: backend.delete(key)):
        with pytest.raises(BadKey):
            operation()
    assert list(backend.keys()) == []


def test_only_s3_offers_signed_addresses_and_they_download(backend):
    backend.put("issue-jobs/1/1/certificates.zip", b"PK archive")
    url = backend.signed_url("issue-jobs/1/1/certificates.zip", filename="upr-certificates.zip",
                             content_type="application/zip")
    if isinstance(backend, LocalStorage):
        assert url is None
        return
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"PK archive"
        assert answer.headers["Content-Type"] == "application/zip"
        assert answer.headers["Content-Disposition"] == \
            "attachment; filename*=UTF-8''upr-certificates.zip"


def test_signed_addresses_name_the_store_as_browsers_reach_it(s3_endpoint):
    """The app servers reach the store on an inner address; browsers on the public one
    (S3_PUBLIC_ENDPOINT_URL): here 127.0.0.1 inside, "localhost" outside, the same moto."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    inner = fresh_s3(s3_endpoint)
    files = S3Storage(BUCKET, inner.prefix, endpoint_url=s3_endpoint, public_endpoint_url=public)
    files.put("issue-jobs/1/1/certificates.pdf", b"%PDF- merged")
    url = files.signed_url("issue-jobs/1/1/certificates.pdf", filename="all.pdf",
                           content_type="application/pdf", attachment=False)
    assert url.startswith(public + "/")
    with urllib.request.urlopen(url, timeout=10) as answer:  # the signature holds there
        assert answer.read() == b"%PDF- merged"


def test_the_check_passes_and_fails_clearly(backend, s3_endpoint):
    backend.check()
    missing = S3Storage("no-such-bucket", endpoint_url=s3_endpoint)
    with pytest.raises(StorageUnavailable, match="bucket does not exist"):
        missing.check()


def test_storage_url_chooses_the_backend(app, monkeypatch, tmp_path):
    assert isinstance(from_url(None, tmp_path), LocalStorage)
    assert from_url(f"file://{tmp_path}/x", "unused").root == tmp_path / "x"
    chosen = from_url("s3://bucket/some/prefix/", "unused", endpoint_url="http://127.0.0.1:9")
    assert (chosen.bucket, chosen.prefix, chosen.endpoint_url) == \
        ("bucket", "some/prefix/", "http://127.0.0.1:9")
    assert from_url("s3://bucket", "unused").prefix == ""
    for wrong in ("http://bucket/x", "s3:///x", "s3://bucket/x?y=1"):
        with pytest.raises(ValueError):
            from_url(wrong, "unused")
    storage()  # made, so that the test's own is undone after it
    monkeypatch.delitem(app.extensions, "lokakarya.storage")
    monkeypatch.setitem(app.config, "STORAGE_URL", "s3://from-config/files")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")
    assert str(storage()) == "s3://from-config/files/ at http://127.0.0.1:9"


# --- Through the app, on both backends ------------------------------------------------------

def test_an_uploaded_logo_is_served_and_printed_from_the_storage(files, client, course, db, login,
                                                                tmp_path):
    login(course.trainers[0])
    upload = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(upload, "PNG")
    response = client.post("/manage/organisations/new", data={
        "name-en": "UN Women Indonesia", "acronym": "UN Women", "country": "ID",
        "logo": (io.BytesIO(upload.getvalue()), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.acronym == "UN Women"))
    assert files.exists(logos.key_of(organisation.logo))
    served = client.get(f"/logos/{organisation.logo}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == stored(logos.key_of(organisation.logo))
    assert served.headers["Cache-Control"] == "public, max-age=86400" and served.headers["ETag"]
    again = client.get(f"/logos/{organisation.logo}", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/logos/NotStoredName0.png").status_code == 404

    course.organisation_links.append(CourseOrganisation(organisation=organisation, role="donor",
                                                        position=1))
    db.session.commit()
    pdf = client.get(f"/courses/{SLUG}/agenda.pdf")
    assert pdf.status_code == 200
    (tmp_path / "agenda.pdf").write_bytes(pdf.data)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "agenda.pdf")], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    sizes = sorted(row.split()[3:5] for row in listing if row.split()[2] == "image")
    assert sizes == [["120", "40"], ["120", "60"]]  # the uploaded logo and the course's own


def test_a_certificate_is_stored_and_downloaded_with_its_etag(files, client, course, db, login):
    holder = person(course, db, "ha@example.org")
    certificate = certificates.issue(holder)
    db.session.commit()
    certificate_files.keep_issued([certificate])
    key = certificate_files.key_of(certificate)
    assert list(files.keys(f"certificates/{course.id}/")) == [key]
    url = f"/p/{holder.token}/certificate.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == stored(key) and certificate.number in text(first.data)
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["Content-Length"] == str(len(first.data))
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    login(course.trainers[0])
    staff = client.get(f"/manage/courses/{SLUG}/certificates/{certificate.id}.pdf")
    assert staff.status_code == 200 and staff.data == first.data
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.target_id == certificate.id, AuditEvent.action == "export.certificate"))


def exports(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export.certificates"))


def test_bulk_issue_files_are_stored_and_downloaded(files, app, client, course, db, login,
                                                    monkeypatch):
    job, _people = bulk_issue(client, course, db, login)
    assert files.exists(job_key(job, "merged")) and files.exists(job_key(job, "zip"))
    base = f"/manage/courses/{SLUG}/certificates/jobs/{job.id}"
    small = client.get(f"{base}/zip")  # under the threshold: streamed through the app
    assert small.status_code == 200 and small.mimetype == "application/zip"
    assert small.headers["Content-Disposition"] == f"attachment; filename={SLUG}-certificates.zip"
    assert small.headers["Cache-Control"] == "private, no-cache"
    names = sorted(zipfile.ZipFile(io.BytesIO(small.data)).namelist())
    assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
    merged = client.get(f"{base}/merged")
    assert merged.status_code == 200 and merged.mimetype == "application/pdf"
    assert merged.headers["Content-Disposition"].startswith("inline")
    assert exports(db) == 2

    monkeypatch.setitem(app.config, "STORAGE_SIGNED_URL_MIN_BYTES", 1024)
    large = client.get(f"{base}/zip")
    assert exports(db) == 3  # recorded before the answer, whichever it is
    if isinstance(files, LocalStorage):  # no signed addresses: streamed all the same
        assert large.status_code == 200 and large.data == small.data
        return
    assert large.status_code == 303 and large.headers["Cache-Control"] == "no-store"
    with urllib.request.urlopen(large.headers["Location"], timeout=10) as answer:
        assert answer.read() == small.data
        assert answer.headers["Content-Type"] == "application/zip"
        assert answer.headers["Content-Disposition"] == \
            f"attachment; filename*=UTF-8''{SLUG}-certificates.zip"
    shown = client.get(f"{base}/merged")
    assert shown.status_code == 303
    with urllib.request.urlopen(shown.headers["Location"], timeout=10) as answer:
        assert answer.read() == merged.data
        assert answer.headers["Content-Disposition"].startswith("inline")


def test_a_job_file_that_is_not_stored_is_not_found_and_not_recorded(files, client, course, db,
                                                                       login):
    job, _people = bulk_issue(client, course, db, login)
    files.delete(job_key(job, "zip"))
    before = exports(db)
    assert client.get(f"/manage/courses/{SLUG}/certificates/jobs/{job.id}/zip").status_code == 404
    assert exports(db) == before


def test_anonymising_a_person_removes_their_certificate_and_the_bulk_files_that_print_it(
        files, client, course, db, login):
    job, (holder, *others) = bulk_issue(client, course, db, login)
    bulk = [job_key(job, "zip"), job_key(job, "merged")]
    assert client.get(f"/p/{holder.token}/certificate.pdf").status_code == 200
    key = certificate_files.key_of(holder.certificates[0])
    kept = certificate_files.key_of(others[0].certificates[0])
    assert all(files.exists(name) for name in (key, kept, *bulk))
    anonymise(holder)
    db.session.commit()
    assert not any(files.exists(name) for name in (key, *bulk))
    assert files.exists(kept)  # the others' own certificates stay
    assert client.get(f"/manage/courses/{SLUG}/certificates/jobs/{job.id}/zip").status_code == 404


def test_readyz_reports_the_storage(files, client):
    body = client.get("/readyz").get_json()
    assert body["storage"] == {"status": "ok", "detail": files.kind}


# --- A dead S3 --------------------------------------------------------------------------------

def post_organisation(client, acronym: str):
    upload = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 90, 160)).save(upload, "PNG")
    return client.post("/manage/organisations/new", data={
        "name-en": f"{acronym} organisation", "acronym": acronym, "country": "ID",
        "logo": (io.BytesIO(upload.getvalue()), "logo.png")}, content_type="multipart/form-data")


def test_a_dead_s3_answers_503_writes_nothing_and_works_again_once_back(
        s3_endpoint, app, client, course, db, login, monkeypatch, cache_folder):
    server = MotoServer()
    server.start()
    create_bucket(server.endpoint, BUCKET)
    monkeypatch.setitem(app.extensions, "lokakarya.storage",
                        S3Storage(BUCKET, "dead", endpoint_url=server.endpoint))
    holder = person(course, db, "waiting@example.org")
    certificate = certificates.issue(holder)
    course.organisation_links.append(CourseOrganisation(organisation=Organisation(
        name=MultilingualText(en="Donor"), acronym="DONOR", logo=logos.store(png((10, 120, 60)))), role="donor",
        position=1))
    db.session.commit()
    login(course.trainers[0])
    organisations = count(Organisation)
    try:
        server.stop()
        agenda = client.get(f"/courses/{SLUG}/agenda.pdf")  # its logos cannot be read: no PDF
        assert agenda.status_code == 503
        assert not list(cache_folder.rglob("*.pdf"))  # none kept without its logos
        refused = post_organisation(client, "DOWN")
        assert refused.status_code == 503
        assert "The file storage does not answer." in refused.get_data(as_text=True)
        assert count(Organisation) == organisations  # nothing half-written
        download = client.get(f"/p/{holder.token}/certificate.pdf")
        assert download.status_code == 503
        pack = client.get(f"/p/{holder.token}/worksheets/pack.pdf")  # laid out by a job
        assert pack.status_code == 503  # the job's failure, as the request's own would be
        assert "The file storage does not answer." in pack.get_data(as_text=True)
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["storage"]["status"] == "fail"
        assert "Could not connect" in ready.get_json()["storage"]["detail"]

        server.start()  # the same address, empty again (moto keeps nothing)
        create_bucket(server.endpoint, BUCKET)
        assert post_organisation(client, "BACK").status_code == 302
        assert count(Organisation) == organisations + 1
        logo = db.session.scalar(sa.select(Organisation.logo).where(Organisation.acronym == "BACK"))
        assert client.get(f"/logos/{logo}").status_code == 200
        download = client.get(f"/p/{holder.token}/certificate.pdf")
        assert download.status_code == 200 and certificate.number in text(download.data)
        assert client.get("/readyz").get_json()["storage"]["status"] == "ok"
        assert client.get(f"/courses/{SLUG}/agenda.pdf").status_code == 200
        pack = client.get(f"/p/{holder.token}/worksheets/pack.pdf")  # asked again: a new job
        assert pack.status_code == 200 and pack.data.startswith(b"%PDF-")
    finally:
        server.stop()


def test_an_s3_read_cut_half_way_is_the_storage_failing_not_a_short_file(s3_endpoint):
    """An object's body that breaks while it arrives (here: a real moto object whose connection
    is then torn down under it) raises StorageUnavailable, so no PDF is kept without its logo."""
    files = fresh_s3(s3_endpoint)
    files.put("logos/big.png", b"x" * 2_000_000)
    stream = files.open("logos/big.png")
    assert stream.read(10) == b"x" * 10
    getattr(stream, "body", stream)._raw_stream._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)  # dies
    with pytest.raises(StorageUnavailable):
        stream.read()
    stream.close()
