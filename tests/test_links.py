"""External links: every absolute URL comes from BASE_URL, never from the request's Host."""
from datetime import date

import pytest
import sqlalchemy as sa
from certificate_support import certify, course, flat, pdf_text  # noqa: F401 - course is a fixture
from helpers import count

from app.certificates import batch, rendering
from app.links import external_url, verify_url
from app.mail.models import OutboxMessage
from app.registrations.models import Delegation, Registration

SITE = "https://training.example.org"


@pytest.fixture
def site(app, monkeypatch):
    """The site's public address differs from the host the test client sends (localhost)."""
    monkeypatch.setitem(app.config, "BASE_URL", SITE)
    return SITE


def registration_form(**overrides) -> dict:
    data = {"full_name": "Lê Thu", "family_name": "Lê", "given_names": "Thu", "name_order": "family_first",
            "sex": "female", "age_group": "25-34", "country": "VN", "organisation_type": "cso",
            "organisation": "VWU", "email": "thu@example.org", "language": "vi", "confirm_name": "y",
            "consent": "y", "certificate_language": "", "submission_key": "links-1"}
    data.update(overrides)
    return data


def open_course(make_course, **values):
    return make_course(slug="links-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11), **values)


# --- The helper -----------------------------------------------------------------------------

def test_external_urls_come_from_base_url_whatever_host_the_request_names(app, site):
    with app.test_request_context("/", base_url="http://localhost:8000"):
        assert external_url("registrations.personal", token="abc") == f"{SITE}/p/abc/"
        assert external_url("certificates.verify", code="C 1", _anchor="top") == f"{SITE}/verify/C%201#top"
    # Commands and background jobs have no request: the same address.
    assert external_url("registrations.personal", token="abc") == f"{SITE}/p/abc/"


def test_a_base_url_with_a_path_prefixes_every_link(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://example.org/lokakarya")
    assert external_url("certificates.verify", code="C-1") == "https://example.org/lokakarya/verify/C-1"


def test_external_url_takes_no_other_scheme_or_host(app, site):
    with pytest.raises(TypeError):
        external_url("certificates.verify", code="C-1", _external=True)
    with pytest.raises(TypeError):
        external_url("certificates.verify", code="C-1", _scheme="http")


# --- Emails ---------------------------------------------------------------------------------

def test_the_registration_email_links_to_base_url_not_to_the_request_host(client, make_course, db, site):
    open_course(make_course)
    response = client.post("/courses/links-2030/register", data=registration_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = db.session.scalar(sa.select(Registration))
    body = db.session.scalar(sa.select(OutboxMessage.body))
    assert f"{SITE}/p/{registration.token}/" in body
    assert "localhost" not in body


def test_the_focal_points_nomination_email_links_to_base_url(client, make_course, make_user, login, db,
                                                             site):
    trainer = make_user()
    open_course(make_course, trainer=trainer)
    login(trainer)
    client.post("/manage/courses/links-2030/delegations/", data={
        "country": "VN", "focal_name": "Trần Văn Nam", "focal_email": "nam@example.org"})
    delegation = db.session.scalar(sa.select(Delegation))
    to_focal_point = sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "nam@example.org")
    body = db.session.scalar(to_focal_point)
    assert f"{SITE}/courses/links-2030/nominate/{delegation.nomination_token}" in body
    assert "localhost" not in body


def test_emails_written_by_commands_use_the_same_address(app, make_course, db, site):
    """Outside any request (a command, a job): the same BASE_URL link as from the web."""
    from app.registrations.notifications import notify_registered, personal_url

    course = open_course(make_course)
    registration = Registration(course_id=course.id, full_name="Lê Thu", sex="female", age_group="25-34",
                                country="VN", organisation_type="cso", email="thu@example.org",
                                language="vi", status="pending")
    db.session.add(registration)
    db.session.flush()
    assert personal_url(registration) == f"{SITE}/p/{registration.token}/"
    notify_registered(registration)
    db.session.commit()
    assert f"{SITE}/p/{registration.token}/" in db.session.scalar(sa.select(OutboxMessage.body))


# --- Forged hosts -----------------------------------------------------------------------------

def test_a_request_for_a_forged_host_is_refused_and_nothing_is_registered_or_sent(client, make_course, db,
                                                                                    site):
    open_course(make_course)
    response = client.post("/courses/links-2030/register", data=registration_form(),
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert count(Registration) == 0 and count(OutboxMessage) == 0
    page = client.get("/courses/links-2030/", headers={"Host": "evil.example", "Accept-Language": "vi"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "evil.example" not in text and 'lang="vi"' in text  # the translated error page


def test_a_forwarded_host_behind_the_proxy_is_checked_too(app, site, monkeypatch):
    from app import create_app

    monkeypatch.setenv("LOKAKARYA_PROXY_FIX", "1")
    proxied = create_app({"TESTING": True, "SECRET_KEY": "x", "BASE_URL": SITE,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})
    client = proxied.test_client()
    assert client.get("/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"X-Forwarded-Host": "training.example.org"}).status_code == 200


# --- Certificates -----------------------------------------------------------------------------

def test_a_certificate_points_at_base_url_whoever_renders_it(app, course, db, site, tmp_path):  # noqa: F811
    certificate = certify(course, db, "VN", "vi", 1, full_name="Lê Thu")
    db.session.commit()
    expected = f"{SITE}/verify/{certificate.code}"
    assert verify_url(certificate) == expected
    with app.test_request_context("/", base_url="http://localhost:8000"):  # a download
        single = rendering.render_certificate(certificate)
    assert expected in flat(pdf_text(single, tmp_path))
    # The print file and one-per-person files of a bulk issue carry the same address.
    assert expected in flat(pdf_text(rendering.render_many([certificate]), tmp_path))
    assert expected in flat(pdf_text(rendering.render_each([certificate])[0], tmp_path))
    merged, _paths = batch.render_batch([certificate], verify_url, tmp_path / "batch", workers=1)
    assert expected in flat(pdf_text(merged.read_bytes(), tmp_path))
    assert "localhost" not in flat(pdf_text(single, tmp_path))


def test_the_certificate_downloaded_alone_points_at_base_url(client, course, db, login, site,  # noqa: F811
                                                             tmp_path):
    certificate = certify(course, db, "VN", "vi", 1, full_name="Lê Thu")
    db.session.commit()
    expected = f"{SITE}/verify/{certificate.code}"
    for url in (f"/p/{certificate.registration.token}/certificate.pdf",):
        response = client.get(url)
        assert response.status_code == 200
        assert expected in flat(pdf_text(response.data, tmp_path))
    login(course.trainers[0])
    response = client.get(f"/manage/courses/{course.slug}/certificates/{certificate.id}.pdf")
    assert expected in flat(pdf_text(response.data, tmp_path))
    # The bulk issue's job uses the same address.
    from app.certificates.jobs import verify_url_for

    assert verify_url_for(certificate) == expected


def test_the_projector_qr_code_points_at_base_url(client, make_course, make_user, login, db, site):
    from datetime import time

    from app.agenda.operations import SessionDetails, save_session
    from app.i18n.multilingual import MultilingualText

    trainer = make_user()
    course = open_course(make_course, trainer=trainer)
    session = save_session(course, None, SessionDetails(day=date(2030, 4, 9), start=time(9), end=time(10),
                                                        title=MultilingualText(en="Opening")))
    db.session.commit()
    login(trainer)
    page = client.get(f"/manage/courses/links-2030/sessions/{session.id}/qr").get_data(as_text=True)
    assert f'href="{SITE}/checkin/{session.id}/' in page and "localhost" not in page


def test_pages_show_personal_and_nomination_links_on_base_url(client, make_course, make_user, login, db,
                                                             site):
    trainer = make_user()
    open_course(make_course, trainer=trainer)
    client.post("/courses/links-2030/register", data=registration_form())
    registration = db.session.scalar(sa.select(Registration))
    personal = client.get(f"/p/{registration.token}/").get_data(as_text=True)
    assert f"{SITE}/p/{registration.token}/" in personal and "http://localhost" not in personal
    login(trainer)
    client.post("/manage/courses/links-2030/delegations/", data={
        "country": "TH", "focal_name": "Somchai", "focal_email": "somchai@example.org"})
    delegation = db.session.scalar(sa.select(Delegation).where(Delegation.country == "TH"))
    page = client.get("/manage/courses/links-2030/delegations/").get_data(as_text=True)
    assert f"{SITE}/courses/links-2030/nominate/{delegation.nomination_token}" in page
