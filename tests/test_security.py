"""Security headers, CSRF, cookies."""
import re

from helpers import PASSWORD


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client, make_course):
    make_course(slug="inline-2025")
    for url in ("/", "/courses/inline-2025/", "/login"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "<style" not in page
        assert not re.search(r"https?://(?!127\.0\.0\.1)", page.replace("http://www.w3.org", ""))


def test_forms_without_a_csrf_token_are_refused(app, client, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_session_cookie_is_http_only_and_same_site(client, make_user, login):
    response = login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_staff_pages_are_not_cached(client, make_user, login):
    login(make_user())
    assert client.get("/manage/courses/").headers["Cache-Control"] == "no-store"


def test_requests_for_hosts_outside_the_configured_list_are_refused(app, client):
    """TRUSTED_HOSTS: BASE_URL's host, loopback for the embedded default, the test client's host."""
    assert {"127.0.0.1", "localhost"} <= set(app.config["TRUSTED_HOSTS"])
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.get_data(as_text=True)
    assert refused.headers["Content-Security-Policy"]  # still the app's own answer, with its headers
