"""The API's interactive docs in headless Chromium: Swagger UI renders every operation from the
app's own files under the site's CSP (script-src 'self'; style-src 'self'), with no violation on
the console and no request leaving the site; a token pasted in "Authorize" lists the courses."""
from urllib.parse import urlsplit

import pytest

from test_api import secret_for

pytestmark = pytest.mark.browser


def test_the_docs_render_under_the_csp_from_our_own_files(live_server, new_page, demo_course):
    secret = secret_for(demo_course.trainers[0])
    page = new_page()
    console, requested = [], []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/courses/{slug}/registrations" in [p.replace("\u200b", "") for p in paths]
    assert len(paths) == 17
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Lokakarya API")

    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".auth-container input").first.fill(secret)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    listing = page.locator("#operations-Courses-courses")
    listing.locator(".opblock-summary").click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    page.wait_for_selector("#operations-Courses-courses .live-responses-table .response-col_status")
    assert "jakarta-2025-wps" in listing.locator(".live-responses-table").inner_text()

    violations = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    assert violations == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    site = urlsplit(live_server).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {site}
