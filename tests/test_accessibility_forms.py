"""Forms that say what is wrong, where (WCAG 2.2 AA, issue 18), read from the rendered HTML: a
failed form opens on a summary counting its problems with a link to each field; every error is
tied to its input (aria-describedby, aria-invalid), a choice group's on each of its inputs;
required fields are marked for the eye and for screen readers; a worksheet has a contents list
and a link past each table's rows. The same pages in a real browser:
tests/browser/test_accessibility_forms_browser.py."""
from datetime import date

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.toolkit import operations

ACTION = {"action": "Draft the sector plan", "responsible": "moha", "partners": ["womens_union"],
          "start": "2025-05-01", "end": "2025-09-30",
          "resources_amount": {"amount": "150000000", "currency": "VND"},
          "resources_note": "State budget", "indicator": "Plan issued", "status": "in_progress"}
REGISTRATION = {
    "full_name": "SOMCHAI JAIDEE", "family_name": "Jaidee", "given_names": "Somchai",
    "name_order": "given_first", "sex": "male", "age_group": "35-44", "country": "TH",
    "organisation_type": "cso", "organisation": "Foundation for Women", "email": "somchai@example.org",
    "language": "th", "certificate_language": "", "confirm_name": "y", "consent": "y", "submission_key": "k-1",
}


