"""Organisations and their logos."""
import io

import pytest
import sqlalchemy as sa
from helpers import count, store_logo_file, stored
from PIL import Image

from app.organisations import logos
from app.organisations.models import Organisation


def png(colour=(0, 158, 219), size=(60, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


PNG = png()
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
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == stored(logos.key_of(organisation.logo))  # as re-encoded
    assert Image.open(io.BytesIO(response.data)).getpixel((0, 0)) == (0, 158, 219)
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["_Yq3xZ0aBcD9eFgH.png", "Yq3xZ0aBcD9eFgH_.png", "-Yq3xZ0aBcD9eFg.jpg"])
def test_every_name_a_stored_logo_can_have_is_served(app, client, name):
    """Stored names are random URL-safe tokens: one in 32 starts or ends with "_", which a
    secure_filename check turned into a 404 (a logo missing from every page and PDF)."""
    with app.app_context():
        store_logo_file(name, PNG)
    response = client.get(f"/logos/{name}")
    assert response.status_code == 200 and response.data == PNG


@pytest.mark.parametrize("name", ["..%2Fsecret.png", "logo.png.exe", "a b.png", "x.pdf", ".png",
                                  "Yq3xZ0aBcD9eFgH_.svg"])
def test_other_names_are_not_served(client, name):
    assert client.get(f"/logos/{name}").status_code == 404


def test_svg_logos_are_refused(client, make_user, login, db):
    login(make_user())
    response = post(client, SVG, filename="logo.svg")
    assert response.status_code == 400
    assert "SVG files are not accepted. Save the image as PNG or JPEG" in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_files_that_are_not_images_are_refused(client, make_user, login):
    login(make_user())
    for data, message in [
        (b"%PDF-1.4 not a logo", "This file is not a PNG, JPEG, GIF or WebP image."),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg/>', "SVG files are not accepted"),
        (PNG + b"\0" * (1024 * 1024), "The image is larger than 1,024 KB."),
    ]:
        response = post(client, data, filename="logo.png")
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
    client.post(edit, data={"name-en": "UN Women", "logo": (io.BytesIO(png((255, 0, 0))), "new.png")},
                content_type="multipart/form-data")
    db.session.refresh(organisation)
    assert organisation.logo.endswith(".png") and organisation.logo != first_logo
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


def test_logo_names_cannot_escape_the_folder(client):
    assert client.get("/logos/..%2Fsecret_key").status_code == 404
