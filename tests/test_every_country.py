"""A participant from each of the eleven countries registers in their own language, reads their
personal page, fills a worksheet and downloads their certificate: every step in their language,
the certificate in English and theirs."""
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from test_pages_in_every_language import sentences, visible_text

from app.certificates import operations as certificates
from app.registrations.models import Registration
from app.toolkit.models import Worksheet

COUNTRIES = {"BN": "ms", "KH": "km", "ID": "id", "LA": "lo", "MY": "ms", "MM": "my", "PH": "fil",
             "SG": "en", "TH": "th", "VN": "vi", "TL": "tet"}
TITLES = yaml.safe_load((Path(__file__).parents[1] / "certificate_layouts/default/layout.yaml").read_text(
    encoding="utf-8"))["fields"]["title"]["default"]


def english_left(page: str, language: str) -> list[str]:
    if language == "en":
        return []
    text = visible_text(page, language)
    return [p.pattern for p in sentences("messages", language) + sentences("toolkit", language)
            if p.search(text)]


@pytest.mark.parametrize("country, language", COUNTRIES.items())
def test_a_participant_goes_through_the_course_in_their_language(app, client, db, make_user,
                                                                 make_course, make_exercise,
                                                                 country, language, tmp_path):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="everyone-2025", requires_approval=False,
                         start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    make_exercise(course, "M11", mode="team")

    form = client.get(f"/courses/everyone-2025/register?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}"' in form and english_left(form, language) == []
    response = client.post(f"/courses/everyone-2025/register?lang={language}", data={
        "full_name": "Maria Santos", "given_names": "Maria", "family_name": "Santos",
        "name_order": "given_first", "sex": "female", "age_group": "35-44", "country": country,
        "organisation_type": "cso", "organisation": "Women's Network", "position": "Coordinator",
        "email": f"maria@{country.lower()}.example.org", "language": language,
        "certificate_language": "", "confirm_name": "y", "consent": "y",
        "submission_key": f"key-{country}"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    person = db.session.scalar(sa.select(Registration))
    assert person.status == "approved" and person.language == language

    personal = client.get(f"/p/{person.token}/", headers={"Accept-Language": "en"})
    page = personal.get_data(as_text=True)
    assert f'<html lang="{language}"' in page and english_left(page, language) == []

    saved = client.post(f"/p/{person.token}/worksheets/M11", data={
        "action": "save", "version": "0", "actions-0-action": "Brief the provincial office"})
    assert saved.status_code == 302
    sheet = db.session.scalar(sa.select(Worksheet))
    assert sheet.answers["actions"][0]["action"] == "Brief the provincial office"
    fill = client.get(f"/p/{person.token}/worksheets/M11").get_data(as_text=True)
    assert f'<html lang="{language}"' in fill and english_left(fill, language) == []

    with app.test_request_context(method="POST"):
        certificates.issue(person, by=trainer, override_reason="Joined online")
        db.session.commit()
    pdf = client.get(f"/p/{person.token}/certificate.pdf")
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "c.pdf").write_bytes(pdf.data)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Certificate of Participation" in text
    certificate_language = person.certificate_language or language
    assert " ".join(TITLES[certificate_language].split()) in text
