"""Uploaded images (logos, signatures, speakers' photos): opened with Pillow under a pixel limit,
judged by content, re-encoded without metadata, never stored as sent; SVG refused, and SVGs
stored before that neither served nor printed."""
import io
import subprocess
from datetime import date, time

import pytest
import sqlalchemy as sa
from helpers import count, store_logo_file, stored
from PIL import Image, ImageFile, PngImagePlugin

from app.agenda.models import Speaker
from app.certificates.languages import MODES
from app.organisations import logos
from app.organisations.models import Organisation
from app.storage import storage

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
PIXELS = ("The image has too many pixels: at most 4,096 × 4,096 pixels and 16 megapixels are "
          "accepted.")
DAMAGED = "The image file is damaged and cannot be read."
NOT_AN_IMAGE = "This file is not a PNG, JPEG, GIF or WebP image."


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def logo(colour=(0, 158, 219), size=(120, 40), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def bomb() -> bytes:
    """The probe's image bomb: a few kilobytes of PNG whose header declares 8000×8000 pixels."""
    return encoded(Image.new("1", (8000, 8000)), "PNG", optimize=True)


def stored_files() -> set[str]:
    return {key.removeprefix("logos/") for key in storage().keys("logos/")}


def post_logo(client, data: bytes, filename: str):
    return client.post("/manage/organisations/new", data={
        "name-en": "UN Women Indonesia", "acronym": "UN Women", "country": "ID",
        "logo": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.fixture
def trainer(client, make_user, login):
    user = make_user()
    login(user)
    return user


def uploaded_logo(db) -> tuple[str, bytes]:
    name = db.session.scalar(sa.select(Organisation.logo))
    return name, stored(logos.key_of(name))


# --- The image bomb --------------------------------------------------------------------------

def test_the_8000_pixel_bomb_is_refused_from_its_header_without_decoding(
        client, trainer, db, monkeypatch):
    data = bomb()
    assert len(data) < 64 * 1024  # small enough for the byte limit: only the pixels tell
    before = stored_files()
    decoded = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or load(self))
    response = post_logo(client, data, "logo.png")
    assert response.status_code == 400
    assert PIXELS in response.get_data(as_text=True)
    assert decoded == []  # refused from the declared size: no pixel was decompressed
    assert count(Organisation) == 0 and stored_files() == before


@pytest.mark.parametrize("size", [(4097, 10), (10, 4097), (4096, 4000)])
def test_too_wide_too_tall_or_too_many_megapixels(app, size):
    data = encoded(Image.new("1", size), "PNG")
    with pytest.raises(logos.LogoRejected, match="too many pixels"):
        logos.store(data)


def test_the_pixel_limits_are_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_SIDE", 100)
    monkeypatch.setitem(app.config, "MAX_IMAGE_MEGAPIXELS", 1)
    with pytest.raises(logos.LogoRejected) as refused:
        logos.store(encoded(logo(size=(101, 10)), "PNG"))
    assert "at most 100 × 100 pixels and 1 megapixels" in str(refused.value)
    assert logos.store(encoded(logo(size=(100, 10)), "PNG")).endswith(".png")


def test_an_image_larger_than_the_byte_limit_is_refused(client, trainer, db):
    data = encoded(Image.effect_noise((800, 800), 100).convert("RGB"), "PNG", compress_level=0)
    assert len(data) > 1024 * 1024
    response = post_logo(client, data, "logo.png")
    assert response.status_code == 400 and "The image is larger than 1,024 KB." in response.get_data(True)
    assert count(Organisation) == 0


# --- Re-encoded, never stored as sent --------------------------------------------------------

def test_a_png_with_a_text_chunk_is_stored_re_encoded_without_it(client, trainer, db):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Person, +62 812 555 0101")
    info.add_itxt("Comment", "made on the office laptop")
    data = encoded(logo(), "PNG", pnginfo=info)
    assert b"tEXt" in data and b"Secret Person" in data
    assert post_logo(client, data, "logo.png").status_code == 302
    name, stored = uploaded_logo(db)
    assert name.endswith(".png") and stored != data
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"Secret" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and image.size == (120, 40) and image.getpixel((5, 5)) == (0, 158, 219)
    assert "Author" not in image.info and "Comment" not in image.info


def test_a_jpeg_photo_is_accepted_re_encoded_turned_upright_and_stripped_of_exif(client, trainer, db):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held sideways; shown turned 90° clockwise
    exif[0x010F] = "Phone Maker"  # Make
    exif[0x0131] = "Secret Editor 1.0"  # Software
    data = encoded(logo((200, 30, 30), size=(80, 40)), "JPEG", exif=exif, quality=95,
                   comment=b"private note")
    assert post_logo(client, data, "photo.jpeg").status_code == 302
    name, stored = uploaded_logo(db)
    assert name.endswith(".jpg") and stored != data
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (40, 80)  # upright
    assert not image.getexif() and "comment" not in image.info
    assert b"Phone Maker" not in stored and b"private note" not in stored
    red, green, blue = image.getpixel((20, 40))
    assert red > 180 and green < 60 and blue < 60


def test_the_type_is_judged_by_content_not_by_the_name(client, trainer, db):
    assert post_logo(client, encoded(logo(), "PNG"), "logo.jpg").status_code == 302
    assert uploaded_logo(db)[0].endswith(".png")
    db.session.execute(sa.delete(Organisation))
    db.session.commit()
    assert post_logo(client, encoded(logo(), "JPEG"), "logo.png").status_code == 302
    assert uploaded_logo(db)[0].endswith(".jpg")


@pytest.mark.parametrize("kind", ["GIF", "WEBP"])
def test_gif_and_webp_are_accepted_as_png_keeping_transparency(client, trainer, db, kind):
    image = logo((0, 0, 0, 0), mode="RGBA")
    image.paste((0, 158, 219, 255), (10, 10, 60, 30))
    if kind == "GIF":  # a GIF's transparency is one palette entry
        gif = image.quantize(colors=8)
        data = encoded(gif, "GIF", transparency=gif.getpixel((0, 0)))
    else:
        data = encoded(image, "WEBP", lossless=True)
    assert post_logo(client, data, f"logo.{kind.lower()}").status_code == 302
    name, stored = uploaded_logo(db)
    assert name.endswith(".png")
    stored_image = Image.open(io.BytesIO(stored))
    assert stored_image.format == "PNG" and stored_image.mode == "RGBA"
    assert stored_image.getpixel((0, 0))[3] == 0 and stored_image.getpixel((20, 20))[3] == 255


def test_a_large_photo_is_stored_at_most_2000_pixels_on_its_longer_side(app):
    name = logos.store(encoded(logo(size=(4000, 1000)), "JPEG"))
    assert Image.open(io.BytesIO(stored(logos.key_of(name)))).size == (2000, 500)


# --- Refused -------------------------------------------------------------------------------

def test_svg_is_refused_with_a_clear_message_whatever_its_name(client, trainer, db):
    for data, filename in [(SVG, "logo.svg"), (b'<?xml version="1.0"?>\n' + SVG, "logo.png"),
                           (b"\xef\xbb\xbf  <!-- drawn by hand -->" + SVG, "logo.jpg")]:
        response = post_logo(client, data, filename)
        assert response.status_code == 400
        assert ("SVG files are not accepted. Save the image as PNG or JPEG and upload that file."
                in response.get_data(as_text=True))
    assert count(Organisation) == 0


def test_a_truncated_png_is_refused_as_damaged(client, trainer, db):
    data = encoded(Image.effect_noise((200, 200), 64).convert("RGB"), "PNG")
    before = stored_files()
    response = post_logo(client, data[: len(data) // 2], "logo.png")
    assert response.status_code == 400 and DAMAGED in response.get_data(as_text=True)
    assert count(Organisation) == 0 and stored_files() == before


def test_a_png_with_a_broken_checksum_is_refused_as_damaged(app):
    data = bytearray(encoded(logo(), "PNG"))
    data[data.index(b"IDAT") + 6] ^= 0xFF  # one bit of the compressed pixels
    with pytest.raises(logos.LogoRejected, match="damaged"):
        logos.store(bytes(data))


@pytest.mark.parametrize("data", [
    b"%PDF-1.4 not a logo",
    b"GIF89a but nothing else",
    b"\x89PNG\r\n\x1a\n",  # a signature and no more
])
def test_other_files_are_refused(app, data):
    with pytest.raises(logos.LogoRejected) as refused:
        logos.store(data)
    assert str(refused.value) == NOT_AN_IMAGE


@pytest.mark.parametrize("kind", ["BMP", "TIFF", "ICO"])
def test_formats_outside_png_jpeg_gif_and_webp_are_not_decoded(app, kind):
    """Only four decoders ever run on an upload: Pillow's others are not tried."""
    with pytest.raises(logos.LogoRejected, match="not a PNG, JPEG, GIF or WebP image"):
        logos.store(encoded(logo(), kind))


def test_every_image_upload_goes_through_the_same_checks(client, make_course, login, db):
    """Signatures and speakers' photos, like logos."""
    course = make_course(slug="uploads-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 10))
    login(course.trainers[0])
    url = f"/manage/courses/{course.slug}/certificates/settings"
    before = stored_files()
    response = client.post(url, data={
        "arrangement": "side_by_side", "language_mode": MODES[0],
        "signatory1_image": (io.BytesIO(encoded(logo(), "PNG")), "ok.png"),
        "signatory2_image": (io.BytesIO(SVG), "signature.svg")}, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "SVG files are not accepted" in page.split('id="signatory2_image-error"')[1].split("</ul>")[0]
    assert 'id="signatory1_image-error"' not in page
    assert stored_files() == before  # the first signature, accepted, was not kept either
    response = client.post(f"/manage/courses/{course.slug}/speakers/", data={
        "name": "Dr Maria Santos", "registration_id": "0",
        "photo": (io.BytesIO(bomb()), "me.png")}, content_type="multipart/form-data")
    assert response.status_code == 400 and PIXELS in response.get_data(as_text=True)
    assert count(Speaker) == 0


# --- SVGs stored before -----------------------------------------------------------------------

def test_an_svg_logo_stored_before_is_neither_served_nor_printed_and_the_edit_page_says_so(
        client, make_course, make_user, login, db, tmp_path):
    from app.agenda.operations import SessionDetails, save_session
    from app.courses.models import CourseOrganisation
    from app.i18n.multilingual import MultilingualText

    name = "Yq3xZ0aBcD9eFgH_.svg"
    store_logo_file(name, SVG)
    legacy = Organisation(name=MultilingualText(en="UN Women Indonesia"), acronym="UN Women", logo=name)
    current = Organisation(name=MultilingualText(en="ASEAN-IPR"), acronym="ASEAN-IPR",
                           logo=logos.store(encoded(logo(), "PNG")))
    course = make_course(slug="legacy-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 10))
    course.organisation_links = [CourseOrganisation(organisation=current, role="organiser", position=0),
                                 CourseOrganisation(organisation=legacy, role="organiser", position=1)]
    save_session(course, None, SessionDetails(day=date(2030, 4, 9), start=time(9), end=time(10),
                                              title=MultilingualText(en="Opening")))
    db.session.commit()

    assert client.get(f"/logos/{name}").status_code == 404
    page = client.get("/courses/legacy-2030/").get_data(as_text=True)
    assert f"/logos/{current.logo}" in page and name not in page and "UN Women" in page
    pdf = client.get("/courses/legacy-2030/agenda.pdf")
    assert pdf.status_code == 200
    (tmp_path / "agenda.pdf").write_bytes(pdf.data)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "agenda.pdf")], capture_output=True,
                             check=True, text=True).stdout.splitlines()[2:]
    assert [row.split()[3:5] for row in listing if row.split()[2] == "image"] == [["120", "40"]]
    text = subprocess.run(["pdftotext", str(tmp_path / "agenda.pdf"), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "UN Women" in text  # its name stands in for the logo

    login(course.trainers[0])
    edit = client.get(f"/manage/organisations/{legacy.id}/edit").get_data(as_text=True)
    assert "This image was uploaded as SVG, which is no longer accepted" in edit
    assert name not in edit and 'name="remove_logo"' in edit


def test_a_bomb_stored_before_uploads_were_re_encoded_is_left_out_of_pdfs(
        client, make_course, db, tmp_path, caplog):
    """Older versions kept PNGs as sent: the probe's 8000×8000 bomb may be in the folder under a
    stored name. PDFs leave it out (the fetcher checks its header) and still print the others."""
    from app.agenda.operations import SessionDetails, save_session
    from app.courses.models import CourseOrganisation
    from app.i18n.multilingual import MultilingualText
    from app.pdf.fetcher import AppFetcher, ResourceRefused, resource_url

    name = "OldBombLogo0123.png"
    store_logo_file(name, bomb())
    legacy = Organisation(name=MultilingualText(en="UN Women Indonesia"), acronym="UN Women", logo=name)
    current = Organisation(name=MultilingualText(en="ASEAN-IPR"), acronym="ASEAN-IPR",
                           logo=logos.store(encoded(logo(), "PNG")))
    course = make_course(slug="bomb-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 10))
    course.organisation_links = [CourseOrganisation(organisation=current, role="organiser", position=0),
                                 CourseOrganisation(organisation=legacy, role="organiser", position=1)]
    save_session(course, None, SessionDetails(day=date(2030, 4, 9), start=time(9), end=time(10),
                                              title=MultilingualText(en="Opening")))
    db.session.commit()

    fetcher = AppFetcher.for_app()
    with pytest.raises(ResourceRefused):
        fetcher.fetch(resource_url("organisations.logo", name=name))
    assert fetcher.fetch(resource_url("organisations.logo", name=current.logo)).read().startswith(b"\x89PNG")
    pdf = client.get("/courses/bomb-2030/agenda.pdf")
    assert pdf.status_code == 200
    (tmp_path / "agenda.pdf").write_bytes(pdf.data)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "agenda.pdf")], capture_output=True,
                             check=True, text=True).stdout.splitlines()[2:]
    assert [row.split()[3:5] for row in listing if row.split()[2] == "image"] == [["120", "40"]]
    assert "PDF logo refused" in caplog.text


def test_seeding_the_demo_again_replaces_its_svg_logos_with_the_pngs(app, db):
    from app import demo

    acronym, name, country, png_file = demo.ORGANISATIONS[0]
    assert png_file.endswith(".png")
    legacy_file = "DemoSvgLogo0123.svg"
    store_logo_file(legacy_file, SVG)
    organisation = Organisation(acronym=acronym, name=name, country=country, logo=legacy_file)
    db.session.add(organisation)
    db.session.commit()
    assert demo._organisation(acronym, name, country, png_file) is organisation
    db.session.commit()
    assert logos.shown_image(organisation.logo) and organisation.logo.endswith(".png")
    assert not storage().exists(logos.key_of(legacy_file))
    kept = organisation.logo
    demo._organisation(acronym, name, country, png_file)  # again: left as it is
    assert organisation.logo == kept