def html(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def by_id(page, element_id: str):
    found = page.get_element_by_id(element_id, None)
    assert found is not None, f"no element #{element_id}"
    return found


def described_by(page, element) -> list[str]:
    """The texts ``element``'s aria-describedby points to, each of which must exist."""
    return [by_id(page, one).text_content().strip() for one in element.get("aria-describedby", "").split()]


def summary(page) -> tuple[str, list[str]]:
    box = by_id(page, "error-summary")
    assert box.get("tabindex") == "-1" and box.get("autofocus") is not None  # the focus lands here
    assert box.get("aria-labelledby") == "error-summary-title"
    return by_id(page, "error-summary-title").text_content().strip(), [a.get("href") for a in box.iter("a")]


@pytest.fixture
def course(make_course):
    return make_course(slug="a11y-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))


def test_a_failed_registration_counts_its_problems_and_links_each_to_its_field(client, course):
    typed = {**REGISTRATION, "full_name": "", "email": "not an address", "age_group": "",
             "organisation": "", "phone": "call me"}
    for name in ("sex", "confirm_name", "consent"):
        typed.pop(name)
    response = client.post("/courses/a11y-2030/register", data=typed)
    assert response.status_code == 400
    page = html(response)
    heading, links = summary(page)
    assert heading == "There are 8 problems" and len(links) == 8
    assert links[0] == "#full_name" and "#sex-0" in links and "#confirm_name" in links
    for link in links:  # each link reaches an input that says it is wrong, and why
        target = by_id(page, link[1:])
        assert target.tag in ("input", "select", "textarea") and target.get("aria-invalid") == "true"
        assert any(text for text in described_by(page, target))
    # The radios carry the group's error, not the list around them.
    assert by_id(page, "sex").get("aria-describedby") is None
    for radio in page.xpath('//input[@name="sex"]'):
        assert radio.get("aria-invalid") == "true" and radio.get("required") is not None
        assert described_by(page, radio) == ["For the sex-disaggregated figures donors ask for.",
                                             "This field is required."]
    legend = page.xpath('//ul[@id="sex"]/../legend')[0]
    assert legend.xpath('.//span[@aria-hidden="true"]/text()') == ["*"]  # for the eye
    assert legend.xpath('.//span[@class="visually-hidden"]/text()') == ["required"]  # for the ear
    confirm = by_id(page, "confirm_name")
    assert confirm.get("aria-invalid") == "true" and confirm.get("required") is not None
    assert described_by(page, confirm) == ["Please check the name on your certificate and confirm it."]
    assert "required" in page.xpath('//label[@for="confirm_name"]')[0].text_content()
    # Optional fields carry no marker.
    assert page.xpath('//label[@for="position"]')[0].text_content().strip() == "Position"
    assert by_id(page, "position").get("required") is None


def test_one_problem_is_said_in_the_singular_and_a_good_form_has_no_summary(client, course):
    response = client.post("/courses/a11y-2030/register", data={**REGISTRATION, "email": "nowhere"})
    assert response.status_code == 400
    heading, links = summary(html(response))
    assert (heading, links) == ("There is 1 problem", ["#email"])
    form = html(client.get("/courses/a11y-2030/register"))
    assert form.get_element_by_id("error-summary", None) is None
    assert not form.xpath("//*[@aria-invalid]")
    marked = {label.get("for") for label in form.xpath('//label[.//span[@class="required"]]')}
    assert {"full_name", "age_group", "country", "email", "confirm_name", "consent"} <= marked
    assert len(form.xpath('//legend[.//span[@class="required"]]')) == 1  # sex
    assert client.post("/courses/a11y-2030/register", data=REGISTRATION).status_code == 302


def test_a_staff_form_uses_the_same_summary(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/manage/users/new", data={"name": "", "email": "x", "role": "trainer"})
    assert response.status_code == 400
    page = html(response)
    heading, links = summary(page)
    assert heading == f"There are {len(links)} problems" and "#email" in links
    assert by_id(page, "email").get("aria-describedby") == "email-error"


@pytest.fixture
def plan(app, course, make_registration, make_exercise):
    """A 4-row team action plan (M11)."""
    exercise = make_exercise(course, "M11", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, ha)
        rows = [{**ACTION, "action": f"Action {n}", "row_id": f"r{n}"} for n in range(4)]
        operations.save(sheet, operations.Typed({"actions": rows}), base_version=0, registration=ha)
        db.session.commit()
    return ha


def test_a_worksheet_error_is_tied_to_its_input(client, plan):
    url = f"/p/{plan.token}/worksheets/M11"
    body = MultiDict({"version": "1", "action": "save", "sign_off": "x" * 600})
    for n in range(4):
        body.update({f"actions-{n}-row_id": f"r{n}", f"actions-{n}-action": f"Action {n}"})
    body["actions-1-resources_amount-amount"] = "12abc"
    response = client.post(url, data=body)
    assert response.status_code == 400
    page = html(response)
    amount = by_id(page, "actions-1-resources_amount-amount")
    assert amount.get("aria-invalid") == "true" and described_by(page, amount) == ["Type a number here, such as 1,250.5."]
    sign_off = by_id(page, "sign_off")
    assert sign_off.get("aria-invalid") == "true"
    hint, error = described_by(page, sign_off)
    assert hint == "Names of those signing off the plan." and "500" in error
    assert by_id(page, "actions-0-resources_amount-amount").get("aria-invalid") is None
    # The page opens with the count and a link to each input, labelled as the page shows it.
    heading, targets = summary(page)
    assert heading == "There are 2 problems"
    assert targets == ["#actions-1-resources_amount-amount", "#sign_off"]
    labels = [link.text_content().split(": ", 1)[0] for link in by_id(page, "error-summary").iter("a")]
    assert labels == ["Actions · Row 2 · Resources needed · Amount", "Signed off by"]
    # The autosave answers the same errors by input name, for the script to tie the same way.
    saved = client.post(url + "/save", data={**body, "action": ""})
    assert set(saved.json["errors"]) == {"actions-1-resources_amount-amount", "sign_off"}


def test_a_worksheet_lists_its_parts_and_rows_and_skips_past_a_table(client, plan):
    page = html(client.get(f"/p/{plan.token}/worksheets/M11"))
    contents = page.xpath('//nav[@class="sheet-contents"]')[0]
    links = [(a.get("href"), a.text_content()) for a in contents.iter("a")]
    assert links == [("#table-actions", "Actions"), ("#top_priorities", "Top 3 priorities, next 6 months"),
                     ("#sign_off", "Signed off by")]  # the script lists each row under its table
    assert contents.xpath('.//ol[@data-contents="actions"]')
    for href, _text in links:
        by_id(page, href[1:])
    skip = page.xpath('//a[@class="skip-to-add"]')[0]
    assert skip.get("href") == "#add-actions" and skip.text_content() == "Skip to add a row"
    assert by_id(page, "add-actions").tag == "button"
    # The errors' live region, which the script fills after an autosave.
    assert by_id(page, "autosave-errors").get("aria-live") == "polite"


def test_every_worksheets_contents_link_leads_to_something_on_the_page(client, course, make_exercise,
                                                                        make_registration):
    """Every module, blank (a reference with no rows to pick from draws its text box only)."""
    from app.toolkit.modules import modules

    person = make_registration(course, email="contents@example.org")
    for key, module in modules().items():
        make_exercise(course, key, mode="individual")
        page = html(client.get(f"/p/{person.token}/worksheets/{key}"))
        contents = page.xpath('//nav[@class="sheet-contents"]')[0]
        for link in contents.iter("a"):
            assert page.get_element_by_id(link.get("href")[1:], None) is not None, (key, link.get("href"))
