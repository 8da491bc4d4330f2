"""Reference data: CLDR country names, ASEAN membership dates, ministries."""
from datetime import date

import pytest

from app.reference import asean_members, country_choices, country_name, member, ministries, \
    organisation_types, validate
from app.i18n import _ as gettext
from app.i18n import use_language
from app.reference import data as reference_data
from app.reference.data import ReferenceDataError, official_languages
from app.reference.messages import ORGANISATION_TYPE_NAMES

ASEAN = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"]


def test_english_names_follow_asean_usage():
    assert country_name("VN", "en") == "Viet Nam"
    assert country_name("LA", "en") == "Lao PDR"
    assert country_name("BN", "en") == "Brunei Darussalam"
    assert country_name("MM", "en") == "Myanmar"
    assert country_name("TL", "en") == "Timor-Leste"


def test_names_in_other_languages_come_from_cldr():
    assert country_name("VN", "vi") == "Việt Nam"
    assert country_name("KH", "id") == "Kamboja"
    assert country_name("TH", "th") == "ไทย"
    assert country_name("TL", "tet") == country_name("TL", "pt")


def test_timor_leste_is_a_member_from_26_october_2025():
    assert "TL" not in asean_members(date(2025, 10, 25))
    assert "TL" in asean_members(date(2025, 10, 26))
    assert member("TL").observer_since == date(2022, 11, 11)
    assert len(asean_members(date(2026, 1, 1))) == 11
    assert member("FR") is None


def test_country_choices_put_asean_first():
    codes = [code for code, _name in country_choices("en")]
    assert set(codes[:11]) == set(ASEAN)
    assert "FR" in codes and "EU" not in codes and len(codes) > 200


@pytest.mark.parametrize("country", ASEAN)
def test_every_member_has_ministries_with_english_names(country):
    listed = ministries(country)
    assert len(listed) >= 5
    assert all(ministry.name.get("en") for ministry in listed)


def test_ministries_carry_national_language_names():
    assert "Bộ Ngoại giao" in [m.name.get("vi") for m in ministries("VN")]
    assert "Kementerian Luar Negeri" in [m.name.get("id") for m in ministries("ID")]


@pytest.mark.parametrize("country", ASEAN)
def test_every_ministry_has_its_own_name_in_an_official_language_of_its_country(country):
    languages = [code for code in official_languages(country) if code != "en"]
    assert languages  # CLDR: e.g. TL pt and tet, SG ms, PH fil
    for ministry in ministries(country):
        assert any(ministry.name.get(code) for code in languages), ministry.code


def test_ministry_labels_are_english_and_native_native_first_for_its_readers():
    mofa = next(m for m in ministries("VN") if m.code == "mofa")
    assert mofa.label("en") == "Ministry of Foreign Affairs (MOFA) — Bộ Ngoại giao"
    assert mofa.label("th") == mofa.label("en")
    assert mofa.label("vi") == "Bộ Ngoại giao — Ministry of Foreign Affairs (MOFA)"
    mnec = next(m for m in ministries("TL") if m.code == "mnec")
    assert mnec.label("pt").startswith("Ministério dos Negócios Estrangeiros e Cooperação — ")
    assert mnec.label("tet").startswith("Ministry of Foreign Affairs and Cooperation (MNEC) — Min")
    msf = next(m for m in ministries("SG") if m.code == "msf")
    assert msf.label("ms") == "Kementerian Pembangunan Sosial dan Keluarga — " \
                              "Ministry of Social and Family Development (MSF)"
    opapru = next(m for m in ministries("PH") if m.code == "opapru")  # named in English only
    assert opapru.label("fil") == opapru.label("en") == \
        "Office of the Presidential Adviser on Peace, Reconciliation and Unity (OPAPRU)"


def test_organisation_types_include_government_and_vary_by_country(app):
    types = {t.code: t for t in organisation_types()}
    assert types["government"].government and not types["cso"].government
    assert {t.name for t in types.values()} <= ORGANISATION_TYPE_NAMES  # extracted for gettext
    with app.test_request_context(), use_language("vi"):
        assert types["other"].label == "Khác"  # through the catalogue
        assert all(t.label == gettext(t.name) for t in types.values())
    assert "mass-organisation" in [t.code for t in organisation_types("VN")]
    assert "mass-organisation" not in [t.code for t in organisation_types("ID")]
    assert "government" in [t.code for t in organisation_types("ID")]


def test_broken_reference_data_is_reported_with_file_and_entry(tmp_path, monkeypatch):
    for name in ("asean.yaml", "organisation_types.yaml"):
        (tmp_path / name).write_text((reference_data.DATA / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    with open(tmp_path / "organisation_types.yaml", "a", encoding="utf-8") as fh:
        fh.write("- code: faith\n  name: Faith-based organisation\n")
    (tmp_path / "ministries.yaml").write_text(
        "VN:\n  - code: mofa\n    name: {en: Ministry of Foreign Affairs}\n"
        "  - code: mofa\n    name: {xx: Unknown}\nZZ9:\n  - code: a\n    name: {en: A}\n",
        encoding="utf-8")
    monkeypatch.setattr(reference_data, "DATA", tmp_path)
    reference_data._ministries.cache_clear()
    try:
        with pytest.raises(ReferenceDataError) as problem:
            validate()
    finally:
        reference_data._ministries.cache_clear()
    message = str(problem.value)
    assert "ministries.yaml: VN[1].code: 'mofa' is used twice" in message
    assert "ministries.yaml: VN[1].name.en: an English name is required" in message
    assert "ministries.yaml: ZZ9: not an ISO 3166 country code" in message
    assert "ministries.yaml: VN[0].name: the name in vi (the country's own language) is required" \
        in message
    assert "organisation_types.yaml: [10].name: 'Faith-based organisation' is not in " \
        "app/reference/messages.py" in message
