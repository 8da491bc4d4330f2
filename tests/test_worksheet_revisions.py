"""A worksheet's history stores what each save changed, not the whole sheet again: every
version is rebuilt exactly, a 19-row plan's one-row edit stores one row, saves from an older
version still merge, and a downgrade of the schema writes every version whole again."""
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app import create_app
from app.extensions import db
from app.toolkit import filling, operations, revisions
from app.toolkit.models import WorksheetRevision

# --- the stored form, without a database -----------------------------------------------------

ROW_IDS = ["r1", "r2", "r3", "r4", "__proto__", "r 6"]
text = st.text(alphabet="aáឃ ", max_size=4)
row = st.fixed_dictionaries({"row_id": st.sampled_from(ROW_IDS)},
                            optional={"action": text, "partners": st.lists(text, max_size=2)})
answers = st.dictionaries(
    st.sampled_from(["title", "ticks", "actions", "costs", "note"]),
    st.one_of(text, st.lists(text, max_size=3), st.lists(row, max_size=5),
              st.lists(st.fixed_dictionaries({"action": text}), max_size=2), st.none()),
    max_size=5)


def stored_history(versions: list[dict]) -> list[SimpleNamespace]:
    """The revision rows ``versions`` (1, 2, …) leave, through JSON as a database keeps them."""
    rows, before = [], {}
    for number, after in enumerate(versions, start=1):
        whole, changes = revisions.stored_form(number, before, after)
        rows.append(SimpleNamespace(version=number, answers=json.loads(json.dumps(whole)),
                                    changes=json.loads(json.dumps(changes))))
        before = after
    return rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(answers, min_size=1, max_size=45))
def test_every_version_is_rebuilt_exactly(versions):
    rows = stored_history(versions)
    rebuilt = revisions.rebuild(rows, 0, len(versions))
    assert rebuilt == {0: {}, **dict(enumerate(versions, start=1))}
    for low in (1, 20, 21, 22):
        if low <= len(versions):  # what chain() selects: from the whole one at or before low
            start = max(number for number in range(1, low + 1) if rows[number - 1].answers is not None)
            assert revisions.rebuild(rows[start - 1:], low, low) == {low: versions[low - 1]}


def test_a_cut_history_rebuilds_nothing_past_the_cut():
    versions = [{"title": str(number)} for number in range(1, 26)]
    rows = [row for row in stored_history(versions) if row.version != 5]
    rebuilt = revisions.rebuild(rows, 1, 25)
    assert set(rebuilt) == {1, 2, 3, 4, *range(21, 26)}
    assert rebuilt[22] == {"title": "22"}
    rows[1].changes = {"rows": {"actions": {"order": ["r9"], "changed": []}}}  # not a row of v1
    assert set(revisions.rebuild(rows, 1, 4)) == {1}


# --- on a real sheet ------------------------------------------------------------------------------

def plan(rows: int, edited: int | None = None, text: str = "") -> dict:
    return {"title": "Viet Nam NAP", "actions": [
        {"row_id": f"r{index}", "action": f"Action {index}" + (text if index == edited else ""),
         "responsible": "MOLISA", "when": "2026"} for index in range(rows)]}


@pytest.fixture
def sheet(make_course, make_registration, make_exercise, db):
    course = make_course()
    exercise = make_exercise(course, "M11", mode="team")
    ha = make_registration(course)
    sheet = operations.sheet_for(exercise, ha)
    db.session.commit()
    return sheet, ha


def test_a_one_row_edit_stores_one_row_and_every_version_reads_back(app, sheet):
    sheet, ha = sheet
    saved = {}
    for version in range(1, 26):
        saved[version] = plan(19, edited=version % 19, text=f" (v{version})")
        operations.record(sheet, saved[version], base_version=version - 1, registration=ha)
    db.session.commit()
    stored = db.session.scalars(sa.select(WorksheetRevision).where(
        WorksheetRevision.worksheet_id == sheet.id).order_by(WorksheetRevision.version)).all()
    assert [r.version for r in stored if r.answers is not None] == [1, 21]
    delta = stored[1]
    assert delta.changes["set"] == {} and delta.changes["unset"] == []
    assert [row["row_id"] for row in delta.changes["rows"]["actions"]["changed"]] == ["r1", "r2"]
    assert len(json.dumps(delta.changes)) * 4 < len(json.dumps(saved[2]))
    for version in range(1, 26):
        assert operations.revision_answers(sheet, version) == saved[version]
    assert operations.revision_answers(sheet, 0) == {}
    assert operations.revision_answers(sheet, 26) is None


def test_a_save_from_an_older_version_merges_against_it(app, sheet):
    sheet, ha = sheet
    for version in range(1, 24):  # past the whole version 21
        operations.record(sheet, plan(3, edited=1, text=f" v{version}"), base_version=version - 1,
                          registration=ha)
    db.session.commit()
    form = MultiDict({"actions-0-row_id": "r0", "actions-0-action": "Action 0 (mine)",
                      "actions-1-row_id": "r1", "actions-1-action": "Action 1 (mine)",
                      "actions-2-row_id": "r2", "actions-2-action": "Action 2"})
    with app.test_request_context(method="POST"):
        result = filling.save_form(sheet, form, base_version=22, registration=ha)
        db.session.commit()
    rows = {row["row_id"]: row["action"] for row in sheet.answers["actions"]}
    assert rows["r0"] == "Action 0 (mine)"  # nobody else changed it since version 22
    assert rows["r1"] == "Action 1 v23"  # changed by version 23: theirs stays…
    assert [(c["row_id"], c["mine"]) for c in result.conflicts] == [("r1", "Action 1 (mine)")]


def test_the_history_page_shows_what_each_version_changed(client, sheet):
    sheet, ha = sheet
    for version in range(1, 24):
        operations.record(sheet, plan(3, edited=version % 3, text=f" v{version}"),
                          base_version=version - 1, registration=ha)
    db.session.commit()
    page = client.get(f"/p/{ha.token}/worksheets/M11/history").get_data(as_text=True)
    assert "Action 2 v23" in page and "Action 1 v22" in page and "Action 0 v21" in page


# --- the schema's downgrade ---------------------------------------------------------------------

def test_a_downgrade_writes_every_version_whole(empty_database):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database,
                      "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        from app.demo import seed

        seed()
        db.session.commit()
        sheet = db.session.scalar(sa.select(WorksheetRevision).order_by(WorksheetRevision.id)).worksheet
        saved = {1: operations.revision_answers(sheet, 1)}
        for version in range(2, 5):
            saved[version] = {**saved[version - 1], "note": f"version {version}"}
            operations.record(sheet, saved[version], base_version=version - 1)
        db.session.commit()
        downgrade(revision="84c0bce392c6")
        with db.engine.connect() as connection:
            kept = dict(connection.execute(sa.text(
                "SELECT version, answers FROM worksheet_revision WHERE worksheet_id = :id"),
                {"id": sheet.id}).all())
        db.session.remove()
        db.engine.dispose()
    assert {version: json.loads(value) if isinstance(value, str) else value
            for version, value in kept.items()} == saved
