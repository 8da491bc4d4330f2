"""Compressed, cacheable pages: Brotli/gzip for text answers, fingerprinted static files kept a
year, the favicon; through real requests and their headers."""
import gzip
import hashlib
import io
import re

import brotli
import pytest
from flask import Response, url_for
from PIL import Image

from app import create_app
from app.paths import ROOT
from app.pdf import ORIGIN, AppFetcher, render_pdf_string
from app.static_files import IMMUTABLE, REVALIDATE

STATIC = ROOT / "app" / "static"
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
FINGERPRINTED = re.compile(r'(?:href|src)="(/[^"]*\?v=([0-9a-f]{12}))"')


def encoded(client, url, encoding, method="GET", **headers):
    headers = {**BROWSER, "Accept-Encoding": encoding, **headers}
    return client.open(url, method=method, headers=headers)


@pytest.fixture
def course(make_course):
    return make_course(slug="light-2030")


@pytest.fixture
def token(course, make_registration):
    """A participant's personal link token."""
    return make_registration(course, email="light@example.org").token


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_html_css_js_json_and_svg_travel_compressed_and_decompress_to_the_same_bytes(
        client, course, token, encoding):
    for url in [f"/courses/{course.slug}/", "/static/css/app.css", "/static/js/worksheet.js",
                f"/p/{token}/data.json", "/static/favicon.svg"]:
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        response = encoded(client, url, encoding)
        assert response.status_code == plain.status_code == 200, url
        assert len(plain.data) >= 500, url  # above the floor, or this test tests nothing
        assert "Content-Encoding" not in plain.headers
        assert response.headers["Content-Encoding"] == encoding, url
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "Accept-Encoding" in plain.headers["Vary"]
        assert int(response.headers["Content-Length"]) == len(response.data) < len(plain.data)
        assert DECODE[encoding](response.data) == plain.data, url
        # The security headers are still there.
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers
    assert DECODE[encoding](encoded(client, "/static/css/app.css", encoding).data) \
        == (STATIC / "css/app.css").read_bytes()


def test_the_browser_choice_brotli_first_identity_when_nothing_is_accepted(client, course):
    page = f"/courses/{course.slug}/"
    assert client.get(page, headers=BROWSER).headers["Content-Encoding"] == "br"
    assert encoded(client, page, "gzip;q=1, br;q=0.5").headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get(page).headers  # no Accept-Encoding at all


def test_pdfs_spreadsheets_images_and_small_answers_are_left_alone(client, course, login):
    for url in [f"/courses/{course.slug}/agenda.pdf", "/favicon.ico", "/static/img/language.svg",
                "/healthz"]:
        response = encoded(client, url, "gzip, br")
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
    assert (STATIC / "img/language.svg").stat().st_size < 500  # below the floor
    login(course.trainers[0])
    export = f"/manage/courses/{course.slug}/registrations/export.xlsx"
    response = encoded(client, export, "gzip, br")
    assert response.status_code == 200 and response.data.startswith(b"PK")
    assert "Content-Encoding" not in response.headers


def test_a_streamed_answer_is_not_compressed():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/stream", "stream", lambda: Response((b"<p>%d</p>" % i for i in range(500)),
                                                           mimetype="text/html"))
    response = app.test_client().get("/stream", headers=BROWSER)
    assert response.status_code == 200 and len(response.data) > 4000
    assert "Content-Encoding" not in response.headers


