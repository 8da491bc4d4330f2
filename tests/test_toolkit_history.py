"""A worksheet's history: what each version changed, and restoring an earlier version (as a new
version: nothing is overwritten), by the trainers and by the team."""
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.toolkit import filling, history, operations
from app.toolkit.models import WorksheetRevision
from app.toolkit.modules import get

SLUG = "history-2025"


@pytest.fixture
def trainer(make_user):
    return make_user(email="lead@example.org")


@pytest.fixture
def plan(make_course, make_exercise, trainer):
    return make_exercise(make_course(trainer=trainer, slug=SLUG), "M11", mode="team")


@pytest.fixture
def ha(plan, make_registration):
    return make_registration(plan.course)


def save(app, exercise, registration, data: dict):
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, registration)
        filling.save_form(sheet, MultiDict(data), base_version=sheet.version, registration=registration)
        db.session.commit()
    return sheet


def two_rows_then_erased(app, plan, ha):
    """Version 1 holds two actions; version 2 is the empty form a link checker's HEAD saved."""
    save(app, plan, ha, {"actions-0-action": "Draft MOHA plan", "actions-0-status": "planned",
                         "actions-1-action": "Train police", "top_priorities": "Issue the plan"})
    return save(app, plan, ha, {})


def test_changes_name_each_field_and_row_that_differs(app):
    module = get("M11")
    before = {"top_priorities": "Issue the plan", "sign_off": "",
              "actions": [{"row_id": "a", "action": "Draft MOHA plan", "status": "planned"},
                          {"row_id": "b", "action": "Train police"}]}
    after = {"top_priorities": "Issue the plan by September", "sign_off": None,
             "actions": [{"row_id": "a", "action": "Draft MOHA plan", "status": "done"},
                         {"row_id": "c", "action": "Brief the province"}]}
    with app.test_request_context():
        ctx = operations.Context(country="VN", answers=after, references={},
                                 translate=operations.translate)
        found = history.changes(module, ctx, before, after)
    kinds = [(c.kind, c.row) for c in found]
    assert ("changed", None) in kinds  # top priorities; the blank sign-off counts as no change
    assert ("changed", 1) in kinds and ("added", 2) in kinds and ("removed", 2) in kinds
    assert len(found) == 4
    assert next(c for c in found if c.kind == "added").after == "Brief the province"
    assert next(c for c in found if c.kind == "removed").before == "Train police"
    assert history.changes(module, ctx, before, before) == []


def test_a_trainer_sees_what_changed_and_restores_the_lost_rows(app, client, login, trainer, plan,
                                                                 ha):
    sheet = two_rows_then_erased(app, plan, ha)
    assert sheet.version == 2 and sheet.answers["actions"] == []
    login(trainer)
    review = f"/courses/{SLUG}/exercises/M11/sheets/{sheet.id}"
    page = client.get(review).get_data(as_text=True)
    assert "Version 2" in page and "Row 1 removed from" in page and "Train police" in page
    assert "Restore version 1" in page and "Restore version 2" not in page

    response = client.post(review, data={"action": "restore", "version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sheet.version == 3
    assert [row["action"] for row in sheet.answers["actions"]] == ["Draft MOHA plan", "Train police"]
    newest = db.session.scalar(sa.select(WorksheetRevision).where(
        WorksheetRevision.worksheet_id == sheet.id, WorksheetRevision.version == 3))
    assert (newest.restored_from, newest.user_id, newest.registration_id) == (1, trainer.id, None)
    assert db.session.scalar(sa.select(sa.func.count(WorksheetRevision.id)).where(
        WorksheetRevision.worksheet_id == sheet.id)) == 3  # versions 1 and 2 are still there
    page = client.get(review).get_data(as_text=True)
    assert "restores version 1" in page and "Row 2 added to" in page


def test_the_team_restores_from_its_own_link(app, client, plan, ha, make_registration):
    minh = make_registration(plan.course, email="minh@example.vn", certificate_name="Trần Văn Minh")
    sheet = two_rows_then_erased(app, plan, ha)
    fill_page = client.get(f"/p/{minh.token}/worksheets/M11").get_data(as_text=True)
    assert f"/p/{minh.token}/worksheets/M11/history" in fill_page
    url = f"/p/{minh.token}/worksheets/M11/history"
    assert "Restore version 1" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"action": "restore", "version": "1"}, follow_redirects=True)
    assert "restored as version 3" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(sheet.answers["actions"]) == 2 and sheet.saved_by_id == minh.id


@pytest.mark.parametrize("version,message", [
    ("99", "has no version 99"), ("abc", "has no version 0"), ("-1", "has no version 0"),
    ("2", "is the same as the worksheet now")])
def test_a_restore_that_cannot_be_done_says_why_and_changes_nothing(app, client, plan, ha, version,
                                                                     message):
    sheet = two_rows_then_erased(app, plan, ha)
    url = f"/p/{ha.token}/worksheets/M11/history"
    response = client.post(url, data={"action": "restore", "version": version}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert sheet.version == 2 and sheet.answers["actions"] == []


def test_a_final_sheet_is_not_restored(app, client, plan, ha):
    sheet = two_rows_then_erased(app, plan, ha)
    sheet.status = "final"
    db.session.commit()
    url = f"/p/{ha.token}/worksheets/M11/history"
    assert "Restore version" not in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"action": "restore", "version": "1"}, follow_redirects=True)
    assert "reopen it first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sheet.version == 2


def test_long_histories_come_a_page_at_a_time(app, client, plan, ha):
    for number in range(history.PAGE + 3):
        save(app, plan, ha, {"top_priorities": f"Priority {number}"})
    url = f"/p/{ha.token}/worksheets/M11/history"
    first = client.get(url).get_data(as_text=True)
    newest = history.PAGE + 3
    assert f"Version {newest}" in first and f"Version {newest - history.PAGE}<" not in first
    assert f"?before={newest - history.PAGE + 1}" in first
    older = client.get(f"{url}?before={newest - history.PAGE + 1}").get_data(as_text=True)
    assert "Version 1<" in older and f"Version {newest}<" not in older
    assert client.get(f"{url}?before=x'%20OR%201=1").status_code == 200
