"""End-to-end fixtures: the app served on a real port, and Debian's Chromium through Playwright."""
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from helpers import ARTIFACTS, PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class LiveServer(str):
    """The served app's address; ``.app`` is that app (a test may change its config)."""

    app = None


@pytest.fixture(scope="session")
def live_server(app):
    """Serve a second app on the same database, with CSRF on as in production."""
    served = create_app({**{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER",
                                                              "PDF_CACHE_FOLDER")},
                         "SECRET_KEY": "browser-tests", "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    served.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links point here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = LiveServer(f"http://127.0.0.1:{server.server_port}")
    address.app = served
    yield address
    server.shutdown()
    thread.join()
    with served.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test`, which installs it."
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts; screenshot every open page if the test fails."""
    pages = []

    def open_page(**options):
        context = browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        pages.append(page)
        return page

    yield open_page
    failed = getattr(request.node, "report_call", None) is None or request.node.report_call.failed
    for index, page in enumerate(pages):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"FAILED-{request.node.name}-{index}.png", full_page=True)
        page.context.close()


@pytest.fixture
def staff_page(new_page, live_server):
    """A desktop page signed in as ``user``."""

    def sign_in(user, password: str = PASSWORD, lang: str | None = None):
        page = new_page()
        page.goto(f"{live_server}/login" + (f"?lang={lang}" if lang else ""))
        page.fill("#email", user.email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/manage/courses/")
        return page

    return sign_in