def test_head_gives_the_compressed_length_and_no_body(client, course):
    page = f"/courses/{course.slug}/"
    get, head = encoded(client, page, "gzip"), encoded(client, page, "gzip", method="HEAD")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_conditional_requests_still_get_their_304_per_encoding(client):
    url = "/static/css/app.css"
    plain, zipped = client.get(url), encoded(client, url, "gzip")
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'
    again = encoded(client, url, "gzip", **{"If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Accept-Encoding" in again.headers["Vary"]
    # A cached gzip answer does not stand for the identity one.
    assert client.get(url, headers={"If-None-Match": zipped.headers["ETag"]}).status_code == 200


def test_a_range_of_a_static_file_is_sent_as_it_is_on_disk(client):
    response = encoded(client, "/static/css/app.css", "gzip", Range="bytes=0-99")
    assert response.status_code == 206 and "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "css/app.css").read_bytes()[:100]


def test_signed_in_pages_asked_for_by_another_site_are_not_compressed(client, course, token, login):
    # A participant's personal page is compressed whoever links to it: its address is the secret.
    response = encoded(client, f"/p/{token}/", "gzip", **{"Sec-Fetch-Site": "cross-site"})
    assert response.headers["Content-Encoding"] == "gzip"
    login(course.trainers[0])
    page = "/manage/courses/"
    assert encoded(client, page, "gzip").headers["Content-Encoding"] == "gzip"  # same-origin
    typed = encoded(client, page, "gzip", **{"Sec-Fetch-Site": "none"})  # address bar, bookmark
    assert typed.headers["Content-Encoding"] == "gzip"
    for site in ("cross-site", "same-site"):
        response = encoded(client, page, "gzip", **{"Sec-Fetch-Site": site})
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
    response = client.get(page, headers={"Accept-Encoding": "gzip"})  # a browser that does not say
    assert "Content-Encoding" not in response.headers


def test_every_static_link_carries_the_files_fingerprint_and_is_kept_a_year(client, course, login):
    page = client.get(f"/courses/{course.slug}/").get_data(as_text=True)
    links = FINGERPRINTED.findall(page)
    assert {url.split("?")[0] for url, _ in links} >= {
        "/static/css/app.css", "/static/img/language.svg", "/static/favicon.svg"}
    assert "/static/" not in FINGERPRINTED.sub("", page)  # no static link without a fingerprint
    for url, version in links:
        path = url.split("?")[0]
        name = "favicon.ico" if path == "/favicon.ico" else path.removeprefix("/static/")
        assert version == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
        # No cookie on a file kept a year, and nothing that makes a new cookie refetch it.
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000", "/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == REVALIDATE, url
    # Signed-in staff pages link the same fingerprinted files.
    login(course.trainers[0])
    staff = client.get(f"/manage/courses/{course.slug}/registrations/").get_data(as_text=True)
    assert "/static/js/registrations-list.js?v=" in staff
    assert "/static/" not in FINGERPRINTED.sub("", staff)


def test_templates_link_static_files_one_way():
    """Only url_for('static', ...), which adds the fingerprint: no address written by hand."""
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"""(href|src)=["']/(static/|favicon)""", text), template


def test_a_changed_file_gets_a_new_fingerprint(app, client, tmp_path, monkeypatch):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "app.css"
    sheet.write_text("body { color: black; }\n")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with app.test_request_context():
        first = url_for("static", filename="css/app.css")
        sheet.write_text("body { color: navy; }\n")
        second = url_for("static", filename="css/app.css")
        assert url_for("static", filename="css/app.css") == second
    assert first != second and first.startswith("/static/css/app.css?v=")
    assert client.get(second).headers["Cache-Control"] == IMMUTABLE
    old = client.get(first)  # a page from before the change: the new file, not kept long
    assert old.data == b"body { color: navy; }\n" and old.headers["Cache-Control"] == REVALIDATE


def test_the_favicon_is_served_at_its_usual_address_and_linked_as_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO" and {(16, 16), (32, 32)} <= icon.info["sizes"]
    assert client.head("/favicon.ico").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]{12}"'
                     r' type="image/svg\+xml">', page)
    svg = client.get("/static/favicon.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_pdfs_fetch_fingerprinted_static_files_and_nothing_else(app, monkeypatch):
    with app.test_request_context():
        sheet = url_for("static", filename="css/app.css")
        icon = url_for("static", filename="favicon.svg")
    assert "?v=" in sheet and "?v=" in icon
    fetcher = AppFetcher.for_app()
    assert fetcher.fetch(ORIGIN + sheet).read() == (STATIC / "css/app.css").read_bytes()
    for refused in (sheet + "&x=1", sheet.replace("?v=", "?v=../"),
                    sheet.split("?")[0] + "?v=ABCDEF012345",  # not the form url_for makes
                    "/courses/x/agenda.pdf?v=0123456789ab"):  # not a static file
        assert fetcher.resolve(ORIGIN + refused) is None, refused
    asked = {}
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve",
                        lambda self, url: asked.setdefault(url, resolve(self, url)))
    pdf = render_pdf_string(f'<!doctype html><p>Icon</p><img src="{icon}" width="32" height="32">')
    assert pdf.startswith(b"%PDF-")
    assert asked == {ORIGIN + icon: (STATIC / "favicon.svg").resolve()}
