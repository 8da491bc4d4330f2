"""Working groups on the trainers' page: made by a rule (each rule, sizes, reproducible random
draws), moved with the select lists in one POST, imported from CSV (all rows or none), renamed
and deleted (never while a group holds a saved worksheet)."""
import io
import re
from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.courses.models import Course
from app.extensions import db
from app.groups import operations, rules
from app.registrations.models import Registration, WorkingGroup
from app.toolkit.models import Worksheet
from helpers import count

SLUG = "groups-2030"
PAGE = f"/manage/courses/{SLUG}/groups/"


@pytest.fixture
def trainer(make_user):
    return make_user(email="groups@example.org", name="Group Trainer")


@pytest.fixture
def course(make_course, trainer):
    return make_course(trainer=trainer, slug=SLUG, country="VN", timezone="Asia/Ho_Chi_Minh")


@pytest.fixture
def people(course, make_registration):
    """Twelve approved participants from three countries, half women, from three ministries or
    organisation types; and a pending and an anonymised one, who are never placed."""
    plan = [("VN", "female", "government", "mofa"), ("VN", "male", "government", "mofa"),
            ("VN", "female", "government", "moha"), ("VN", "male", "cso", ""),
            ("ID", "female", "government", "kemlu"), ("ID", "male", "government", "kemlu"),
            ("ID", "female", "cso", ""), ("ID", "male", "cso", ""),
            ("TH", "female", "academia", ""), ("TH", "male", "academia", ""),
            ("TH", "female", "cso", ""), ("TH", "male", "government", "mfa")]
    found = [make_registration(course, country=country, sex=sex, organisation_type=kind, ministry=ministry,
                               certificate_name=f"Person {number:02d} {country}",
                               email=f"p{number}@example.org")
             for number, (country, sex, kind, ministry) in enumerate(plan, start=1)]
    make_registration(course, certificate_name="Pending Person", email="pending@example.org", status="pending")
    make_registration(course, certificate_name="Gone Person", email="gone@example.org",
                      anonymised_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    return found


def groups_of(course) -> dict[str, list[str]]:
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    return {group.name: sorted(p.certificate_name for p in operations.placeable(course) if p.group_id == group.id)
            for group in course.working_groups}


def generate(course, by, **options):
    made = rules.generate(course, by, **options)
    db.session.commit()
    return made


def post(client, **data):
    return client.post(PAGE, data=data)


# --- rules -----------------------------------------------------------------------------------------

def test_groups_by_ministry_type_and_country_are_named_in_the_working_language(course, people):
    generate(course, "ministry")
    by_ministry = groups_of(course)
    assert by_ministry["Ministry of Foreign Affairs"] == [  # Viet Nam's, Indonesia's and Thailand's
        "Person 01 VN", "Person 02 VN", "Person 05 ID", "Person 06 ID", "Person 12 TH"]
    assert by_ministry["Ministry of Home Affairs"] == ["Person 03 VN"]
    assert by_ministry["Civil society organisation or NGO"] == [
        "Person 04 VN", "Person 07 ID", "Person 08 ID", "Person 11 TH"]
    assert sum(map(len, by_ministry.values())) == 12  # the pending and the anonymised are not placed
    assert course.group_rule == {"by": "ministry"}

    generate(course, "organisation_type", confirmed=True)
    assert sorted(groups_of(course)) == ["Academia or research institute", "Civil society organisation or NGO",
                                         "Government ministry or agency"]
    generate(course, "country", confirmed=True)
    assert groups_of(course) == {"Indonesia": ["Person 05 ID", "Person 06 ID", "Person 07 ID", "Person 08 ID"],
                                 "Thailand": ["Person 09 TH", "Person 10 TH", "Person 11 TH", "Person 12 TH"],
                                 "Viet Nam": ["Person 01 VN", "Person 02 VN", "Person 03 VN", "Person 04 VN"]}
    assert {group.name: group.country for group in course.working_groups} == {
        "Indonesia": "ID", "Thailand": "TH", "Viet Nam": "VN"}

    course.working_language = "vi"
    generate(course, "country", confirmed=True)
    assert sorted(groups_of(course)) == ["Indonesia", "Thái Lan", "Việt Nam"]
    generate(course, "ministry", confirmed=True)
    assert "Bộ Ngoại giao" in groups_of(course)  # the Vietnamese ministry's own name


def test_mixed_groups_spread_countries_and_sexes_evenly(course, people):
    generate(course, "mixed", groups=4)
    assert course.group_rule == {"by": "mixed", "groups": 4}
    by_id = {person.id: person for person in people}
    for group in course.working_groups:
        members = [by_id[p.id] for p in operations.placeable(course) if p.group_id == group.id]
        assert len(members) == 3
        assert Counter(m.country for m in members) == {"VN": 1, "ID": 1, "TH": 1}, group.name
        assert max(Counter(m.sex for m in members).values()) <= 2
        assert group.country == ""  # members from several countries
    assert [g.name for g in course.working_groups] == ["Group 1", "Group 2", "Group 3", "Group 4"]
    generate(course, "mixed", groups=5, confirmed=True)
    sizes = sorted(len(members) for members in groups_of(course).values())
    assert sizes == [2, 2, 2, 3, 3]


def test_random_groups_have_the_size_asked_and_the_same_seed_draws_the_same(course, people):
    generate(course, "random", size=5, seed=42)
    first = groups_of(course)
    assert sorted(map(len, first.values())) == [4, 4, 4]  # 12 people, at most 5: three of four
    assert course.group_rule == {"by": "random", "size": 5, "seed": 42}
    generate(course, "random", size=5, seed=42, confirmed=True)
    assert groups_of(course) == first
    generate(course, "random", size=5, seed=7, confirmed=True)
    assert groups_of(course) != first
    generate(course, "random", size=3, confirmed=True)
    assert sorted(map(len, groups_of(course).values())) == [3, 3, 3, 3]
    assert isinstance(course.group_rule["seed"], int)  # a new draw records its number


def test_groups_by_province_fold_case_and_accents_and_gather_those_who_gave_none(
        client, login, trainer, course, people):
    provinces = ["Hà Nội", "Ha Noi", "HÀ NỘI", " hà  nội ", "Đà Nẵng", "Da Nang", "TP. Hồ Chí Minh",
                 "", "", "Huế", "Hue", "Hà Nam"]
    for person, province in zip(people, provinces):
        person.province = province
    db.session.commit()
    login(trainer)
    page = client.get(PAGE).get_data(as_text=True)
    assert '<option value="province">By province</option>' in page

    response = post(client, action="generate", by="province")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert groups_of(course) == {
        "Hà Nội": ["Person 01 VN", "Person 02 VN", "Person 03 VN", "Person 04 VN"],
        "Đà Nẵng": ["Person 05 ID", "Person 06 ID"],  # the first spelling typed, on a tie
        "TP. Hồ Chí Minh": ["Person 07 ID"],
        "Huế": ["Person 10 TH", "Person 11 TH"],
        "Hà Nam": ["Person 12 TH"],  # not Hà Nội: only case and accents are folded
        "Province not given": ["Person 08 ID", "Person 09 TH"]}
    assert [group.name for group in course.working_groups][-1] == "Province not given"
    assert course.group_rule == {"by": "province"}
    assert "The groups were last made: By province." in client.get(PAGE).get_data(as_text=True)


def test_making_groups_again_asks_first_and_keeps_a_group_with_a_saved_sheet(client, login, trainer, course,
                                                                             people, make_exercise):
    login(trainer)
    assert post(client, action="generate", by="random", size="6", seed="1").status_code == 302
    old = groups_of(course)
    response = post(client, action="generate", by="country", seed="")
    assert response.status_code == 400
    assert "12 participants are in groups already. Tick the box" in response.get_data(as_text=True)
    assert groups_of(course) == old
    exercise = make_exercise(course, "M11", mode="team")
    kept = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.name == "Group 2"))
    db.session.add(Worksheet(exercise=exercise, group_id=kept.id, answers={"top_priorities": "x"}, version=1))
    db.session.commit()
    assert post(client, action="generate", by="country", confirm="y").status_code == 302
    after = groups_of(course)
    assert list(after) == ["Indonesia", "Thailand", "Viet Nam", "Group 2"]  # Group 1 held nothing: gone
    assert after["Group 2"] == [] and sum(map(len, after.values())) == 12
    assert count(Worksheet) == 1


