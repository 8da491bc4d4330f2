"""Two teammates fill the same M11 action plan at once, on a laptop and a phone: both rows
survive, a clash on one answer is shown and both versions kept, offline typing and a page closed
before its save are not lost, and the team's PDF shows both rows."""
import subprocess

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.toolkit import operations
from app.toolkit.models import Worksheet
from helpers import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser


def wait_until(condition, seconds: float = 15) -> None:
    """Poll from Python (the page's CSP forbids Playwright's eval-based waiting)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stored(exercise_id: int) -> dict:
    db.session.commit()  # end the test's snapshot: read what the server wrote
    sheet = db.session.scalar(sa.select(Worksheet).where(Worksheet.exercise_id == exercise_id))
    return sheet.answers if sheet else {}


def actions(exercise_id: int) -> list[str]:
    return [row.get("action") for row in stored(exercise_id).get("actions", [])]


def refuse(*args, **kwargs):
    raise operations.SaveRefused("The server is being restarted.")


def status(page) -> str:
    return page.inner_text("#save-status")


def cards(page):
    return page.locator("#table-actions .rows > .row-card")


def test_two_teammates_fill_the_action_plan_at_once_and_nothing_is_lost(
        live_server, new_page, make_course, make_registration, make_exercise, tmp_path, monkeypatch):
    course = make_course(slug="worksheets-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    minh = make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn")
    laptop, phone = new_page(), new_page(**PHONE)
    for page, person in ((laptop, ha), (phone, minh)):
        page.goto(f"{live_server}/p/{person.token}/worksheets/M11")

    # Each adds a row and types before the other's save has landed.
    laptop.click("#add-actions")
    cards(laptop).last.locator("[data-column=action] input").fill("Draft MOHA plan")
    phone.click("#add-actions")
    cards(phone).last.locator("[data-column=action] input").fill("Train police")
    cards(phone).last.locator("[data-column=status] select").select_option("planned")
    wait_until(lambda: "Saved at" in status(laptop) and "Saved at" in status(phone))
    wait_until(lambda: sorted(actions(plan.id)) == ["Draft MOHA plan", "Train police"])
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "worksheet-phone.png", full_page=True)
    for page in (laptop, phone):
        page.reload()
        assert cards(page).count() == 2
        assert sorted(cards(page).nth(n).locator("[data-column=action] input").input_value()
                      for n in range(2)) == ["Draft MOHA plan", "Train police"]
        for toggle in cards(page).locator(".row-toggle").all():  # filled rows load folded: open them
            toggle.click()

    # Both change the same answer: the second to save sees the clash and keeps both.
    her_row = next(row["row_id"] for row in stored(plan.id)["actions"] if row["action"] == "Draft MOHA plan")
    cell = f'.row-card[data-row-id="{her_row}"] [data-column=action] input'
    laptop.fill(cell, "Draft MOHA plan v2")
    wait_until(lambda: "Draft MOHA plan v2" in actions(plan.id))
    phone.fill(cell, "Draft MOHA plan VWU")
    panel = phone.locator(".conflict.live")
    panel.wait_for()
    assert "Draft MOHA plan v2" in panel.inner_text() and "Nguyễn Thị Hà" in panel.inner_text()
    phone.screenshot(path=ARTIFACTS / "worksheet-conflict.png", full_page=True)
    assert "Draft MOHA plan v2" in actions(plan.id)  # nothing overwritten while the choice is open
    panel.get_by_role("button", name="Keep both").click()
    wait_until(lambda: "Draft MOHA plan VWU / Draft MOHA plan v2" in actions(plan.id))
    assert phone.input_value(cell) == "Draft MOHA plan VWU / Draft MOHA plan v2"

    # The phone's session ends (cookies gone): the page fetches a fresh token and saves anyway.
    phone.context.clear_cookies()
    phone.fill('.row-card[data-row-id="%s"] [data-column=indicator] input' % her_row, "Plan issued")
    wait_until(lambda: any(row.get("indicator") == "Plan issued" for row in stored(plan.id)["actions"]))
    wait_until(lambda: "Saved at" in status(phone))

    # Offline: the typing waits on the device and is sent when the connection returns.
    laptop.reload()
    laptop.context.set_offline(True)
    laptop.fill("#sign_off", "Hà and Minh")
    wait_until(lambda: "Offline" in status(laptop))
    assert not stored(plan.id).get("sign_off")
    laptop.context.set_offline(False)
    laptop.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(lambda: stored(plan.id).get("sign_off") == "Hà and Minh")

    # A page left before its save reached the server: the next visit restores and sends it.
    laptop.context.route("**/worksheets/M11/save", lambda route: route.abort())
    laptop.fill("#top_priorities", "1. Issue the MOHA plan by September.")
    wait_until(lambda: "Offline" in status(laptop))
    with monkeypatch.context() as patch:  # the save sent on leaving escapes the route: fail it too
        patch.setattr(operations, "save", refuse)
        laptop.goto("about:blank")
        laptop.wait_for_timeout(500)
    laptop.context.unroute("**/worksheets/M11/save")
    assert not stored(plan.id).get("top_priorities")
    laptop.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    wait_until(lambda: "Restored your unsaved changes" in status(laptop))
    wait_until(lambda: stored(plan.id).get("top_priorities") == "1. Issue the MOHA plan by September.")
    assert laptop.input_value("#top_priorities") == "1. Issue the MOHA plan by September."
    assert sorted(actions(plan.id)) == ["Draft MOHA plan VWU / Draft MOHA plan v2", "Train police"]

    # The team's PDF shows both rows.
    response = laptop.request.get(f"{live_server}/p/{ha.token}/worksheets/M11.pdf")
    assert response.ok and response.body().startswith(b"%PDF")
    pdf = tmp_path / "M11.pdf"
    pdf.write_bytes(response.body())
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Train police" in text and "Draft MOHA plan" in text


def test_an_autosave_sends_only_the_rows_that_changed(live_server, new_page, make_course, make_registration,
                                                      make_exercise):
    """The page knows the server's state (the rows it drew, then each save's answer): a save
    carries the fields outside tables, the rows typed into and the ids of rows removed; the sheet
    keeps every other row."""
    from urllib.parse import parse_qs

    course = make_course(slug="changed-rows-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    sheet = operations.sheet_for(plan, ha)
    operations.record(sheet, {"actions": [{"row_id": f"r{n}", "action": f"Action {n}"} for n in range(19)]},
                      base_version=0, registration=ha)
    db.session.commit()
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")

    def row(row_id):
        return page.locator(f'.row-card[data-row-id="{row_id}"]')

    def saved(act) -> dict:
        """What the save that ``act`` leads to posted, once the page shows it saved."""
        with page.expect_request(lambda request: request.url.endswith("/save")) as sent:
            act()
        wait_until(lambda: "Saved at" in status(page))
        return parse_qs(sent.value.post_data, keep_blank_values=True)

    row("r4").locator(".row-toggle").click()
    first = saved(lambda: row("r4").locator("[data-column=action] input").fill("Action 4, typed"))
    # the page came with its rows as data: it knows the server's state from the start
    assert first["delta"] == ["1"] and [v for k, v in first.items() if k.endswith("-row_id")] == [["r4"]]
    row("r7").locator(".row-toggle").click()
    second = saved(lambda: row("r7").locator("[data-column=action] input").fill("Action 7, typed"))
    assert second["delta"] == ["1"] and "actions-removed" not in second and "sign_off" in second
    assert {values[0] for name, values in second.items() if name.endswith("-row_id")} == {"r7"}
    row("r2").locator(".row-toggle").click()
    third = saved(lambda: row("r2").get_by_role("button", name="Remove this row").click())
    assert third["actions-removed"] == ["r2"] and not any(name.endswith("-row_id") for name in third)
    assert actions(plan.id) == [f"Action {n}" + (", typed" if n in (4, 7) else "") for n in range(19) if n != 2]


def test_an_open_conflict_follows_a_teammates_newer_edit(live_server, new_page, make_course, make_registration,
                                                          make_exercise):
    """While my choice on a clash is open, the teammate changes that answer again: my saves
    keep their newest text (never bring back their older one) and "Keep theirs" takes it."""
    course = make_course(slug="newer-edit-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    minh = make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn")
    sheet = operations.sheet_for(plan, ha)

    def teammate(text: str) -> None:
        db.session.expire_all()
        operations.record(sheet, {**sheet.answers, "actions": [{"row_id": "r1", "action": text}]},
                          base_version=sheet.version, registration=minh)
        db.session.commit()

    teammate("Base")
    page = new_page()
    page.goto(f"{live_server}/p/{ha.token}/worksheets/M11")
    cell = '.row-card[data-row-id="r1"] [data-column=action] input'
    page.click('.row-card[data-row-id="r1"] .row-toggle')
    teammate("Theirs one")
    page.fill(cell, "Mine")
    page.locator(".conflict.live").wait_for()
    teammate("Theirs two")
    for text in ("Hà", "Hà and Minh"):  # two more saves while the choice is open
        with page.expect_response(lambda response: response.url.endswith("/save")):
            page.fill("#sign_off", text)
        wait_until(lambda: stored(plan.id).get("sign_off") == text)
        assert actions(plan.id) == ["Theirs two"]
    page.locator(".conflict.live").get_by_role("button", name="Keep theirs").click()
    wait_until(lambda: "Saved at" in status(page))
    assert actions(plan.id) == ["Theirs two"] and page.input_value(cell) == "Theirs two"


def test_the_rows_show_with_the_script_without_it_and_in_a_browser_too_old_for_it(
        live_server, new_page, make_course, make_registration, make_exercise):
    """The page sends a filled sheet's rows as data for its script to draw; a browser without
    JavaScript, or one whose script cannot save, goes on to the page with every row drawn."""
    course = make_course(slug="rows-drawn-2025", country="VN")
    plan = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    operations.record(operations.sheet_for(plan, ha), {"actions": [
        {"row_id": "r1", "action": "Draft <b>MOHA</b> plan", "status": "planned", "partners": ["un_women"]},
        {"row_id": "r2", "action": "Train police"}]}, base_version=0, registration=ha)
    db.session.commit()
    address = f"{live_server}/p/{ha.token}/worksheets/M11"
    scripted, plain, old = new_page(), new_page(java_script_enabled=False), new_page()
    old.add_init_script("delete window.fetch")
    for page in (scripted, plain, old):
        page.goto(address)
        page.wait_for_load_state("load")
    assert "all=1" not in scripted.url and "all=1" in plain.url and "all=1" in old.url
    for page in (scripted, plain, old):
        assert cards(page).count() == 2, page.url
        first = page.locator('.row-card[data-row-id="r1"]')
        assert first.locator("[data-column=action] input").input_value() == "Draft <b>MOHA</b> plan"
        assert first.locator("[data-column=status] select").input_value() == "planned"
        assert first.locator("[data-column=partners] input[value=un_women]").is_checked()
    assert scripted.locator('.row-card[data-row-id="r1"] .row-toggle').inner_text() == "Draft <b>MOHA</b> plan"
    assert not scripted.get_by_text("Rows not showing?").is_visible()
    # The script fails to arrive: the table says so and links to the page with every row drawn.
    broken = new_page()
    broken.route("**/worksheet.js*", lambda route: route.abort())
    broken.goto(address)
    assert not broken.get_by_text("No rows yet").is_visible()
    broken.get_by_role("link", name="Rows not showing? Open the simple version of this page.").click()
    broken.wait_for_load_state("load")
    assert "all=1" in broken.url and cards(broken).count() == 2
    # Without the script, a row typed and saved with the button is kept, and so is the other one.
    plain.locator('.row-card[data-row-id="r2"] [data-column=action] input').fill("Train police officers")
    plain.locator(".save-bar").get_by_role("button", name="Save").click()
    plain.wait_for_load_state("load")
    assert actions(plan.id) == ["Draft <b>MOHA</b> plan", "Train police officers"]


def test_the_team_pack_is_prepared_and_then_arrives_by_itself(
        live_server, new_page, make_course, make_registration, make_exercise, tmp_path, monkeypatch):
    """The pack is laid out by a job, not by the request: the participant sees, in their
    language, that it is being prepared, and the page brings the PDF when it is ready."""
    course = make_course(slug="pack-2025", country="KH", timezone="Asia/Phnom_Penh")
    plan = make_exercise(course, "M11", mode="team")
    dara = make_registration(course, certificate_name="សុខ ដារ៉ា", country="KH")
    sheet = operations.sheet_for(plan, dara)
    operations.record(sheet, {"actions": [{"row_id": "r1",
                                           "action": "Train provincial focal points"}]},
                      base_version=0, registration=dara)
    db.session.commit()
    monkeypatch.setitem(live_server.app.config, "PDF_WAIT_SECONDS", 0)
    page = new_page()
    answers = []
    page.on("response", lambda response: answers.append(
        (response.status, response.headers.get("content-type", "").split(";")[0])))
    page.goto(f"{live_server}/p/{dara.token}/worksheets/?lang=km")
    def the_pdf(response) -> bool:
        return "/worksheets/pack.pdf" in response.url and response.status == 200

    with page.expect_response(the_pdf, timeout=60_000) as ready:
        page.get_by_role("link", name="សន្លឹកកិច្ចការទាំងអស់របស់យើងក្នុង PDF តែមួយ").click()
        page.get_by_role("heading", name="កំពុងរៀបចំឯកសារ PDF").wait_for()  # then the refresh
    assert ready.value.headers["content-type"] == "application/pdf"
    path = tmp_path / "pack.pdf"  # what the viewer shows, asked for again: now from the cache
    path.write_bytes(page.request.get(ready.value.url).body())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Train provincial focal points" in text
    assert (202, "text/html") in answers and (200, "application/pdf") in answers
