"""Organisations and their logos."""
import io

import pytest
import sqlalchemy as sa
from helpers import count

from app.organisations import logos
from app.organisations.models import Organisation

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def post(client, logo: bytes | None = None, filename: str = "logo.png", **fields):
    data = {"name-en": "UN Women Indonesia", "name-vi": "UN Women Indonesia", "acronym": "UN Women",
            "country": "ID", **fields}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), filename)
    return client.post("/manage/organisations/new", data=data, content_type="multipart/form-data")


def test_organisation_with_a_logo_is_created_and_its_logo_served(client, make_user, login, db):
    login(make_user())
    assert post(client, PNG).status_code == 302
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation.name["en"] == "UN Women Indonesia" and organisation.logo.endswith(".png")
    response = client.get(f"/logos/{organisation.logo}")
    assert response.status_code == 200 and response.data == PNG
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["_Yq3xZ0aBcD9eFgH.png", "Yq3xZ0aBcD9eFgH_.svg", "-Yq3xZ0aBcD9eFg.jpg"])
def test_every_name_a_stored_logo_can_have_is_served(app, client, name):
    """Stored names are random URL-safe tokens: one in 32 starts or ends with "_", which a
    secure_filename check turned into a 404 (a logo missing from every page and PDF)."""
    with app.app_context():
        (logos.folder() / name).write_bytes(PNG)
    response = client.get(f"/logos/{name}")
    assert response.status_code == 200 and response.data == PNG


@pytest.mark.parametrize("name", ["..%2Fsecret.png", "logo.png.exe", "a b.png", "x.pdf", ".png"])
def test_other_names_are_not_served(client, name):
    assert client.get(f"/logos/{name}").status_code == 404


def test_svg_logos_are_accepted(client, make_user, login, db):
    login(make_user())
    assert post(client, SVG, filename="logo.svg").status_code == 302
    assert db.session.scalar(sa.select(Organisation)).logo.endswith(".svg")


def test_files_that_are_not_images_are_refused(client, make_user, login):
    login(make_user())
    for data, message in [
        (b"%PDF-1.4 not a logo", "A logo must be a PNG, JPEG or SVG image."),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg/>', "DOCTYPE"),
        (b"<svg><unclosed></svg>", "not well-formed"),
        (PNG + b"\0" * (1024 * 1024), "larger than"),
    ]:
        response = post(client, data, filename="logo.svg")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_organisation_needs_a_name(client, make_user, login):
    login(make_user())
    response = post(client, **{"name-en": "", "name-vi": ""})
    assert response.status_code == 400
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_an_organisation_with_a_logo_can_be_edited_and_its_logo_replaced(client, make_user, login, db):
    login(make_user())
    post(client, PNG)
    organisation = db.session.scalar(sa.select(Organisation))
    first_logo = organisation.logo
    edit = f"/manage/organisations/{organisation.id}/edit"
    assert client.get(edit).status_code == 200
    response = client.post(edit, data={"name-en": "UN Women", "acronym": "UNW", "country": "ID"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.logo == first_logo and organisation.acronym == "UNW"
    client.post(edit, data={"name-en": "UN Women", "logo": (io.BytesIO(SVG), "new.svg")},
                content_type="multipart/form-data")
    db.session.refresh(organisation)
    assert organisation.logo.endswith(".svg")
    assert client.get(f"/logos/{first_logo}").status_code == 404  # the old file is gone


def test_a_name_in_one_national_language_is_enough(client, make_user, login, db):
    login(make_user())
    response = post(client, **{"name-en": "", "name-vi": "Hội Liên hiệp Phụ nữ Việt Nam"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Organisation)).name == {"vi": "Hội Liên hiệp Phụ nữ Việt Nam"}


def test_trainers_cannot_change_organisations_of_other_teams_courses(
        client, make_user, login, make_course, db):
    donor = Organisation(name={"en": "Government of Canada"}, acronym="Canada")
    db.session.add(donor)
    db.session.commit()
    make_course(slug="theirs-2025", donor_ids=[donor.id])
    login(make_user())
    assert client.get(f"/manage/organisations/{donor.id}/edit").status_code == 403


def test_svg_logos_with_scripts_or_outside_links_are_refused(client, make_user, login):
    login(make_user())
    for svg in [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="file:///etc/passwd"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://127.0.0.1/x)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "http://evil/x.css";</style></svg>',
    ]:
        response = post(client, svg, filename="logo.svg")
        assert response.status_code == 400, svg
        assert "scripts, event handlers or links" in response.get_data(as_text=True)


def test_logo_names_cannot_escape_the_folder(client):
    assert client.get("/logos/..%2Fsecret_key").status_code == 404
