"""A worksheet page is light on a slow link: its rows come as data for the page's script to draw,
each column's full list is drawn once for the script to copy in; without the script the page
reloads with every row and list in full, and saves as before."""
import html
import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.toolkit import operations
from app.toolkit.examples import stored_answers
from app.toolkit.models import Worksheet
from app.toolkit.modules import modules
from test_toolkit_fill import (  # noqa: F401 - team is a fixture
    act, autosave, change, form_of, row, sheet_of, team, url, without_script)

ACTION = {"action": "Draft the sector implementation plan for the NAP on women, peace and security",
          "responsible": "moha", "partners": ["womens_union", "un_women"], "start": "2025-05-01",
          "end": "2025-09-30", "resources_amount": {"amount": "150000000", "currency": "VND"},
          "resources_note": "Consultation meetings and drafting; state budget",
          "indicator": "Plan issued by the ministry", "status": "in_progress"}
RECOMMENDATION = {"number": "119.45", "text": "Continue to implement the national action plan on women, "
                  "peace and security, with adequate resources", "recommending_state": "FR",
                  "cycle": "iii", "response": "supported", "themes": ["gbv", "participation"],
                  "responsible": "mofa", "status": "in_progress"}


@pytest.fixture
def person(make_course, make_registration):
    course = make_course(slug="weight-2025", country="VN", timezone="Asia/Ho_Chi_Minh")
    return make_registration(course, certificate_name="Nguyễn Thị Hà")


def filled(app, person, exercise, table: str, row: dict, count: int) -> Worksheet:
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, person)
        operations.save(sheet, operations.Typed({table: [{**row, "row_id": f"r{n}"} for n in range(count)]}),
                        base_version=0, registration=person)
        db.session.commit()
    return sheet


def stored(exercise) -> dict:
    db.session.commit()
    return db.session.scalar(sa.select(Worksheet).where(Worksheet.exercise_id == exercise.id)).answers


def rows_sent(page: str) -> dict:
    """The rows a page sends as data for its script (#sheet-rows)."""
    found = re.search(r'<script type="application/json" id="sheet-rows">(.*?)</script>', page)
    return json.loads(found.group(1))["rows"] if found else {}


def test_an_m10_page_of_five_rows_draws_the_countries_once(app, client, person, make_exercise):
    exercise = make_exercise(person.course, "M10", mode="individual")
    filled(app, person, exercise, "recommendations", RECOMMENDATION, 5)
    response = client.get(f"/p/{person.token}/worksheets/M10")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) <= 36_000, len(response.data)
    assert page.count('<option value="DE">') == 1  # the list, once
    assert '<template id="options-recommendations-recommending_state">' in page
    assert not re.search(r'name="recommendations-\d', page)  # no row drawn: they come as data
    rows = rows_sent(page)["recommendations"]
    assert [row["cells"]["recommending_state"] for row in rows] == [["FR"]] * 5
    assert rows[4]["cells"]["themes"] == ["gbv", "participation"]
    # Without the script the browser reloads the page with every row and list in full.
    assert re.search(r'<noscript><meta http-equiv="refresh" content="0; url=/p/[^"]+/worksheets/M10\?all=1">', page)
    full = client.get(f"/p/{person.token}/worksheets/M10?all=1").get_data(as_text=True)
    assert full.count('<option value="DE">') == 5 + 1  # the rows and the blank row
    assert full.count('<option selected value="FR">France</option>') == 5  # each row's answer
    assert "<noscript>" not in full and 'id="options-' not in full and "sheet-rows" not in full
    assert full.count('type="checkbox" value="education">') >= 5


def test_an_m11_page_of_nineteen_rows_is_light(app, client, person, make_exercise):
    exercise = make_exercise(person.course, "M11", mode="individual")
    filled(app, person, exercise, "actions", ACTION, 19)
    full = client.get(f"/p/{person.token}/worksheets/M11?all=1").get_data(as_text=True)
    response = client.get(f"/p/{person.token}/worksheets/M11")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) <= 60_000, len(response.data)
    assert len(response.data) < len(full.encode()) * 0.4, (len(response.data), len(full.encode()))
    assert page.count('<option value="moh">') == 1 and len(rows_sent(page)["actions"]) == 19
    # hints stay at their inputs: in the row the script copies, and in every row drawn in full
    assert 'aria-describedby="actions-__i__-resources_note-hint"' in page
    assert 'aria-describedby="actions-18-resources_note-hint"' in full


