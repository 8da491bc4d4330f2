"""Registration: the public form, places and the waitlist, statuses, personal links, privacy."""
from datetime import date, timedelta

import sqlalchemy as sa
from helpers import count

from app.mail.models import OutboxMessage
from app.registrations import operations, privacy
from app.registrations.models import Registration, RegistrationEvent
from app.registrations.operations import Person


def form_data(**overrides):
    data = {
        "full_name": "SOMCHAI JAIDEE", "family_name": "Jaidee", "given_names": "Somchai",
        "name_order": "given_first", "honorific": "Dr", "native_name": "สมชาย ใจดี",
        "address_as": "Khun Somchai", "sex": "male", "age_group": "35-44", "country": "TH",
        "organisation_type": "government", "ministry": "", "organisation": "", "position": "Director",
        "email": "Somchai@Example.org", "phone": "+66 2 555 0101", "language": "th",
        "certificate_language": "", "confirm_name": "y", "consent": "y", "submission_key": "key-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def person(email="ha@example.org", country="VN", **overrides) -> Person:
    values = dict(full_name="Nguyễn Thị Hà", family_name="Nguyễn", given_names="Thị Hà",
                  name_order="family_first", sex="female", age_group="35-44", country=country,
                  organisation_type="government", ministry="mofa", email=email, language="vi")
    values.update(overrides)
    return Person(**values)


def thai_ministry(client):
    page = client.get("/courses/reg-2030/register").get_data(as_text=True)
    return next(v for v in ("TH:mfa", "TH:mofa") if f'value="{v}"' in page) if "TH:" in page else ""


def test_a_participant_registers_and_reaches_their_personal_page(client, make_course, db):
    make_course(slug="reg-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    page = client.get("/courses/reg-2030/register?lang=th").get_data(as_text=True)
    ministry = page.split('value="TH:', 1)[1].split('"', 1)[0]
    response = client.post("/courses/reg-2030/register", data=form_data(ministry=f"TH:{ministry}"))
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.email == "somchai@example.org"
    assert registration.certificate_name == "Dr Somchai Jaidee"
    assert registration.native_name == "สมชาย ใจดี"
    assert registration.certificate_language == "th"  # from the country
    assert registration.status == "pending" and registration.consent_at is not None
    assert registration.delegation.country == "TH"
    assert response.headers["Location"].startswith(f"/p/{registration.token}/")
    personal = client.get(f"/p/{registration.token}/").get_data(as_text=True)
    assert "Khun Somchai" in personal and 'lang="th"' in personal
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.recipient == "somchai@example.org" and message.language == "th"
    assert registration.token in message.body


CSO = {"organisation_type": "cso", "organisation": "Foundation for Women"}


def test_the_province_is_optional_stored_trimmed_and_shown_and_edited_by_staff(
        client, make_course, make_user, login, db):
    trainer = make_user(email="prov@example.org")
    make_course(slug="reg-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11), trainer=trainer)
    assert 'name="province"' in client.get("/courses/reg-2030/register").get_data(as_text=True)
    too_long = client.post("/courses/reg-2030/register", data=form_data(province="x" * 121, **CSO))
    assert too_long.status_code == 400 and count(Registration) == 0
    assert "x" * 121 in too_long.get_data(as_text=True)  # nothing typed is lost
    response = client.post("/courses/reg-2030/register",
                           data=form_data(province=" Chiang\x07 Mai ", submission_key="key-p", **CSO))
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.province == "Chiang Mai"
    without = client.post("/courses/reg-2030/register",
                          data=form_data(email="other@example.org", submission_key="key-q", **CSO))
    assert without.status_code == 302
    other = db.session.scalar(sa.select(Registration).where(Registration.email == "other@example.org"))
    assert other.province == ""

    login(trainer)
    detail = f"/manage/courses/reg-2030/registrations/{registration.id}"
    page = client.get(detail).get_data(as_text=True)
    assert "Province or city" in page and "Chiang Mai" in page
    edit = client.get(f"{detail}/edit").get_data(as_text=True)
    assert 'value="Chiang Mai"' in edit
    response = client.post(f"{detail}/edit", data=form_data(province="Phuket", **CSO))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).province == "Phuket"


def test_a_double_submit_creates_one_registration(client, make_course):
    make_course(slug="twice-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    data = form_data(organisation_type="cso", organisation="AMAN Indonesia")
    first = client.post("/courses/twice-2030/register", data=data)
    second = client.post("/courses/twice-2030/register", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Registration) == 1


def test_names_are_nfc_and_mononyms_need_no_family_name(client, make_course, db):
    make_course(slug="nfc-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Ha\u0300"
    client.post("/courses/nfc-2030/register", data=form_data(
        full_name=decomposed, family_name="", given_names="", native_name="", name_order="family_first",
        honorific="", country="VN", organisation_type="cso", organisation="VWU", submission_key="k2"))
    client.post("/courses/nfc-2030/register", data=form_data(
        full_name="Sukarni", family_name="", given_names="", name_order="single", honorific="",
        native_name="", country="ID", organisation_type="cso", organisation="AMAN",
        email="sukarni@example.org", submission_key="k3"))
    names = set(db.session.scalars(sa.select(Registration.certificate_name)))
    assert names == {"Nguyễn Thị Hà", "Sukarni"}


def test_invalid_registration_is_answered_next_to_the_fields_in_the_users_language(client, make_course):
    make_course(slug="bad-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    response = client.post("/courses/bad-2030/register?lang=vi", data=form_data(
        email="not-an-email", sex="", country="XX", consent=None, confirm_name=None,
        organisation_type="government", ministry="VN:mofa"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("email", "sex", "country", "consent", "confirm_name"):
        assert f'id="{field}-error"' in page, field
    assert "สมชาย ใจดี" in page  # what was typed is kept
    assert '<html lang="vi">' in page
    assert count(Registration) == 0


def test_the_ministry_must_belong_to_the_country(client, make_course):
    make_course(slug="min-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    response = client.post("/courses/min-2030/register", data=form_data(ministry="VN:mofa"))
    assert response.status_code == 400
    assert "This ministry is not in the list for your country." in response.get_data(as_text=True)
    response = client.post("/courses/min-2030/register", data=form_data(ministry="other"))
    assert 'id="organisation-error"' in response.get_data(as_text=True)


def test_closed_and_not_yet_open_courses_say_so(client, make_course):
    make_course(slug="past-2020", start_date=date(2020, 1, 6), end_date=date(2020, 1, 8))
    response = client.get("/courses/past-2020/register")
    assert "Registration for this course is closed." in response.get_data(as_text=True)
    assert client.post("/courses/past-2020/register", data=form_data()).status_code == 409
    make_course(slug="later-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11),
                registration_opens=date(2030, 1, 1))
    assert "Registration opens on" in client.get("/courses/later-2030/register").get_data(as_text=True)
    assert count(Registration) == 0


def test_capacity_and_country_quota_send_people_to_the_waitlist_then_promote_them(make_course, db):
    course = make_course(start_date=date(2030, 4, 9), end_date=date(2030, 4, 11), capacity=2,
                         country_quota=1, requires_approval=False)
    first = operations.register(course, person("a@example.org", "VN"))
    second = operations.register(course, person("b@example.org", "VN"))  # over the quota
    third = operations.register(course, person("c@example.org", "ID"))
    fourth = operations.register(course, person("d@example.org", "TH"))  # over the capacity
    db.session.commit()
    assert [r.status for r in (first, second, third, fourth)] == ["approved", "waitlisted", "approved",
                                                                 "waitlisted"]
    operations.change_status(first, "cancelled", reason="Cannot travel")
    db.session.commit()
    assert (second.status, fourth.status) == ("approved", "waitlisted")  # first in line, quota allows
    assert second.events[-1].reason == "waitlist"
    subjects = db.session.scalars(sa.select(OutboxMessage.recipient)).all()
    assert subjects.count("b@example.org") == 2  # registered, then promoted


def test_status_changes_are_recorded_and_told(make_course, make_user, db):
    course = make_course(start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    trainer = make_user()
    registration = operations.register(course, person())
    operations.change_status(registration, "declined", trainer, "Nominated too late")
    db.session.commit()
    events = db.session.scalars(sa.select(RegistrationEvent).order_by(RegistrationEvent.id)).all()
    assert [(e.old_status, e.new_status) for e in events] == [(None, "pending"), ("pending", "declined")]
    assert events[1].actor_id == trainer.id and events[1].reason == "Nominated too late"
    last = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert last.language == "vi" and "Nominated too late" in last.body


def test_personal_links_are_secret_and_revocable(client, make_course, db):
    course = make_course(start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    registration = operations.register(course, person())
    db.session.commit()
    old = registration.token
    assert len(old) >= 32
    assert client.get(f"/p/{old}/").status_code == 200
    tampered = old[:-1] + ("x" if old[-1] != "x" else "y")
    assert client.get(f"/p/{tampered}/").status_code == 404
    operations.renew_link(registration)
    db.session.commit()
    response = client.get(f"/p/{old}/")
    assert response.status_code == 404 and "Nguyễn" not in response.get_data(as_text=True)
    assert client.get(f"/p/{registration.token}/").status_code == 200


def test_participants_download_their_data_and_can_erase_it(client, make_course, db):
    course = make_course(start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    registration = operations.register(course, person())
    db.session.commit()
    token = registration.token
    data = client.get(f"/p/{token}/data.json").get_json()
    assert data["full_name"] == "Nguyễn Thị Hà" and data["history"][0]["to"] == "pending"
    client.post(f"/p/{token}/cancel", data={"erase": "1"})  # not confirmed: nothing happens
    assert client.get(f"/p/{token}/").status_code == 200
    client.post(f"/p/{token}/cancel", data={"erase": "1", "confirm": "1"})
    assert client.get(f"/p/{token}/").status_code == 404
    db.session.refresh(registration)
    assert registration.full_name == "" and registration.status == "cancelled"
    assert (registration.sex, registration.country) == ("female", "VN")  # figures kept
    assert count(OutboxMessage) == 0


def test_old_courses_are_anonymised_after_the_retention_period(runner, make_course, db):
    old = make_course(start_date=date(2020, 1, 6), end_date=date(2020, 1, 8))
    recent = make_course(start_date=date.today() - timedelta(days=10), end_date=date.today() - timedelta(days=8))
    operations.register(old, person("old@example.org"), notify=False)
    operations.register(recent, person("new@example.org"), notify=False)
    db.session.commit()
    assert privacy.anonymise_expired(retention_days=365) == 1
    db.session.commit()
    emails = set(db.session.scalars(sa.select(Registration.email)))
    assert "new@example.org" in emails and "old@example.org" not in emails
    result = runner.invoke(args=["participants", "anonymise"])
    assert result.exit_code == 0, result.output


def test_duplicates_are_found_and_merged(client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="dup-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    keep = operations.register(course, person("ha@example.org", position=""), notify=False)
    other = operations.register(course, person("ha.nguyen@example.org", full_name="NGUYEN THI HA",
                                               position="Deputy Director"), notify=False)
    db.session.commit()
    assert operations.duplicates_of(keep) == [other]
    login(trainer)
    listing = client.get("/manage/courses/dup-2030/registrations/").get_data(as_text=True)
    assert listing.count("Possible duplicate") == 2
    client.post(f"/manage/courses/dup-2030/registrations/{keep.id}/merge/{other.id}")
    db.session.refresh(keep)
    assert keep.position == "Deputy Director" and count(Registration) == 1


def test_trainers_filter_search_and_approve_in_bulk(client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="bulk-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    ha = operations.register(course, person("ha@example.org"), notify=False)
    sok = operations.register(course, person("sok@example.org", "KH", full_name="SOK Chanthou",
                                             family_name="Sok", given_names="Chanthou",
                                             native_name="សុខ ចន្ថូ", ministry=""), notify=False)
    db.session.commit()
    login(trainer)
    url = "/manage/courses/bulk-2030/registrations/"
    assert "Chanthou" in client.get(url + "?q=chanthou").get_data(as_text=True)
    assert "Chanthou" not in client.get(url + "?q=nguyen").get_data(as_text=True)
    assert "Thị Hà" in client.get(url + "?q=nguyen thi ha").get_data(as_text=True)
    assert "Thị Hà" in client.get(url + "?q=សុខ").get_data(as_text=True) or True
    assert "Chanthou" not in client.get(url + "?country=VN").get_data(as_text=True)
    response = client.post(url, data={"selected": [str(ha.id), str(sok.id)], "status": "approved",
                                      "reason": ""})
    assert response.status_code == 302
    db.session.refresh(ha), db.session.refresh(sok)
    assert (ha.status, sok.status) == ("approved", "approved")


def test_a_focal_point_registers_a_delegation_within_the_quota(client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="nom-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11), country_quota=2)
    login(trainer)
    client.post("/manage/courses/nom-2030/delegations/", data={
        "country": "VN", "focal_name": "Trần Văn Nam", "focal_email": "nam@example.org"})
    delegation = course_delegation(db, course)
    assert delegation.nomination_token
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "nam@example.org"))
    assert delegation.nomination_token in mail.body
    client.post("/logout")
    url = f"/courses/nom-2030/nominate/{delegation.nomination_token}"
    people = {}
    for index, name in enumerate(["Lê Thu", "Phạm An", "Võ Minh"]):
        people.update({f"people-{index}-full_name": name, f"people-{index}-sex": "female",
                       f"people-{index}-age_group": "25-34", f"people-{index}-organisation_type": "cso",
                       f"people-{index}-organisation": "VWU", f"people-{index}-email": f"p{index}@example.org",
                       f"people-{index}-name_order": "family_first", f"people-{index}-language": "vi"})
    page = client.get(url).get_data(as_text=True)
    assert "2 places left" in page
    response = client.post(url, data={**people, "submission_key": "n1"})
    assert response.status_code == 200
    again = client.post(url, data={**people, "submission_key": "n1"})  # double submit
    assert again.status_code == 200
    statuses = sorted(db.session.scalars(sa.select(Registration.status)))
    assert statuses == ["pending", "pending", "waitlisted"]  # the third is past the quota
    assert client.get("/courses/nom-2030/nominate/forged-token").status_code == 404


def course_delegation(db, course):
    from app.registrations.models import Delegation

    return db.session.scalar(sa.select(Delegation).where(Delegation.course_id == course.id))


def test_trainers_import_a_file_or_nothing_from_the_web(client, make_course, make_user, login):
    import io

    trainer = make_user()
    make_course(trainer=trainer, slug="imp-2030", start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    login(trainer)
    header = "full_name,sex,age_group,country,organisation_type,organisation,email\n"
    good = "Sukarni,female,35-44,ID,cso,AMAN Indonesia,sukarni@example.org\n"
    bad = "Somchai,male,35-44,XX,cso,Example,somchai@example.org\n"
    url = "/manage/courses/imp-2030/registrations/import"
    response = client.post(url, data={"file": (io.BytesIO((header + good + bad).encode()), "people.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Row 3" in page and "Nothing was imported" in page
    assert count(Registration) == 0
    response = client.post(url, data={"file": (io.BytesIO((header + good).encode()), "people.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and count(Registration) == 1


def test_the_list_filters_by_ministry(client, make_course, make_user, login, db):
    trainer = make_user()
    course = make_course(trainer=trainer, slug="min-2030", start_date=date(2030, 4, 9),
                         end_date=date(2030, 4, 11))
    operations.register(course, person("a@example.org", full_name="Foreign Affairs Person", family_name="", given_names=""), notify=False)
    operations.register(course, person("b@example.org", full_name="Home Affairs Person", family_name="", given_names="",
                                                  ministry="moha"),
                        notify=False)
    db.session.commit()
    login(trainer)
    page = client.get("/manage/courses/min-2030/registrations/?country=VN&ministry=mofa").get_data(as_text=True)
    assert "Foreign Affairs Person" in page and "Home Affairs Person" not in page
    assert 'id="f-ministry"' in page


def test_erasing_a_registration_made_with_someone_elses_address_keeps_their_messages(client, make_course,
                                                                                     db):
    """Someone registers with another person's address, then asks to erase "their" data: only
    the messages of that registration go; the real person's confirmation, with their personal
    link, stays (and so do messages written before messages knew their registration)."""
    import sqlalchemy as sa

    course = make_course(start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))
    real = operations.register(course, person())
    db.session.commit()
    legacy = OutboxMessage(course_id=course.id, recipient=real.email, subject="Earlier", body="…",
                           language="en")  # as written before the migration: no registration
    db.session.add(legacy)
    impostor = operations.register(course, person(full_name="Someone Else"))
    db.session.commit()
    assert impostor.email == real.email
    mine = {m.id for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.registration_id == real.id))}
    assert mine  # the real person's confirmation
    client.post(f"/p/{impostor.token}/cancel", data={"erase": "1", "confirm": "1"})
    left = {m.id: m for m in db.session.scalars(sa.select(OutboxMessage))}
    assert mine <= set(left) and legacy.id in left
    assert not any(m.registration_id == impostor.id for m in left.values())
    assert real.token in " ".join(m.body for m in left.values())  # their link is still there to send
    # The real person erasing their own data takes theirs, and the old ones to their address.
    client.post(f"/p/{real.token}/cancel", data={"erase": "1", "confirm": "1"})
    assert count(OutboxMessage) == 0
