"""A participant registers on a phone with a Thai name; a trainer approves them."""
from datetime import date

from app.i18n import use_language
from app.registrations.labels import STATUS_LABELS
from helpers import ARTIFACTS, PHONE


def test_participant_registers_in_thai_on_a_phone_and_a_trainer_approves(
        app, live_server, new_page, staff_page, make_user, make_course):
    trainer = make_user(email="approver@example.org")
    make_course(trainer=trainer, slug="bangkok-2030", start_date=date(2030, 6, 3),
                end_date=date(2030, 6, 5), country="TH", timezone="Asia/Bangkok")

    phone = new_page(**PHONE)
    phone.goto(f"{live_server}/courses/bangkok-2030/register?lang=th")
    assert phone.get_attribute("html", "lang") == "th"
    phone.fill("#full_name", "SIRIPORN CHAIYASIT")
    phone.check("#name_order-0")  # given name first
    phone.fill("#given_names", "Siriporn")
    phone.fill("#family_name", "Chaiyasit")
    phone.fill("#honorific", "Dr")
    phone.fill("#native_name", "ศิริพร ชัยสิทธิ์")
    # The preview follows the typing, in both scripts, before anything is sent.
    assert phone.inner_text("#preview-latin") == "Dr Siriporn Chaiyasit"
    assert phone.inner_text("#preview-native") == "ศิริพร ชัยสิทธิ์"
    assert phone.get_attribute("#preview-native", "lang") == "th"
    phone.check("#sex-0")
    phone.select_option("#age_group", "35-44")
    phone.select_option("#country", "TH")
    phone.select_option("#organisation_type", "government")
    # Only Thailand's ministries are offered once the country is chosen.
    visible_groups = phone.eval_on_selector_all("#ministry optgroup:not([hidden])", "gs => gs.length")
    assert visible_groups == 1
    thai_ministry = phone.eval_on_selector(
        "#ministry", "s => [...s.options].find(o => o.value.startsWith('TH:')).value")
    phone.select_option("#ministry", thai_ministry)
    phone.fill("#position", "Director, Division of Social Development")
    phone.fill("#email", "siriporn@example.org")
    phone.check("#confirm_name")
    phone.check("#consent")
    phone.click("button.primary")
    phone.wait_for_url(f"{live_server}/p/**")
    personal_url = phone.url.split("?")[0]
    assert "Dr Siriporn Chaiyasit" in phone.inner_text("main")
    assert phone.inner_text("main [lang=th]") == "ศิริพร ชัยสิทธิ์"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "registered-th-phone.png", full_page=True)

    desk = staff_page(trainer)
    desk.goto(f"{live_server}/manage/courses/bangkok-2030/registrations/?q=siriporn")
    desk.click("text=Dr Siriporn Chaiyasit")
    desk.select_option("#status", "approved")
    desk.fill("#reason", "Welcome")
    desk.click("button.primary")
    assert "The status is changed" in desk.inner_text(".flashes")

    phone.goto(personal_url)  # in the language she registered in
    with app.test_request_context(), use_language("th"):
        approved = str(STATUS_LABELS["approved"])
    assert approved != "Approved" and approved in phone.inner_text(".status")