def test_a_new_draw_never_hands_a_saved_sheet_to_other_people(client, login, trainer, course, people,
                                                                make_exercise):
    """Random groups are all called "Group N": a new draw must not give Group 1's saved answers
    to the new Group 1. The old group stays, empty, under an earlier name, with its sheet."""
    generate(course, "random", size=4, seed=1)
    writers = groups_of(course)["Group 1"]
    exercise = make_exercise(course, "M11", mode="team")
    old = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.name == "Group 1"))
    db.session.add(Worksheet(exercise=exercise, group_id=old.id, answers={"top_priorities": "ours"}, version=1))
    db.session.commit()
    login(trainer)
    response = post(client, action="generate", by="random", size="4", seed="2")
    assert "Groups with saved worksheets keep them" in response.get_data(as_text=True)
    assert "Group 1" in response.get_data(as_text=True)
    assert post(client, action="generate", by="random", size="4", seed="2", confirm="y").status_code == 302
    after = groups_of(course)
    assert after["Group 1"] != writers
    assert after["Group 1 (earlier)"] == []
    sheet = db.session.scalar(sa.select(Worksheet))
    assert sheet.group.name == "Group 1 (earlier)" and sheet.answers == {"top_priorities": "ours"}
    # the same draw again keeps every group, and the sheet of a group whose members stay
    again = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.name == "Group 2"))
    db.session.add(Worksheet(exercise=exercise, group_id=again.id, answers={"top_priorities": "two"}, version=1))
    db.session.commit()
    generate(course, "random", size=4, seed=2, confirmed=True)
    assert groups_of(course)["Group 2"] == after["Group 2"]
    assert db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.id == again.id)).name == "Group 2"