def test_a_country_is_chosen_and_saved_without_the_script(client, person, make_exercise):
    exercise = make_exercise(person.course, "M10", mode="individual")
    page = client.get(f"/p/{person.token}/worksheets/M10?all=1").get_data(as_text=True)
    team = re.search(r'name="team" value="([^"]*)"', page).group(1)
    form = {"version": "0", "team": team, "action": "save", "recommendations-0-row_id": "new1",
            "recommendations-0-text": "Adopt a national action plan", "recommendations-0-recommending_state": "DE"}
    assert client.post(f"/p/{person.token}/worksheets/M10", data=form).status_code == 302
    assert stored(exercise)["recommendations"][0]["recommending_state"] == "DE"
    # A code that is no country is refused with a message at its input; the full lists come back.
    answer = client.post(f"/p/{person.token}/worksheets/M10", data={
        **form, "version": "1", "recommendations-0-recommending_state": "XX"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Not a valid choice" in page
    assert '<option value="DE">' in page and "<noscript>" not in page
    assert stored(exercise)["recommendations"][0]["recommending_state"] == "DE"


@pytest.mark.parametrize("key", [key for key, module in modules().items() if module.tables()])
def test_a_page_with_the_script_sends_its_rows_as_data_and_without_it_changes_no_row(
        client, make_course, make_registration, make_exercise, key):
    """The light page: no row drawn, each row's inputs as the script sets them (a save's answer
    gives the same); posted as it is (a browser that ignored the refresh), no row changes."""
    from app.toolkit import posted

    module = modules()[key]
    course = make_course()
    exercise = make_exercise(course, key, mode="team")
    person = make_registration(course, country=module.example.get("country") or "VN")
    sheet = operations.sheet_for(exercise, person)
    operations.record(sheet, stored_answers(module, module.example["answers"]), base_version=0,
                      registration=person)
    db.session.commit()
    page = client.get(url(person, key)).get_data(as_text=True)
    data = json.loads(html.unescape(re.search(r'<script type="application/json" id="sheet-rows">(.*?)</script>',
                                              page).group(1)))
    with client.application.test_request_context():
        state = posted.state(module, operations.context(sheet), sheet.answers)
    assert data["rows"] == state["rows"] and any(data["rows"].values())
    assert not re.search(r'name="[a-z0-9_]+-\d+-', page)  # no row's input in the page
    before = sheet_of(exercise, person).answers
    response = client.post(url(person, key), data=act(form_of(client.get(url(person, key))), "save"))
    assert response.status_code == 302
    assert {spec.name: sheet_of(exercise, person).answers.get(spec.name) for spec in module.tables()} == \
        {spec.name: before.get(spec.name) for spec in module.tables()}


def test_a_light_page_posted_without_its_script_and_refused_shows_and_keeps_every_row(app, client, team):
    """A browser that ignored the refresh posts the light page (no row in it) after its session
    ended: the page that comes back shows the sheet's rows, and pressing Save again keeps them."""
    _course, plan, _indicators, ha, _minh, _sari = team
    autosave(client, ha, "M11", {**row(0, row_id="r1", action="Draft plan"), **row(1, row_id="r2", action="Train")})
    light = form_of(client.get(url(ha, "M11")))
    assert light["delta"] == "1" and "actions-0-row_id" not in light
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        change(light, {"sign_off": "Typed before lunch", "csrf_token": "expired"})
        refused = client.post(url(ha, "M11"), data=act(light, "save"))
        assert refused.status_code == 400
        shown = form_of(refused)
        assert "delta" not in shown and shown["sign_off"] == "Typed before lunch"
        assert [shown["actions-0-action"], shown["actions-1-action"]] == ["Draft plan", "Train"]
        fresh = form_of(without_script(client, url(ha, "M11")))["csrf_token"]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    again = client.post(url(ha, "M11"), data=act(change(shown, {"csrf_token": fresh}), "save"))
    assert again.status_code == 302
    answers = sheet_of(plan, ha).answers
    assert [r["action"] for r in answers["actions"]] == ["Draft plan", "Train"]
    assert answers["sign_off"] == "Typed before lunch"


def test_a_row_added_without_the_script_is_drawn_on_the_page_itself(client, team):
    """``?add=`` (after "Add a row" posted before the script ran): the page draws its rows and
    the new one, so the script, arriving late, does not remove the row being typed into."""
    _course, _plan, _indicators, ha, _minh, _sari = team
    autosave(client, ha, "M11", row(0, row_id="r1", action="Draft plan"))
    page = client.get(url(ha, "M11") + "?add=actions").get_data(as_text=True)
    assert 'id="sheet-rows"' not in page and 'name="delta"' not in page
    shown = form_of(client.get(url(ha, "M11") + "?add=actions"))
    assert shown["actions-0-action"] == "Draft plan" and shown["actions-1-row_id"]


def test_a_light_page_post_takes_the_rows_it_showed_and_keeps_what_it_sent_and_a_teammates_edits(client, team):
    """The rows put into a post of the light page are those of the version it showed: a row the
    teammate removed or changed since stays as the teammate left it; a row the post did carry
    (a page whose script stopped half-way) is saved as sent and the others are kept."""
    _course, plan, _indicators, ha, minh, _sari = team
    autosave(client, ha, "M11", {**row(0, row_id="r1", action="Draft plan"), **row(1, row_id="r2", action="Train")})
    light = form_of(client.get(url(ha, "M11")))  # at version 1
    autosave(client, minh, "M11", row(0, row_id="r1", action="Draft the plan"), version=1)  # r2 removed, r1 edited
    saved = client.post(url(ha, "M11"), data=act(change(light, {"sign_off": "Hà"}), "save"))
    assert saved.status_code == 302
    answers = sheet_of(plan, ha).answers
    assert [r["action"] for r in answers["actions"]] == ["Draft the plan"] and answers["sign_off"] == "Hà"
    half = form_of(client.get(url(ha, "M11")))  # at version 3, one row: r1
    autosave(client, minh, "M11", {**row(0, row_id="r1", action="Draft the plan"), **row(1, row_id="r3", action="Visit")},
             version=3)
    half.update({**row(7, row_id="r1", action="Draft the MOHA plan")})
    client.post(url(ha, "M11"), data=act(half, "save"))
    assert [r["action"] for r in sheet_of(plan, ha).answers["actions"]] == ["Draft the MOHA plan", "Visit"]
