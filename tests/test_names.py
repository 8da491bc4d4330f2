"""Names on the forms: Latin passport names, no invisible-only names, native names isolated."""
from datetime import date

import pytest
import sqlalchemy as sa
from helpers import count

from app.i18n import _, use_language
from app.reference import country_name
from app.registrations import operations
from app.registrations.models import Registration
from app.registrations.names import passport_name_problem, script_language, script_name, \
    visible_name_problem
from app.registrations.operations import Person
from test_registrations import form_data

KHMER = "ហ៊ុន សុខា"
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u2066\u2069", "\u202e", "\xa0\xa0", "\ufeff",
             "\u3164", "\t"]


@pytest.mark.parametrize("name", [
    "Nguyễn Thị Hà", "Nguye\u0302\u0303n Thi\u0323 Ha\u0300", "SOMCHAI JAIDEE", "Ing Kantha Phavi",
    "D’Souza-Pereira Jr.", "O'Brien", "Ma. Cristina dela Cruz", "Siti Aisyah binti Abdullah",
    "José Ramos-Horta", "Đặng Thị Ngọc Mai", "Nicolás Gonçalves da Costa"])
def test_latin_names_with_any_diacritics_and_passport_punctuation_pass(name):
    assert passport_name_problem(name) is None and visible_name_problem(name) is None


@pytest.mark.parametrize("name, kind, script", [
    (KHMER, "script", "Khmr"), ("SOMCHAI ใจดี", "script", "Thai"), ("ສົມພອນ", "script", "Laoo"),
    ("အောင်ဆန်း", "script", "Mymr"), ("李明", "script", "Hani"), ("Аnna", "script", "Cyrl"),
    ("Ha 2", "character", ""), ("Ha@Noi", "character", ""), ("Ha\u200bNoi", "character", ""),
    ("Ha\u202eNoi", "control", ""), ("\u200b", "invisible", "")])
def test_anything_a_passport_name_cannot_hold_is_named(name, kind, script):
    problem = passport_name_problem(name)
    assert problem.kind == kind and problem.script == script


@pytest.mark.parametrize("name", INVISIBLE)
def test_names_of_invisible_or_control_characters_only_are_refused(name):
    assert visible_name_problem(name).kind in ("invisible", "control")


def test_script_names_come_from_cldr_in_the_readers_language_else_icu():
    assert [script_name("Khmr", language) for language in ("en", "vi", "th", "tet")] == \
        ["Khmer", "Chữ Khơ-me", "เขมร", "khmer"]
    assert script_name("Thai", "id") == "Thai"  # CLDR has no Indonesian name for it


def test_native_names_keep_their_joiners_and_are_tagged_by_script_from_icu():
    assert visible_name_problem("ស្រី\u200bពៅ") is None  # Khmer text breaks words with ZWSP
    assert [script_language(text) for text in ("ศิริพร", KHMER, "ສົມພອນ", "အောင်", "李明", "Hà")] \
        == ["th", "km", "lo", "my", "zh", "und"]


def test_a_khmer_passport_name_is_refused_at_the_field_in_the_readers_language(
        app, client, make_course):
    make_course(slug="names-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    data = form_data(full_name=KHMER, family_name="", given_names="", native_name="", country="KH",
                     honorific="", organisation_type="cso", organisation="CWCC")
    response = client.post("/courses/names-2030/register?lang=km", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    with app.test_request_context("/?lang=km"), use_language("km"):
        field, khmer = _("Name in your own script"), "ខ្មែរ"  # the field's label; CLDR's name
        expected = passport_name_problem(KHMER).message(field)
    error = page.split('id="full_name-error"', 1)[1].split("</ul>", 1)[0]
    assert expected in error and field in error and khmer in error
    assert f'value="{KHMER}"' in page and "CWCC" in page  # everything typed stays
    assert count(Registration) == 0

    english = client.post("/courses/names-2030/register?lang=en", data=data).get_data(as_text=True)
    error = english.split('id="full_name-error"', 1)[1].split("</ul>", 1)[0]
    assert "Latin letters" in error and "Khmer" in error and "Name in your own script" in error


def test_family_and_given_names_and_the_honorific_are_latin_too(client, make_course):
    make_course(slug="parts-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    page = client.post("/courses/parts-2030/register", data=form_data(
        family_name="ใจดี", given_names="สมชาย", honorific="ดร.")).get_data(as_text=True)
    for field in ("family_name", "given_names", "honorific"):
        assert f'id="{field}-error"' in page, field
    assert 'id="full_name-error"' not in page and "Thai" in page
    assert count(Registration) == 0


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_names_are_refused_in_every_name_field(client, make_course, name):
    make_course(slug="blank-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    fields = ("full_name", "family_name", "given_names", "native_name", "address_as")
    response = client.post("/courses/blank-2030/register",
                           data=form_data(**dict.fromkeys(fields, name)))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in fields:
        assert f'id="{field}-error"' in page, field
    assert count(Registration) == 0


def test_the_trainers_edit_form_applies_the_same_rules(client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="edit-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    registration = operations.register(course, Person(
        full_name="Hun Sokha", sex="female", age_group="35-44", country="KH",
        organisation_type="cso", organisation="CWCC", email="sokha@example.org", language="km"),
        notify=False)
    db.session.commit()
    login(trainer)
    url = f"/manage/courses/edit-2030/registrations/{registration.id}/edit"
    data = form_data(full_name=KHMER, family_name="", given_names="", honorific="", country="KH",
                     native_name="\u200b", organisation_type="cso", organisation="CWCC",
                     email="sokha@example.org")
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="full_name-error"' in page and 'id="native_name-error"' in page
    db.session.refresh(registration)
    assert registration.full_name == "Hun Sokha" and registration.native_name == ""