def test_bad_rule_values_are_refused_with_nothing_changed(client, login, trainer, course, people):
    login(trainer)
    for data in ({"by": "mixed", "groups": ""}, {"by": "mixed", "groups": "13"}, {"by": "random", "size": ""},
                 {"by": "random", "size": "abc"}, {"by": "nonsense"}):
        response = post(client, action="generate", **data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.get_data(as_text=True)
    assert count(WorkingGroup) == 0


# --- by hand ---------------------------------------------------------------------------------------

def test_the_select_lists_move_everyone_in_one_post(client, login, trainer, course, people):
    generate(course, "country")
    login(trainer)
    page = client.get(PAGE).get_data(as_text=True)
    assert page.count("<select name=\"group-") == 12 and "js/groups.js" in page
    assert "Pending Person" not in page and "Gone Person" not in page
    vn = {g.name: g.id for g in course.working_groups}["Viet Nam"]
    th = {g.name: g.id for g in course.working_groups}["Thailand"]
    form = {f"group-{p.id}": str(p.group_id) for p in people}
    form[f"group-{people[0].id}"] = str(th)
    form[f"group-{people[1].id}"] = ""
    response = client.post(PAGE, data={"action": "assign", **form})
    assert response.status_code == 302 and response.headers["Location"].endswith("#board")
    groups = groups_of(course)
    assert "Person 01 VN" in groups["Thailand"] and "Person 02 VN" not in sum(groups.values(), [])
    countries = {g.name: g.country for g in db.session.get(Course, course.id).working_groups}
    assert countries == {"Indonesia": "ID", "Thailand": "", "Viet Nam": "VN"}
    assert "1 participant is in no group" not in client.get(PAGE).get_data(as_text=True)  # by country
    post(client, action="grouping", grouping="groups")
    assert "1 participant is in no group" in client.get(PAGE).get_data(as_text=True)

    form[f"group-{people[2].id}"] = "999999"  # a group deleted meanwhile: nothing moves
    response = client.post(PAGE, data={"action": "assign", **form})
    assert response.status_code == 400 and "no longer exists" in response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    shown = re.search(rf'name="group-{people[2].id}".*?</select>', page, re.S).group(0)
    assert f'<option value="{vn}" selected>' in shown  # the choices are shown as they were
    moved = re.search(rf'name="group-{people[0].id}".*?</select>', page, re.S).group(0)
    assert f'<option value="{th}" selected>' in moved
    assert db.session.get(Registration, people[2].id).group_id == vn


def test_add_rename_and_delete_groups(client, login, trainer, course, people, make_exercise):
    login(trainer)
    assert post(client, action="add", **{"new-name": "  Coastal   provinces "}).status_code == 302
    assert post(client, action="add", **{"new-name": "Highlands"}).status_code == 302
    response = post(client, action="add", **{"new-name": "highlands"})
    assert response.status_code == 400 and 'value="highlands"' in response.get_data(as_text=True)
    assert post(client, action="add", **{"new-name": "   "}).status_code == 400
    coastal, highlands = db.session.scalars(sa.select(WorkingGroup).order_by(WorkingGroup.position)).all()
    assert (coastal.name, coastal.position, highlands.position) == ("Coastal provinces", 0, 1)
    response = post(client, action="rename", group=str(highlands.id), name="coastal PROVINCES")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Another group is already called" in page and 'value="coastal PROVINCES"' in page  # kept
    assert post(client, action="rename", group=str(highlands.id), name="Mountains").status_code == 302
    db.session.refresh(highlands)
    assert highlands.name == "Mountains"

    client.post(PAGE, data={"action": "assign", f"group-{people[0].id}": str(coastal.id),
                            f"group-{people[1].id}": str(highlands.id)})
    exercise = make_exercise(course, "M11", mode="team")
    db.session.add(Worksheet(exercise=exercise, group_id=coastal.id, answers={"top_priorities": "Plan"}, version=1))
    db.session.add(Worksheet(exercise=exercise, group_id=highlands.id, answers={}, version=0))  # empty
    db.session.commit()
    response = post(client, action="delete", group=str(coastal.id))
    assert response.status_code == 400
    assert "holds a saved worksheet, so it is not deleted" in response.get_data(as_text=True)
    assert db.session.get(WorkingGroup, coastal.id) is not None
    assert db.session.get(Registration, people[0].id).group_id == coastal.id
    gone = highlands.id
    assert post(client, action="delete", group=str(gone)).status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkingGroup, gone) is None and count(Worksheet) == 1
    assert db.session.get(Registration, people[1].id).group_id is None
    assert post(client, action="delete", group="nonsense").status_code == 404


