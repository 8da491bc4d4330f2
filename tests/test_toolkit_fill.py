"""Participants fill worksheets through their personal link: without JavaScript (plain posts)
and through the autosave endpoint the page's script uses."""
import html
import re
import time
from datetime import date, time as clock
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from app.agenda.operations import SessionDetails, save_session
from app.extensions import db
from app.i18n.multilingual import MultilingualText
from app.toolkit import operations
from app.toolkit.examples import stored_answers
from app.toolkit.models import Worksheet, WorksheetRevision
from app.toolkit.modules import modules
from helpers import count


class FormReader(HTMLParser):
    """What a browser would send from the page's worksheet form (its buttons aside)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.values, self.select, self.textarea = False, MultiDict(), None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "worksheet":
            self.inside = True
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.values.add(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self.select = [attrs["name"], None, None]
        elif tag == "option" and self.select:
            self.select[1] = self.select[1] if self.select[1] is not None else attrs.get("value", "")
            if "selected" in attrs:
                self.select[2] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            name, first, chosen = self.select
            self.values.add(name, chosen if chosen is not None else first or "")
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.values.add(self.textarea[0], self.textarea[1].removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def form_of(response) -> MultiDict:
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader.values


def change(data: MultiDict, values: dict) -> MultiDict:
    """``data`` with ``values`` replacing what the inputs held (a list for checkboxes)."""
    for name, value in values.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def act(data: MultiDict, action: str) -> MultiDict:
    """The form as sent by pressing the button ``action``."""
    return change(data.copy(), {"action": action})


def url(registration, key: str, end: str = "") -> str:
    return f"/p/{registration.token}/worksheets/{key}{end}"


REFRESH = re.compile(r'<noscript><meta http-equiv="refresh" content="0; url=([^"]+)"></noscript>')


def without_script(client, path: str):
    """The page as a browser without JavaScript ends up with it: a page whose rows the script
    draws sends such a browser on (its <noscript> refresh) to the page with every row drawn."""
    response = client.get(path)
    found = REFRESH.search(response.get_data(as_text=True))
    return client.get(html.unescape(found.group(1))) if found else response


def row(number: int, **cells) -> dict:
    return {f"actions-{number}-{name}": value for name, value in cells.items()}


def sheet_of(exercise, registration) -> Worksheet:
    db.session.expire_all()
    return operations.sheet_for(exercise, registration)


@pytest.fixture
def team(make_course, make_registration, make_exercise):
    """A course with the team action plan (M11) and individual indicators (M4); two Vietnamese
    teammates and one Indonesian participant."""
    course = make_course(slug="fill-2025")
    plan = make_exercise(course, "M11", mode="team")
    indicators = make_exercise(course, "M4", mode="individual")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    minh = make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn",
                             address_as="Anh Minh")
    sari = make_registration(course, certificate_name="Sari Dewi", email="sari@example.id", country="ID",
                             language="id")
    return course, plan, indicators, ha, minh, sari


def autosave(client, registration, key, data, version=0, save_key=None, **headers):
    body = MultiDict(data)
    body["version"] = str(version)
    if save_key:
        body["save_key"] = save_key
    return client.post(url(registration, key, "/save"), data=body, headers=headers)


# --- the personal page and the list ----------------------------------------------------------------

def test_the_personal_page_lists_the_course_worksheets(client, team, make_registration):
    course, plan, indicators, ha, _minh, _sari = team
    save_session(course, None, SessionDetails(day=date(2025, 4, 11), start=clock(13, 0), end=clock(14, 30),
                                              title=MultilingualText(en="Localization and action planning")))
    plan.session = course.sessions[0]
    db.session.commit()
    page = client.get(f"/p/{ha.token}/").get_data(as_text=True)
    assert "M11 · Action plan" in page and "M4 · Indicator design" in page
    assert page.index("M11 · Action plan") < page.index("M4 · Indicator design")  # by position
    assert "Filled by your country team" in page and "Filled by you" in page
    assert "Localization and action planning" in page and "Not started" in page
    assert f'href="/p/{ha.token}/worksheets/M11"' in page
    listing = client.get(f"/p/{ha.token}/worksheets/")
    assert listing.status_code == 200 and "M4 · Indicator design" in listing.get_data(as_text=True)
    pending = make_registration(course, email="later@example.vn", status="pending")
    assert "M11 · Action plan" not in client.get(f"/p/{pending.token}/").get_data(as_text=True)
    assert count(Worksheet) == 0  # reading the list creates nothing


def test_the_fill_page_shows_the_module_the_session_the_team_and_the_trainers_comments(
        client, team, make_user):
    course, plan, _indicators, ha, minh, _sari = team
    plan.instructions = MultilingualText(en="Agree three actions before lunch.")
    sheet = operations.sheet_for(plan, ha)
    operations.add_comment(sheet, "actions", "Name a lead ministry for each action.", make_user())
    db.session.commit()
    page = client.get(url(minh, "M11")).get_data(as_text=True)
    assert "Leave the course with concrete next steps" in page  # purpose
    assert "Agree as a country team what you will do after the course." in page  # help
    assert "Agree three actions before lunch." in page
    assert "Nguyễn Thị Hà" in page and "Trần Văn Minh" in page  # the team
    assert "Draft MOHA sector implementation plan for NAP WPS" in page  # the worked example
    assert "Ministry of Home Affairs (MOHA)" in page and "₫150,000,000" in page.replace("\xa0", "")
    assert "Name a lead ministry for each action." in page
    assert 'id="row-template-actions"' in page and 'name="save_key"' in page


# --- without JavaScript ------------------------------------------------------------------------

def test_without_javascript_rows_are_added_saved_removed_and_the_sheet_submitted(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    data = form_of(without_script(client, url(ha, "M11")))
    added = client.post(url(ha, "M11"), data=act(data, "add_row:actions"))
    assert added.status_code == 302 and added.location.endswith("?add=actions#add-actions")
    data = form_of(without_script(client, added.location))
    row_id = data["actions-0-row_id"]
    change(data, {"actions-0-action": "Draft MOHA sector plan", "actions-0-start": "2025-05-01",
                 "actions-0-resources_amount-amount": "150.000.000", "actions-0-resources_amount-currency": "VND",
                 "actions-0-partners": ["un_women", "womens_union"], "sign_off": "Hà, Minh"})
    saved = client.post(url(ha, "M11"), data=act(data, "save"))
    assert saved.status_code == 302
    sheet = sheet_of(plan, ha)
    assert sheet.answers["actions"] == [{
        "row_id": row_id, "action": "Draft MOHA sector plan", "responsible": "", "start": "2025-05-01",
        "end": "", "partners": ["un_women", "womens_union"], "indicator": "", "resources_note": "",
        "resources_amount": {"amount": "150000000", "currency": "VND"}, "status": ""}]
    page = client.get(url(ha, "M11")).get_data(as_text=True)
    assert "Last saved by Nguyễn Thị Hà" in page and "Draft" in page
    # Submitting with a row that lacks its required action names what is missing.
    data = form_of(without_script(client, url(ha, "M11") + "?add=actions"))
    change(data, {"actions-1-indicator": "Plan issued"})
    refused = client.post(url(ha, "M11"), data=act(data, "submit"))
    assert refused.status_code == 400 and "fill these first" in refused.get_data(as_text=True)
    assert sheet_of(plan, ha).status == "draft"
    data = form_of(refused)
    second = data["actions-1-row_id"]
    removed = client.post(url(ha, "M11"), data=act(data, f"remove_row:actions:{second}"))
    assert removed.status_code == 302
    assert [r["row_id"] for r in sheet_of(plan, ha).answers["actions"]] == [row_id]
    submitted = client.post(url(ha, "M11"), data=act(form_of(without_script(client, url(ha, "M11"))), "submit"))
    assert submitted.status_code == 302 and sheet_of(plan, ha).status == "submitted"
    assert "Submitted for review" in client.get(f"/p/{ha.token}/").get_data(as_text=True)


def test_field_errors_keep_what_was_typed_and_change_nothing_else(client, team):
    _course, plan, indicators, ha, _minh, _sari = team
    paste = "Evidence. " * 100_000  # 1 MB into a long text
    data = form_of(client.get(url(ha, "M11") + "?add=actions"))
    change(data, {"actions-0-action": "Train provincial officers", "actions-0-start": "1850-01-01",
                 "top_priorities": paste, "sign_off": "Delegation"})
    response = client.post(url(ha, "M11"), data=act(data, "save"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a date between" in page and "Keep this under 2000 characters" in page
    assert 'value="1850-01-01"' in page and paste in page  # typed text is still in the boxes
    answers = sheet_of(plan, ha).answers
    assert answers["actions"][0]["action"] == "Train provincial officers" and answers["actions"][0]["start"] == ""
    assert not answers.get("top_priorities") and answers["sign_off"] == "Delegation"
    assert form_of(response)["version"] == "1"
    # A number field given text, in the individual indicator sheet.
    data = form_of(client.get(url(ha, "M4") + "?add=indicators"))
    change(data, {"indicators-0-indicator": "% women deployed", "indicators-0-baseline_value": "about sixteen"})
    response = client.post(url(ha, "M4"), data=act(data, "save"))
    assert response.status_code == 400 and "Type a number here" in response.get_data(as_text=True)
    assert 'value="about sixteen"' in response.get_data(as_text=True)
    assert sheet_of(indicators, ha).answers["indicators"][0]["baseline_value"] == ""


def test_a_table_of_ten_thousand_rows_is_refused_quickly_and_nothing_is_saved(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    data = form_of(client.get(url(ha, "M11")))
    for number in range(10_000):
        change(data, row(number, row_id=f"r{number}", action=f"Action {number}"))
    started = time.monotonic()
    response = client.post(url(ha, "M11"), data=act(data, "save"))
    assert time.monotonic() - started < 10
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "at most 40 rows" in page and "Nothing was saved" in page
    assert page.count('class="row-card"') == 41  # the first 40 typed rows shown back, and the template
    assert sheet_of(plan, ha).version == 0
    json = autosave(client, ha, "M11", data)
    assert json.status_code == 400 and "at most 40 rows" in json.json["error"]


def test_html_and_script_in_answers_are_shown_as_text(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = autosave(client, ha, "M11", {**row(0, row_id="r1", action=script), "sign_off": script,
                                            "top_priorities": script})
    assert response.status_code == 200 and sheet_of(plan, ha).answers["sign_off"] == script
    page = client.get(url(ha, "M11")).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<script>alert" not in client.get(f"/p/{ha.token}/").get_data(as_text=True)


def test_a_stale_form_comes_back_with_what_was_typed(app, client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = form_of(client.get(url(ha, "M11")))
        change(data, {"sign_off": "Typed before lunch", "csrf_token": "expired"})
        response = client.post(url(ha, "M11"), data=act(data, "save"))
        assert response.status_code == 400
        assert "was open for a long time" in response.get_data(as_text=True)
        assert form_of(response)["sign_off"] == "Typed before lunch"
        assert sheet_of(plan, ha).version == 0
        # The script's save: refused as "csrf", then a fresh token from the state endpoint works.
        refused = autosave(client, ha, "M11", {"sign_off": "Typed"}, **{"X-CSRFToken": "expired"})
        assert refused.status_code == 400 and refused.json["error"] == "csrf"
        fresh = client.get(url(ha, "M11", "/state")).json
        assert fresh["version"] == 0 and fresh["status"] == "draft"
        saved = autosave(client, ha, "M11", {"sign_off": "Typed"}, **{"X-CSRFToken": fresh["csrf_token"]})
        assert saved.status_code == 200 and saved.json["version"] == 1
        assert client.get(url(ha, "M11", "/state")).json["saved_by"] == "Nguyễn Thị Hà"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- autosave --------------------------------------------------------------------------------------

def test_autosave_answers_with_the_merged_state_and_a_repeat_counts_once(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    data = {**row(3, row_id="r-ha", action="Draft plan", status="planned"), "sign_off": "Hà"}
    first = autosave(client, ha, "M11", data, save_key="key-1")
    assert first.status_code == 200
    body = first.json
    assert body["version"] == 1 and body["conflicts"] == [] and body["errors"] == {}
    assert body["rows"] == {"actions": ["r-ha"]} and body["saved_by"] == "Nguyễn Thị Hà"
    cells = body["state"]["rows"]["actions"][0]["cells"]
    assert cells["action"] == ["Draft plan"] and cells["status"] == ["planned"]
    assert cells["resources_amount-currency"] == [""] and body["state"]["fields"]["sign_off"] == ["Hà"]
    again = autosave(client, ha, "M11", data, save_key="key-1")
    assert again.json["repeated"] and again.json["version"] == 1
    assert count(WorksheetRevision) == 1 and len(sheet_of(plan, ha).answers["actions"]) == 1
    # Errors are named as the page numbered its rows (3 and 7 here), on a repeat too.
    bad = autosave(client, ha, "M11", {**data, **row(7, row_id="r2", action="Train", start="1850-01-01")},
                   version=1, save_key="key-2")
    assert list(bad.json["errors"]) == ["actions-7-start"]
    assert list(autosave(client, ha, "M11", {**data, **row(7, row_id="r2", action="Train", start="1850-01-01")},
                         version=1, save_key="key-2").json["errors"]) == ["actions-7-start"]


def test_two_teammates_autosaving_at_once_keep_both_rows(client, team):
    _course, plan, _indicators, ha, minh, _sari = team
    first = autosave(client, ha, "M11", row(0, row_id="r-ha", action="Draft MOHA plan"), save_key="a")
    second = autosave(client, minh, "M11", row(0, row_id="r-minh", action="Train police officers"), save_key="b")
    assert (first.json["version"], second.json["version"]) == (1, 2) and not second.json["conflicts"]
    assert second.json["rows"]["actions"] == ["r-ha", "r-minh"]  # his page learns of her row
    assert [r["action"] for r in sheet_of(plan, ha).answers["actions"]] == ["Draft MOHA plan",
                                                                             "Train police officers"]
    # Her next save (from version 1, without his row on her page yet) keeps his row.
    third = autosave(client, ha, "M11", row(0, row_id="r-ha", action="Draft the MOHA plan"), version=1)
    assert third.json["rows"]["actions"] == ["r-ha", "r-minh"]
    assert [r["action"] for r in sheet_of(plan, ha).answers["actions"]] == ["Draft the MOHA plan",
                                                                             "Train police officers"]


def test_a_conflicting_edit_is_reported_with_both_values(client, team):
    _course, plan, _indicators, ha, minh, _sari = team
    autosave(client, minh, "M11", {**row(0, row_id="r1", action="Draft plan", status="planned"), "sign_off": "Hà"})
    autosave(client, ha, "M11", {**row(0, row_id="r1", action="Draft the MOHA plan", status="planned"),
                                 "sign_off": "Hà"}, version=1)
    mine = autosave(client, minh, "M11", {**row(0, row_id="r1", action="Draft MOHA sector plan",
                                                status="in_progress"), "sign_off": "Hà"}, version=1)
    body = mine.json
    assert body["version"] == 3  # his status change is saved
    [conflict] = body["conflicts"]
    assert conflict["field"] == "actions" and conflict["row_id"] == "r1" and conflict["column"] == "action"
    assert (conflict["mine"], conflict["theirs"]) == ("Draft MOHA sector plan", "Draft the MOHA plan")
    assert conflict["name"] == "Nguyễn Thị Hà" and conflict["label"] == "Action" and conflict["type"] == "text"
    assert conflict["values"] == {"": ["Draft the MOHA plan"]}
    stored = sheet_of(plan, ha).answers["actions"][0]
    assert stored["action"] == "Draft the MOHA plan" and stored["status"] == "in_progress"


def test_without_javascript_a_conflict_keeps_mine_in_the_box_and_the_teammates_other_edits(client, team):
    _course, plan, _indicators, ha, minh, _sari = team
    autosave(client, ha, "M11", {**row(0, row_id="r1", action="Draft plan"), "sign_off": "Hà"})
    data = form_of(without_script(client, url(minh, "M11")))  # his page, at version 1
    autosave(client, ha, "M11", {**row(0, row_id="r1", action="Draft the MOHA plan"), "sign_off": "Hà, Lan",
                                 **row(1, row_id="r2", action="Her new row")}, version=1)
    change(data, {"actions-0-action": "Draft MOHA sector plan"})
    response = client.post(url(minh, "M11"), data=act(data, "save"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A teammate (<bdi>Nguyễn Thị Hà</bdi>) changed this while you were editing:" in page
    assert "Draft the MOHA plan" in page and "save again to keep yours" in page
    shown = form_of(response)
    assert shown["actions-0-action"] == "Draft MOHA sector plan"  # mine, in the box
    assert shown["sign_off"] == "Hà, Lan" and shown["actions-1-action"] == "Her new row"  # hers, kept
    assert shown["version"] == "2"
    again = client.post(url(minh, "M11"), data=act(shown, "save"))
    assert again.status_code == 302
    answers = sheet_of(plan, ha).answers
    assert [r["action"] for r in answers["actions"]] == ["Draft MOHA sector plan", "Her new row"]
    assert answers["sign_off"] == "Hà, Lan"


# --- who may fill what -------------------------------------------------------------------------------

def test_unknown_pending_and_foreign_links_are_refused(client, team, make_course, make_registration,
                                                       make_exercise):
    course, _plan, _indicators, ha, _minh, _sari = team
    assert client.get("/p/not-a-token/worksheets/M11").status_code == 404
    missing = client.post("/p/not-a-token/worksheets/M11/save", data={"version": "0"})
    assert missing.status_code == 404 and missing.json["error"]
    assert client.get(url(ha, "M9")).status_code == 404  # not an exercise of this course
    assert client.get(url(ha, "M99")).status_code == 404
    assert client.post(url(ha, "M9", "/save"), data={}).json["error"]
    other = make_course(slug="other-2025")
    make_exercise(other, "M2")
    assert client.get(url(ha, "M2")).status_code == 404  # another course's exercise
    for status in ("pending", "waitlisted", "cancelled", "declined"):
        person = make_registration(course, email=f"{status}@example.vn", status=status)
        assert client.get(url(person, "M11")).status_code == 403
        assert client.get(f"/p/{person.token}/worksheets/").status_code == 403
        refused = autosave(client, person, "M11", {"sign_off": "x"})
        assert refused.status_code == 403 and refused.json["error"]
        assert client.get(url(person, "M11", "/state")).status_code == 403
    assert count(WorksheetRevision) == 0


def test_the_team_shares_its_sheet_and_individual_sheets_are_separate(client, team):
    _course, plan, indicators, ha, minh, sari = team
    autosave(client, ha, "M11", row(0, row_id="r1", action="Viet Nam's action"))
    autosave(client, sari, "M11", row(0, row_id="r1", action="Indonesia's action"))
    autosave(client, ha, "M4", {"indicators-0-row_id": "i1", "indicators-0-indicator": "Hà's indicator"})
    minh_page = without_script(client, url(minh, "M11")).get_data(as_text=True)
    assert "Viet Nam&#39;s action" in minh_page and "Indonesia&#39;s action" not in minh_page
    assert "Hà&#39;s indicator" not in without_script(client, url(minh, "M4")).get_data(as_text=True)
    assert "Hà&#39;s indicator" in without_script(client, url(ha, "M4")).get_data(as_text=True)
    assert sheet_of(plan, ha) is sheet_of(plan, minh) and sheet_of(plan, sari) is not sheet_of(plan, ha)
    assert sheet_of(indicators, ha) is not sheet_of(indicators, minh)


def test_a_final_sheet_is_read_only_and_a_returned_one_shows_why(client, team, make_user):
    _course, plan, _indicators, ha, _minh, _sari = team
    autosave(client, ha, "M11", {"sign_off": "Hà"})
    sheet = sheet_of(plan, ha)
    operations.set_status(sheet, "returned", make_user(), "Add dates to every action.")
    db.session.commit()
    page = client.get(url(ha, "M11")).get_data(as_text=True)
    assert "returned this worksheet for revision" in page and "Add dates to every action." in page
    sheet = sheet_of(plan, ha)
    operations.set_status(sheet, "final", None)
    db.session.commit()
    page = client.get(url(ha, "M11"))
    text = page.get_data(as_text=True)
    assert '<fieldset class="sheet-body" disabled>' in text and "no longer change it" in text
    assert 'value="submit"' not in text
    refused = client.post(url(ha, "M11"), data=act(change(form_of(page), {"sign_off": "Changed"}), "save"))
    assert refused.status_code == 400 and "marked this worksheet final" in refused.get_data(as_text=True)
    assert autosave(client, ha, "M11", {"sign_off": "Changed"}, version=1).status_code == 400
    assert sheet_of(plan, ha).answers["sign_off"] == "Hà"


# --- every module renders and reads back its worked example -------------------------------------------

def semantic(value):
    """An answer without its empty parts (a form adds empty cells a hand-written example lacks)."""
    if isinstance(value, dict):
        return {key: semantic(item) for key, item in value.items() if item not in (None, "", [], {}, "\n")}
    if isinstance(value, list):
        items = [semantic(item) for item in value]
        return sorted(items) if all(isinstance(item, str) for item in items) else items  # checkboxes
    return value.strip() if isinstance(value, str) else value


@pytest.mark.parametrize("key", list(modules()))
def test_every_module_shows_its_answers_in_its_form_and_reads_them_back_unchanged(
        client, make_course, make_registration, make_exercise, key):
    module = modules()[key]
    course = make_course()
    exercise = make_exercise(course, key, mode="team")
    person = make_registration(course, country=module.example.get("country") or "VN")
    sheet = operations.sheet_for(exercise, person)
    sheet.answers = stored_answers(module, module.example["answers"])
    sheet.version = 1
    db.session.add(WorksheetRevision(worksheet=sheet, version=1, answers=sheet.answers))
    db.session.commit()
    expected = semantic(sheet.answers)
    page = without_script(client, url(person, key))
    assert page.status_code == 200
    response = client.post(url(person, key), data=act(form_of(page), "save"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    stored = semantic(sheet_of(exercise, person).answers)
    assert stored == expected