def test_a_focal_point_cannot_nominate_a_name_in_thai_script(
        client, make_course, make_user, login, db):
    from test_registrations import course_delegation

    trainer = make_user()
    course = make_course(trainer=trainer, slug="nomth-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    login(trainer)
    client.post("/manage/courses/nomth-2030/delegations/", data={
        "country": "TH", "focal_name": "Somsri", "focal_email": "somsri@example.org"})
    client.post("/logout")
    url = f"/courses/nomth-2030/nominate/{course_delegation(db, course).nomination_token}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="TH:' in page and 'value="VN:' not in page  # only Thailand's ministries
    assert "กระทรวงการต่างประเทศ" in page and '<datalist id="honorifics">' in page
    response = client.post(url, data={
        "people-0-full_name": "สมชาย ใจดี", "people-0-sex": "male", "people-0-age_group": "35-44",
        "people-0-organisation_type": "cso", "people-0-organisation": "Foundation",
        "people-0-email": "somchai@example.org", "people-0-name_order": "given_first",
        "people-0-language": "th", "submission_key": "n-th"})
    assert response.status_code == 400
    assert 'id="people-0-full_name-error"' in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_native_names_are_isolated_wherever_they_are_printed(
        client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="bdi-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    registration = operations.register(course, Person(
        full_name="SOK Chanthou", native_name="សុខ ចន្ថូ", address_as="Lok Srey Chanthou",
        sex="female", age_group="35-44", country="KH", organisation_type="cso", organisation="CWCC",
        email="chanthou@example.org", language="km"), notify=False)
    db.session.commit()
    isolated = '<bdi lang="km" class="native-name">សុខ ចន្ថូ</bdi>'
    assert isolated in client.get(f"/p/{registration.token}/").get_data(as_text=True)
    login(trainer)
    base = "/manage/courses/bdi-2030/registrations/"
    assert isolated in client.get(base).get_data(as_text=True)
    assert isolated in client.get(f"{base}{registration.id}").get_data(as_text=True)
    edit = client.get(f"{base}{registration.id}/edit").get_data(as_text=True)
    assert 'id="preview-native" dir="auto"' in edit and '"Khmr": "km"' in edit


def test_ministries_honorifics_and_organisation_types_in_the_readers_language(
        app, client, make_course, db):
    make_course(slug="ref-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    english = client.get("/courses/ref-2030/register?lang=en").get_data(as_text=True)
    assert "Ministry of Foreign Affairs (MOFA) — Bộ Ngoại giao</option>" in english
    assert '<option value="Ms" label="Title for a woman">' in english
    assert '<option value="Khun" label="Thailand">' in english
    vietnamese = client.get("/courses/ref-2030/register?lang=vi").get_data(as_text=True)
    assert "Bộ Ngoại giao — Ministry of Foreign Affairs (MOFA)</option>" in vietnamese
    with app.test_request_context("/?lang=vi"), use_language("vi"):
        woman, kind, thailand = _("Title for a woman"), _("Civil society organisation or NGO"), \
            country_name("TH")
    assert f'<option value="Ms" label="{woman}">' in vietnamese
    assert f'<option value="Khun" label="{thailand}">' in vietnamese and thailand != "Thailand"
    assert f'<option value="cso">{kind}</option>' in vietnamese
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