def test_another_courses_trainer_cannot_see_or_change_the_groups(client, login, make_user, course, people):
    login(make_user(email="other@example.org"))
    assert client.get(PAGE).status_code == 403
    assert post(client, action="add", **{"new-name": "Mine"}).status_code == 403
    assert count(WorkingGroup) == 0


def test_the_course_page_links_the_groups(client, login, trainer, course):
    login(trainer)
    assert f'href="{PAGE}"' in client.get(f"/manage/courses/{SLUG}/").get_data(as_text=True)


# --- import ------------------------------------------------------------------------------------------

def upload(client, text: str, name: str = "groups.csv"):
    return client.post(f"/manage/courses/{SLUG}/groups/import",
                       data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def test_import_makes_the_groups_named_and_places_everyone_listed(client, login, trainer, course, people):
    login(trainer)
    coastal = operations.add_group(course, "Coastal")
    db.session.commit()
    text = (f"ID,Email,Name,Group\n,P1@example.org,Anyone,coastal\n,p2@example.org,,Red River\n"
            f"{people[4].id},,,Mekong\n\n")
    response = upload(client, text)
    assert response.status_code == 302, response.get_data(as_text=True)
    groups = groups_of(course)
    assert groups == {"Coastal": ["Person 01 VN"], "Red River": ["Person 02 VN"], "Mekong": ["Person 05 ID"]}
    assert db.session.get(WorkingGroup, coastal.id).country == "VN"
    assert "3 participants placed in groups." in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("text,problems", [
    ("Name,Group\nA,Red River\n", ["The file needs a column “Email” or “ID”"]),
    ("Email,Team\np1@example.org,Red River\n", ["Row 1, Group: This column is missing."]),
    ("Email,Group\np1@example.org,Red River\np3@example.org,Delta\nP1@example.org,Delta\n",
     ["Row 4: This person is also in row 2."]),
    ("Email,Group\np1@example.org,Red River\nnobody@example.org,Delta\npending@example.org,Delta\n"
     "p2@example.org,\n",
     ["Row 3, Email: No approved participant of this course has the email nobody@example.org.",
      "Row 4, Email: No approved participant of this course has the email pending@example.org.",
      "Row 5, Group: This is required."]),
    ("ID,Group\n123456,Delta\nabc,Delta\n",
     ["Row 2, ID: No approved participant of this course has the ID 123456.",
      "Row 3, ID: No approved participant of this course has the ID abc."]),
    ("Email,Group\n", ["Row 2: The file has no rows to import."]),
])
def test_a_bad_file_changes_nothing_and_says_which_rows(client, login, trainer, course, people, text, problems):
    login(trainer)
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported. Problems found:" in page
    for problem in problems:
        assert problem in page
    assert count(WorkingGroup) == 0
    assert all(p.group_id is None for p in operations.placeable(course))


def test_an_unreadable_file_is_refused(client, login, trainer, course, people):
    login(trainer)
    response = upload(client, "Email,Group\n", name="groups.txt")
    assert response.status_code == 400 and "neither a CSV nor an XLSX file" in response.get_data(as_text=True)
