"""An autosave that sends only the rows that changed (``delta=1``, as worksheet.js sends once it
knows the server's state): the other rows come from the version the save started from, removed
rows are named, and every guarantee of a whole-form save holds (merge, conflicts, checks)."""
import pytest

from app.toolkit.models import WorksheetRevision
from helpers import count
from test_toolkit_fill import autosave, row, sheet_of, team  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("team")


def delta(*rows, removed=(), **fields) -> dict:
    data = {"delta": "1", **fields}
    for cells in rows:
        data.update(cells)
    return {**data, "actions-removed": list(removed)} if removed else data


def three_rows(client, ha):
    """Ha's sheet at version 1: rows a, b and c, and a sign-off."""
    answer = autosave(client, ha, "M11", {**row(0, row_id="a", action="Alpha", status="planned"),
                                          **row(1, row_id="b", action="Bravo"),
                                          **row(2, row_id="c", action="Charlie"), "sign_off": "Hà"})
    assert answer.json["version"] == 1
    return answer


def actions(plan, person) -> list[tuple[str, str]]:
    return [(r["row_id"], r["action"]) for r in sheet_of(plan, person).answers["actions"]]


def test_one_changed_row_is_saved_in_its_place_and_the_others_stay(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    three_rows(client, ha)
    answer = autosave(client, ha, "M11", delta(row(7, row_id="b", action="Bravo two"), sign_off="Hà"),
                      version=1, save_key="k1")
    assert answer.status_code == 200 and answer.json["version"] == 2 and not answer.json["conflicts"]
    assert actions(plan, ha) == [("a", "Alpha"), ("b", "Bravo two"), ("c", "Charlie")]
    assert sheet_of(plan, ha).answers["actions"][0]["status"] == "planned"
    # The reply is the whole state: the page learns of every row.
    assert answer.json["rows"] == {"actions": ["a", "b", "c"]}
    # Nothing changed: no new version.
    same = autosave(client, ha, "M11", delta(sign_off="Hà"), version=2, save_key="k2")
    assert same.json["version"] == 2 and count(WorksheetRevision) == 2


def test_removed_rows_go_new_rows_come_after_and_a_no_script_delete_counts(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    three_rows(client, ha)
    autosave(client, ha, "M11", delta(row(3, row_id="d", action="Delta"), removed=["a"], sign_off="Hà"),
             version=1)
    assert actions(plan, ha) == [("b", "Bravo"), ("c", "Charlie"), ("d", "Delta")]
    autosave(client, ha, "M11", delta(row(1, row_id="c", action="Charlie", delete="1"), sign_off="Hà"),
             version=2)
    assert actions(plan, ha) == [("b", "Bravo"), ("d", "Delta")]


def test_a_teammates_rows_and_edits_since_the_base_are_kept_and_a_clash_is_a_conflict(client, team):
    _course, plan, _indicators, ha, minh, _sari = team
    three_rows(client, ha)
    # Minh, from version 1, edits row c and adds row m.
    autosave(client, minh, "M11", {**row(0, row_id="a", action="Alpha", status="planned"),
                                   **row(1, row_id="b", action="Bravo"),
                                   **row(2, row_id="c", action="Charlie (Minh)"),
                                   **row(3, row_id="m", action="Minh's row"), "sign_off": "Hà"}, version=1)
    # Ha, still on version 1, removes b and edits a and c.
    answer = autosave(client, ha, "M11", delta(row(0, row_id="a", action="Alpha (Hà)", status="planned"),
                                               row(2, row_id="c", action="Charlie (Hà)"),
                                               removed=["b"], sign_off="Hà"), version=1)
    [conflict] = answer.json["conflicts"]
    assert (conflict["row_id"], conflict["mine"], conflict["theirs"]) == ("c", "Charlie (Hà)", "Charlie (Minh)")
    assert actions(plan, ha) == [("a", "Alpha (Hà)"), ("c", "Charlie (Minh)"), ("m", "Minh's row")]


def test_a_wrong_cell_keeps_its_stored_value_and_is_named_as_on_the_page(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    three_rows(client, ha)
    answer = autosave(client, ha, "M11", delta(row(5, row_id="c", action="Charlie", start="1850-01-01"),
                                               sign_off="Hà"), version=1)
    assert list(answer.json["errors"]) == ["actions-5-start"]
    assert actions(plan, ha) == [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie")]


def test_the_row_limit_counts_the_rows_kept(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    three_rows(client, ha)  # 3 rows; the action plan takes 40
    new = [row(10 + n, row_id=f"n{n}", action=f"New {n}") for n in range(38)]
    refused = autosave(client, ha, "M11", delta(*new, sign_off="Hà"), version=1)
    assert refused.status_code == 400 and "at most 40 rows" in refused.json["error"]
    assert len(sheet_of(plan, ha).answers["actions"]) == 3
    kept = autosave(client, ha, "M11", delta(*new, removed=["a"], sign_off="Hà"), version=1)
    assert kept.status_code == 200 and len(sheet_of(plan, ha).answers["actions"]) == 40


def test_more_removed_rows_than_a_table_holds_is_refused(client, team):
    _course, plan, _indicators, ha, _minh, _sari = team
    three_rows(client, ha)
    refused = autosave(client, ha, "M11", delta(removed=[f"x{n}" for n in range(41)], sign_off="Hà, Lan"),
                       version=1)
    assert refused.status_code == 400 and "Reload the page" in refused.json["error"]
    assert sheet_of(plan, ha).answers["sign_off"] == "Hà" and count(WorksheetRevision) == 1
